// flowlab::nodes — node kinds. Each kind (bird, frr, host, collector, ...) is a NodeDriver registered by name in
// registry.cpp. A driver renders its configuration files from the topology, says which programs to start (in
// order), how to tell they are ready, how to read their routing state back as structured data, and how to stop.
// The lab controller drives all kinds through this one interface.
#pragma once

#include "common/result.hpp"
#include "model/model.hpp"
#include "platform/process/process.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace flowlab::nodes {

// Where a node keeps its files: <rundir>/<lab>/<node>/. Configs, sockets, pid files and logs all live here, so
// destroying the lab's run directory removes them all.
struct NodeContext {
  const topology::Topology* topology = nullptr;
  const topology::Node* node = nullptr;
  std::filesystem::path dir;  // <rundir>/<lab>/<node>
};

// One route as a router holds it (BIRD `show route all`, FRR `show bgp ... json`).
struct RibEntry {
  Prefix prefix;
  bool best = false;
  std::string source;                  // "bgp", "ospf", "static", "direct", "kernel"
  std::string protocol_name;           // BIRD protocol / FRR peer description
  std::vector<std::uint32_t> as_path;  // flattened; AS_SET members appear in order
  bool as_path_truncated = false;      // the router printed only the start of a long path (birdc cuts lines)
  std::optional<IpAddress> next_hop;   // BGP next hop (or the gateway for non-BGP routes)
  std::optional<IpAddress> from;       // the BGP neighbour it was learned from
  std::optional<std::uint32_t> local_pref;
  std::optional<std::uint32_t> med;
  std::string origin;                          // "IGP", "EGP", "Incomplete"
  std::vector<std::string> communities;        // "64510:100"
  std::vector<std::string> large_communities;  // "64510:1:2"
  std::string interface;                       // outgoing interface, when known
};

enum class SessionState : std::uint8_t { kIdle, kConnect, kActive, kOpenSent, kOpenConfirm, kEstablished, kUnknown };
std::string to_string(SessionState s);

struct BgpSessionStatus {
  IpAddress neighbor;
  std::uint32_t neighbor_asn = 0;
  SessionState state = SessionState::kUnknown;
  std::string name;  // protocol name / neighbour description
  std::uint32_t prefixes_received = 0;
};

// How a router kind decides and advertises, where kinds differ: the oracle simulates each router with its kind's
// traits (asked through router_traits(kind)), so no code outside nodes/ tests a kind's name.
struct RouterTraits {
  // Multipath merges only routes with identical AS paths (FRR), not merely equally long ones (BIRD's
  // bgp_rte_mergable).
  bool multipath_needs_same_as_path = false;
  // Locally originated routes leave over eBGP with MED 0 (FRR: the static route's metric), not without a MED.
  bool local_routes_carry_med_zero = false;
  // eBGP routes win over the IGP's for the same prefix length (FRR: distance eBGP 20 < OSPF 110); BIRD prefers OSPF
  // (preference 150 > BGP 100) for eBGP and iBGP alike.
  bool ebgp_preferred_over_igp = false;
};

class NodeDriver {
 public:
  virtual ~NodeDriver() = default;
  NodeDriver() = default;
  NodeDriver(const NodeDriver&) = delete;
  NodeDriver& operator=(const NodeDriver&) = delete;

  // Writes config files under ctx.dir (the directory exists). Pure: same topology, same bytes.
  virtual Status render(const NodeContext& ctx) const = 0;
  // Programs to start, in order (may be empty: a plain host runs nothing).
  [[nodiscard]] virtual std::vector<process::Spec> programs(const NodeContext& ctx) const = 0;
  // Called after programs()[index] was started and before programs()[index + 1] is: true once the next program
  // may start (FRR: zebra has created its zserv socket; a client daemon started earlier waits ~10 s to retry).
  // Poll it like ready(). Default: at once.
  virtual Result<bool> program_ready(const NodeContext& /*ctx*/, std::size_t /*index*/) const { return true; }
  // True once the node answers (BIRD control socket, vtysh). Called repeatedly until true or a deadline.
  virtual Result<bool> ready(const NodeContext& ctx) const = 0;
  // Routes (all, not just best) for IPv4 and IPv6 unicast; empty for nodes without routing.
  virtual Result<std::vector<RibEntry>> rib(const NodeContext& ctx) const = 0;
  // BGP sessions and their state; empty for nodes without BGP.
  virtual Result<std::vector<BgpSessionStatus>> bgp_sessions(const NodeContext& ctx) const = 0;
  // Administratively takes every session (all families) with `neighbor` (a node name) down or back up.
  virtual Status set_bgp_session(const NodeContext& ctx, const std::string& neighbor, bool up) const {
    (void)up;
    return fail(ErrorKind::kUnsupported, "node " + ctx.node->name + " (kind " + ctx.node->kind +
                                             ") cannot set BGP sessions to " + neighbor + " up or down");
  }
  // The kind's routing behaviour, for the oracle (defaults: BIRD's).
  [[nodiscard]] virtual RouterTraits router_traits() const { return {}; }
  // Starts (announce) or stops originating `prefix`. ctx.topology already holds the node's new `announce` list
  // (the other sessions and links as deployed): a kind may re-render its whole config and reload it.
  virtual Status set_announcement(const NodeContext& ctx, const Prefix& prefix, bool announce) const {
    (void)announce;
    return fail(ErrorKind::kUnsupported, "node " + ctx.node->name + " (kind " + ctx.node->kind +
                                             ") cannot announce or withdraw " + prefix.to_string());
  }
};

// The registry: kind name -> driver. Adding a kind = its folder + one line in registry.cpp.
const NodeDriver* find_driver(const std::string& kind);
std::vector<std::string> driver_kinds();
// The traits of `kind`'s routers (defaults for a kind without a driver).
RouterTraits router_traits(const std::string& kind);

}  // namespace flowlab::nodes
