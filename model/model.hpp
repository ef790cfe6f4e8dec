// flowlab::topology — the typed model of a lab topology (DESIGN.md section 4), after loading and derivation.
//
// The loader (loader.hpp) parses YAML into this model keeping each item's source mark; derivation
// (derive.hpp) fills in everything the file left out (link addresses from pools, loopbacks, router ids, BGP
// sessions, management addresses, host subnets); validation reports every problem as a Diagnostic with
// file:line:col. Everything downstream (netns, nodes, oracle) reads only this model: a fully derived Topology
// names every address and every session explicitly.
#pragma once

#include "common/enum_names.hpp"
#include "common/ip.hpp"
#include "common/yaml_diagnostics.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::topology {

// Positions and diagnostics are the common YAML reader's (common/yaml_diagnostics.hpp).
using flowlab::Diagnostic;
using flowlab::Mark;

// What part a node plays; each kind maps to exactly one role (the node drivers' kind table, nodes::kinds()).
// kStore: a flow store (a database server) collectors insert their records into (a collector's `store:`).
enum class Role : std::uint8_t { kRouter, kHost, kCollector, kTee, kStore };
inline constexpr EnumName<Role> kRoleNames[] = {{"router", Role::kRouter},
                                                {"host", Role::kHost},
                                                {"collector", Role::kCollector},
                                                {"tee", Role::kTee},
                                                {"store", Role::kStore}};

// What an interface of a router connects to, for the AS analysis tables (seed 002): a transit provider, an
// internet exchange, a private interconnect or a customer. Set per router with `roles: {eth3: transit}`.
enum class InterfaceRole : std::uint8_t { kNone, kTransit, kIx, kPni, kCustomer };
inline constexpr EnumName<InterfaceRole> kInterfaceRoleNames[] = {{"transit", InterfaceRole::kTransit},
                                                                  {"ix", InterfaceRole::kIx},
                                                                  {"pni", InterfaceRole::kPni},
                                                                  {"customer", InterfaceRole::kCustomer}};
// "transit", "ix", "pni", "customer"; "" for kNone.
[[nodiscard]] std::string_view interface_role_name(InterfaceRole role);

struct Interface {
  std::string name;            // "eth1", unique within the node, <= 15 bytes
  std::optional<Prefix> ipv4;  // interface address with its subnet length, e.g. 198.18.0.0/31
  std::optional<Prefix> ipv6;  // e.g. 2001:db8:ffff::/127
  std::string peer_node;       // the other end of the link
  std::string peer_interface;
  std::size_t link_index = 0;  // index into Topology::links
  std::uint32_t mtu = 1500;
  std::uint32_t ospf_cost = 10;               // used when the node runs OSPF and the peer is in the same AS
  bool ospf = false;                          // OSPF runs on this interface (both ends in the same OSPF AS)
  InterfaceRole role = InterfaceRole::kNone;  // the node's `roles:` entry for it
  Mark mark;
};

struct CollectorListen {
  std::uint16_t netflow = 0;  // UDP port for NetFlow v5/v9 and IPFIX (0 = off)
  std::uint16_t sflow = 0;    // UDP port for sFlow (0 = off)
};

// How a collector derives peer_as_src (DESIGN.md section 6; pmacct's bgp_peer_src_as_type).
enum class PeerSrcAsMethod : std::uint8_t {
  kBgp,      // first AS of the route back to the source (wrong under asymmetric routing)
  kMap,      // input ifindex -> neighbour AS; labctl renders the map from the topology and the run-time ifindexes
  kNetflow,  // the record's own field (bgpPrevAdjacentAsNumber)
};
inline constexpr EnumName<PeerSrcAsMethod> kPeerSrcAsNames[] = {
    {"bgp", PeerSrcAsMethod::kBgp}, {"map", PeerSrcAsMethod::kMap}, {"netflow", PeerSrcAsMethod::kNetflow}};

// How a tee spreads datagrams over its receivers: a copy to each, or each exporter to one receiver chosen by a
// stable hash of its address (flowcollector's `hash-agent`: FNV-1a 32 modulo the receiver count).
enum class TeeBalance : std::uint8_t { kAll, kHash };
inline constexpr EnumName<TeeBalance> kTeeBalanceNames[] = {{"all", TeeBalance::kAll}, {"hash", TeeBalance::kHash}};

