// flowlab::topology validation — the cross-checks that need the whole parsed topology.
//
// The loader checks each value on its own (types, syntax, ranges); validate_topology() checks how they fit
// together: endpoints name real nodes and free interfaces, gateways are neighbouring routers, policies name
// BGP neighbours, probes name real interfaces and collectors (or tees), tees name collectors or tees as
// receivers without loops, explicit addresses don't collide, the
// management network fits the lab and stays out of the data plane, routers have an AS. Every problem becomes
// one Diagnostic; nothing stops at the first.
#pragma once

#include "common/yaml_diagnostics.hpp"
#include "model/kinds.hpp"
#include "model/model.hpp"

namespace flowlab::topology {

// `kinds` tells the role of each node's kind; a node of an unknown kind (already reported by the loader) has none.
void validate_topology(const Topology& topology, KindTable kinds, const SourceMap& marks, DiagnosticSink& sink);

}  // namespace flowlab::topology
