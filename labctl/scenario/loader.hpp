// flowlab::scenario loader — a YAML scenario file in, a validated Scenario (with its derived topology) out.
//
// load_scenario_file() parses the YAML (yaml-cpp; its exceptions stop here), loads the topology (a path
// relative to the scenario file, or an inline mapping, reported at its own lines), checks every key, type and
// value, then validates every reference against the topology (validate.hpp). Every problem is reported at
// once as a Diagnostic ("file:line:col: error: ..."), exactly like the topology loader; the scenario is set
// only when there are none. to_json() gives the resolved scenario for `--json` and the run directory.
// The accepted keys are documented in docs/scenarios.md.
#pragma once

#include "labctl/scenario/model.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::scenario {

struct LoadOptions {
  // Overrides the lab name (the file's `lab_name:`, else the topology's `name:`): unique per test run.
  std::optional<std::string> lab_name;
  // Overrides the file's `kinds:` (labctl run --collector/--probe; checked with topology::check_kind_choice).
  topology::KindChoice kinds;
};

struct LoadResult {
  std::optional<Scenario> scenario;     // set only when diagnostics is empty
  std::vector<Diagnostic> diagnostics;  // the topology file's first (when it has errors), then the scenario's

  [[nodiscard]] bool ok() const { return scenario.has_value(); }
  // Every diagnostic's to_string(), one per line (each ending in '\n').
  [[nodiscard]] std::string error_text() const;
};

// Parse + load the topology + validate. The file name in diagnostics is `file` as given; `topology:` paths are
// resolved relative to the file's directory.
[[nodiscard]] LoadResult load_scenario_file(const std::filesystem::path& file, const LoadOptions& options = {});
// As above from text; `base_dir` resolves a relative `topology:` path; `file_name` names it in diagnostics and
// gives the default scenario name (its stem).
[[nodiscard]] LoadResult load_scenario_string(std::string_view yaml, const std::string& file_name = "<string>",
                                              const std::filesystem::path& base_dir = ".",
                                              const LoadOptions& options = {});

// True when the file is a scenario rather than a topology: a YAML mapping with a `topology:` key (a topology has
// none). False for unreadable or unparsable files (the topology loader then reports them).
[[nodiscard]] bool is_scenario_file(const std::filesystem::path& file);

// The resolved scenario: name, description, lab, topology file (or the inline topology's name), streams with
// their resolved addresses, steps with every default made explicit. Keys sorted, arrays in file order.
[[nodiscard]] nlohmann::json to_json(const Scenario& scenario);

}  // namespace flowlab::scenario
