// aggregate.hpp — one named aggregate (pmacct `aggregate[name]` + `aggregate_filter[name]`): filter, pack the
// primitives into a fixed-width binary key, add packets/bytes/flows. Variable-length values (AS paths,
// communities) are interned per aggregate and keyed by a 32-bit id. Rows are formatted only when asked for.
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
  void put_route_field(Primitive p, const bgp::RouteAttributes* route, std::uint8_t* at);
  std::uint32_t path_id(const bgp::RouteAttributes* route);                   // interned AS path
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
  Dictionary paths_;           // AS paths
  // AS path objects -> their id in paths_: bgp::AttrStore shares one object per distinct path in a table, so a
  // path's text is built and hashed once per object, not once per record. path_refs_ keeps every key's object
  // alive, so no address is reused for another path while it is a key (cleared with the dictionary).
  struct AddressHash {
    std::size_t operator()(std::uintptr_t a) const { return bgp::detail::mix64(a); }
  };
  bgp::detail::FlatMap<std::uintptr_t, std::uint32_t, AddressHash> path_ids_;
  std::vector<std::shared_ptr<const bgp::AsPath>> path_refs_;
  // The first level in front of path_ids_, indexed by the set's RouteAttributes::path_index (read in the set's cache
  // line): a hit when the slot names the same path object (kept alive by path_refs_, so it cannot be another path).
  struct PathSlot {
    const bgp::AsPath* path = nullptr;
    std::uint32_t id = 0;
  };
  std::vector<PathSlot> path_slots_;
  Dictionary communities_;  // std / ext / large communities (kind-tagged)
  std::uint64_t filtered_out_ = 0;
};

}  // namespace flowlab::collector
