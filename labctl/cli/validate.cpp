// labctl validate FILE [--plan] [--json]
#include "labctl/cli/cli.hpp"
#include "labctl/topology/loader.hpp"
#include "labctl/topology/plan_json.hpp"

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
  auto loaded = topology::load_topology_file(args.file);
  if (args.json) {
    nlohmann::json out;
    out["file"] = args.file;
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
    std::cout << args.file << ": ok (lab " << t.name << ": " << t.nodes.size() << " nodes, " << t.links.size()
              << " links, " << t.sessions.size() << " BGP sessions)\n";
  }
  return kExitOk;
}

}  // namespace

void add_validate(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<ValidateArgs>();
  auto* sub = app.add_subcommand("validate", "Check a topology file; print every error as file:line:col");
  sub->add_option("file", args->file, "Topology YAML file")->required();
  sub->add_flag("--plan", args->plan, "Print the derived plan (addresses, sessions) as JSON");
  sub->add_flag("--json", args->json, "Machine-readable output");
  sub->callback([args, &cli] { cli.action = [args] { return run_validate(*args); }; });
}

}  // namespace flowlab::cli
