// flowlab::oracle — what the lab's routers and the flow pipeline should report, computed from the topology alone.
//
// Oracle::build() takes a fully derived Topology (model) and never looks at a running lab:
//   1. IGP: per AS, OSPF shortest paths (Dijkstra over `ospf` interfaces with their costs) to every router's
//      loopbacks and link subnets (igp.hpp).
//   2. BGP: per router and prefix, the candidate routes learned over each session after the sender's export and
//      the receiver's import policies, exactly as nodes/bird and nodes/frr render them (eBGP: own AS prepended,
//      next hop = sender's session address; iBGP: next-hop-self, no re-advertising of iBGP-learned routes;
//      local-pref, MED, communities, deny), iterated to a fixed point; then the decision process in the routers'
//      order. Where BIRD and FRR may legitimately differ, the entry is `ambiguous` with a reason.
//   3. Forwarding walk (walk()): hop by hop from a node towards an address — LPM over connected subnets, OSPF
//      routes and BGP best routes (recursive next hop via IGP / connected) — to the node owning the address,
//      with loop and blackhole detection. IPv4 and IPv6.
//   4. Observations (observe()): for a stream and every probe that sees it, every DESIGN.md section 6 field as the
//      collector would report it when its BGP view is the metering router's routes as exported to the collector,
//      typed and formatted as pmacct prints them.
// docs/oracle.md states what is modelled, the decision order and the known divergences from BIRD/FRR.
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"
#include "model/model.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::oracle {

// Where a candidate route came from, as seen by the router holding it.
enum class RouteSource : std::uint8_t { kLocal, kEbgp, kIbgp };
const char* to_string(RouteSource source);  // "local", "ebgp", "ibgp"

// One BGP route to a prefix held by a router (a candidate in its Adj-RIB-In after import policy, or its own
// origination), with the attributes the decision process and the collector look at.
struct Route {
  Prefix prefix;
  RouteSource source = RouteSource::kLocal;
  std::vector<std::uint32_t> as_path;  // empty for routes originated inside the router's AS
  std::uint8_t origin = 0;             // 0 IGP, 1 EGP, 2 incomplete (flowlab routers originate IGP)
  std::uint32_t local_pref = 100;
  std::optional<std::uint32_t> med;            // unset = not sent (compared as 0, as BIRD and FRR do)
  std::vector<std::string> communities;        // "a:b", sorted numerically, no duplicates
  std::vector<std::string> large_communities;  // "a:b:c", sorted numerically, no duplicates
  std::optional<IpAddress> next_hop;           // BGP next hop; unset for local routes
  std::string learned_from;                    // neighbour node ("" for local)
  std::string session;                         // the Peering name on this router ("r2_v4"), "" for local
  std::optional<IpAddress> neighbor_address;   // the neighbour's session address
  IpAddress neighbor_router_id;                // the neighbour's router id (unset for local)
  std::uint32_t neighbor_asn = 0;              // the neighbour's AS (0 for local)
  std::optional<std::uint32_t> igp_cost;       // IGP cost to next_hop (0 = connected / local); unset = unresolvable

  // First AS of the path (0 when empty) and the origin AS (0 when empty: local to the viewing AS).
  [[nodiscard]] std::uint32_t first_as() const { return as_path.empty() ? 0 : as_path.front(); }
  [[nodiscard]] std::uint32_t origin_as() const { return as_path.empty() ? 0 : as_path.back(); }
  bool operator==(const Route&) const = default;
};

// One prefix in one router's predicted BGP RIB.
struct RibEntry {
  Prefix prefix;
  std::vector<Route> candidates;  // every usable candidate, best first (the decision order); never empty
  bool ambiguous = false;         // BIRD and FRR (or timing) may choose differently among the tied candidates
  std::string reason;             // why best won ("local-pref 200 over 100") or why it is ambiguous
  std::size_t tied = 1;           // with ambiguous: how many leading candidates are tied
  // How many leading candidates the router installs together in its FIB (ECMP): BIRD's `merge paths on` merges
  // routes equal up to the IGP cost; FRR's multipath needs identical AS paths. > 1 makes a walk through this
  // router ambiguous (the kernel hashes each flow onto one of them), though the best route itself is definite.
  std::size_t multipath = 1;

  [[nodiscard]] const Route& best() const { return candidates.front(); }
  bool operator==(const RibEntry&) const = default;
};

struct RouterRib {
  std::string router;
  std::map<Prefix, RibEntry> entries;  // BGP prefixes only (connected / OSPF routes: see walk())

