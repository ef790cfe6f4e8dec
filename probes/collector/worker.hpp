// worker.hpp — one receive worker of flowcollector (config `workers: N`, DESIGN §6): the pipeline from datagram to
// aggregate for the exporters steered to it (steering.hpp).
//
//   its sockets (one per listen address, SO_REUSEPORT) --datagram--> tees and decoder (this worker's templates)
//     -> SequenceTracker -> SamplingTable -> Enricher (the shared BGP/BMP tables) -> its Aggregates
//     -> the shared ClickHouse queue
//
// An exporter's templates, sequence state and sampling rates live on one worker only, so nothing of them is
// shared. What is shared: the BGP and BMP tables (read here, written by the collector's thread under the
// TableLock: every worker's mutex), the tees and the ClickHouse output (WorkerShared: one mutex for both), and the
// AttrStore's path pins (their own mutex). The worker's mutex is held while it processes a datagram, and by the
// collector's thread while it reads the worker's state (queries, outputs) or changes the tables.
//
// A one-worker collector runs its worker on the collector's io_context; with more, each worker runs its own
// io_context on its own thread.
#pragma once

#include "common/result.hpp"
#include "probes/collector/aggregate.hpp"
#include "probes/collector/config.hpp"
#include "probes/collector/enrich.hpp"
#include "probes/collector/receiver.hpp"
#include "probes/collector/sampling.hpp"
#include "probes/collector/sequence.hpp"
#include "probes/wire/decoder.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

namespace flowlab::collector {

class ClickHouseOutput;
class Tee;

// What every worker writes to, behind one mutex: the tees (before decoding) and the ClickHouse queue.
struct WorkerShared {
  std::mutex mutex;
  std::vector<std::unique_ptr<Tee>>* tees = nullptr;
  ClickHouseOutput* clickhouse = nullptr;  // set by Collector::start()
  bool decode = true;                      // false: a tee-only collector (nothing decoded)
};

// A worker's counters (the collector sums them over its workers).
struct WorkerCounters {
  std::uint64_t datagrams = 0;                   // handed to the decoder
  std::uint64_t decode_errors = 0;               // datagrams the decoder refused
  std::uint64_t records = 0;                     // flow records enriched and aggregated
  std::uint64_t records_unenriched_syncing = 0;  // records whose BGP view was still syncing
  WorkerCounters& operator+=(const WorkerCounters& o);
};

class Worker {
 public:
  // Aggregates from `specs` (errors name the aggregate); the enricher reads `tables` and `bmp`.
  static Result<std::unique_ptr<Worker>> create(std::size_t index, const std::vector<AggregateSpec>& specs,
                                                const SamplingConfig& sampling, std::unique_ptr<Enricher> enricher,
                                                WorkerShared& shared);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Opens this worker's socket for every listen address on `io` (the collector's, or the worker's own with
  // own_thread), one of `workers` sharing each address. `listen` carries the ports to bind (worker 0's bound ports
  // for the others). Returns the bound listen configs.
  Result<std::vector<ListenConfig>> open(const std::vector<ListenConfig>& listen, std::size_t socket_buffer,
                                         std::size_t batch, std::size_t workers, boost::asio::io_context* io);
  void close_receivers();
  std::size_t drain();  // every queued datagram now (the io_context must not be running elsewhere)
  // The worker's own thread running its io_context (open() with io == nullptr created it); stop_thread joins it.
  void start_thread();
  void stop_thread();

  // One datagram (what this worker's sockets call; Collector::on_datagram for tests and benchmarks). Locks.
  void process(std::span<const std::byte> datagram, const IpAddress& source, std::uint16_t port,
               std::uint64_t receive_ms);

  // Read or changed by the collector's thread while it holds mutex().
  [[nodiscard]] std::mutex& mutex() const { return mutex_; }
  [[nodiscard]] std::size_t index() const { return index_; }
  [[nodiscard]] const wire::Decoder& decoder() const { return decoder_; }
  [[nodiscard]] const SequenceTracker& sequences() const { return sequences_; }
  [[nodiscard]] const SamplingTable& sampling() const { return sampling_; }
  [[nodiscard]] std::vector<Aggregate>& aggregates() { return aggregates_; }
  [[nodiscard]] const std::vector<Aggregate>& aggregates() const { return aggregates_; }
  [[nodiscard]] const WorkerCounters& counters() const { return counters_; }
  [[nodiscard]] const std::vector<std::unique_ptr<Receiver>>& receivers() const { return receivers_; }
  // A reload's new maps and sampling rules (the caller holds mutex()).
  void reconfigure(std::unique_ptr<Enricher> enricher, const SamplingConfig& sampling);

 private:
  Worker(std::size_t index, WorkerShared& shared) : index_(index), shared_(shared) {}
  void process_locked(std::span<const std::byte> datagram, const IpAddress& source, std::uint16_t port,
                      std::uint64_t receive_ms);

  std::size_t index_;
  WorkerShared& shared_;
  mutable std::mutex mutex_;
  wire::Decoder decoder_;
  SequenceTracker sequences_;
  SamplingTable sampling_;
  std::unique_ptr<Enricher> enricher_;
  std::vector<Aggregate> aggregates_;
  std::vector<std::unique_ptr<Receiver>> receivers_;
  std::vector<wire::FlowRecord> records_;  // reused per datagram
  std::vector<EnrichedFlow> flows_;        // records_ enriched, reused per datagram
  WorkerCounters counters_;
  std::unique_ptr<boost::asio::io_context> own_io_;  // with its own thread
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
};

// The rows of one aggregate over every worker: equal keys (their printed values) summed, in first-seen order —
// worker 0's rows first. Rows of one worker alone are returned as they are.
[[nodiscard]] std::vector<Row> merge_rows(std::vector<std::vector<Row>> per_worker);

}  // namespace flowlab::collector
