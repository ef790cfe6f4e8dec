// labctl flows LAB [NODE] [-a AGG] [--csv|--json] [--match K=V] [--top N] [--sort C] [--clear] [--counters]
// [--bgp-peers] [--bgp-dump PEER] [--flush]: asks a deployed lab's flowcollector through its query socket
// (<rundir>/<lab>/<node>/collector.sock) and prints exactly what `flowcollector query` prints (pmacct -s style).
#include "labctl/cli/cli.hpp"
#include "probes/collector/query.hpp"

#include <iostream>

namespace flowlab::cli {

namespace {

struct FlowsArgs {
  std::string lab;
  std::string node;
  collector::QueryOptions query;
  bool csv = false;
  bool json = false;
};

int run_flows(FlowsArgs& args, const Cli& cli) {
  auto topo = load_lab_or_report(args.lab, cli);
  if (!topo) {
    return kExitUsage;
  }
  const topology::Node* node = nullptr;
  for (const auto& n : topo->nodes) {
    if (n.role == topology::Role::kCollector && (args.node.empty() || n.name == args.node)) {
      node = &n;
      break;
    }
  }
  if (node == nullptr) {
    print_error(args.node.empty() ? "lab " + args.lab + " has no collector node"
                                  : "lab " + args.lab + " has no collector node '" + args.node + "'");
    return kExitUsage;
  }
  const auto ctx = lab::node_context(*topo, *node, cli.lab_options(false));
  args.query.socket = (ctx.dir / "collector.sock").string();
  args.query.format = args.csv ? collector::QueryFormat::kCsv
                               : (args.json ? collector::QueryFormat::kJson : collector::QueryFormat::kTable);
  auto request = collector::build_request(args.query);
  if (!request) {
    print_error(request.error().message);
    return kExitUsage;
  }
  auto response = collector::query_socket(args.query.socket, *request);
  if (!response) {
    print_error(node->name + ": " + response.error().message);
    return kExitRuntime;
  }
  auto text = collector::render_response(args.query, *response);
  if (!text) {
    print_error(node->name + ": " + text.error().message);
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
  sub->callback([args, &cli] { cli.action = [args, &cli] { return run_flows(*args, cli); }; });
}

}  // namespace flowlab::cli
