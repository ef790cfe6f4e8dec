// flowcollector — NetFlow v5/v9, IPFIX and sFlow collection with a BGP speaker, pmacct-style enrichment,
// aggregation, outputs and tee. main() only wires options, signals and logging to the Collector; the `query`
// subcommand is the query socket's client. See docs/flowcollector.md.
#include "common/log.hpp"
#include "probes/collector/collector.hpp"
#include "probes/collector/config.hpp"
#include "probes/collector/query.hpp"
#include "probes/collector/steering.hpp"
#include "probes/faults/faults.hpp"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <iostream>

namespace {

using flowlab::collector::Collector;

int run_query(const flowlab::collector::QueryOptions& options) {
  auto request = flowlab::collector::build_request(options);
  if (!request) {
    std::cerr << "flowcollector query: " << request.error().message << "\n";
    return 2;
  }
  auto response = flowlab::collector::query_socket(options.socket, *request);
  if (!response) {
    std::cerr << "flowcollector query: " << response.error().message << "\n";
    return 3;
  }
  auto text = flowlab::collector::render_response(options, *response);
  if (!text) {
    std::cerr << "flowcollector query: " << text.error().message << "\n";
    return 1;
  }
  std::cout << *text;
  return 0;
}

void watch_signals(boost::asio::signal_set& signals, Collector& collector, boost::asio::io_context& io) {
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) {
      return;
    }
    switch (sig) {
      case SIGUSR1:
        spdlog::info("[collector] SIGUSR1: writing outputs");
        collector.write_outputs();
        break;
      case SIGUSR2:
        spdlog::info("[collector] SIGUSR2: BGP table dump");
        collector.dump_tables();
        break;
      case SIGHUP:
        if (auto s = collector.reload(); !s) {
          spdlog::error("[collector] SIGHUP: reload failed, keeping the running config: {}", s.error().message);
        }
        break;
      default:
        spdlog::info("[collector] signal {}: final flush and exit", sig);
        collector.stop();
        io.stop();
        return;
    }
    watch_signals(signals, collector, io);
  });
}

struct DaemonOptions {
  std::string config_file;
  flowlab::collector::CliOverrides overrides;
  std::string log_level;
  std::string socket;
  std::vector<std::string> faults;  // hidden --fault NAME (test-only, docs/faults.md)
  bool check_config = false;
};

void add_daemon_options(CLI::App& app, DaemonOptions& o) {
  app.add_option("-c,--config", o.config_file, "flowcollector.yaml")->check(CLI::ExistingFile);
  app.add_option("-l,--listen", o.overrides.listen,
                 "[netflow@|sflow@]ADDRESS:PORT or a port (repeatable; replaces the file's listen)");
  app.add_option("-s,--socket", o.socket, "query socket path (replaces outputs.socket)");
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error");
  app.add_flag("--json", o.overrides.json, "print stats as JSON lines (on SIGUSR1, every stats_interval, at exit)");
  app.add_flag("--check-config", o.check_config,
               "validate the configuration (-c FILE and the options above), print a summary and exit: 0 valid, 2 not");
  app.add_option("--fault", o.faults)->group("");  // hidden: the seeded-fault catalogue's switch (faults.hpp)
}

// The seeded faults (docs/faults.md) that bend the configuration; the others have hooks where they act.
void apply_config_faults(flowlab::collector::CollectorConfig& config) {
  using flowlab::faults::Fault;
  if (flowlab::faults::on(Fault::kPeerSrcFromRib)) {
    config.enrich.peer_src_as = flowlab::collector::PeerSrcAsMethod::kBgp;
  }
  if (flowlab::faults::on(Fault::kNoRenormalize)) {
    config.enrich.renormalize = false;
  }
  if (flowlab::faults::on(Fault::kNoIpv6Session)) {
    std::erase_if(config.bgp.peers, [](const auto& peer) { return !peer.address.is_v4(); });
  }
}

struct QueryCommand {
  flowlab::collector::QueryOptions options;
  bool csv = false;
  bool json = false;
  CLI::App* command = nullptr;

  [[nodiscard]] flowlab::collector::QueryOptions parsed() const {
    auto q = options;
    q.format = csv ? flowlab::collector::QueryFormat::kCsv
                   : (json ? flowlab::collector::QueryFormat::kJson : flowlab::collector::QueryFormat::kTable);
    return q;
  }
};

void add_query_command(CLI::App& app, QueryCommand& c) {
  auto& q = c.options;
  q.socket = "/run/flowcollector/collector.sock";
  auto* query = app.add_subcommand("query", "ask a running flowcollector (like pmacct -s)");
  query->add_option("-s,--socket", q.socket, "query socket")->capture_default_str();
  query->add_option("-a,--aggregate", q.aggregate, "aggregate name (default: the first)");
  query->add_flag("--csv", c.csv, "CSV output");
  query->add_flag("--json", c.json, "JSON lines output");
  query->add_option("-M,--match", q.match, "PRIMITIVE=VALUE (repeatable)");
  query->add_option("-T,--top", q.top, "the N largest rows");
  query->add_option("--sort", q.sort, "bytes, packets or flows")->capture_default_str();
  query->add_flag("-e,--clear", q.clear, "clear the aggregate (all aggregates without -a)");
  query->add_flag("--counters", q.counters, "decoder, sequence, receiver, BGP and tee counters");
  query->add_flag("--bgp-peers", q.bgp_peers, "BGP peers and their state");
  query->add_option("--bgp-dump", q.bgp_dump, "a peer's BGP table dump (address or name), JSON lines");
  query->add_flag("--flush", q.flush, "write every output now");
  c.command = query;
}

