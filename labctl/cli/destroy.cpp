// labctl destroy [NAME...] [--all]
#include "labctl/cli/cli.hpp"

#include <iostream>
#include <memory>

namespace flowlab::cli {

namespace {

struct DestroyArgs {
  std::vector<std::string> labs;
  bool all = false;
};

int run_destroy(const DestroyArgs& args, const Cli& cli) {
  auto options = cli.lab_options(true);
  std::vector<std::string> labs = args.labs;
  if (args.all) {
    labs = lab::existing_labs(options);
  }
  if (labs.empty()) {
    if (!args.all) {
      print_error("name a lab to destroy, or --all");
      return kExitUsage;
    }
    std::cerr << "labctl: no labs\n";
    return kExitOk;
  }
  int rc = kExitOk;
  for (const auto& name : labs) {
    if (!lab::valid_lab_name(name)) {
      print_error("'" + name + "' is not a lab name");
      rc = kExitUsage;
      continue;
    }
    auto begin = std::chrono::steady_clock::now();
    if (Status s = lab::destroy(name, options); !s.ok()) {
      print_error("destroying lab " + name + ": " + s.error().message);
      rc = kExitRuntime;
      continue;
    }
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    std::cerr << "labctl: lab " << name << " destroyed in " << secs << " s\n";
  }
  return rc;
}

}  // namespace

void add_destroy(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<DestroyArgs>();
  auto* sub = app.add_subcommand("destroy", "Remove every namespace, link, process and file of a lab (idempotent)");
  sub->add_option("labs", args->labs, "Lab names");
  sub->add_flag("--all", args->all, "Destroy every lab found (run directory or fl-* namespaces)");
  sub->callback([args, &cli] { cli.action = [args, &cli] { return run_destroy(*args, cli); }; });
}

}  // namespace flowlab::cli
