// labctl — the flowlab controller. Verbs are registered in kVerbs; each lives in its own file.
#include "common/log.hpp"
#include "labctl/cli/cli.hpp"

#include <iostream>

namespace {

using flowlab::cli::Verb;

constexpr Verb kVerbs[] = {
    {"deploy", flowlab::cli::add_deploy},
    {"destroy", flowlab::cli::add_destroy},
    {"inspect", flowlab::cli::add_inspect},
    {"exec", flowlab::cli::add_exec},
    {"validate", flowlab::cli::add_validate},
    {"converge", flowlab::cli::add_converge},
    {"routes", flowlab::cli::add_routes},
    {"flows", flowlab::cli::add_flows},
    {"oracle", flowlab::cli::add_oracle},
    {"run", flowlab::cli::add_run},
    {"report", flowlab::cli::add_report},
    {"graph", flowlab::cli::add_graph},
    {"ui", flowlab::cli::add_ui},
    {"matrix", flowlab::cli::add_matrix},
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "labctl — build multi-AS network labs of real routers in Linux namespaces, and verify flow "
      "monitoring against them"};
  app.require_subcommand(1);
  flowlab::cli::Cli cli;
  app.add_option("--rundir", cli.rundir, "Run directory for lab state, configs and logs")
      ->capture_default_str()
      ->transform(flowlab::cli::absolute_path());
  app.add_option("--log-level", cli.log_level, "trace, debug, info, warn, error")->capture_default_str();
  app.set_version_flag("--version", "labctl 0.1.0");
  for (const Verb& verb : kVerbs) {
    verb.add(app, cli);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : flowlab::cli::kExitUsage;
  }
  flowlab::log::init("labctl", cli.log_level);
  if (!cli.action) {
    std::cerr << app.help();
    return flowlab::cli::kExitUsage;
  }
  return cli.action();
}
