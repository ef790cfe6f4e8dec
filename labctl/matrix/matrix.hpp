// flowlab::matrix — `labctl matrix`: one scenario run per combination of probe kind and collector kind, each
// verdict folded into field families (flow fields, AS, AS path, peer fields, communities, interfaces, counters),
// so a table shows per family and combination where a pipeline agrees with the oracle and the routers, where a
// kind does not provide a field, and where it differs (the field and both values).
//
// A combination runs `labctl run`'s code (scenario::run_scenario) with the kinds chosen as `--collector/--probe`
// would choose them; one whose scenario the chosen kinds cannot run (a probe option the kind cannot honour: the
// loader's diagnostics) is "n/a" with that reason, and is not deployed.
#pragma once

#include "common/enum_names.hpp"
#include "common/result.hpp"
#include "labctl/report/report.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::matrix {

enum class Family : std::uint8_t { kFlow, kAs, kAsPath, kPeer, kCommunities, kInterfaces, kCounters };
inline constexpr EnumName<Family> kFamilyNames[] = {
    {"flow fields", Family::kFlow},        {"AS", Family::kAs},
    {"AS path", Family::kAsPath},          {"peer fields", Family::kPeer},
    {"communities", Family::kCommunities}, {"interfaces", Family::kInterfaces},
    {"counters", Family::kCounters},
};
inline constexpr std::size_t kFamilies = std::size(kFamilyNames);

// The family of a verdict check ("as_path" -> AS path, "packets (1:10)" -> counters, "peer_as_src (truth)" -> peer
// fields); a check the table does not know is a flow field.
[[nodiscard]] Family family_of(std::string_view check);

// One family of one combination: the worst outcome of its checks; n/a when none was compared (not provided by a
// kind, or the combination cannot run), ERROR when the run could not complete.
enum class Cell : std::uint8_t { kNotApplicable, kPass, kFlagged, kFail, kError };
inline constexpr EnumName<Cell> kCellNames[] = {{"n/a", Cell::kNotApplicable},
                                                {"PASS", Cell::kPass},
                                                {"FLAGGED", Cell::kFlagged},
                                                {"FAIL", Cell::kFail},
                                                {"ERROR", Cell::kError}};

struct FamilyResult {
  Cell cell = Cell::kNotApplicable;
  // Each says what it is: "FAIL as_path: collector 65530, oracle 65530_65533 (out4 at r1:eth3 out)",
  // "FLAGGED peer_as_src (truth): ...", "n/a iface_out: not provided by this kind: ...".
  std::vector<std::string> details;
};

struct Combination {
  std::string scenario;   // the scenario's name
  std::string probe;      // probe kind
  std::string collector;  // collector kind
  std::string lab;        // the lab it ran as
  bool runnable = true;
  std::string reason;   // why it cannot run (not runnable) or could not complete (ERROR)
  std::string outcome;  // the run's: PASS / FAIL / FLAGGED / ERROR; "n/a" when not runnable
  std::string run_dir;
  double seconds = 0;
  std::array<FamilyResult, kFamilies> families;
};

struct Matrix {
  std::vector<std::string> probes;
  std::vector<std::string> collectors;
  std::vector<Combination> combinations;  // per scenario, per probe, per collector
  double seconds = 0;
  // "" when every combination ran; else what stopped the matrix ("interrupted by SIGTERM after 1 of 6
  // combinations (lab mx1-flocol destroyed)"): the combinations listed are the ones that ran.
  std::string interrupted;
};

// Folds a run's verdict into the families of `c` (and its outcome, run directory and time).
void fold_run(const report::RunRecord& run, Combination& c);
// The combination's families when it cannot run: every one n/a with `reason`.
void not_applicable(Combination& c, const std::string& reason);
// Any FAIL or ERROR cell.
[[nodiscard]] bool failed(const Matrix& m);

// One row per combination, one column per family; the FAIL details and the n/a reasons listed under the table.
[[nodiscard]] std::string matrix_text(const Matrix& m);
[[nodiscard]] nlohmann::json matrix_json(const Matrix& m);
// matrix.html: the table with every cell's details, in report.html's page style (report::page_style()).
[[nodiscard]] std::string matrix_html(const Matrix& m);

struct MatrixOptions {
  std::vector<std::filesystem::path> scenarios;
  std::vector<std::string> probes;
  std::vector<std::string> collectors;
  std::string lab_prefix = "mx";                      // labs <prefix><scenario#>-<probe><collector>
  std::filesystem::path out_dir;                      // each run in <out_dir>/<scenario>/<probe>-<collector>
  std::filesystem::path lab_rundir = "/run/flowlab";  // as labctl run's --rundir
  std::function<void(const std::string&)> progress;   // one line per combination
};

// Why `options` cannot run (an unknown kind or one of the wrong role, listing the known ones; a lab prefix that
// leaves no room for the lab names); "" when it can.
[[nodiscard]] std::string check_options(const MatrixOptions& options);
// The lab name of combination (scenario `index`, probe, collector): "mx1-sofnfa" (at most 16 bytes).
[[nodiscard]] std::string lab_name(const std::string& prefix, std::size_t index, std::string_view probe,
                                   std::string_view collector);

// Runs every combination in turn (each deployed, run and destroyed before the next). A scenario that is invalid
// on its own is an error (kUsage, its diagnostics) before anything runs.
[[nodiscard]] Result<Matrix> run_matrix(const MatrixOptions& options);

}  // namespace flowlab::matrix