// The file, then the command line over it. An exit code when main() stops here (errors, --check-config).
std::optional<int> configure(DaemonOptions& o, flowlab::collector::CollectorConfig& config) {
  for (const auto& fault : o.faults) {
    if (auto s = flowlab::faults::enable(fault); !s) {
      std::cerr << "flowcollector: " << s.error().message << "\n";
      return 2;
    }
  }
  if (!o.config_file.empty()) {
    auto loaded = flowlab::collector::load_config(o.config_file);
    if (!loaded) {
      std::cerr << loaded.error().message << "\n";
      return 2;
    }
    config = std::move(*loaded);
  }
  if (!o.log_level.empty()) {
    o.overrides.log_level = o.log_level;
  }
  if (!o.socket.empty()) {
    o.overrides.socket = o.socket;
  }
  if (auto s = flowlab::collector::apply_overrides(config, o.overrides); !s) {
    std::cerr << "flowcollector: " << s.error().message << "\n";
    return 2;
  }
  apply_config_faults(config);
  if (config.listen.empty() && !config.bgp.enabled) {
    std::cerr << "flowcollector: nothing to do: no listen entries and no bgp section (see -c, --listen)\n";
    return 2;
  }
  if (o.check_config) {
    (void)flowlab::collector::apply_default_aggregate(config);  // as Collector::create() will
    std::cout << (o.config_file.empty() ? std::string("flowcollector") : o.config_file) << ": ok ("
              << config.listen.size() << " listeners, workers "
              << (config.workers == 0
                      ? std::string("auto (") + std::to_string(flowlab::collector::default_workers()) + ")"
                      : std::to_string(config.workers))
              << ", " << config.aggregates.size() << " aggregates, bgp " << (config.bgp.enabled ? "on" : "off") << ", "
              << config.tee.size() << " tees; files it names are read at start)\n";
    return 0;
  }
  return std::nullopt;
}

void print_stats(bool json_stats, const nlohmann::json& stats) {
  if (json_stats) {
    std::cout << stats.dump() << std::endl;
  } else {
    spdlog::info("[collector] datagrams {} (kernel drops {}), records {}, decode errors {}, sequence lost {}",
                 stats.value("datagrams_received", 0ULL), stats.value("kernel_drops", 0ULL),
                 stats.value("records", 0ULL), stats.value("decode_errors", 0ULL), stats.value("sequence_lost", 0ULL));
  }
}

void log_listening(const flowlab::collector::CollectorConfig& config, const std::vector<std::uint16_t>& ports) {
  std::string where;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    where += " " + std::string(flowlab::collector::to_string(config.listen[i].proto)) + "@" +
             (config.listen[i].address.is_set() ? config.listen[i].address.to_string() : "0.0.0.0") + ":" +
             std::to_string(ports[i]);
  }
  spdlog::info("[collector] listening on{}{}{}", where.empty() ? " (no flow listeners)" : where,
               config.bgp.enabled ? ", BGP with " + std::to_string(config.bgp.peers.size()) + " peer(s)" : "",
               config.outputs.socket.empty() ? "" : ", query socket " + config.outputs.socket);
}

int run_daemon(const flowlab::collector::CollectorConfig& config) {
  flowlab::log::init("flowcollector", config.log_level);
  std::signal(SIGPIPE, SIG_IGN);

  boost::asio::io_context io(1);
  auto collector = Collector::create(io, config);
  if (!collector) {
    spdlog::error("[collector] {}", collector.error().message);
    return flowlab::is_usage_error(collector.error().kind) ? flowlab::kExitUsageError : 1;
  }
  const bool json_stats = config.json_stats;
  (*collector)->on_stats([json_stats](const nlohmann::json& stats) { print_stats(json_stats, stats); });
  boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  signals.add(SIGUSR1);
  signals.add(SIGUSR2);
  if (auto s = (*collector)->start(); !s) {
    spdlog::error("[collector] {}", s.error().to_string());
    return 1;
  }
  log_listening(config, (*collector)->listening_ports());
  watch_signals(signals, **collector, io);
  io.run();
  (*collector)->stop();  // the final flush prints the stats once more
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"flowcollector: NetFlow/IPFIX/sFlow collector with BGP enrichment (docs/flowcollector.md)"};
  app.set_version_flag("--version", "flowcollector 0.1");
  DaemonOptions options;
  add_daemon_options(app, options);
  QueryCommand query;
  add_query_command(app, query);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (query.command->parsed()) {
    return run_query(query.parsed());
  }
  flowlab::collector::CollectorConfig config;
  if (auto exit_code = configure(options, config)) {
    return *exit_code;
  }
  return run_daemon(config);
}
