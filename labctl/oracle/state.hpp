// flowlab::oracle internals — the state Oracle::build() computes, shared by its .cpp files (not public API).
#pragma once

#include "labctl/oracle/igp.hpp"
#include "labctl/oracle/oracle.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::oracle::detail {

// One end of a BgpSession: the router's view (the same fields and names as nodes::Peering).
struct SessionEnd {
  std::size_t session = 0;  // index into Topology::sessions
  std::string name;         // "r2_v4" ("_2", "_3" for parallel sessions), as nodes/core/peering.cpp names them
  std::string self;
  std::string peer;
  IpAddress self_address;
  IpAddress peer_address;
  std::uint32_t self_asn = 0;
  std::uint32_t peer_asn = 0;
  Family family = Family::kIpv4;
  bool ibgp = false;
  bool over_loopback = false;
  bool to_collector = false;
  std::string self_interface;
};

// A policy list merged in file order (later local-pref/MED win, prepends add up, communities accumulate) — the
// same semantics as BIRD's sequential filter statements and FRR's merged route-map.
struct MergedPolicy {
  std::optional<std::uint32_t> local_pref;
  std::optional<std::uint32_t> med;
  std::uint32_t prepend = 0;
  std::vector<std::array<std::uint32_t, 2>> communities;
  std::vector<std::array<std::uint32_t, 3>> large_communities;
  std::vector<Prefix> deny;

  [[nodiscard]] bool denies(const Prefix& p) const;
};

// Every session end of every router, in topology order.
std::map<std::string, std::vector<SessionEnd>> session_ends(const topology::Topology& topo);

// The merged policies of `node` towards `neighbor` in one direction; fails on a malformed community.
Result<MergedPolicy> merged_policy(const topology::Topology& topo, const std::string& node, const std::string& neighbor,
                                   topology::Direction direction);

// Applies the attribute actions (not deny) of a policy to a route; prepends `own_asn`.
void apply_policy(const MergedPolicy& policy, std::uint32_t own_asn, Route& route);

// Community helpers: "a:b" <-> numbers, sorted insertion without duplicates.
void add_community(std::vector<std::string>& list, const std::array<std::uint32_t, 2>& c);
void add_large_community(std::vector<std::string>& list, const std::array<std::uint32_t, 3>& c);

// IGP cost from `router` to a next hop: 0 when on a connected subnet (or own), the OSPF cost when the address is
// inside the router's OSPF domain, nullopt when unresolvable.
std::optional<std::uint32_t> next_hop_cost(const topology::Topology& topo, const Igp& igp, const std::string& router,
                                           const IpAddress& next_hop);

}  // namespace flowlab::oracle::detail

namespace flowlab::oracle {

struct Oracle::State {
  topology::Topology topo;
  detail::Igp igp;
  std::map<std::string, std::vector<detail::SessionEnd>> ends;
  // (node, neighbor) -> merged policy, one map per direction.
  std::map<std::pair<std::string, std::string>, detail::MergedPolicy> import_policies;
  std::map<std::pair<std::string, std::string>, detail::MergedPolicy> export_policies;
  std::map<std::string, RouterRib> ribs;

  explicit State(topology::Topology t) : topo(std::move(t)), igp(topo) {}
};

}  // namespace flowlab::oracle

namespace flowlab::oracle::detail {

// The BGP simulation over a built State (igp, ends, policies): per router, per prefix, the RIB entry.
std::map<std::string, RouterRib> simulate_bgp(const Oracle::State& state);

}  // namespace flowlab::oracle::detail
