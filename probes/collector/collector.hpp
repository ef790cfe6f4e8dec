// collector.hpp — the flowcollector engine.
//
//   N receive workers (worker.hpp; config `workers`, default one per CPU), each with its own SO_REUSEPORT sockets,
//   the kernel steering every exporter to one of them by its source address (steering.hpp):
//     socket (recvmmsg) --datagram--> Tee::forward (each configured tee, before decoding)
//                                 \-> wire::Decoder (templates per exporter) -> SequenceTracker -> SamplingTable
//                                     -> Enricher (BgpTables / BmpTables) -> the worker's Aggregates
//                                     -> ClickHouseOutput's queue (its own writer thread sends the batches)
//   the collector's io_context thread:
//     bgp::Speaker --callbacks--> BgpTables            QueryServer <-> handle_query()
//     BmpListener --bmp::Feed--> BmpTables (enrich.source: bmp)
//     timers: file outputs, SQLite, BGP table dumps, stats
//   The tables are written on the collector's thread holding every worker's mutex (TableLock); queries and outputs
//   read each worker under its mutex and merge the aggregates' rows (merge_rows). One worker runs on the
//   collector's io_context; more each run their own thread.
//
// main() owns the io_context and the signals and calls write_outputs() (SIGUSR1), dump_tables() (SIGUSR2),
// reload() (SIGHUP) and stop() (SIGTERM/SIGINT: final flush). Tests and benchmarks drive on_datagram() directly.
#pragma once

#include "common/result.hpp"
#include "probes/bgp/session.hpp"
#include "probes/collector/aggregate.hpp"
#include "probes/collector/bgp_tables.hpp"
#include "probes/collector/bmp_listener.hpp"
#include "probes/collector/bmp_tables.hpp"
#include "probes/collector/config.hpp"
#include "probes/collector/enrich.hpp"
#include "probes/collector/output_clickhouse.hpp"
#include "probes/collector/outputs.hpp"
#include "probes/collector/query.hpp"
#include "probes/collector/receiver.hpp"
#include "probes/collector/sampling.hpp"
#include "probes/collector/sequence.hpp"
#include "probes/collector/sqlite_store.hpp"
#include "probes/collector/table_lock.hpp"
#include "probes/collector/tee.hpp"
#include "probes/collector/worker.hpp"
#include "probes/wire/decoder.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace flowlab::collector {

struct CollectorCounters {
  std::uint64_t datagrams = 0;      // handed to the decoder (every worker)
  std::uint64_t decode_errors = 0;  // datagrams the decoder refused
  std::uint64_t records = 0;        // flow records enriched and aggregated
  std::uint64_t output_errors = 0;  // file / SQLite / dump writes that failed
  std::uint64_t output_writes = 0;
  std::uint64_t table_dumps = 0;
  std::uint64_t records_unenriched_syncing = 0;  // records whose BGP view was still syncing (bgp_tables.hpp)
};

class Collector {
 public:
  // Builds decoder, maps, aggregates and tees from the config (errors: maps' file:line:col, filters, tee files).
  // Nothing is bound until start().
  static Result<std::unique_ptr<Collector>> create(boost::asio::io_context& io, CollectorConfig config);
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // Opens the receivers, the BGP speaker, the query socket and the SQLite store; starts the timers.
  Status start();
  // Final flush (outputs, table dump when configured), Cease to BGP peers, closes everything. Idempotent.
  void stop();

  void write_outputs();  // SIGUSR1 and the query `flush`: every file output and SQLite now
  void dump_tables();    // SIGUSR2: the BGP table dump files now
  Status reload();       // SIGHUP: re-read the config's maps, tee receivers and listeners

  // One datagram, processed on the calling thread by the worker the kernel would steer its source to (tests and
  // benchmarks; the workers' own sockets call Worker::process).
  void on_datagram(std::span<const std::byte> datagram, const IpAddress& source, std::uint16_t port,
                   std::uint64_t receive_ms);

  // The query socket's dispatcher (exposed for tests).
  nlohmann::json handle_query(const nlohmann::json& request);
  [[nodiscard]] nlohmann::json counters_json() const;
  [[nodiscard]] nlohmann::json stats_json() const;  // the short form printed by --json / on exit

