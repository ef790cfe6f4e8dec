// labctl deploy -t FILE [--name NAME] [--converge [--timeout T] [--no-oracle]]
#include "common/duration.hpp"
#include "labctl/cli/cli.hpp"

#include <iostream>
#include <memory>

namespace flowlab::cli {

namespace {

struct DeployArgs {
  std::string file;
  std::string name;
  bool converge = false;
  bool no_oracle = false;
  std::string timeout = "60s";
};

int run_deploy(const DeployArgs& args, const Cli& cli) {
  auto topo = load_topology_or_report(args.file);
  if (!topo) {
    return kExitUsage;
  }
  if (!args.name.empty()) {
    if (!lab::valid_lab_name(args.name)) {
      print_error("--name '" + args.name + "': expected [a-z][a-z0-9-]{0,15}");
      return kExitUsage;
    }
    lab::rename_lab(*topo, args.name);
  }
  auto timeout = parse_duration(args.timeout);
  if (!timeout) {
    print_error("--timeout '" + args.timeout + "': expected a duration such as 30s or 2m");
    return kExitUsage;
  }
  auto options = cli.lab_options(true);
  auto begin = std::chrono::steady_clock::now();
  std::cerr << "labctl: deploying lab " << topo->name << " (" << topo->nodes.size() << " nodes, " << topo->links.size()
            << " links, " << topo->sessions.size() << " BGP sessions)\n";
  if (Status s = lab::deploy(*topo, options); !s.ok()) {
    print_error("deploy of lab " + topo->name + " failed: " + s.error().message);
    return is_usage_error(s.error().kind) ? kExitUsage : kExitRuntime;
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::cerr << "labctl: lab " << topo->name << " deployed in " << secs << " s\n";
  if (args.converge) {
    if (int rc = converge_and_report(*topo, options, *timeout, args.no_oracle, false, std::cerr); rc != kExitOk) {
      return rc;
    }
  }
  std::cout << topo->name << "\n";
  return kExitOk;
}

}  // namespace

void add_deploy(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<DeployArgs>();
  auto* sub = app.add_subcommand("deploy", "Build a lab from a topology file: namespaces, links, routers");
  sub->add_option("-t,--topology", args->file, "Topology YAML file")
      ->required()
      ->check(CLI::ExistingFile)
      ->transform(absolute_path());
  sub->add_option("--name", args->name, "Lab name (default: the topology's name)");
  sub->add_flag("--converge", args->converge, "Then wait as `converge` does");
  sub->add_option("--timeout", args->timeout, "Convergence timeout")->capture_default_str();
  sub->add_flag("--no-oracle", args->no_oracle, "With --converge: the weaker rule (sessions and prefixes only)");
  sub->callback([args, &cli] { cli.action = [args, &cli] { return run_deploy(*args, cli); }; });
}

}  // namespace flowlab::cli
