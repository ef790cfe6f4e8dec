// labctl exec LAB NODE -- CMD...
#include "labctl/cli/cli.hpp"
#include "platform/process/process.hpp"

#include <memory>

namespace flowlab::cli {

namespace {

struct ExecArgs {
  std::string lab;
  std::string node;
  std::vector<std::string> command;
};

int run_exec(const ExecArgs& args, const Cli& cli) {
  auto topo = load_lab_or_report(args.lab, cli);
  if (!topo) {
    return kExitUsage;
  }
  const auto* node = topo->find_node(args.node);
  if (node == nullptr) {
    print_error("lab " + args.lab + " has no node '" + args.node + "'");
    return kExitUsage;
  }
  if (args.command.empty()) {
    print_error("no command given (labctl exec LAB NODE -- CMD...)");
    return kExitUsage;
  }
  auto rc = process::run_attached(args.command, node->namespace_name);
  if (!rc.ok()) {
    print_error(rc.error().message);
    return kExitRuntime;
  }
  return *rc;
}

}  // namespace

void add_exec(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<ExecArgs>();
  auto* sub = app.add_subcommand("exec", "Run a command inside a node's network namespace");
  sub->add_option("lab", args->lab, "Lab name")->required();
  sub->add_option("node", args->node, "Node name")->required();
  sub->add_option("command", args->command, "Command and arguments (after --)");
  sub->callback([args, &cli] { cli.action = [args, &cli] { return run_exec(*args, cli); }; });
}

}  // namespace flowlab::cli