  [[nodiscard]] const CollectorConfig& config() const { return config_; }
  // An aggregate's rows over every worker (merge_rows); nullopt when no aggregate has that name.
  [[nodiscard]] std::optional<std::vector<Row>> rows(const std::string& aggregate) const;
  [[nodiscard]] BgpTables& tables() { return tables_; }
  [[nodiscard]] const BmpTables& bmp_tables() const { return bmp_tables_; }
  [[nodiscard]] const BmpListener* bmp() const { return bmp_.get(); }
  // Summed over the workers (each read under its mutex).
  [[nodiscard]] CollectorCounters counters() const;
  [[nodiscard]] std::size_t worker_count() const { return workers_.size(); }
  [[nodiscard]] WorkerCounters worker_counters(std::size_t index) const;
  [[nodiscard]] const bgp::Speaker* speaker() const { return speaker_.get(); }
  [[nodiscard]] const ClickHouseOutput* clickhouse() const { return clickhouse_.get(); }
  // Ports bound by the receivers, in config order (port 0 in the config picks a free one).
  [[nodiscard]] std::vector<std::uint16_t> listening_ports() const;
  [[nodiscard]] std::vector<bgp::ListenAddress> bgp_listening() const;

  // Called after every write_outputs / periodic stats (main prints with it).
  void on_stats(std::function<void(const nlohmann::json&)> cb) { stats_cb_ = std::move(cb); }

 private:
  Collector(boost::asio::io_context& io, CollectorConfig config);
  Status load_maps(EnrichConfig& out) const;
  // One Enricher per worker over the shared tables, from the config's maps.
  Result<std::vector<std::unique_ptr<Enricher>>> enrichers(std::size_t n) const;
  Status open_receivers();
  void close_receivers();
  void start_worker_threads();
  void stop_worker_threads();
  [[nodiscard]] std::vector<Row> merged_rows(std::size_t aggregate) const;  // by index in config_.aggregates
  void start_bgp();
  void arm(boost::asio::steady_timer& timer, std::chrono::milliseconds interval, std::function<void()> action);
  void write_file_output(std::size_t index);
  void write_sqlite();
  nlohmann::json bgp_peers_json() const;
  nlohmann::json bgp_dump_json(const nlohmann::json& request) const;
  nlohmann::json bmp_json() const;
  nlohmann::json store_json() const;
  nlohmann::json aggregates_json() const;  // name, entries (over every worker), filtered_out
  // Every worker's counters and state read under its mutex, summed (streams listed with their worker).
  struct WorkersSnapshot {
    WorkerCounters counters;
    SequenceCounters totals;
    nlohmann::json streams;
    nlohmann::json decoder;   // every wire counter and "templates", summed
    nlohmann::json sampling;  // records per rate source ("none": records_no_sampling_rate)
    nlohmann::json workers;
    std::vector<ReceiverCounters> receivers;  // per listen address, summed over the workers' sockets
  };
  [[nodiscard]] WorkersSnapshot snapshot() const;
  nlohmann::json bmp_dump_json(const nlohmann::json& request) const;

  boost::asio::io_context& io_;
  CollectorConfig config_;
  BgpTables tables_;
  BmpTables bmp_tables_;
  std::vector<std::unique_ptr<Tee>> tees_;
  WorkerShared shared_;  // what the workers share: tees, the ClickHouse queue
  std::vector<std::unique_ptr<Worker>> workers_;
  TableLock table_lock_;  // every worker's mutex: held around each change of tables_ / bmp_tables_
  std::unique_ptr<bgp::Speaker> speaker_;
  std::unique_ptr<BmpListener> bmp_;
  std::unique_ptr<QueryServer> query_;
  std::vector<FileOutput> files_;
  std::unique_ptr<SqliteStore> sqlite_;
  std::unique_ptr<ClickHouseOutput> clickhouse_;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> timers_;
  std::vector<ListenConfig> bound_;  // the listen addresses with their bound ports
  // Between start() and stop() io_ has work whatever the worker count: with one worker its sockets are on io_, with
  // more they are on the workers' threads and this keeps io_.run() / run_for() waiting the same way (not spinning).
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> io_work_;
  CollectorCounters counters_;  // the collector thread's own (outputs, dumps)
  std::function<void(const nlohmann::json&)> stats_cb_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace flowlab::collector
