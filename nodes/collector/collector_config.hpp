// flowlab::nodes::collector — flowcollector.yaml (docs/flowcollector.md) rendered from the topology for a
// `collector` node, plus the pmacct-syntax agent map it points at.
//
//   listen      NetFlow/IPFIX and sFlow on the node's mgmt0 addresses (IPv4, and IPv6 when the lab has it),
//               ports from the node's `listen:` (netflow default 2100 when neither is given)
//   bgp         one passive peer per `to_collector` session of this node (the router's session address and AS);
//               no local_as: the collector mirrors each router's AS (iBGP), unless the node has an AS of its own
//               that differs (then local_as is that AS); router_id = the node's mgmt0 IPv4 address
//   agent map   each probe exporting to this collector: exporter = the probe node's mgmt0 address, BGP peer = the
//               session address of the router the probe meters (the probe node itself when it is a router, else
//               the router whose interface it mirrors or the router its captured interfaces connect to)
//   aggregates  `full`: every DESIGN.md §6 primitive plus src_host dst_host src_port dst_port proto in_iface
//               out_iface
//   outputs     query socket <dir>/collector.sock, SQLite <dir>/flows.db, table dumps <dir>/bgp-<peer>.jsonl
// A peer_src_as map (ifindex -> neighbour AS) needs run-time ifindexes and is left to the lab controller.
#pragma once

#include "common/result.hpp"
#include "labctl/topology/model.hpp"

#include <filesystem>
#include <string>

namespace flowlab::nodes::collector {

inline constexpr const char* kConfigFile = "flowcollector.yaml";
inline constexpr const char* kAgentMapFile = "agent_map.txt";
inline constexpr const char* kSocketFile = "collector.sock";
inline constexpr const char* kDatabaseFile = "flows.db";
inline constexpr std::uint16_t kDefaultNetflowPort = 2100;

struct RenderedCollector {
  std::string config;     // flowcollector.yaml
  std::string agent_map;  // "" when no probe exports to this collector
};

// `dir` is the node's run directory (paths in the config point into it).
Result<RenderedCollector> render_collector_config(const topology::Topology& topo, const topology::Node& node,
                                                  const std::filesystem::path& dir);

}  // namespace flowlab::nodes::collector
