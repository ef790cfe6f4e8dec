// flowlab::nodes::frr — FRR 8 configuration for one router of a topology.
//
// Each FRR daemon of a node reads its own file (<dir>/<daemon>.conf), so no daemon has to skip the others'
// commands; frr.conf is the same sections concatenated (the integrated form vtysh can dry-run check and people
// read). Rendered: hostname and interfaces (zebra), static blackholes for the announced prefixes (staticd), OSPFv2
// and OSPFv3 on the node's OSPF interfaces with the loopback passive (ospfd, ospf6d), and `router bgp` with
// per-session address-family activation, route-maps compiled from the topology's policies, next-hop-self towards
// iBGP peers and next hop unchanged towards collectors, `bmp targets` for the collectors whose `bmp:` lists the
// router (bgpd). Pure: same topology, same bytes.
#pragma once

#include "common/result.hpp"
#include "model/model.hpp"

#include <string>
#include <vector>

namespace flowlab::nodes::frr {

struct DaemonConfig {
  std::string daemon;  // "zebra", "staticd", "ospfd", "ospf6d", "bgpd"
  std::string text;    // contents of <dir>/<daemon>.conf
};

struct FrrConfig {
  std::vector<DaemonConfig> daemons;  // in start order: zebra first, bgpd last
  std::string integrated;             // frr.conf: every section, in the same order
};

Result<FrrConfig> render_frr_config(const topology::Topology& topo, const topology::Node& node);

// The commands inside `bmp targets <station>` for a collector's BMP station: connect to its mgmt0 IPv4 address
// (port topology::kBmpPort, retry 0.5-2 s) and report pre- and post-policy Adj-RIB-In of IPv4 and IPv6 unicast
// (FRR 8.4 has no Loc-RIB monitoring). Pre-policy needs `soft-reconfiguration inbound`, which the router's
// sessions get when it reports to any station.
std::vector<std::string> bmp_target_lines(const topology::Node& station);

}  // namespace flowlab::nodes::frr
