// output_clickhouse_row.hpp — the ClickHouse output's rows between its two threads (output_clickhouse.hpp).
//
// StoreRow is what the io thread keeps of one enriched record: plain values copied from the flow, no text and no
// heap. The flow's route pointers are only valid until the next BGP event (enrich.hpp), so of each route the row
// keeps a shared_ptr to its AS path (immutable, shared with the RIB: copying it costs a reference count) and an id
// for the rest Aggregate prints (communities, LOCAL_PREF, MED), interned by content in an ExtrasDictionary on the io
// thread; each new entry travels to the writer once, in the batch of the first row that uses it. The writer's
// NativeBlockWriter rebuilds the flow from a StoreRow, has an Aggregate print it (the same values as every other
// output) and adds the values to its columns; a batch goes to the server as one block of ClickHouse's Native format
// (columnar: per column its name, its type and every row's value), which 18.16 reads at half RowBinary's cost or
// less (docs/store.md).
#pragma once

#include "common/ip.hpp"
#include "probes/bgp/rib.hpp"
#include "probes/collector/aggregate.hpp"
#include "probes/wire/flow_record.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace flowlab::collector {

// The parts of a route's attributes a row prints besides its AS path: communities (std, ext, large), LOCAL_PREF and
// MED; nothing else is set.
using RouteExtras = bgp::PathAttributes;

struct StoreRoute {
  std::shared_ptr<const bgp::AsPath> path;  // null: no route
  std::uint32_t extras = 0;                 // ExtrasDictionary id
};

struct StoreRow {
  wire::FlowRecord record;
  bool has_record = false;
  std::uint32_t time = 0;  // receive time, UTC seconds
  IpAddress peer_ip_src;
  IpAddress peer_ip_dst;
  std::uint32_t as_src = 0;
  std::uint32_t as_dst = 0;
  std::uint32_t peer_as_src = 0;
  std::uint32_t peer_as_dst = 0;
  Prefix net_src;
  Prefix net_dst;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t flows = 0;
  StoreRoute src;
  StoreRoute dst;
};

// io thread: a route's extras -> a dense id (0, 1, ...). Looking up a known set serializes it into a buffer that is
// reused, so only a set seen for the first time allocates.
class ExtrasDictionary {
 public:
  static constexpr std::size_t kMaxEntries = 200'000;  // then the caller clears it (and tells the writer)

  // The id of `attrs`' extras; a set seen for the first time is appended to `added`.
  std::uint32_t intern(const bgp::PathAttributes& attrs, std::vector<RouteExtras>& added);
  // No room for a row's two routes: the caller clears it before filling the next row (never between a row's routes).
  [[nodiscard]] bool full() const { return ids_.size() + 2 > kMaxEntries; }
  void clear() { ids_.clear(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::string key_;
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> ids_;
};

// The aggregate whose formatter NativeBlockWriter::append prints a row with: every primitive, in all_primitives()
// order.
AggregateSpec store_formatter_spec();

// writer thread: StoreRows -> one Native block of the raw table's columns (clickhouse_schema.hpp), in their order.
// Numbers go into their columns as numbers (never printed), text as the formatter prints it.
class NativeBlockWriter : private ValueSink {
 public:
  NativeBlockWriter();
  // The extras a batch brings (after forgetting all when `reset`): ids continue from the last one taken.
  void take(std::vector<RouteExtras>& added, bool reset);
  // Adds `row` to the block, its values printed by `formatter` (an aggregate of every primitive).
  void append(Aggregate& formatter, const StoreRow& row);
  // The block of the rows added since the last finish() into `out` (replacing what it held); starts a new block.
  void finish(std::string& out);
  [[nodiscard]] std::size_t rows() const { return rows_; }

  static constexpr std::uint64_t kFormatterRows = 1'000'000;  // rows between clears of the formatter's dictionaries

 private:
  struct Column {
    std::string name;
    std::string type;  // DateTime (UInt32 seconds), UInt32, String or UInt64
    std::string data;  // the values of the block's rows, encoded; its capacity is kept between blocks
  };

  void number(std::uint64_t value) override;  // the next primitive's column (ValueSink)
  void text(std::string_view value) override;

  std::deque<RouteExtras> extras_;  // by id; a deque keeps references stable while it grows
  std::vector<Column> columns_;     // time, the primitives, packets, bytes, flows
  std::size_t next_column_ = 0;     // the column the formatter's next value goes to (append)
  std::size_t rows_ = 0;
  std::uint64_t formatted_ = 0;
};

}  // namespace flowlab::collector
