// flowlab::nodes — one router's view of its BGP sessions and policies, shared by every router kind's renderer.
//
// The topology lists each BgpSession once (local_node/remote_node); a router needs "my address, my neighbour's
// address, its AS, which policies apply". peerings_of() turns the session list into that per-node view, with a
// stable, kind-neutral session name ("r2_v4") that BIRD uses as protocol name and FRR as route-map/description.
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"
#include "model/model.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace flowlab::nodes {

struct Peering {
  std::string name;  // "r2_v4": neighbour + family; "_2", "_3" appended for parallel sessions
  std::string peer;  // neighbour node name
  IpAddress local_address;
  IpAddress peer_address;
  std::uint32_t local_asn = 0;
  std::uint32_t peer_asn = 0;
  Family family = Family::kIpv4;
  topology::SessionType type = topology::SessionType::kEbgp;
  bool over_loopback = false;
  bool to_collector = false;
  bool to_probe = false;        // to the flowprobe in this router (model 1): IPv4 and IPv6 unicast on one IPv4 session
  std::string local_interface;  // "" for loopback and management sessions
  std::string password;         // TCP-MD5 key (RFC 2385); empty: none

  [[nodiscard]] bool ibgp() const { return local_asn == peer_asn; }
};

// The sessions `node` takes part in, in topology order (router-to-router first as listed, collectors included).
std::vector<Peering> peerings_of(const topology::Topology& topo, const topology::Node& node);

// Policies of `node` towards `neighbor` in one direction, in file order.
std::vector<const topology::Policy*> policies_for(const topology::Topology& topo, const std::string& node,
                                                  const std::string& neighbor, topology::Direction direction);

// "64510:100" -> {64510, 100} (each part 0..65535).
Result<std::array<std::uint32_t, 2>> parse_community(const std::string& text);
// "64510:1:2" -> {64510, 1, 2} (each part a 32-bit number).
Result<std::array<std::uint32_t, 3>> parse_large_community(const std::string& text);

// The announced prefixes of one family, in order.
std::vector<Prefix> announced(const topology::Node& node, Family family);

// "v4" / "v6".
const char* family_suffix(Family family);

}  // namespace flowlab::nodes
