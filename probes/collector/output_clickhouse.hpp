// output_clickhouse.hpp — `outputs.clickhouse`: every enriched record as one row of the ClickHouse raw table
// (clickhouse_schema.hpp), sent in batches by a writer thread so the receive path never waits for the server.
//
// The io thread formats each record (the `pmacct -s -O json` values of every primitive, plus the receive time) and
// appends it to a bounded queue of batches; a full queue drops the row and counts it (rows_dropped). The writer
// sends a batch once it holds batch_rows rows or flush_interval has passed, and retries a failed INSERT with
// exponential backoff (100 ms doubling to 5 s) until it succeeds, so nothing is lost while the server is reachable
// and the queue has room. At every moment rows_inserted + rows_dropped + rows_queued = rows_produced.
#pragma once

#include "common/result.hpp"
#include "probes/collector/aggregate.hpp"
#include "probes/collector/clickhouse_http.hpp"
#include "probes/collector/config.hpp"
#include "probes/collector/enrich.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

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

  // The io thread: one enriched record received at `receive_ms` (UTC ms).
  void add(const EnrichedFlow& flow, std::uint64_t receive_ms);
  // Sends what is queued (retrying for up to `grace`; what is still unsent is counted dropped) and ends the
  // writer thread. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

  [[nodiscard]] ClickHouseCounters counters() const;
  [[nodiscard]] const ClickHouseOutputConfig& config() const { return config_; }

  static constexpr std::chrono::milliseconds kFirstBackoff{100};
  static constexpr std::chrono::milliseconds kMaxBackoff{5000};
  static constexpr std::chrono::minutes kRetentionInterval{60};

 private:
  struct Batch {
    std::string body;  // JSON lines
    std::size_t rows = 0;
    std::chrono::steady_clock::time_point started;
  };

  ClickHouseOutput(ClickHouseOutputConfig config, HttpUrl url, Aggregate formatter);
  void run();
  // Sends one batch, retrying with backoff; false when it gave up (stopping and past the grace period).
  bool deliver(const Batch& batch);
  bool batch_due(std::chrono::steady_clock::time_point now) const;  // under mutex_
  void apply_retention();

  ClickHouseOutputConfig config_;
  ClickHouseHttp http_;
  std::string table_;    // database.table
  Aggregate formatter_;  // every primitive: formats a flow's values (io thread only)
  std::string line_;     // the row under construction (io thread only)

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Batch> queue_;
  ClickHouseCounters counters_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point give_up_at_;
  bool failing_ = false;  // the last INSERT failed (logs once per outage)
  std::thread writer_;
};

}  // namespace flowlab::collector