  [[nodiscard]] const RibEntry* find(const Prefix& prefix) const;
  // Longest-prefix match over the BGP entries.
  [[nodiscard]] const RibEntry* lookup(const IpAddress& address) const;
};

// How a hop forwarded the packet.
enum class Via : std::uint8_t { kConnected, kOspf, kBgp, kDefault, kDelivered };
const char* to_string(Via via);  // "connected", "ospf", "bgp", "default", "delivered"

struct Hop {
  std::string node;
  std::string in_interface;          // "" at the first node
  std::string out_interface;         // "" at the last node (delivered)
  std::string next_node;             // "" at the last node
  std::optional<IpAddress> gateway;  // the next node's address on the out link (unset when delivered)
  Via via = Via::kDelivered;
  std::optional<Prefix> route;  // the route used (LPM result), unset when delivered
  bool ambiguous = false;       // ECMP or an ambiguous BGP best route: the real hop may differ
  std::string note;
};

enum class WalkOutcome : std::uint8_t { kDelivered, kBlackhole, kLoop };
const char* to_string(WalkOutcome outcome);  // "delivered", "blackhole", "loop"

struct Walk {
  IpAddress destination;
  WalkOutcome outcome = WalkOutcome::kBlackhole;
  std::vector<Hop> hops;  // the first node first; with kDelivered the last hop is the owner of `destination`
  bool ambiguous = false;
  std::string reason;  // for blackhole/loop/ambiguity: in words
};

// A stream of packets the oracle follows: from a node (host or router), src -> dst.
struct Stream {
  std::string from;  // node name
  IpAddress src;     // unset: the sending node's first address of dst's family
  IpAddress dst;
};

// One observation point of a stream: a probe that sees the packets, and every section 6 field it would report.
struct Observation {
  std::size_t probe_index = 0;     // into Topology::probes
  std::string probe_node;          // where flowprobe runs
  std::string metering_router;     // the node whose interfaces are observed (probe node, or mirror's node)
  std::string observed_interface;  // the probed / mirrored interface the packet crosses
  bool ingress = true;             // the packet enters the node through observed_interface (else leaves by it)
  std::string collector;           // the final collector: ProbeSpec::export_to, or one behind its tees

  // Typed values (section 6). AS 0 / empty path / unset = "no route" or "local".
  std::string iface_in;   // names on the metering router ("" when the stream starts there)
  std::string iface_out;  // ("" when the stream ends there)
  std::uint32_t as_src = 0;
  std::uint32_t as_dst = 0;
  std::vector<std::uint32_t> as_path;      // of R_d
  std::vector<std::uint32_t> src_as_path;  // of R_s
  std::uint32_t peer_as_src_truth = 0;     // the neighbour AS behind iface_in (map method); 0 = inside the AS
  std::uint32_t peer_as_src_bgp = 0;       // first AS of R_s (bgp method)
  std::uint32_t peer_as_dst = 0;
  std::optional<IpAddress> peer_ip_src;  // the exporter: the probe node's mgmt0 address (or a non-transparent tee's)
  std::optional<IpAddress> peer_ip_dst;  // R_d's BGP next hop in the collector's view
  std::optional<Prefix> net_src;         // R_s / R_d prefixes (unset: no route)
  std::optional<Prefix> net_dst;
  std::uint32_t local_pref = 0;     // of R_d
  std::uint32_t med = 0;            // of R_d
  std::vector<std::string> comms;   // of R_d
  std::vector<std::string> lcomms;  // of R_d
  bool ambiguous = false;
  std::string reason;
  // How many observations of the stream the collector merges into this one's record (predict() only): > 1 when
  // the probe meters each packet more than once (in on one probed interface, out on another) and the records
  // cannot be told apart (no `direction` in the collector's aggregate, or a format without IE 61). The record's
  // counters are then `merged` times the stream's; merged_reason says so in words ("metered twice at r1: eth2 in
  // and eth3 out; meter one direction, or add `direction` to the aggregate").
  std::size_t merged = 1;
  std::string merged_reason;

  // The same values formatted as pmacct prints them, keyed by field name: iface_in, iface_out, as_src, as_dst,
  // as_path ("65530_65533", "" when empty), src_as_path, peer_as_src (the truth), peer_as_src_bgp, peer_as_dst,
  // peer_ip_src, peer_ip_dst ("" when unset), net_src, net_dst ("192.0.2.0", "" when unset), mask_src,
  // mask_dst ("24", "0" when unset), local_pref, med, comms ("64510:100_64510:200"), lcomms.
  std::map<std::string, std::string> fields;
};

