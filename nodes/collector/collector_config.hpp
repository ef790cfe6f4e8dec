// flowlab::nodes::collector — flowcollector.yaml (docs/flowcollector.md) rendered from the topology for a
// `collector` node, plus the pmacct-syntax agent map it points at.
//
//   listen      NetFlow/IPFIX and sFlow on the node's mgmt0 addresses (IPv4, and IPv6 when the lab has it),
//               ports from the node's `listen:` (netflow default 2100 when neither is given)
//   bgp         one passive peer per `to_collector` session of this node (the router's session address and AS);
//               no local_as: the collector mirrors each router's AS (iBGP), unless the node has an AS of its own
//               that differs (then local_as is that AS); router_id = the node's mgmt0 IPv4 address
//   bmp         with `bmp:` routers: the BMP station on the node's mgmt0 IPv4 address, port topology::kBmpPort; with
//               `bmp:` and no `bgp:`, `enrich.source: bmp` and the agent map names each router's BMP session
//               address (its mgmt0 IPv4 address)
//   agent map   each probe exporting to this collector: exporter = the probe node's mgmt0 address, BGP peer = the
//               session address of the router the probe meters (the probe node itself when it is a router, else
//               the router whose interface it mirrors or the router its captured interfaces connect to)
//   aggregates  `full`: every DESIGN.md §6 primitive plus src_host dst_host src_port dst_port proto in_iface
//               out_iface
//   outputs     query socket <dir>/collector.sock, SQLite <dir>/flows.db, with `store: NODE` ClickHouse at the store
//               node's URL (NodeDriver::store_url: its mgmt0 address), database kStoreDatabase, table kStoreTable,
//               table dumps <dir>/bgp-<peer>.jsonl
//               (`agent_map: {p1: r1}` on the node overrides the router for the probes on p1; a router without a
//               session with this collector is named by its mgmt0 address: its view is empty)
//   peer_src_as the node's `peer_src_as` method; with `map`, the file peer_src_as_map.txt (pmacct
//               bgp_peer_src_as_map syntax) rendered by render_peer_src_as_map() from the topology and the
//               interfaces' run-time ifindexes (CollectorDriver::render reads them over netlink)
#pragma once

#include "common/result.hpp"
#include "model/model.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace flowlab::nodes::collector {

inline constexpr const char* kConfigFile = "flowcollector.yaml";
inline constexpr const char* kAgentMapFile = "agent_map.txt";
inline constexpr const char* kPeerSrcAsMapFile = "peer_src_as_map.txt";
inline constexpr const char* kSocketFile = "collector.sock";
inline constexpr const char* kDatabaseFile = "flows.db";
inline constexpr std::uint16_t kDefaultNetflowPort = 2100;
// Where a collector with `store: NODE` inserts (outputs.clickhouse database and raw table; the tiers are
// <table>_minute and <table>_hour).
inline constexpr const char* kStoreDatabase = "flowlab";
inline constexpr const char* kStoreTable = "flows";

// The primitives of the aggregate `full` every collector node keeps (the records the verifier reads).
inline constexpr const char* kFullPrimitives =
    "src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_as, dst_as, peer_src_as, peer_dst_as, "
    "peer_src_ip, peer_dst_ip, as_path, src_as_path, std_comm, ext_comm, lrg_comm, local_pref, med, src_port, "
    "dst_port, proto, in_iface, out_iface";
// kFullPrimitives, plus `direction` when the node says `aggregate_direction: true`.
[[nodiscard]] std::string full_primitives(const topology::Node& node);

struct RenderedCollector {
  std::string config;     // flowcollector.yaml
  std::string agent_map;  // "" when no probe exports to this collector
};

// `dir` is the node's run directory (paths in the config point into it).
Result<RenderedCollector> render_collector_config(const topology::Topology& topo, const topology::Node& node,
                                                  const std::filesystem::path& dir);

// The ifindex of interface `ifname` of node `node` in the running lab (the kernel's).
using IfindexLookup = std::function<Result<std::uint32_t>(const topology::Node& node, const std::string& ifname)>;

// The peer_src_as map of a collector (pmacct bgp_peer_src_as_map syntax): for every probed interface of every probe
// exporting to `node` — a probe's own interfaces, or the SPAN port of a mirror probe — one line
// `id=<AS of the router across the link> ip=<the probe node's mgmt0 address> in=<ifindex>`, the ifindex being the
// one flowprobe records (the probe's `ifindex:` override, else `ifindex_of`). Interfaces facing a host or a router
// of the metering router's own AS get no line (peer_as_src 0, as the oracle's truth). Lookup errors are returned.
Result<std::string> render_peer_src_as_map(const topology::Topology& topo, const topology::Node& node,
                                           const IfindexLookup& ifindex_of);

}  // namespace flowlab::nodes::collector
