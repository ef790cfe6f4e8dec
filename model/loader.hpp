// flowlab::topology loader — a YAML topology file in, a validated and fully derived Topology out.
//
// load_topology_file() parses the YAML (yaml-cpp; its exceptions stop here), checks every key, type and value,
// cross-checks references and addresses (validate.hpp), then fills in everything the file left out
// (derive.hpp). Every problem is reported at once as a Diagnostic ("file:line:col: error: ..."); the topology
// is set only when there are none. The accepted keys are documented in docs/topologies.md.
#pragma once

#include "common/result.hpp"
#include "model/kinds.hpp"
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

// Parse + validate + derive. The file name in diagnostics is `file` as given. `kinds` is the kind table
// (nodes::kinds() in the product): the kinds a node or probe may name, the role each node kind plays and what
// each probe kind can honour. `choice` replaces the kinds of the collectors and probes (check it first with
// check_kind_choice()); a probe option the chosen kind cannot honour is an error at that option.
[[nodiscard]] LoadResult load_topology_file(const std::filesystem::path& file, KindTable kinds,
                                            const KindChoice& choice = {});
[[nodiscard]] LoadResult load_topology_string(std::string_view yaml, KindTable kinds,
                                              std::string file_name = "<string>", const KindChoice& choice = {});

// The topology text as a run deploys it: `yaml` (a topology file, or a scenario file whose `topology:` is inline)
// with `choice` written into it — the `kind:` of every collector-role node and of every probe. Comments are not
// kept. The lab's copy of its topology is this text, so a deployed lab reloads with the kinds it runs.
[[nodiscard]] Result<std::string> topology_text_with_kinds(std::string_view yaml, KindTable kinds,
                                                           const KindChoice& choice);

// Validate + derive a Topology built in code (marks are then 0:0). Names and values are assumed well-formed
// (the loader checks those); cross-references, addresses and pools are checked.
[[nodiscard]] LoadResult finish_topology(Topology topology, KindTable kinds);

}  // namespace flowlab::topology
