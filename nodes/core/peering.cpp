#include "nodes/core/peering.hpp"

#include "common/strings.hpp"

#include <map>
#include <string_view>

namespace flowlab::nodes {
namespace {

// Parses the ':'-separated unsigned parts of `text`; fails on anything else.
template <std::size_t N>
Result<std::array<std::uint32_t, N>> parse_parts(const std::string& text, std::uint64_t max_part, const char* what) {
  std::array<std::uint32_t, N> out{};
  std::string_view rest = text;
  for (std::size_t i = 0; i < N; ++i) {
    std::size_t colon = rest.find(':');
    std::string_view part = (i + 1 < N) ? rest.substr(0, colon) : rest;
    if ((i + 1 < N && colon == std::string_view::npos) || part.empty()) {
      return fail(ErrorKind::kConfig,
                  std::string(what) + " '" + text + "' is not " + std::to_string(N) + " numbers joined by ':'");
    }
    const auto v = parse_decimal(part, max_part);
    if (!v) {
      return fail(ErrorKind::kConfig, std::string(what) + " '" + text + "': part '" + std::string(part) +
                                          "' is not a number in 0.." + std::to_string(max_part));
    }
    out[i] = static_cast<std::uint32_t>(*v);
    if (i + 1 < N) {
      rest = rest.substr(colon + 1);
    }
  }
  return out;
}

}  // namespace

const char* family_suffix(Family family) { return family == Family::kIpv6 ? "v6" : "v4"; }

std::vector<Peering> peerings_of(const topology::Topology& topo, const topology::Node& node) {
  std::vector<Peering> out;
  std::map<std::string, int> used;
  for (const auto& s : topo.sessions) {
    const bool local = s.local_node == node.name;
    if (!local && s.remote_node != node.name) {
      continue;
    }
    Peering p;
    p.peer = local ? s.remote_node : s.local_node;
    p.local_address = local ? s.local_address : s.remote_address;
    p.peer_address = local ? s.remote_address : s.local_address;
    p.local_asn = local ? s.local_asn : s.remote_asn;
    p.peer_asn = local ? s.remote_asn : s.local_asn;
    p.family = s.family;
    p.type = s.type;
    p.over_loopback = s.over_loopback;
    p.to_collector = s.to_collector;
    p.password = s.password;
    p.to_probe = s.to_probe;
    p.local_interface = local ? s.local_interface : s.remote_interface;
    std::string base = p.peer + "_" + family_suffix(s.family);
    int n = ++used[base];
    p.name = n == 1 ? base : base + "_" + std::to_string(n);
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<const topology::Policy*> policies_for(const topology::Topology& topo, const std::string& node,
                                                  const std::string& neighbor, topology::Direction direction) {
  std::vector<const topology::Policy*> out;
  for (const auto& p : topo.policies) {
    if (p.node == node && p.neighbor == neighbor && p.direction == direction) {
      out.push_back(&p);
    }
  }
  return out;
}

Result<std::array<std::uint32_t, 2>> parse_community(const std::string& text) {
  return parse_parts<2>(text, 0xffff, "community");
}

Result<std::array<std::uint32_t, 3>> parse_large_community(const std::string& text) {
  return parse_parts<3>(text, 0xffffffffULL, "large community");
}

std::vector<Prefix> announced(const topology::Node& node, Family family) {
  std::vector<Prefix> out;
  for (const auto& p : node.announce) {
    if (p.family() == family) {
      out.push_back(p);
    }
  }
  return out;
}

}  // namespace flowlab::nodes
