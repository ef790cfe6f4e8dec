// The forwarding walk: each node's longest-prefix match over connected subnets, its originated (blackhole)
// prefixes, OSPF routes and BGP best routes, hop by hop to the node owning the destination.
#include "labctl/oracle/state.hpp"
#include "nodes/core/driver.hpp"

#include <algorithm>
#include <set>

namespace flowlab::oracle {
namespace {

using topology::Node;

constexpr std::size_t kMaxHops = 64;

bool owns(const Node& n, const IpAddress& a) {
  if ((n.loopback && *n.loopback == a) || (n.loopback6 && *n.loopback6 == a)) {
    return true;
  }
  for (const auto& i : n.interfaces) {
    if ((i.ipv4 && i.ipv4->address == a) || (i.ipv6 && i.ipv6->address == a)) {
      return true;
    }
  }
  return false;
}

const std::optional<Prefix>& address_of(const topology::Interface& i, Family f) {
  return f == Family::kIpv4 ? i.ipv4 : i.ipv6;
}

// What one node does with a packet to `dst`.
struct Forward {
  Via via = Via::kConnected;
  std::optional<Prefix> route;
  std::vector<std::string> out_interfaces;  // sorted; empty = blackhole
  bool ambiguous = false;
  std::string note;
};

// Route preference between sources of the same prefix length (higher wins). BIRD: direct 240, static 200,
// OSPF 150, BGP 100. FRR (administrative distance): connected 0, static 1, eBGP 20, OSPF 110, iBGP 200.
int preference(const Node& node, Via via, RouteSource bgp_source) {
  const bool ebgp_first = nodes::router_traits(node.kind).ebgp_preferred_over_igp;
  switch (via) {
    case Via::kConnected:
      return 300;
    case Via::kOspf:
      return 150;
    case Via::kBgp:
      return ebgp_first && bgp_source == RouteSource::kEbgp ? 160 : 100;
    case Via::kDefault:
      return 50;
    case Via::kDelivered:
      return 0;
  }
  return 0;
}

}  // namespace

// Resolved next hop of a BGP route at `router`: the interfaces towards it.
static std::vector<std::string> resolve(const Oracle::State& s, const Node& router, const IpAddress& next_hop) {
  for (const auto& i : router.interfaces) {
    const auto& a = address_of(i, next_hop.family);
    if (a && a->contains(next_hop)) {
      return {i.name};
    }
  }
  if (const auto* r = s.igp.lookup(router.name, next_hop)) {
    return r->out_interfaces;
  }
  return {};
}

namespace {

// One route that matches the destination, to be weighed against the others: longest prefix first, then preference.
struct Candidate {
  unsigned length;
  int preference;
  Forward forward;
};

void add_connected(const Node& node, const IpAddress& dst, std::vector<Candidate>& cands) {
  for (const auto& i : node.interfaces) {
    const auto& a = address_of(i, dst.family);
    if (a && a->contains(dst)) {
      Forward f;
      f.via = Via::kConnected;
      f.route = a->canonical();
      f.out_interfaces = {i.name};
      cands.push_back({a->length, preference(node, Via::kConnected, RouteSource::kLocal), f});
    }
  }
}

// A router's own announcements: unreachable (blackhole) routes that only more-specific routes override.
void add_originated(const Node& node, const IpAddress& dst, std::vector<Candidate>& cands) {
  for (const auto& p : node.announce) {
    if (p.family() == dst.family && p.contains(dst)) {
      Forward f;
      f.via = Via::kBgp;
      f.route = p;
      f.note = "inside the originated prefix " + p.to_string() +
               " (an unreachable/blackhole route) and no "
               "more-specific route";
      cands.push_back({p.length, 200, f});
    }
  }
}

void add_ospf(const Oracle::State& s, const Node& node, const IpAddress& dst, std::vector<Candidate>& cands) {
  if (const auto* r = s.igp.lookup(node.name, dst)) {
    Forward f;
    f.via = Via::kOspf;
    f.route = r->prefix;
    f.out_interfaces = r->out_interfaces;
    f.ambiguous = r->out_interfaces.size() > 1;
    if (f.ambiguous) {
      f.note = "OSPF ECMP over " + std::to_string(r->out_interfaces.size()) + " interfaces";
    }
    cands.push_back({r->prefix.length, preference(node, Via::kOspf, RouteSource::kLocal), f});
  }
}

// A BGP entry as a forwarding decision: the interfaces towards its installed next hops, ambiguous on ECMP or when
// the best route itself is.
Forward bgp_forward(const Oracle::State& s, const Node& node, const Prefix& prefix, const RibEntry& entry) {
  Forward f;
  f.via = Via::kBgp;
  f.route = prefix;
  std::set<std::string> out;
  for (std::size_t k = 0; k < entry.multipath && k < entry.candidates.size(); ++k) {
    const auto& c = entry.candidates[k];
    if (c.next_hop) {
      for (auto& i : resolve(s, node, *c.next_hop)) {
        out.insert(i);
      }
    }
  }
  f.out_interfaces.assign(out.begin(), out.end());
  if (f.out_interfaces.empty()) {
    f.note = "BGP next hop of " + prefix.to_string() + " does not resolve";
  }
  if (entry.multipath > 1) {
    f.ambiguous = true;
    f.note = "ECMP over " + std::to_string(entry.multipath) + " equal BGP routes (" + entry.reason +
             " picks the best, the FIB hashes flows over all)";
  }
  if (entry.ambiguous) {
    f.ambiguous = true;
    f.note = "ambiguous best route: " + entry.reason;
  }
  if (f.out_interfaces.size() > 1) {
    f.ambiguous = true;
  }
  return f;
}

// Every learned BGP prefix containing dst competes on length (not only the longest BGP one).
void add_bgp(const Oracle::State& s, const Node& node, const IpAddress& dst, std::vector<Candidate>& cands) {
  const auto rib_it = s.ribs.find(node.name);
  if (rib_it == s.ribs.end()) {
    return;
  }
  for (const auto& [prefix, entry] : rib_it->second.entries) {
    if (!prefix.contains(dst) || entry.best().source == RouteSource::kLocal) {
      continue;
    }
    cands.push_back(
        {prefix.length, preference(node, Via::kBgp, entry.best().source), bgp_forward(s, node, prefix, entry)});
  }
}

// A host's default route via its gateway router.
void add_default(const Node& node, const IpAddress& dst, std::vector<Candidate>& cands) {
  const Family family = dst.family;
  const auto& gw = family == Family::kIpv4 ? node.gateway4 : node.gateway6;
  if (!gw) {
    return;
  }
  for (const auto& i : node.interfaces) {
    const auto& a = address_of(i, family);
    if (i.peer_node == node.gateway && a && a->contains(*gw)) {
      Forward f;
      f.via = Via::kDefault;
      f.route = Prefix{family == Family::kIpv4 ? IpAddress::v4(0U) : IpAddress::v6({}), 0};
      f.out_interfaces = {i.name};
      cands.push_back({0, preference(node, Via::kDefault, RouteSource::kLocal), f});
      return;
    }
  }
}

}  // namespace

static Forward forward(const Oracle::State& s, const Node& node, const IpAddress& dst) {
  std::vector<Candidate> cands;
  add_connected(node, dst, cands);
  if (node.is_router()) {
    add_originated(node, dst, cands);
    add_ospf(s, node, dst, cands);
    add_bgp(s, node, dst, cands);
  } else if (!node.gateway.empty()) {
    add_default(node, dst, cands);
  }
  if (cands.empty()) {
    Forward f;
    f.note = "no route to " + dst.to_string();
    return f;
  }
  auto best = std::max_element(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.length, a.preference) < std::tie(b.length, b.preference);
  });
  return best->forward;
}