// Where a collector takes as_src/as_dst, peer_as_dst, peer_ip_dst and nets/masks from (pmacct's nfacctd_as and
// nfacctd_net): its own BGP view, the record's fields (a probe with a BGP feed, model 1), or whichever prefix is
// longer.
enum class AsSource : std::uint8_t { kBgp, kNetflow, kLongest };
inline constexpr EnumName<AsSource> kAsSourceNames[] = {
    {"bgp", AsSource::kBgp}, {"netflow", AsSource::kNetflow}, {"longest", AsSource::kLongest}};

// The session a probe with `bgp: true` has with the router it runs on (model 1): iBGP inside the router's namespace
// over a reserved /30 on `lo` — the router's end an address of lo (a connected route zebra resolves the probe
// through; FRR ignores 127.0.0.0/8), the probe's end made local by an AnyIP route (no interface holds it, so FRR
// accepts it as a neighbour). Kept out of OSPF and BGP. The router connects to the probe's port. One IPv4 session
// carries IPv4 and IPv6 unicast (MP-BGP).
inline constexpr const char* kProbeBgpNode = "flowprobe";               // BgpSession::remote_node of such a session
inline constexpr const char* kProbeBgpPrefix = "100.127.255.0/30";      // reserved in every topology
inline constexpr const char* kProbeBgpRouterAddress = "100.127.255.1";  // the router's end (on lo, /30)
inline constexpr const char* kProbeBgpProbeAddress = "100.127.255.2";   // flowprobe listens here (local route) ...
inline constexpr std::uint16_t kProbeBgpPort = 1179;                    // ... on this port
inline constexpr std::uint16_t kBmpPort = 1790;  // a collector's BMP station (pmacct's bmp_daemon_port default)

struct Node {
  std::string name;  // [a-z0-9], starts with a letter, <= 12 bytes
  std::string kind;  // "bird", "frr", "host", "collector", ...
  Role role = Role::kHost;
  std::uint32_t asn = 0;  // routers (and collectors: their own AS, default = the AS of their first bgp peer)
  std::optional<IpAddress> loopback;   // IPv4 loopback (/32 on lo); routers always get one
  std::optional<IpAddress> loopback6;  // IPv6 loopback (/128 on lo); routers always get one
  IpAddress router_id;                 // defaults to the IPv4 loopback
  std::vector<Prefix> announce;        // prefixes this router originates (static + BGP)
  bool ospf = false;                   // igp: ospf
  std::map<std::string, InterfaceRole>
      interface_roles;                // routers' `roles:` (interface -> role), derived onto interfaces
  std::string gateway;                // hosts: their default gateway router (a neighbour)
  std::optional<IpAddress> gateway4;  // derived: the gateway's address on the shared link
  std::optional<IpAddress> gateway6;
  std::vector<std::string> bgp_peers;  // collectors: routers that peer with it
  // collectors: routers that report to it over BMP (RFC 7854): its BMP station listens on mgmt0 (kBmpPort); with
  // `bmp:` and no `bgp:` the collector enriches from BMP (flowcollector `enrich.source: bmp`).
  std::vector<std::string> bmp_peers;
  std::string bgp_password;  // collectors: `bgp_password:` TCP-MD5 key (RFC 2385) of every session with its peers
  CollectorListen listen;    // collectors and tees (a tee listens for one protocol)
  PeerSrcAsMethod peer_src_as = PeerSrcAsMethod::kBgp;  // collectors: `peer_src_as: bgp | map | netflow`
  // collectors: `agent_map: {p1: r1}` — the records of the probes on node p1 are enriched from router r1's BGP view
  // instead of the view of the router the probe meters (several exporters per router, or a deliberate override).
  std::map<std::string, std::string> agent_map;
  std::vector<std::string> receivers;   // tees: collector or tee nodes every datagram is replicated to
  bool transparent = true;              // tees: keep the exporter's source address (raw socket)
  TeeBalance balance{};                 // tees: kAll unless `balance: hash`
  AsSource as_source = AsSource::kBgp;  // collectors: `as_source: bgp | netflow | longest`
  // collectors: `aggregate_direction: true` adds the `direction` primitive (IPFIX flowDirection) to the aggregate,
  // so an ingress and an egress observation of the same packet by one probe stay two records.
  bool aggregate_direction = false;
  // collectors: `store: NODE`, a store node (role kStore) every enriched record is also inserted into
  std::string store;
  // collectors, tees: `fault: NAME`, a seeded fault of flowcollector (`--fault NAME`; test-only, docs/faults.md)
  std::string fault;
  std::vector<Interface> interfaces;  // data-plane interfaces, in file order
  Prefix mgmt4;                       // mgmt0 address with the mgmt subnet length
  std::optional<Prefix> mgmt6;
  std::string namespace_name;  // "fl-<lab>-<node>"
  Mark mark;

