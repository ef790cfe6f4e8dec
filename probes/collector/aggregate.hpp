// aggregate.hpp — one named aggregate (pmacct `aggregate[name]` + `aggregate_filter[name]`): filter, pack the
// primitives into a fixed-width binary key, add packets/bytes/flows. Variable-length values are keyed by a 32-bit
// id: an AS path by its id in the BGP tables' bgp::AttrStore (PathKeys: no text, no hash of the path per record),
// communities by an id interned per aggregate. Rows are formatted (the path's text built) only when asked for.
#pragma once

#include "common/result.hpp"
#include "probes/bgp/flat_map.hpp"
#include "probes/collector/enrich.hpp"
#include "probes/collector/filter.hpp"
#include "probes/collector/path_keys.hpp"
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

// Receives one flow's values, field by field in the aggregate's order (Aggregate::visit_row): number primitives
// (ValueKind::kNumber) as numbers, every other one as the text rows() prints. A view passed to text() is valid
// only during that call.
class ValueSink {
 public:
  virtual void number(std::uint64_t value) = 0;
  virtual void text(std::string_view value) = 0;

  ValueSink() = default;
  virtual ~ValueSink() = default;
  ValueSink(const ValueSink&) = default;
  ValueSink& operator=(const ValueSink&) = default;
  ValueSink(ValueSink&&) = default;
  ValueSink& operator=(ValueSink&&) = default;
};

class Aggregate {
 public:
  // Fails on a bad filter ("aggregate NAME: filter: col N: ...") or an empty/duplicate primitive list.
  static Result<Aggregate> create(AggregateSpec spec);

  void add(const EnrichedFlow& flow);  // filter, then key -> counters
  // add() of a datagram's flows in stages, so their cache misses overlap: every key built and hashed with its hash
  // slot prefetched, then the entries the slots name prefetched, then the probes and counter updates.
  void add(std::span<const EnrichedFlow> flows);
  // One flow's values as rows() would print them, not counted and not filtered, handed to `sink` (outputs of single
  // records: ClickHouse). AS paths and communities are printed once per distinct value, numbers not at all.
  void visit_row(const EnrichedFlow& flow, ValueSink& sink);

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
  [[nodiscard]] static std::uint64_t number_field(const Field& field, const std::uint8_t* key);  // kNumber fields
  [[nodiscard]] std::string_view community_text(std::uint32_t id) const;                         // "" for id 0 (none)
  [[nodiscard]] std::vector<std::string> values_of(const std::uint8_t* key) const;               // every field, printed
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
