// labctl converge NAME [--timeout T] [--json]
#include "labctl/lab/converge.hpp"
#include "common/duration.hpp"
#include "labctl/cli/cli.hpp"

#include <iostream>
#include <memory>

namespace flowlab::cli {

namespace {

struct ConvergeArgs {
  std::string lab;
  std::string timeout = "60s";
  bool json = false;
};

int run_converge(const ConvergeArgs& args, const Cli& cli) {
  auto timeout = parse_duration(args.timeout);
  if (!timeout) {
    print_error("--timeout '" + args.timeout + "': expected a duration such as 30s or 2m");
    return kExitUsage;
  }
  auto topo = load_lab_or_report(args.lab, cli);
  if (!topo) {
    return kExitUsage;
  }
  auto report = lab::converge(*topo, cli.lab_options(false), *timeout);
  if (!report.ok()) {
    print_error(report.error().message);
    return kExitRuntime;
  }
  double secs = static_cast<double>(report->elapsed.count()) / 1000.0;
  if (args.json) {
    nlohmann::json out{
        {"lab", args.lab}, {"converged", report->converged}, {"seconds", secs}, {"problems", report->problems}};
    std::cout << out.dump(2) << "\n";
  } else if (report->converged) {
    std::cout << "lab " << args.lab << " converged in " << secs << " s\n";
  } else {
    std::cout << "lab " << args.lab << " NOT converged after " << secs << " s:\n";
    for (const auto& p : report->problems) {
      std::cout << "  " << p << "\n";
    }
  }
  return report->converged ? kExitOk : kExitVerifyFailed;
}

}  // namespace

void add_converge(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<ConvergeArgs>();
  auto* sub = app.add_subcommand("converge", "Wait until every BGP session is up and every prefix is everywhere");
  sub->add_option("lab", args->lab, "Lab name")->required();
  sub->add_option("--timeout", args->timeout, "Give up after this long")->capture_default_str();
  sub->add_flag("--json", args->json, "Machine-readable output");
  sub->callback([args, &cli] { cli.action = [args, &cli] { return run_converge(*args, cli); }; });
}

}  // namespace flowlab::cli
