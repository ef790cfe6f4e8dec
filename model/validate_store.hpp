// flowlab::topology store validation — a collector's `store: NODE` names a store node (a kind of role kStore, e.g.
// `clickhouse`). Every node has mgmt0 on the lab's management network, where the store listens, so a named store is
// always reachable from the collector; what can be wrong is the name: an unknown node, or one of another role.
#pragma once

#include "common/yaml_diagnostics.hpp"
#include "model/kinds.hpp"
#include "model/model.hpp"

namespace flowlab::topology {

// Reports each collector whose `store:` names no node, or a node that is not a store (listing the store kinds).
void validate_stores(const Topology& topology, KindTable kinds, const SourceMap& marks, DiagnosticSink& sink);

}  // namespace flowlab::topology
