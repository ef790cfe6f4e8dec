// labctl flows LAB [NODE] [-a AGG] [--csv|--json] [--match K=V] [--top N] [--sort C] [--clear] [--counters]
// [--bgp-peers] [--bgp-dump PEER] [--flush] [--watch SECONDS]: asks a deployed lab's flowcollector through its query
// socket (labctl/ui/collector_feed.hpp, the same reading `labctl ui` uses) and prints exactly what
// `flowcollector query` prints (pmacct -s style). --watch redraws the terminal every SECONDS with top talkers by AS,
// peer AS, prefix and interface and their rates, the live view's tables, until Ctrl-C.
#include "labctl/cli/cli.hpp"
#include "labctl/ui/collector_feed.hpp"
#include "labctl/ui/live.hpp"
#include "probes/collector/query.hpp"

#include <atomic>
#include <csignal>
#include <ctime>
#include <iostream>
#include <thread>

namespace flowlab::cli {

namespace {

struct FlowsArgs {
  std::string lab;
  std::string node;
  collector::QueryOptions query;
  bool csv = false;
  bool json = false;
  double watch = 0;  // seconds; 0 = once
};

std::atomic<bool> g_stop_watch{false};
extern "C" void stop_watch(int /*signal*/) { g_stop_watch = true; }

std::string count(const nlohmann::json& v) { return std::to_string(v.get<std::uint64_t>()); }
std::string rate(const nlohmann::json& v) { return std::to_string(static_cast<std::uint64_t>(v.get<double>())); }

void print_watch_frame(const FlowsArgs& args, const nlohmann::json& flows) {
  const std::time_t now = std::time(nullptr);
  char clock[16];
  std::strftime(clock, sizeof clock, "%H:%M:%S", std::localtime(&now));
  std::cout << "\033[H\033[2J"
            << "lab " << args.lab << ", collector " << flows.value("collector", "?") << ", " << clock << ", every "
            << args.watch << " s (Ctrl-C stops)\n";
  if (flows.contains("error")) {
    std::cout << "error: " << flows["error"].get<std::string>() << "\n" << std::flush;
    return;
  }
  const auto& t = flows["total"];
  std::cout << "total: " << count(t["bytes"]) << " bytes, " << count(t["packets"]) << " packets, " << count(t["flows"])
            << " flows, " << rate(t["bytes_per_second"]) << " bytes/s\n";
  for (const char* group : ui::kTalkerGroups) {
    std::vector<std::vector<std::string>> rows{{group, "BYTES", "PACKETS", "FLOWS", "BYTES/S"}};
    for (const auto& r : flows["groups"][group]) {
      rows.push_back(
          {r["key"], count(r["bytes"]), count(r["packets"]), count(r["flows"]), rate(r["bytes_per_second"])});
    }
    std::cout << "\n";
    print_table(rows);
  }
  std::cout << std::flush;
}

int watch_flows(const FlowsArgs& args, const topology::Topology& topo, const topology::Node& node, const Cli& cli) {
  ui::LiveLab live(topo, node, cli.lab_options(false));
  std::signal(SIGINT, stop_watch);
  std::signal(SIGTERM, stop_watch);
  const auto period = std::chrono::milliseconds(static_cast<std::int64_t>(args.watch * 1000));
  while (!g_stop_watch) {
    print_watch_frame(args, live.poll_flows());
    const auto until = std::chrono::steady_clock::now() + period;
    while (!g_stop_watch && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return kExitOk;
}

int run_flows(FlowsArgs& args, const Cli& cli) {
  auto topo = load_lab_or_report(args.lab, cli);
  if (!topo) {
    return kExitUsage;
  }
  auto node = ui::find_collector(*topo, args.node);
  if (!node) {
    print_error(node.error().message);
    return kExitUsage;
  }
  if (args.watch > 0) {
    return watch_flows(args, *topo, **node, cli);
  }
  const auto options = cli.lab_options(false);
  args.query.socket = ui::collector_socket(*topo, **node, options).string();
  args.query.format = args.csv ? collector::QueryFormat::kCsv
                               : (args.json ? collector::QueryFormat::kJson : collector::QueryFormat::kTable);
  auto request = collector::build_request(args.query);
  if (!request) {
    print_error(request.error().message);
    return kExitUsage;
  }
  auto response = ui::query_collector(*topo, **node, *request, options);
  if (!response) {
    print_error(response.error().message);
    return kExitRuntime;
  }
  auto text = collector::render_response(args.query, *response);
  if (!text) {
    print_error((*node)->name + ": " + text.error().message);
    return kExitRuntime;
  }
  std::cout << *text;
  return kExitOk;
}

}  // namespace

void add_flows(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<FlowsArgs>();
  auto* sub = app.add_subcommand("flows", "query a lab's flowcollector (aggregates, counters, BGP view)");
  sub->add_option("lab", args->lab, "lab name")->required();
  sub->add_option("node", args->node, "collector node (default: the first collector)");
  sub->add_option("-a,--aggregate", args->query.aggregate, "aggregate name (default: the first)");
  sub->add_flag("--csv", args->csv, "CSV output");
  sub->add_flag("--json", args->json, "JSON lines output");
  sub->add_option("-M,--match", args->query.match, "PRIMITIVE=VALUE (repeatable)");
  sub->add_option("-T,--top", args->query.top, "the N largest rows");
  sub->add_option("--sort", args->query.sort, "bytes, packets or flows")->capture_default_str();
  sub->add_flag("-e,--clear", args->query.clear, "clear the aggregate");
  sub->add_flag("--counters", args->query.counters, "decoder, sequence, receiver, BGP and tee counters");
  sub->add_flag("--bgp-peers", args->query.bgp_peers, "BGP peers and their state");
  sub->add_option("--bgp-dump", args->query.bgp_dump, "a peer's BGP table dump (address or name)");
  sub->add_flag("--flush", args->query.flush, "write every output now");
  auto* watch = sub->add_option("-w,--watch", args->watch,
                                "redraw every SECONDS: top talkers by AS, peer AS, prefix, interface with rates")
                    ->check(CLI::Range(0.2, 3600.0));
  for (const char* other : {"--csv", "--json", "--match", "--clear", "--counters", "--bgp-peers", "--bgp-dump",
                            "--flush", "--aggregate", "--top"}) {
    watch->excludes(sub->get_option(other));
  }
  sub->callback([args, &cli] { cli.action = [args, &cli] { return run_flows(*args, cli); }; });
}

}  // namespace flowlab::cli
