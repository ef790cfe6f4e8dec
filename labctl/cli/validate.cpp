// labctl validate FILE [--plan] [--json]: a topology file, or a scenario file (validated fully — its topology,
// inline or by path, and every stream and step against it); --plan prints the derived topology's plan.
#include "labctl/cli/cli.hpp"
#include "model/plan_json.hpp"

#include <iostream>
#include <memory>

namespace flowlab::cli {

namespace {

struct ValidateArgs {
  std::string file;
  bool plan = false;
  bool json = false;
};

int run_validate(const ValidateArgs& args) {
  const TopologyOrScenario loaded = load_topology_or_scenario(args.file);
  if (args.json) {
    nlohmann::json out;
    out["file"] = args.file;
    out["kind"] = loaded.kind;
    out["valid"] = loaded.topology.has_value();
    out["errors"] = nlohmann::json::array();
    for (const auto& d : loaded.diagnostics) {
      out["errors"].push_back(
          {{"file", d.file}, {"line", d.mark.line}, {"column", d.mark.column}, {"message", d.message}});
    }
    if (args.plan && loaded.topology) {
      out["plan"] = topology::to_json(*loaded.topology);
    }
    std::cout << out.dump(2) << "\n";
    return loaded.topology ? kExitOk : kExitUsage;
  }
  for (const auto& d : loaded.diagnostics) {
    std::cerr << d.to_string() << "\n";
  }
  if (!loaded.topology) {
    std::cerr << "labctl: " << loaded.diagnostics.size() << " error(s) in " << args.file << "\n";
    return kExitUsage;
  }
  if (args.plan) {
    std::cout << topology::to_json(*loaded.topology).dump(2) << "\n";
  } else {
    const auto& t = *loaded.topology;
    std::cout << args.file << ": ok (" << loaded.scenario_summary << "lab " << t.name << ": " << t.nodes.size()
              << " nodes, " << t.links.size() << " links, " << t.sessions.size() << " BGP sessions)\n";
  }
  return kExitOk;
}

}  // namespace

void add_validate(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<ValidateArgs>();
  auto* sub = app.add_subcommand(
      "validate", "Check a topology or scenario file without deploying; print every error as file:line:col");
  sub->add_option("file", args->file, "Topology or scenario YAML file (a scenario has a `topology:` key)")->required();
  sub->add_flag("--plan", args->plan,
                "Print the derived plan (addresses, sessions) as JSON; a scenario: its topology's");
  sub->add_flag("--json", args->json, "Machine-readable output");
  sub->callback([args, &cli] { cli.action = [args] { return run_validate(*args); }; });
}

}  // namespace flowlab::cli
