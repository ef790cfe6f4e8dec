// The orchestrator of `labctl run`: deploy, then each step of the scenario in order (steps/*.cpp), the run
// directory, destroy. A step that cannot be carried out ends the run (runtime error); a step whose checks fail
// records FAIL and the run goes on.
#include "labctl/scenario/runner.hpp"

#include "labctl/scenario/run_context.hpp"
#include "labctl/scenario/time_steps.hpp"
#include "platform/process/interrupt.hpp"

#include <algorithm>
#include <ctime>
#include <optional>
#include <variant>

namespace flowlab::scenario {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using report::StepRecord;
using verify::Outcome;

namespace {

std::string stamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

Status build_oracle(RunContext& run) {
  auto oracle = oracle::Oracle::build(run.topo());
  if (!oracle.ok()) {
    return fail(ErrorKind::kVerify, oracle.error().message);
  }
  run.oracle = std::make_unique<oracle::Oracle>(std::move(*oracle));
  return {};
}

Status deploy(RunContext& run) {
  const auto labs = lab::existing_labs(run.lab_options);
  if (std::find(labs.begin(), labs.end(), run.sc.lab_name()) != labs.end()) {
    return fail(ErrorKind::kExists,
                "lab " + run.sc.lab_name() + " already exists (labctl destroy " + run.sc.lab_name() + ")");
  }
  run.say("deploying lab " + run.sc.lab_name());
  run.deployed = true;
  StepRecord rec;
  rec.kind = "deploy";
  rec.summary = "deploy " + (run.sc.topology_file.empty() ? run.sc.topology.name : run.sc.topology_file);
  const auto t0 = Clock::now();
  auto st = lab::deploy(run.topo(), run.lab_options, /*cleanup_on_failure=*/false);
  rec.seconds = seconds_since(t0);
  if (!st.ok()) {
    rec.outcome = Outcome::kFail;
    rec.error = st.error().message;
  }
  run.run.steps.push_back(rec);
  if (!st.ok()) {
    return fail(ErrorKind::kVerify, st.error().message);
  }
  return {};
}

// After a SIGINT/SIGTERM (process::catch_interrupts) the run ends before `next` (a step's summary, "" after the
// last): the lab is destroyed and the reports written as for a failed step. `st` is the step's own status; a step
// that failed because the signal also ended one of its commands says both.
Status interrupted(Status st, const std::string& next) {
  const std::string why = process::interrupt_text();
  if (why.empty()) {
    return st;
  }
  if (!st.ok()) {
    return fail(st.error().kind, st.error().message + " (" + why + ")");
  }
  return fail(ErrorKind::kVerify, why + (next.empty() ? "" : " before step '" + next + "'"));
}

Status execute_step(RunContext& run, std::size_t index) {
  const Step& step = run.sc.steps[index];
  run.step_index = index;
  StepRecord rec;
  rec.kind = std::string(step.kind());
  rec.summary = step.summary();
  if (step.mark.line > 0) {
    rec.where = run.sc.source_file + ":" + std::to_string(step.mark.line) + ":" + std::to_string(step.mark.column);
  }
  run.say(rec.summary);
  const auto t0 = Clock::now();
  Status st = std::visit([&](const auto& action) { return run_step(run, action, rec); }, step.action);
  rec.seconds = seconds_since(t0);
  // A lab process that died is the cause of whatever the step reported (or it would fail the next one).
  if (Status watched = watch_processes(run); !watched.ok()) {
    rec.details["process_died"] = *run.death;
    if (!st.ok() && st.error().message != watched.error().message) {
      rec.details["step_error"] = st.error().message;
    }
    st = std::move(watched);
  }
  if (!st.ok()) {
    rec.outcome = Outcome::kFail;
    rec.error = st.error().message;
  }
  run.run.outcome = verify::worst(run.run.outcome, rec.outcome);
  run.run.steps.push_back(std::move(rec));
  if (!st.ok()) {
    return fail(ErrorKind::kVerify, run.run.steps.back().summary + ": " + st.error().message);
  }
  return {};
}

// The steps in order; with `collect: {interval}` the collector is read meanwhile (time_steps.hpp), and what was
// read is kept in the run record also when a step ends the run.
Status execute_steps(RunContext& run) {
  std::optional<TimeSteps> time_steps;
  if (run.sc.collect) {
    time_steps.emplace(run, *run.sc.collect);
  }
  Status st;
  for (std::size_t index = 0; index < run.sc.steps.size() && st.ok(); ++index) {
    if (time_steps && opens_time_step(run.sc.steps[index])) {
      time_steps->boundary(run.sc.steps[index].summary());
    }
    st = execute_step(run, index);
    st = interrupted(std::move(st), index + 1 < run.sc.steps.size() ? run.sc.steps[index + 1].summary() : "");
  }
  if (time_steps) {
    run.run.time_steps = time_steps->finish();
  }
  return st;
}

Status execute(RunContext& run) {
  FLOWLAB_TRY(build_oracle(run));
  FLOWLAB_TRY(deploy(run));
  FLOWLAB_TRY(interrupted({}, run.sc.steps.empty() ? "" : run.sc.steps.front().summary()));
  return execute_steps(run);
}

void finish(RunContext& run) {
  if (!run.deployed) {
    return;
  }
  save_artefacts(run);
  if (run.options.keep) {
    return;
  }
  run.say("destroying lab " + run.sc.lab_name());
  if (auto st = lab::destroy(run.sc.lab_name(), run.lab_options); !st.ok() && !run.run.runtime_error) {
    run.run.runtime_error = true;
    run.run.error = "destroy: " + st.error().message;
  }
}

}  // namespace

report::RunRecord run_scenario(const Scenario& scenario, const RunOptions& options) {
  const auto t0 = Clock::now();
  RunContext run(scenario, options);
  // Absolute: the run directory is handed to processes inside the nodes, which run in another directory.
  std::error_code ec;
  run.out_dir = fs::absolute(
      options.out_dir.empty() ? fs::path("flowlab-runs") / (scenario.name + "-" + stamp()) : options.out_dir, ec);
  fs::create_directories(run.out_dir, ec);
  run.run.run_dir = run.out_dir.string();
  if (auto st = execute(run); !st.ok()) {
    run.run.runtime_error = true;
    run.run.error = st.error().message;
    run.run.outcome = Outcome::kFail;
  }
  finish(run);
  run.run.seconds = seconds_since(t0);
  write_reports(run);
  return run.run;
}

}  // namespace flowlab::scenario
