// flowlab::report — what a `labctl run` leaves behind (DESIGN.md section 9): the verdict table (text), verdict.json,
// junit.xml and report.html (report_html.hpp: topology diagram, verdicts, traffic Sankey). The runner fills a
// RunRecord as it executes the scenario's steps; these functions only render it. verdict.json carries the whole
// record (the topology diagram and, in expect steps' details, the traffic facts), so run_from_json() gives back a
// RunRecord that renders the same verdict table and report.html (`labctl report RUN_DIR`).
#pragma once

#include "common/result.hpp"
#include "labctl/report/diagram.hpp"
#include "labctl/verify/verify.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace flowlab::report {

// One executed step. Expect steps carry their per-stream, per-observation-point results.
struct StepRecord {
  std::string kind;     // "converge", "send", "expect", ...
  std::string summary;  // Step::summary()
  std::string where;    // "scenario.yaml:12:5" (empty for default steps)
  verify::Outcome outcome = verify::Outcome::kPass;
  double seconds = 0;
  std::string error;  // a step that could not be carried out (runtime error, timeout)
  std::vector<verify::PointResult> points;
  nlohmann::json details;  // step-specific facts (flowgen summary, converge figures; expect: "traffic", sankey.hpp)
};

struct RunRecord {
  std::string scenario;
  std::string description;
  std::string source_file;
  std::string lab;
  std::string run_dir;
  std::vector<StepRecord> steps;
  verify::Outcome outcome = verify::Outcome::kPass;
  bool runtime_error = false;  // the run could not complete (deploy failed, a step errored)
  std::string error;
  double seconds = 0;
  std::optional<Diagram> topology;  // the deployed topology, for report.html
  // The run's time steps (scenario `collect: {interval}`; steps.json in the run directory, timeline.hpp), or null.
  nlohmann::json time_steps;
  // The AS analysis tables of the collector's records at the end of the run (ui::as_tables, as_tables.hpp), or null.
  nlohmann::json as_tables;
};

struct CheckCounts {
  std::size_t checks = 0;
  std::size_t failed = 0;
  std::size_t flagged = 0;
};
[[nodiscard]] CheckCounts count_checks(const RunRecord& run);
// "PASS", "FAIL", "FLAGGED" or "ERROR" (a runtime error).
[[nodiscard]] std::string outcome_text(const RunRecord& run);

// The verdict table: one block per expect step, one line per field with oracle / router / collector / expected
// values and PASS/FAIL, failure explanations underneath, and a summary line.
std::string verdict_table(const RunRecord& run);
// The outcome line that ends the verdict table (no newline): "PASS: 42 checks, 0 failed, 0 flagged, 6 steps in
// 51.2 s" (ERROR and the run's error when it could not complete). `labctl run -q` prints it alone.
std::string verdict_summary(const RunRecord& run);
nlohmann::json verdict_json(const RunRecord& run);
// The inverse of verdict_json(): a clear error naming the first missing or mistyped member.
[[nodiscard]] Result<RunRecord> run_from_json(const nlohmann::json& json);
// JUnit XML: one testsuite per run, one testcase per step (expect steps: per stream and point).
std::string junit_xml(const std::vector<RunRecord>& runs);

}  // namespace flowlab::report
