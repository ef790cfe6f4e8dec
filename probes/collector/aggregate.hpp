// aggregate.hpp — one named aggregate (pmacct `aggregate[name]` + `aggregate_filter[name]`): filter, pack the
// primitives into a fixed-width binary key, add packets/bytes/flows. Variable-length values are keyed by a 32-bit
// id: an AS path by its id in the BGP tables' bgp::AttrStore (PathKeys: no text, no hash of the path per record),
// communities by an id interned per aggregate. Rows are formatted (the path's text built) only when asked for.
#pragma once

#include "common/result.hpp"
#include "probes/bgp/flat_map.hpp"
#include "probes/collector/enrich.hpp"
#include "probes/collector/filter.hpp"
#include "probes/collector/primitives.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace flowlab::collector {

struct AggregateSpec {
  std::string name;
  std::vector<Primitive> primitives;
  std::string filter;  // Filter syntax; empty: every flow
};

// values: pmacct text format, in primitive order (record_format decides quoting).
struct Row {
  std::vector<std::string> values;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t flows = 0;
};

// AS paths as key values: the path's id in one bgp::AttrStore (RouteAttributes::path_index), pinned there
// (AttrStore::pin_path) from the first key that uses it until clear(), so the id keeps naming that path — even after
// every route with it is withdrawn — and never another path while a row holds it. Key value: id + 1; 0 for no route
// and for the empty path (both print ""). The store is the first view's (Rib::shared_store); a route of another
// store (or a RouteAttributes built outside a store, as the ClickHouse writer does) is pinned by content, so equal
// paths get one key whatever object holds them. Without any view the PathKeys owns a private store.
class PathKeys {
 public:
  PathKeys() = default;
  ~PathKeys() { clear(); }
  PathKeys(PathKeys&& o) noexcept;
  PathKeys& operator=(PathKeys&& o) noexcept;
  PathKeys(const PathKeys&) = delete;
  PathKeys& operator=(const PathKeys&) = delete;

  // The key value of a route's AS path (0: no route); `view` is the Rib the route came from (nullptr: unknown).
  std::uint32_t key(const bgp::RouteAttributes* route, const bgp::Rib* view) {
    if (route == nullptr) {
      return 0;
    }
    const std::uint32_t id = route->path_index;
    if (id < slots_.size() && slots_[id].path == route->as_path.get()) {
      return slots_[id].key;  // pinned by us, so the object is still that id's path
    }
    return first_sight(route, view);
  }
  // The path as pmacct prints it ('_' for blanks); "" for key 0.
  [[nodiscard]] std::string text(std::uint32_t key) const;
  void clear();  // every pin given back

 private:
  std::uint32_t first_sight(const bgp::RouteAttributes* route, const bgp::Rib* view);
  std::uint32_t pinned(std::uint32_t id);  // the key of an id pinned just now (or before, then the pin is returned)

  struct Slot {
    const bgp::AsPath* path = nullptr;  // the store's object for the id; nullptr: not pinned by us
    std::uint32_t key = 0;
  };
  std::shared_ptr<bgp::AttrStore> store_;
  std::vector<Slot> slots_;            // by path id
  std::vector<std::uint32_t> pinned_;  // the ids we pinned
};

class Aggregate {
 public:
  // Fails on a bad filter ("aggregate NAME: filter: col N: ...") or an empty/duplicate primitive list.
  static Result<Aggregate> create(AggregateSpec spec);

  void add(const EnrichedFlow& flow);  // filter, then key -> counters
  // add() of a datagram's flows in stages, so their cache misses overlap: every key built and hashed with its hash
  // slot prefetched, then the entries the slots name prefetched, then the probes and counter updates.
  void add(std::span<const EnrichedFlow> flows);
  // One flow as rows() would print it, not counted and not filtered (outputs of single records: ClickHouse).
  [[nodiscard]] Row row_of(const EnrichedFlow& flow);
  [[nodiscard]] std::vector<Row> rows() const;  // in first-seen order
  void clear();
  [[nodiscard]] const AggregateSpec& spec() const { return spec_; }
  [[nodiscard]] std::size_t size() const { return counters_.size(); }
  [[nodiscard]] std::size_t key_width() const { return key_width_; }
  [[nodiscard]] std::uint64_t filtered_out() const { return filtered_out_; }  // flows the filter rejected

  // Where a key field's value comes from (decided once per field in create(), so build_key() switches once).
  enum class FieldSource : std::uint8_t { kRecord, kEnrichment, kDstRoute, kSrcRoute };

 private:
  struct Counters {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::uint64_t flows = 0;
  };
  struct Field {
    Primitive primitive;
    std::uint32_t offset;
    FieldSource source;
  };
  // Interned variable-length values: bytes -> id, id -> printed text.
  struct Dictionary {
    std::unordered_map<std::string, std::uint32_t> ids;
    std::vector<std::string> text;
    std::uint32_t intern(const std::string& key, const std::string& printed_if_new);
  };

  Aggregate() = default;
  void build_key(const EnrichedFlow& flow, std::uint8_t* key);
  std::uint8_t* key_of(const EnrichedFlow& flow);              // the flow's key in scratch_
  void key_into(const EnrichedFlow& flow, std::uint8_t* key);  // the flow's key at `key` (key_width_ bytes)
  void count(std::uint32_t index, const EnrichedFlow& flow);
  void put_route_field(Primitive p, const bgp::RouteAttributes* route, const bgp::Rib* view, std::uint8_t* at);
  std::uint32_t communities_id(char tag, const bgp::RouteAttributes* route);  // interned std/ext/large list
  [[nodiscard]] std::string format_field(const Field& field, const std::uint8_t* key) const;
  [[nodiscard]] std::vector<std::string> values_of(const std::uint8_t* key) const;  // every field, printed
  std::uint32_t find_or_insert(const std::uint8_t* key, std::uint64_t hash);
  void grow();

  AggregateSpec spec_;
  Filter filter_;
  std::vector<Field> fields_;
  std::size_t key_width_ = 0;
  std::vector<std::uint8_t> keys_;     // size() keys of key_width_ bytes, first-seen order
  std::vector<Counters> counters_;     // parallel to keys_
  std::vector<std::uint64_t> hashes_;  // parallel to keys_
  std::vector<std::uint32_t> slots_;   // open addressing: entry index + 1, 0 = empty
  std::vector<std::uint8_t> scratch_;  // key under construction
  // add(span) scratch: the batch's keys, their hashes and the flows they belong to (filtered ones left out).
  std::vector<std::uint8_t> batch_keys_;
  std::vector<std::uint64_t> batch_hashes_;
  std::vector<std::uint32_t> batch_flows_;
  std::string value_scratch_;  // variable-length value under construction
  PathKeys paths_;             // AS paths
  Dictionary communities_;     // std / ext / large communities (kind-tagged)
  std::uint64_t filtered_out_ = 0;
};

}  // namespace flowlab::collector
