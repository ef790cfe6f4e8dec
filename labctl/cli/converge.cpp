// labctl converge NAME [--timeout T] [--no-oracle] [--json]
#include "labctl/lab/converge.hpp"
#include "common/duration.hpp"
#include "labctl/cli/cli.hpp"

#include <iostream>
#include <memory>

namespace flowlab::cli {

int converge_and_report(const topology::Topology& topo, const lab::Options& options, std::chrono::milliseconds timeout,
                        bool no_oracle, bool json, std::ostream& out) {
  lab::ConvergeOptions copts;
  copts.timeout = timeout;
  copts.rule = no_oracle ? lab::ConvergeRule::kReachability : lab::ConvergeRule::kOracle;
  if (no_oracle && !json) {
    out << "labctl: --no-oracle: waiting only for sessions and prefix reachability; best paths and the kernel FIB "
           "are not compared with the oracle\n";
  }
  auto report = lab::converge(topo, options, copts);
  if (!report.ok()) {
    print_error(report.error().message);
    return kExitRuntime;
  }
  const double secs = static_cast<double>(report->elapsed.count()) / 1000.0;
  if (json) {
    nlohmann::json j{{"lab", topo.name}, {"converged", report->converged}, {"rule", lab::to_string(report->rule)},
                     {"seconds", secs},  {"polls", report->polls},         {"problems", report->problems}};
    std::cout << j.dump(2) << "\n";
  } else if (report->converged) {
    out << "lab " << topo.name << " converged in " << secs << " s ("
        << (no_oracle ? "sessions and reachability" : "best paths and kernel FIB as the oracle predicts") << ")\n";
  } else {
    out << "lab " << topo.name << " NOT converged after " << secs << " s; still off:\n";
    for (const auto& p : report->problems) {
      out << "  " << p << "\n";
    }
  }
  return report->converged ? kExitOk : kExitVerifyFailed;
}

namespace {

struct ConvergeArgs {
  std::string lab;
  std::string timeout = "60s";
  bool no_oracle = false;
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
  return converge_and_report(*topo, cli.lab_options(false), *timeout, args.no_oracle, args.json, std::cout);
}

}  // namespace

void add_converge(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<ConvergeArgs>();
  auto* sub = app.add_subcommand("converge",
                                 "Wait until every session is up and every best path and kernel route is the oracle's");
  sub->add_option("lab", args->lab, "Lab name")->required();
  sub->add_option("--timeout", args->timeout, "Give up after this long")->capture_default_str();
  sub->add_flag("--no-oracle", args->no_oracle,
                "Weaker rule for topologies the oracle does not model: sessions up and prefixes present only");
  sub->add_flag("--json", args->json, "Machine-readable output");
  sub->callback([args, &cli] { cli.action = [args, &cli] { return run_converge(*args, cli); }; });
}

}  // namespace flowlab::cli
