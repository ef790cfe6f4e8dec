// labctl run SCENARIO... [--name LAB] [--collector KIND] [--probe KIND] [--keep] [--out DIR] [--junit FILE] [--json]
//   [-q]
// --collector/--probe: the kind of every collector-role node / every probe for this run (the scenario's `kinds:`
// and the topology's kinds give way; placement, exports and sessions stay).
// -q: no progress lines, and instead of the verdict table one outcome line per scenario plus its run directory
// (the table is in RUN_DIR/verdict.txt).
#include "labctl/cli/cli.hpp"
#include "labctl/scenario/loader.hpp"
#include "labctl/scenario/runner.hpp"
#include "model/kinds.hpp"
#include "nodes/core/driver.hpp"
#include "platform/process/interrupt.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

namespace flowlab::cli {

namespace {

struct RunArgs {
  std::vector<std::string> scenarios;
  std::string name;
  std::string out;
  std::string junit;
  topology::KindChoice kinds;
  bool keep = false;
  bool json = false;
  bool quiet = false;
};

int run_run(const RunArgs& args, const Cli& cli) {
  if (!args.name.empty() && args.scenarios.size() > 1) {
    print_error("--name applies to one scenario; give one scenario file or drop --name");
    return kExitUsage;
  }
  if (!args.out.empty() && args.scenarios.size() > 1) {
    print_error("--out applies to one scenario; give one scenario file or drop --out");
    return kExitUsage;
  }
  if (auto why = topology::check_kind_choice(nodes::kinds(), args.kinds); !why.empty()) {
    print_error(why);
    return kExitUsage;
  }
  // Every file is loaded (and every error printed) before anything is deployed.
  std::vector<scenario::Scenario> loaded;
  bool bad = false;
  for (const auto& file : args.scenarios) {
    scenario::LoadOptions lo;
    if (!args.name.empty()) {
      lo.lab_name = args.name;
    }
    lo.kinds = args.kinds;
    auto result = scenario::load_scenario_file(file, lo);
    if (!result.ok()) {
      std::cerr << result.error_text();
      bad = true;
      continue;
    }
    loaded.push_back(std::move(*result.scenario));
  }
  if (bad) {
    return kExitUsage;
  }
  std::vector<report::RunRecord> runs;
  bool runtime_error = false;
  bool failed = false;
  // SIGINT/SIGTERM: the current scenario ends after its step, destroys its lab and reports; no other one starts.
  process::catch_interrupts();
  for (const auto& sc : loaded) {
    if (process::interrupt_signal() != 0) {
      break;
    }
    scenario::RunOptions options;
    options.lab_rundir = cli.rundir;
    options.keep = args.keep;
    options.out_dir = args.out;
    if (!args.quiet && !args.json) {
      options.progress = [](const std::string& line) { std::cerr << "labctl: " << line << "\n"; };
    }
    auto run = scenario::run_scenario(sc, options);
    if (args.json) {
      std::cout << report::verdict_json(run).dump(2) << "\n";
    } else if (args.quiet) {
      std::cout << run.scenario << ": " << report::verdict_summary(run) << "\nrun directory: " << run.run_dir << "\n";
    } else {
      std::cout << report::verdict_table(run) << "run directory: " << run.run_dir << "\n";
      const std::filesystem::path html = std::filesystem::path(run.run_dir) / "report.html";
      if (!run.run_dir.empty() && std::filesystem::exists(html)) {
        std::cout << "report: " << html.string() << "\n";
      }
    }
    runtime_error |= run.runtime_error;
    failed |= run.outcome == verify::Outcome::kFail;
    runs.push_back(std::move(run));
  }
  if (!args.junit.empty()) {
    std::ofstream out(args.junit);
    out << report::junit_xml(runs);
    if (!out) {
      print_error("cannot write " + args.junit);
      return kExitRuntime;
    }
  }
  if (runtime_error) {
    return kExitRuntime;
  }
  return failed ? kExitVerifyFailed : kExitOk;
}

}  // namespace

void add_run(CLI::App& app, Cli& cli) {
  auto args = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand(
      "run", "Run scenarios: deploy, send traffic, verify oracle vs routers vs collector, report, destroy");
  sub->add_option("scenario", args->scenarios, "Scenario files (YAML)")->required()->check(CLI::ExistingFile);
  sub->add_option("--name", args->name, "Lab name (default: the scenario's lab_name, else the topology's name)");
  sub->add_option("--out", args->out, "Run directory (default: ./flowlab-runs/<scenario>-<UTC stamp>)")
      ->transform(absolute_path());
  sub->add_option("--junit", args->junit, "Also write a JUnit XML report of every scenario to FILE")
      ->transform(absolute_path());
  sub->add_option("--collector", args->kinds.collector,
                  "Run every collector-role node as this collector kind (placement, exports and sessions stay)");
  sub->add_option("--probe", args->kinds.probe, "Run every probe as this probe kind (flowprobe, softflowd, ...)");
  sub->add_flag("--keep", args->keep, "Leave the lab running afterwards (labctl destroy NAME removes it)");
  sub->add_flag("--json", args->json, "Print verdict.json instead of the verdict table");
  sub->add_flag("-q,--quiet", args->quiet,
                "Quiet: no progress lines; per scenario only its outcome line and run directory (the verdict table "
                "is in RUN_DIR/verdict.txt)");
  sub->callback([args, &cli] { cli.action = [args, &cli] { return run_run(*args, cli); }; });
}

}  // namespace flowlab::cli
