// converge: the routers by polling their RIBs, then each collector's BGP view until it holds what the oracle says
// its peers export (lab::converge), for the topology as the earlier steps left it.
#include "labctl/lab/converge.hpp"
#include "common/strings.hpp"
#include "labctl/scenario/run_context.hpp"

namespace flowlab::scenario {

Status run_step(RunContext& run, const ConvergeStep& s, report::StepRecord& rec) {
  // Converged as the topology stands now (links and sessions taken down by earlier steps are gone from it).
  const topology::Topology now = topology_at(run.sc, run.step_index);
  auto view = oracle::Oracle::build(now);
  if (!view.ok()) {
    return fail(ErrorKind::kVerify, view.error().message);
  }
  lab::ConvergeOptions copts;
  copts.timeout = s.timeout;
  copts.oracle = &*view;
  copts.watch = [&run] { return watch_processes(run); };
  auto report = lab::converge(now, run.lab_options, copts);
  FLOWLAB_TRY(report);
  rec.details["converge_ms"] = report->elapsed.count();
  rec.details["polls"] = report->polls;
  if (!report->converged) {
    if (report->only_paths) {
      // Sessions are up and every prefix has arrived, but some best path or kernel route is not the oracle's
      // after the timeout: go on and let `expect` report what it changes.
      rec.details["unsettled"] = report->problems;
      return {};
    }
    return fail(ErrorKind::kTimeout, "not converged: " + join(report->problems, "; "));
  }
  return {};
}

}  // namespace flowlab::scenario
