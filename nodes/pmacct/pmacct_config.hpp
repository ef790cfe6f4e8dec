// flowlab::nodes::pmacct — nfacctd.conf / sfacctd.conf rendered from the topology for an `nfacctd` or `sfacctd`
// node (docs/nodes.md), and the maps it points at. The keys (pmacct 1.7 CONFIG-KEYS) mirror what our collector
// kind renders from the same topology (nodes/collector/collector_config.hpp):
//
//   listen       nfacctd_ip/nfacctd_port (sfacctd_ip/sfacctd_port): the node's mgmt0 IPv4 address, the port of
//                `listen: {netflow|sflow}`
//   bgp          bgp_daemon on the node's mgmt0 address (`::` when an IPv6 session exists), bgp_daemon_id = mgmt0
//                IPv4, bgp_daemon_as only when the node has an AS that differs from its peers' (else pmacct copies
//                the peer's AS: iBGP), bgp_daemon_allow_file = the routers' session addresses, max_peers = their
//                count; BGP messages logged as JSON to bgp-msglog.json (read back by bgp_sessions()/rib())
//   TCP-MD5      with `bgp_password:`, bgp_daemon_md5_file: one "<router's session address>, <key>" line per session
//                (pmacct sets TCP_MD5SIG for each on its listening socket; IPv4 peers mapped on a `::` one)
//   agent map    bgp_agent_map: per probe, `bgp_ip=<router's IPv4 session> ip=<exporter> filter='ip'` and the IPv6
//                session with filter='ip6' (pmacct looks a peer up by one address; the router's two sessions are
//                two peers — examples/bgp_agent.map.example)
//   enrichment   nfacctd_as/nfacctd_net from `as_source`, bgp_peer_src_as_type from `peer_src_as` (with `map`:
//                bgp_peer_src_as_map, the same file our collector kind reads), bgp_src_as_path_type etc. `bgp`
//   records      plugins: memory, imt_path <dir>/pmacct.pipe, aggregate = DESIGN.md section 6 primitives
#pragma once

#include "common/result.hpp"
#include "model/model.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace flowlab::nodes::pmacct {

enum class Daemon : std::uint8_t { kNfacctd, kSfacctd };

inline constexpr const char* kAgentMapFile = "bgp_agent_map.txt";
inline constexpr const char* kAllowFile = "bgp_allow.txt";
inline constexpr const char* kMd5File = "bgp_md5.lst";
inline constexpr const char* kPeerSrcAsMapFile = "peer_src_as_map.txt";
inline constexpr const char* kPipeFile = "pmacct.pipe";
inline constexpr const char* kMsglogFile = "bgp-msglog.json";
inline constexpr const char* kPidFile = "pmacct.pid";

// "nfacctd" / "sfacctd".
const char* daemon_name(Daemon daemon);
// <daemon>.conf / <daemon>.log.
std::string config_file(Daemon daemon);
std::string log_file(Daemon daemon);

struct RenderedPmacct {
  std::string config;     // <daemon>.conf
  std::string agent_map;  // "" when no probe exports to this node
  std::string allow;      // "" without BGP sessions
  std::string md5;        // bgp_daemon_md5_file; "" without `bgp_password:`
};

// `dir` is the node's run directory (paths in the config point into it). Fails when the node listens on no port
// of the daemon's protocol.
Result<RenderedPmacct> render_pmacct_config(const topology::Topology& topo, const topology::Node& node,
                                            const std::filesystem::path& dir, Daemon daemon);

}  // namespace flowlab::nodes::pmacct
