// output_clickhouse.hpp — `outputs.clickhouse`: every enriched record as one row of the ClickHouse raw table
// (clickhouse_schema.hpp), sent in batches by a writer thread so the receive path never waits for the server.
//
// The io thread formats no text: it copies each record's values into a fixed-size StoreRow (the flow record, the
// enrichment, per route a shared_ptr to the immutable AS path and the id of its interned communities/LOCAL_PREF/MED)
// in a bounded queue of batches whose row storage is reused, so the receive path does not allocate per record; a full
// queue drops the row and counts it (rows_dropped). The writer thread formats each row (the `pmacct -s -O json`
// values of every primitive, plus the receive time) into one block of ClickHouse's Native format and sends a batch once
// it holds batch_rows rows or flush_interval has passed (INSERT ... FORMAT Native), and retries a failed INSERT with
// exponential backoff (100 ms doubling to 5 s) until it succeeds, so nothing is lost while the server is reachable
// and the queue has room. At every moment rows_inserted + rows_dropped + rows_queued = rows_produced.
#pragma once

#include "common/result.hpp"
#include "probes/collector/aggregate.hpp"
#include "probes/collector/clickhouse_http.hpp"
#include "probes/collector/config.hpp"
#include "probes/collector/enrich.hpp"
#include "probes/collector/output_clickhouse_row.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace flowlab::collector {

struct ClickHouseCounters {
  std::uint64_t rows_produced = 0;  // records handed to add()
  std::uint64_t rows_inserted = 0;  // acknowledged by the server
  std::uint64_t rows_dropped = 0;   // queue full, or still unsent when stop() gave up
  std::uint64_t rows_queued = 0;    // waiting or in flight
  std::uint64_t inserts = 0;        // successful INSERT requests
  std::uint64_t insert_errors = 0;  // failed INSERT requests
  std::uint64_t retries = 0;        // INSERTs tried again after an error
  std::uint64_t partitions_dropped = 0;
};

class ClickHouseOutput {
 public:
  // Creates (or checks) the schema and applies retention once — errors when the server cannot be reached or a table
  // has another schema — then starts the writer thread.
  static Result<std::unique_ptr<ClickHouseOutput>> open(ClickHouseOutputConfig config);
  ~ClickHouseOutput();
  ClickHouseOutput(const ClickHouseOutput&) = delete;
  ClickHouseOutput& operator=(const ClickHouseOutput&) = delete;

  // The io thread: a datagram's enriched records, received at `receive_ms` (UTC ms), queued under one lock.
  void add(std::span<const EnrichedFlow> flows, std::uint64_t receive_ms);
  // Sends what is queued (retrying for up to `grace`; what is still unsent is counted dropped) and ends the
  // writer thread. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

  [[nodiscard]] ClickHouseCounters counters() const;
  [[nodiscard]] const ClickHouseOutputConfig& config() const { return config_; }

  static constexpr std::chrono::milliseconds kFirstBackoff{100};
  static constexpr std::chrono::milliseconds kMaxBackoff{5000};
  static constexpr std::chrono::minutes kRetentionInterval{60};
  static constexpr std::size_t kSpareBatches = 4;     // emptied batches kept for reuse
  static constexpr std::size_t kFirstReserve = 4096;  // rows reserved in a new batch (a quiet lab stays small)

 private:
  struct Batch {
    std::vector<StoreRow> rows;           // capacity kept when the batch is recycled
    std::vector<RouteExtras> new_extras;  // interned after the previous batch: ids next_extra_id.. (in order)
    bool reset_extras = false;            // the writer forgets its extras before taking new_extras
    std::chrono::steady_clock::time_point started;
  };

  ClickHouseOutput(ClickHouseOutputConfig config, HttpUrl url, Aggregate formatter);
  // The io thread's part of one row (no lock held): fills `row` from the flow.
  void fill_row(const EnrichedFlow& flow, std::uint64_t receive_ms, StoreRow& row);
  void fill_route(const bgp::RouteAttributes* route, StoreRoute& out);
  // Queues pending_[0, n) under one lock (each row, or counts it dropped) and wakes the writer when a batch is full.
  void queue_pending(std::size_t n);
  // Queues `row` (or counts it dropped), with the extras interned since the last queued row. Under mutex_.
  bool queue_row(StoreRow& row);
  // A recycled (or new) empty batch, under mutex_.
  Batch take_batch();
  void run();
  // Sends one batch, retrying with backoff; false when it gave up (stopping and past the grace period).
  bool deliver(std::size_t rows, const std::string& body);
  bool batch_due(std::chrono::steady_clock::time_point now) const;  // under mutex_
  void apply_retention();

  ClickHouseOutputConfig config_;
  ClickHouseHttp http_;
  std::string table_;                       // database.table
  ExtrasDictionary extras_;                 // io thread only
  std::vector<RouteExtras> unsent_extras_;  // interned, not yet in a queued batch (io thread only)
  bool unsent_reset_ = false;               // the dictionary was reset since the last queued row (io thread only)
  Aggregate formatter_;                     // every primitive: formats a row's values (writer thread only)
  NativeBlockWriter encoder_;               // writer thread only
  std::string body_;                        // the batch being sent (writer thread only)
  std::vector<StoreRow> pending_;           // a datagram's rows before they are queued (io thread only, reused)

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Batch> queue_;
  std::vector<Batch> spare_;  // emptied batches, their row storage kept
  ClickHouseCounters counters_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point give_up_at_;
  bool failing_ = false;  // the last INSERT failed (logs once per outage)
  std::thread writer_;
};

}  // namespace flowlab::collector
