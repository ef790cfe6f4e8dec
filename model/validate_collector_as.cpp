#include "model/validate_collector_as.hpp"

#include <string>

namespace flowlab::topology {

void validate_collector_as(const Topology& topology, KindTable kinds, const SourceMap& marks, DiagnosticSink& sink) {
  for (const auto& n : topology.nodes) {
    if (role_of_kind(kinds, n.kind) != Role::kCollector || n.asn == 0) {
      continue;  // no explicit AS: the collector answers each peer with the peer's own AS (derive.cpp)
    }
    std::string others;  // "r1 (AS 64500), r2 (AS 64501)"
    std::uint32_t first = 0;
    for (const auto& name : n.bgp_peers) {
      const Node* peer = topology.find_node(name);
      if (peer == nullptr || peer->asn == 0 || peer->asn == n.asn) {
        continue;  // an unknown peer or a router without an AS is validate_topology()'s to report
      }
      others += (others.empty() ? "" : ", ") + peer->name + " (AS " + std::to_string(peer->asn) + ")";
      first = first == 0 ? peer->asn : first;
    }
    if (others.empty()) {
      continue;
    }
    const std::string path = "nodes." + n.name + ".asn";
    sink.error(marks.at(path), path + ": collector '" + n.name + "' is AS " + std::to_string(n.asn) +
                                   " but its BGP peers " + others +
                                   " are not: the sessions to a collector are iBGP, each router expects its own AS "
                                   "(neighbor ... remote-as <router AS>) and refuses another; leave 'asn' out (the "
                                   "collector then answers each peer with its AS) or set asn: " +
                                   std::to_string(first));
  }
}

}  // namespace flowlab::topology
