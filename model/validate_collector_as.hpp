// flowlab::topology — a collector's explicit `asn:` against its BGP peers' AS.
//
// The sessions between the routers and a collector are iBGP (sessions.cpp, add_collector_sessions): each router
// renders `neighbor <collector> remote-as <its own AS>` and refuses an OPEN carrying another AS ("Bad Peer AS").
// A collector whose explicit `asn:` differs from a peer's AS would answer that peer with the wrong one (flowcollector
// and pmacct's bgp_daemon_as take the explicit AS), so it is an error saying what to do.
#pragma once

#include "common/yaml_diagnostics.hpp"
#include "model/kinds.hpp"
#include "model/model.hpp"

namespace flowlab::topology {

// One error per (collector, peer) whose AS differs from the collector's explicit `asn:`, at the collector's `asn`.
void validate_collector_as(const Topology& topology, KindTable kinds, const SourceMap& marks, DiagnosticSink& sink);

}  // namespace flowlab::topology