  [[nodiscard]] bool is_router() const { return role == Role::kRouter; }
  // A collector whose records are enriched from BMP: it has `bmp:` routers and no `bgp:` peers.
  [[nodiscard]] bool enriches_from_bmp() const { return bgp_peers.empty() && !bmp_peers.empty(); }
  [[nodiscard]] const Interface* find_interface(const std::string& ifname) const;
};

// A router by role; false for nullptr (a name that found no node).
[[nodiscard]] inline bool is_router(const Node* node) { return node != nullptr && node->is_router(); }

struct Endpoint {
  std::string node;
  std::string interface;
  Mark mark;
};

struct Link {
  Endpoint a;
  Endpoint b;
  std::optional<Prefix> ipv4;  // subnet (given or derived), e.g. 198.18.0.0/31
  std::optional<Prefix> ipv6;
  std::uint32_t mtu = 1500;
  std::uint32_t ospf_cost = 10;
  Mark mark;
};

// One BGP session, for one address family, between two routers or a router and a collector. Each side's
// address is the one it uses as the session source. A dual-stack link yields two sessions.
enum class SessionType : std::uint8_t { kEbgp, kIbgp };
inline constexpr EnumName<SessionType> kSessionTypeNames[] = {{"ebgp", SessionType::kEbgp},
                                                              {"ibgp", SessionType::kIbgp}};
struct BgpSession {
  std::string local_node;   // by convention the lexicographically smaller name, except collector sessions
  std::string remote_node;  // (where the collector is always remote_node)
  IpAddress local_address;
  IpAddress remote_address;
  std::uint32_t local_asn = 0;
  std::uint32_t remote_asn = 0;
  Family family = Family::kIpv4;  // transport and AFI: IPv4 sessions carry IPv4 unicast, IPv6 sessions IPv6
  SessionType type = SessionType::kEbgp;
  bool over_loopback = false;  // iBGP between loopbacks (needs the IGP); else directly connected
  bool to_collector = false;   // over the management network; the router exports best routes, next hop kept
  // To the flowprobe on local_node (probe `bgp: true`; remote_node = kProbeBgpNode): over 127.0.0.0/8, IPv4 and IPv6
  // unicast on this one IPv4 session; the router exports its best routes, next hop kept, as for collectors.
  bool to_probe = false;
  std::string local_interface;  // directly connected sessions: the interface on local_node
  std::string remote_interface;
  std::string password;  // TCP-MD5 key (RFC 2385) both ends sign with; empty: none (collector sessions today)
};

enum class Direction : std::uint8_t { kImport, kExport };
inline constexpr EnumName<Direction> kDirectionNames[] = {{"import", Direction::kImport},
                                                          {"export", Direction::kExport}};

struct Policy {
  std::string node;      // the router applying it
  std::string neighbor;  // the neighbouring router (or collector) whose session it applies to
  Direction direction = Direction::kImport;
  std::optional<std::uint32_t> local_pref;
  std::optional<std::uint32_t> med;
  std::uint32_t prepend = 0;                   // prepend the node's own AS this many times (export)
  std::vector<std::string> communities;        // "64510:100"
  std::vector<std::string> large_communities;  // "64510:1:2"
  std::vector<Prefix> deny;                    // prefixes (exact match) rejected
  Mark mark;
};

