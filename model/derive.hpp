// flowlab::topology derivation — everything a topology file leaves out, filled in deterministically.
//
// Same file in, same plan out: namespaces, loopbacks and router ids (from kLoopbackPool4/6, in router order),
// link subnets (IPv4 /31 and IPv6 /127 from kLinkPool4/6 in link order, skipping anything given explicitly;
// host-to-gateway links take /29 and /64 blocks of the gateway's first announced prefix instead), host
// gateways, OSPF interfaces, BGP sessions (eBGP per link and family, iBGP full mesh per AS over loopbacks when
// the whole AS runs OSPF, else over direct links; collector sessions over the management network) and the
// management addresses. docs/topologies.md states the rules in full.
#pragma once

#include "common/yaml_diagnostics.hpp"
#include "model/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace flowlab::topology {

inline constexpr const char* kLinkPool4 = "198.18.0.0/16";           // /31 per link
inline constexpr const char* kLinkPool6 = "2001:db8:ffff::/48";      // /127 per link
inline constexpr const char* kLoopbackPool4 = "198.19.0.0/20";       // /32 per router, from .1
inline constexpr const char* kLoopbackPool6 = "2001:db8:fffe::/64";  // /128 per router, from ::1
inline constexpr const char* kMgmtSubnet4 = "198.19.128.0/17";       // node i (file order) gets .(i+2); .1 reserved
inline constexpr const char* kMgmtSubnet6 = "2001:db8:fffd::/64";    // node i gets ::(i+2)
inline constexpr unsigned kHostBlockLength4 = 29;                    // host links inside announced prefixes
inline constexpr unsigned kHostBlockLength6 = 64;
inline constexpr std::uint16_t kDefaultNetflowPort = 2100;  // collectors without a `listen:` key
inline constexpr std::uint16_t kDefaultSflowPort = 6343;

// The pools above as prefixes.
struct AddressPools {
  Prefix link4;
  Prefix link6;
  Prefix loopback4;
  Prefix loopback6;
  Prefix mgmt4;
  Prefix mgmt6;
};
[[nodiscard]] const AddressPools& default_pools();

// Fills in every derived field of a validated topology. Pool exhaustion is reported through `sink`.
void derive_topology(Topology& topology, const SourceMap& marks, DiagnosticSink& sink);
// The BGP sessions of a topology whose addresses are derived (replaces Topology::sessions; derive_topology's last
// step, sessions.cpp).
void derive_sessions(Topology& topology);

// The management subnets in effect (the `mgmt:` override or the defaults; IPv6 only when given or ipv6 is on).
[[nodiscard]] Prefix effective_mgmt4(const Topology& topology);
[[nodiscard]] std::optional<Prefix> effective_mgmt6(const Topology& topology);

// The two addresses a link subnet gives its ends: /31 and /127 use both addresses, longer subnets the first
// two after the network address (192.0.2.8/29 -> .9, .10).
[[nodiscard]] std::pair<IpAddress, IpAddress> link_addresses(const Prefix& subnet);

// Names of the nodes `node_name` will have BGP sessions with, in file order. Works on a parsed topology
// before derivation (used to validate policies) and agrees with the sessions derive_topology() creates.
[[nodiscard]] std::vector<std::string> bgp_neighbours(const Topology& topology, const std::string& node_name);

// True when `link` joins a host to its `gateway` router; sets host/router to the node names.
[[nodiscard]] bool is_gateway_link(const Topology& topology, const Link& link, std::string* host = nullptr,
                                   std::string* router = nullptr);

// base + k * 2^shift, inside base's family (used to walk pools).
[[nodiscard]] IpAddress add_block(const IpAddress& base, std::uint64_t k, unsigned shift);

}  // namespace flowlab::topology