// The predicted view of the BGP routes a router exports to a collector (best routes after the collector export
// policy; iBGP, next hop unchanged, local-pref carried), keyed by prefix.
using CollectorView = std::map<Prefix, Route>;

class Oracle {
 public:
  // Simulates IGP and BGP over `topology` (which must be fully derived: load_topology_file / finish_topology).
  // Fails only on a malformed policy (a community that does not parse).
  [[nodiscard]] static Result<Oracle> build(topology::Topology topology);

  [[nodiscard]] const topology::Topology& topology() const;
  // Every router's predicted BGP RIB, keyed by router name.
  [[nodiscard]] const std::map<std::string, RouterRib>& ribs() const;
  [[nodiscard]] const RouterRib* rib(const std::string& router) const;
  // The best route of `router` for exactly `prefix` (nullptr when it has none).
  [[nodiscard]] const RibEntry* entry(const std::string& router, const Prefix& prefix) const;

  // The routes `router` exports to `collector` (as if the collector peers with it; the collector's policies of
  // the router apply). Empty when `router` is not a router.
  [[nodiscard]] CollectorView collector_view(const std::string& router, const std::string& collector) const;
  // What a collector enriching from BMP (`bmp:` routers, no `bgp:`) sees of `router`: its best routes learned from
  // peers, as they arrived (next hop as learned; over eBGP with LOCAL_PREF 100 whatever an import policy set: FRR
  // 8.4 leaves it out of Route Monitoring for eBGP peers and the station assumes the default); not its own networks
  // (FRR 8.4 reports them only when they change). Empty when `router` does not report to `collector`.
  [[nodiscard]] CollectorView bmp_view(const std::string& router, const std::string& collector) const;
  // The routes `router` exports to the flowprobe in it (probe `bgp: true`, model 1): its best routes, next hop kept;
  // its own routes with the session address (127.0.0.1) or, IPv6, its IPv6 loopback as next hop.
  [[nodiscard]] CollectorView probe_view(const std::string& router) const;

  // IGP (OSPF) cost from `router` to an address inside its AS (a loopback or a link address of an OSPF router
  // of the same AS); 0 for the router's own / connected addresses; nullopt when unreachable over the IGP.
  [[nodiscard]] std::optional<std::uint32_t> igp_cost(const std::string& router, const IpAddress& address) const;

  // The node that owns `address` on an interface or loopback (nullptr: none). mgmt0 addresses do not count.
  [[nodiscard]] const topology::Node* owner_of(const IpAddress& address) const;

  // Forwarding walk from `from` towards `destination`. Fails when `from` is unknown or has no address of the
  // destination's family.
  [[nodiscard]] Result<Walk> walk(const std::string& from, const IpAddress& destination) const;

  // The walk of a stream plus every observation of it (one per probe and observed interface crossing, in
  // walk order). Fails like walk().
  struct StreamPrediction {
    Stream stream;  // with src filled in
    Walk walk;
    std::vector<Observation> observations;
  };
  [[nodiscard]] Result<StreamPrediction> predict(const Stream& stream) const;

  // The section 6 fields of one packet (src, dst) metered on `metering_router` with the given interfaces, as a
  // collector with that router's exported view reports it. Used by predict(); public for the verifier.
  [[nodiscard]] Observation observe(const topology::ProbeSpec& probe, std::size_t probe_index,
                                    const std::string& metering_router, const std::string& iface_in,
                                    const std::string& iface_out, const IpAddress& src, const IpAddress& dst) const;
  // The same as `collector` receives it from `exporter` (a final collector behind tees: topology/feeds.hpp).
  [[nodiscard]] Observation observe(const topology::ProbeSpec& probe, std::size_t probe_index,
                                    const std::string& metering_router, const std::string& iface_in,
                                    const std::string& iface_out, const IpAddress& src, const IpAddress& dst,
                                    const std::string& collector, const std::optional<IpAddress>& exporter) const;

  Oracle(Oracle&&) noexcept;
  Oracle& operator=(Oracle&&) noexcept;
  ~Oracle();

  struct State;  // opaque: the computed IGP, sessions, policies and RIBs (labctl/oracle/state.hpp, internal)

 private:
  explicit Oracle(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// pmacct formatting helpers (shared with the verifier): "65530_65533", "64510:100_64510:200".
std::string format_as_path(const std::vector<std::uint32_t>& path);
std::string format_list(const std::vector<std::string>& items);

}  // namespace flowlab::oracle
