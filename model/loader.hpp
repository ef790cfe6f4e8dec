// flowlab::topology loader — a YAML topology file in, a validated and fully derived Topology out.
//
// load_topology_file() parses the YAML (yaml-cpp; its exceptions stop here), checks every key, type and value,
// cross-checks references and addresses (validate.hpp), then fills in everything the file left out
// (derive.hpp). Every problem is reported at once as a Diagnostic ("file:line:col: error: ..."); the topology
// is set only when there are none. The accepted keys are documented in docs/topologies.md.
#pragma once

#include "model/model.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::topology {

struct LoadResult {
  std::optional<Topology> topology;     // set only when diagnostics is empty
  std::vector<Diagnostic> diagnostics;  // ordered by position in the file

  [[nodiscard]] bool ok() const { return topology.has_value(); }
  // Every diagnostic's to_string(), one per line (each ending in '\n').
  [[nodiscard]] std::string error_text() const;
};

// Parse + validate + derive. The file name in diagnostics is `file` as given.
[[nodiscard]] LoadResult load_topology_file(const std::filesystem::path& file);
[[nodiscard]] LoadResult load_topology_string(std::string_view yaml, std::string file_name = "<string>");

// Validate + derive a Topology built in code (marks are then 0:0). Names and values are assumed well-formed
// (the loader checks those); cross-references, addresses and pools are checked.
[[nodiscard]] LoadResult finish_topology(Topology topology);

}  // namespace flowlab::topology
