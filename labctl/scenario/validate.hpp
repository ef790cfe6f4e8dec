// flowlab::scenario validation — the cross-checks of a parsed scenario against its derived topology.
//
// The loader checks each value on its own (types, syntax, ranges); validate_scenario() checks how it fits the
// lab: streams start at hosts and end at addresses inside the lab, families match the addresses, sizes fit the
// headers and the MTU, 5-tuples are distinct; steps name real nodes, interfaces, BGP sessions, streams,
// collectors and observation points; a withdraw names a prefix the router originates. It also resolves what
// the file left implicit (addresses, `all`, the default collector, the counter check) in place.
#pragma once

#include "common/yaml_diagnostics.hpp"
#include "labctl/scenario/model.hpp"

#include <span>
#include <string>

namespace flowlab::scenario {

// Marks are looked up by key path ("traffic.web.to", "steps[2].expect.fields.as_path"); step_paths holds each
// step's path ("steps[2].expect"), parallel to scenario.steps. When the file gave no `steps:` (no "steps" mark),
// the default steps are filled in.
void validate_scenario(Scenario& scenario, std::span<const std::string> step_paths, const SourceMap& marks,
                       DiagnosticSink& sink);

}  // namespace flowlab::scenario
