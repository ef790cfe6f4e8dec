// collector.hpp — the flowcollector engine: everything on one io_context thread, no locks.
//
//   Receiver (recvmmsg) --datagram--> Tee::forward (each configured tee, before decoding)
//                                 \-> wire::Decoder (templates per exporter) -> SequenceTracker
//                                     -> Enricher (BgpTables) -> every Aggregate
//   bgp::Speaker --callbacks--> BgpTables            QueryServer <-> handle_query()
//   BmpListener --bmp::Feed--> BmpTables (enrich.source: bmp)
//   timers: file outputs, SQLite, BGP table dumps, stats
//   every enriched record -> ClickHouseOutput's queue (its own writer thread sends the batches)
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
#include "probes/collector/tee.hpp"
#include "probes/wire/decoder.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace flowlab::collector {

struct CollectorCounters {
  std::uint64_t datagrams = 0;      // handed to the decoder
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

  // One received datagram (what the receivers call).
  void on_datagram(std::span<const std::byte> datagram, const IpAddress& source, std::uint16_t port,
                   std::uint64_t receive_ms);

  // The query socket's dispatcher (exposed for tests).
  nlohmann::json handle_query(const nlohmann::json& request);
  [[nodiscard]] nlohmann::json counters_json() const;
  [[nodiscard]] nlohmann::json stats_json() const;  // the short form printed by --json / on exit

  [[nodiscard]] const CollectorConfig& config() const { return config_; }
  [[nodiscard]] const std::vector<Aggregate>& aggregates() const { return aggregates_; }
  [[nodiscard]] const Aggregate* find_aggregate(const std::string& name) const;
  [[nodiscard]] BgpTables& tables() { return tables_; }
  [[nodiscard]] const BmpTables& bmp_tables() const { return bmp_tables_; }
  [[nodiscard]] const BmpListener* bmp() const { return bmp_.get(); }
  [[nodiscard]] const SequenceTracker& sequences() const { return sequences_; }
  [[nodiscard]] const wire::Decoder& decoder() const { return decoder_; }
  [[nodiscard]] const CollectorCounters& counters() const { return counters_; }
  [[nodiscard]] const std::vector<std::unique_ptr<Receiver>>& receivers() const { return receivers_; }
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
  Status open_receivers();
  void start_bgp();
  void arm(boost::asio::steady_timer& timer, std::chrono::milliseconds interval, std::function<void()> action);
  void write_file_output(std::size_t index);
  void write_sqlite();
  nlohmann::json bgp_peers_json() const;
  nlohmann::json bgp_dump_json(const nlohmann::json& request) const;
  nlohmann::json bmp_json() const;
  nlohmann::json store_json() const;
  nlohmann::json bmp_dump_json(const nlohmann::json& request) const;

  boost::asio::io_context& io_;
  CollectorConfig config_;
  wire::Decoder decoder_;
  SequenceTracker sequences_;
  BgpTables tables_;
  BmpTables bmp_tables_;
  SamplingTable sampling_;  // which rate each record is renormalized by (before enrichment)
  std::unique_ptr<Enricher> enricher_;
  std::vector<Aggregate> aggregates_;
  std::vector<std::unique_ptr<Tee>> tees_;
  std::vector<std::unique_ptr<Receiver>> receivers_;
  std::unique_ptr<bgp::Speaker> speaker_;
  std::unique_ptr<BmpListener> bmp_;
  std::unique_ptr<QueryServer> query_;
  std::vector<FileOutput> files_;
  std::unique_ptr<SqliteStore> sqlite_;
  std::unique_ptr<ClickHouseOutput> clickhouse_;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> timers_;
  std::vector<wire::FlowRecord> records_;  // reused per datagram
  std::vector<EnrichedFlow> flows_;        // records_ enriched, reused per datagram
  CollectorCounters counters_;
  std::function<void(const nlohmann::json&)> stats_cb_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace flowlab::collector