enum class ExportFormat : std::uint8_t { kNetflowV5, kNetflowV9, kIpfix, kSflow };
inline constexpr EnumName<ExportFormat> kExportFormatNames[] = {{"v5", ExportFormat::kNetflowV5},
                                                                {"v9", ExportFormat::kNetflowV9},
                                                                {"ipfix", ExportFormat::kIpfix},
                                                                {"sflow", ExportFormat::kSflow}};
// Which packets a probe meters on its interfaces: those arriving (like `ip flow ingress`), leaving, or both (like
// pmacctd/softflowd on an interface). Records of packets metered leaving carry that interface as output ifindex.
enum class ProbeDirection : std::uint8_t { kIn, kOut, kBoth };
inline constexpr EnumName<ProbeDirection> kProbeDirectionNames[] = {
    {"in", ProbeDirection::kIn}, {"out", ProbeDirection::kOut}, {"both", ProbeDirection::kBoth}};

struct ProbeSpec {
  std::string kind;                     // the probe kind (the nodes' table; the loader fills in its first)
  std::string node;                     // where the probe runs
  std::vector<std::string> interfaces;  // interfaces of `node` to capture on
  std::optional<Endpoint> mirror;       // SPAN: mirror this router interface into `node` (tc mirred)
  std::string export_to;                // collector or tee node (feeds.hpp follows tee chains)
  ExportFormat format = ExportFormat::kIpfix;
  ProbeDirection direction = ProbeDirection::kBoth;
  std::uint32_t sampling = 1;
  std::uint32_t active_timeout_s = 60;
  std::uint32_t inactive_timeout_s = 15;
  // `ifindex: {eth3: 99}`: the ifindex flowprobe records for an interface of its node instead of the kernel's
  // (`--ifindex eth3=99`, like pmacctd's pcap_interfaces_map).
  std::map<std::string, std::uint32_t> ifindex;
  // `bgp: true` (model 1): flowprobe peers iBGP with the router it runs on and exports src/dst AS, adjacent ASes,
  // BGP next hop and masks in its records (a derived `to_probe` session).
  bool bgp = false;
  // `fault: NAME`: a seeded fault of flowprobe (`--fault NAME`; test-only, docs/faults.md)
  std::string fault;
  Mark mark;
};

// The kinds chosen for one run (`labctl run --collector KIND --probe KIND`, a scenario's `kinds:`): every
// collector-role node takes `collector`, every probe `probe`; empty = as the topology says. Placement, exports and
// sessions stay the topology's.
struct KindChoice {
  std::string collector;
  std::string probe;

  [[nodiscard]] bool empty() const { return collector.empty() && probe.empty(); }
};

struct Topology {
  std::string name;         // lab name: [a-z0-9-], <= 16 bytes
  std::string source_file;  // path it was loaded from ("" when built in code)
  KindChoice kinds;         // the run's choice the loader applied over the file's kinds (the lab keeps it)
  std::string default_kind = "bird";
  bool ipv6 = true;         // derive IPv6 link addresses and sessions (defaults: {ipv6: false} turns off)
  std::vector<Node> nodes;  // in file order
  std::vector<Link> links;
  std::vector<BgpSession> sessions;
  std::vector<Policy> policies;
  std::vector<ProbeSpec> probes;
  Prefix mgmt_subnet4;  // the management network (DESIGN.md section 4)
  std::optional<Prefix> mgmt_subnet6;

  [[nodiscard]] const Node* find_node(const std::string& node_name) const;
  [[nodiscard]] std::vector<const Node*> routers() const;
  // The collectors that list `router` under `bmp:` (the BMP stations it reports to), in file order.
  [[nodiscard]] std::vector<const Node*> bmp_stations(const std::string& router) const;
  // Namespace of the management bridge: "fl-<lab>-mgmt".
  [[nodiscard]] std::string mgmt_namespace() const { return "fl-" + name + "-mgmt"; }
  [[nodiscard]] std::string namespace_of(const std::string& node_name) const { return "fl-" + name + "-" + node_name; }
};

}  // namespace flowlab::topology