Result<Walk> Oracle::walk(const std::string& from, const IpAddress& destination) const {
  const State& s = *state_;
  const Node* start = s.topo.find_node(from);
  if (start == nullptr) {
    return fail(ErrorKind::kVerify, "no node '" + from + "' in topology " + s.topo.name);
  }
  if (!destination.is_set()) {
    return fail(ErrorKind::kVerify, "walk from " + from + ": no destination address");
  }
  Walk walk;
  walk.destination = destination;
  const Node* node = start;
  std::string in_interface;
  std::set<std::string> visited;
  while (true) {
    Hop hop;
    hop.node = node->name;
    hop.in_interface = in_interface;
    if (owns(*node, destination)) {
      hop.via = Via::kDelivered;
      walk.hops.push_back(hop);
      walk.outcome = WalkOutcome::kDelivered;
      break;
    }
    if (!visited.insert(node->name).second || walk.hops.size() >= kMaxHops) {
      walk.outcome = WalkOutcome::kLoop;
      walk.reason = "forwarding loop: " + node->name + " is reached twice";
      break;
    }
    Forward f = forward(s, *node, destination);
    hop.via = f.via;
    hop.route = f.route;
    hop.ambiguous = f.ambiguous;
    hop.note = f.note;
    if (f.out_interfaces.empty()) {
      walk.hops.push_back(hop);
      walk.outcome = WalkOutcome::kBlackhole;
      walk.reason = node->name + ": " + (f.note.empty() ? "no route" : f.note);
      break;
    }
    const auto* out = node->find_interface(f.out_interfaces.front());
    hop.out_interface = out->name;
    hop.next_node = out->peer_node;
    const Node* next = s.topo.find_node(out->peer_node);
    const auto* back = next == nullptr ? nullptr : next->find_interface(out->peer_interface);
    if (back != nullptr && address_of(*back, destination.family)) {
      hop.gateway = address_of(*back, destination.family)->address;
    }
    if (f.ambiguous) {
      walk.ambiguous = true;
      if (walk.reason.empty()) {
        walk.reason = node->name + ": " + f.note;
      }
    }
    if (f.via == Via::kConnected && (next == nullptr || !owns(*next, destination))) {
      walk.hops.push_back(hop);
      walk.outcome = WalkOutcome::kBlackhole;
      walk.reason = node->name + ": " + destination.to_string() + " is on the subnet of " + out->name +
                    " but no node has that address";
      break;
    }
    walk.hops.push_back(hop);
    node = next;
    in_interface = out->peer_interface;
  }
  return walk;
}

}  // namespace flowlab::oracle
