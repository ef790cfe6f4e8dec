// labctl routes LAB [--node N] [--all] [--json]: each router's best route (AS path, next hop) to every prefix, as
// the router itself reports it (BIRD `show route all`, FRR `show bgp ... json`).
#include "labctl/cli/cli.hpp"

#include <iostream>
#include <memory>

namespace flowlab::cli {

namespace {

using nlohmann::json;

struct RoutesArgs {
  std::string lab;
  std::string node;
  bool all = false;  // include non-best and non-BGP routes
  bool json_out = false;
};

std::string join_path(const std::vector<std::uint32_t>& path) {
  std::string out;
  for (auto as : path) {
    out += (out.empty() ? "" : " ") + std::to_string(as);
  }
  return out;
}

int run_routes(const RoutesArgs& args, const Cli& cli) {
  auto topo = load_lab_or_report(args.lab, cli);
  if (!topo) {
    return kExitUsage;
  }
  auto options = cli.lab_options(false);
  json out = json::array();
  int rc = kExitOk;
  for (const auto* router : topo->routers()) {
    if (!args.node.empty() && router->name != args.node) {
      continue;
    }
    const auto* driver = nodes::find_driver(router->kind);
    auto rib = driver->rib(lab::node_context(*topo, *router, options));
    if (!rib.ok()) {
      print_error(router->name + ": " + rib.error().message);
      rc = kExitRuntime;
      continue;
    }
    for (const auto& e : *rib) {
      if (!args.all && (!e.best || e.prefix.length == 0)) {
        continue;
      }
      out.push_back({{"router", router->name},
                     {"prefix", e.prefix.to_string()},
                     {"best", e.best},
                     {"source", e.source},
                     {"as_path", e.as_path},
                     {"next_hop", e.next_hop ? e.next_hop->to_string() : ""},
                     {"from", e.from ? e.from->to_string() : ""},
                     {"local_pref", e.local_pref ? json(*e.local_pref) : json()},
                     {"communities", e.communities},
                     {"large_communities", e.large_communities}});
    }
  }
  if (!args.node.empty() && out.empty() && topo->find_node(args.node) == nullptr) {
    print_error("lab " + args.lab + " has no node '" + args.node + "'");
    return kExitUsage;
  }
  if (args.json_out) {
    std::cout << out.dump(2) << "\n";
    return rc;
  }
  std::vector<std::vector<std::string>> rows{{"ROUTER", "PREFIX", "SOURCE", "AS_PATH", "NEXT_HOP", "LOCAL_PREF"}};
  for (const auto& r : out) {
    std::string path = join_path(r["as_path"].get<std::vector<std::uint32_t>>());
    rows.push_back({r["router"], r["prefix"], r["source"].get<std::string>() + (r["best"].get<bool>() ? "" : " (alt)"),
                    path.empty() ? "(local)" : path, r["next_hop"],
                    r["local_pref"].is_null() ? "" : std::to_string(r["local_pref"].get<std::uint32_t>())});
  }
  print_table(rows);
  return rc;
}

}  // namespace

void add_routes(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<RoutesArgs>();
  auto* sub = app.add_subcommand("routes", "Show each router's best routes as the router reports them");
  sub->add_option("lab", args->lab, "Lab name")->required();
  sub->add_option("--node", args->node, "Only this router");
  sub->add_flag("--all", args->all, "Also non-best routes and default routes");
  sub->add_flag("--json", args->json_out, "Machine-readable output");
  sub->callback([args, &cli] { cli.action = [args, &cli] { return run_routes(*args, cli); }; });
}

}  // namespace flowlab::cli
