// The BGP simulation: sessions and policies as nodes/bird and nodes/frr render them, the decision process, and
// the path-vector iteration to a fixed point.
#include "common/strings.hpp"
#include "labctl/oracle/decision.hpp"
#include "labctl/oracle/state.hpp"
#include "nodes/core/driver.hpp"

#include <algorithm>
#include <set>

namespace flowlab::oracle::detail {
namespace {

using topology::Direction;
using topology::Node;
using topology::Topology;

// Rounds of the synchronous path-vector iteration before giving up (a policy dispute that never settles): at least
// this many, and more on a large lab — a route travels one session a round, so a chain of N routers needs N.
constexpr int kMaxRounds = 64;

template <std::size_t N>
std::optional<std::array<std::uint32_t, N>> parse_parts(const std::string& text, std::uint64_t max_part) {
  std::array<std::uint32_t, N> out{};
  std::string_view rest = text;
  for (std::size_t i = 0; i < N; ++i) {
    const std::size_t colon = rest.find(':');
    const bool last = i + 1 == N;
    if (!last && colon == std::string_view::npos) {
      return std::nullopt;
    }
    std::string_view part = last ? rest : rest.substr(0, colon);
    const auto v = parse_decimal(part, max_part);
    if (!v) {
      return std::nullopt;
    }
    out[i] = static_cast<std::uint32_t>(*v);
    if (!last) {
      rest = rest.substr(colon + 1);
    }
  }
  return out;
}

template <std::size_t N>
std::string join_parts(const std::array<std::uint32_t, N>& parts) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    out += (i == 0 ? "" : ":") + std::to_string(parts[i]);
  }
  return out;
}

template <std::size_t N>
void add_sorted(std::vector<std::string>& list, const std::array<std::uint32_t, N>& c) {
  auto key = [](const std::string& s) {
    return parse_parts<N>(s, 0xffffffffULL).value_or(std::array<std::uint32_t, N>{});
  };
  if (std::find_if(list.begin(), list.end(), [&](const std::string& s) { return key(s) == c; }) != list.end()) {
    return;
  }
  list.push_back(join_parts<N>(c));
  std::sort(list.begin(), list.end(), [&](const std::string& a, const std::string& b) { return key(a) < key(b); });
}

const MergedPolicy& policy_of(const std::map<std::pair<std::string, std::string>, MergedPolicy>& table,
                              const std::string& node, const std::string& neighbor) {
  static const MergedPolicy kNone;
  auto it = table.find({node, neighbor});
  return it == table.end() ? kNone : it->second;
}

}  // namespace

bool MergedPolicy::denies(const Prefix& p) const { return std::find(deny.begin(), deny.end(), p) != deny.end(); }

void add_community(std::vector<std::string>& list, const std::array<std::uint32_t, 2>& c) { add_sorted<2>(list, c); }
void add_large_community(std::vector<std::string>& list, const std::array<std::uint32_t, 3>& c) {
  add_sorted<3>(list, c);
}

std::map<std::string, std::vector<SessionEnd>> session_ends(const Topology& topo) {
  std::map<std::string, std::vector<SessionEnd>> out;
  std::map<std::string, std::map<std::string, int>> used;
  for (std::size_t k = 0; k < topo.sessions.size(); ++k) {
    const auto& s = topo.sessions[k];
    if (s.to_probe) {
      continue;  // the probe only listens; its view is collector_view(router, kProbeBgpNode)
    }
    for (int side = 0; side < 2; ++side) {
      const bool local = side == 0;
      SessionEnd e;
      e.session = k;
      e.self = local ? s.local_node : s.remote_node;
      e.peer = local ? s.remote_node : s.local_node;
      e.self_address = local ? s.local_address : s.remote_address;
      e.peer_address = local ? s.remote_address : s.local_address;
      e.self_asn = local ? s.local_asn : s.remote_asn;
      e.peer_asn = local ? s.remote_asn : s.local_asn;
      e.family = s.family;
      e.ibgp = e.self_asn == e.peer_asn;
      e.over_loopback = s.over_loopback;
      e.to_collector = s.to_collector;
      e.self_interface = local ? s.local_interface : s.remote_interface;
      const std::string base = e.peer + "_" + (s.family == Family::kIpv6 ? "v6" : "v4");
      const int n = ++used[e.self][base];
      e.name = n == 1 ? base : base + "_" + std::to_string(n);
      out[e.self].push_back(std::move(e));
    }
  }
  return out;
}

Result<MergedPolicy> merged_policy(const Topology& topo, const std::string& node, const std::string& neighbor,
                                   Direction direction) {
  MergedPolicy m;
  for (const auto& p : topo.policies) {
    if (p.node != node || p.neighbor != neighbor || p.direction != direction) {
      continue;
    }
    if (p.local_pref) {
      m.local_pref = p.local_pref;
    }
    if (p.med) {
      m.med = p.med;
    }
    m.prepend += p.prepend;
    for (const auto& c : p.communities) {
      auto parsed = parse_parts<2>(c, 0xffff);
      if (!parsed) {
        return fail(ErrorKind::kConfig,
                    "community '" + c + "' of " + node + " towards " + neighbor + " is not a:b (16-bit parts)");
      }
      m.communities.push_back(*parsed);
    }
    for (const auto& c : p.large_communities) {
      auto parsed = parse_parts<3>(c, 0xffffffffULL);
      if (!parsed) {
        return fail(ErrorKind::kConfig,
                    "large community '" + c + "' of " + node + " towards " + neighbor + " is not a:b:c (32-bit parts)");
      }
      m.large_communities.push_back(*parsed);
    }
    m.deny.insert(m.deny.end(), p.deny.begin(), p.deny.end());
  }
  return m;
}

void apply_policy(const MergedPolicy& policy, std::uint32_t own_asn, Route& route) {
  if (policy.local_pref) {
    route.local_pref = *policy.local_pref;
  }
  if (policy.med) {
    route.med = policy.med;
  }
  route.as_path.insert(route.as_path.begin(), policy.prepend, own_asn);
  for (const auto& c : policy.communities) {
    add_community(route.communities, c);
  }
  for (const auto& c : policy.large_communities) {
    add_large_community(route.large_communities, c);
  }
}

std::optional<std::uint32_t> next_hop_cost(const Topology& topo, const Igp& igp, const std::string& router,
                                           const IpAddress& next_hop) {
  const Node* node = topo.find_node(router);
  if (node == nullptr) {
    return std::nullopt;
  }
  if ((node->loopback && *node->loopback == next_hop) || (node->loopback6 && *node->loopback6 == next_hop)) {
    return 0;
  }
  for (const auto& i : node->interfaces) {
    const auto& a = next_hop.is_v4() ? i.ipv4 : i.ipv6;
    if (a && a->contains(next_hop)) {
      return 0;
    }
  }
  if (const IgpRoute* r = igp.lookup(router, next_hop)) {
    return r->cost;
  }
  return std::nullopt;
}

// ---- The path-vector iteration ------------------------------------------------------------------------------------

namespace {

// A router-to-router session that comes up: direct ones always, loopback ones when the IGP joins the ends.
struct SessionPair {
  const SessionEnd* a;
  const SessionEnd* b;
};

std::vector<SessionPair> session_pairs(const Oracle::State& state) {
  std::vector<SessionPair> pairs;
  std::map<std::size_t, std::vector<const SessionEnd*>> by_session;
  for (const auto& [node, ends] : state.ends) {
    for (const auto& e : ends) {
      by_session[e.session].push_back(&e);
    }
  }
  for (const auto& [k, ends] : by_session) {
    if (ends.size() != 2 || ends[0]->to_collector) {
      continue;
    }
    if (ends[0]->over_loopback && !state.igp.distance(ends[0]->self, ends[0]->peer, ends[0]->family)) {
      continue;
    }
    pairs.push_back({ends[0], ends[1]});
  }
  return pairs;
}

using RoutesByPrefix = std::map<Prefix, std::vector<Route>>;
using AdjIn = std::map<std::pair<std::string, std::string>, std::map<Prefix, Route>>;  // (router, session) -> routes

// Each router's own announcements.
std::map<std::string, RoutesByPrefix> originated_routes(const Topology& topo) {
  std::map<std::string, RoutesByPrefix> local;
  for (const auto& n : topo.nodes) {
    if (!n.is_router()) {
      continue;
    }
    for (const auto& p : n.announce) {
      Route r;
      r.prefix = p;
      r.source = RouteSource::kLocal;
      r.igp_cost = 0;
      local[n.name][p].push_back(std::move(r));
    }
  }
  return local;
}

// Every router's RIB from its own routes and what its sessions delivered.
std::map<std::string, RouterRib> decide_ribs(const Topology& topo, const std::map<std::string, RoutesByPrefix>& local,
                                             const AdjIn& adj) {
  std::map<std::string, RouterRib> ribs;
  for (const auto* n : topo.routers()) {
    const auto own = local.find(n->name);
    RoutesByPrefix cands = own == local.end() ? RoutesByPrefix() : own->second;
    for (const auto& [key, routes] : adj) {
      if (key.first != n->name) {
        continue;
      }
      for (const auto& [prefix, route] : routes) {
        cands[prefix].push_back(route);
      }
    }
    RouterRib rib;
    rib.router = n->name;
    for (auto& [prefix, routes] : cands) {
      rib.entries.emplace(prefix, decide(*n, prefix, std::move(routes)));
    }
    ribs.emplace(n->name, std::move(rib));
  }
  return ribs;
}

// The sending side: the best route as `from` advertises it over its session, or nullopt when it is not sent (split
// horizon, no iBGP re-advertising, unresolved, denied by the export policy).
std::optional<Route> advertised(const Oracle::State& state, const SessionEnd& from, const Prefix& prefix,
                                const Route& best) {
  if (prefix.family() != from.family || best.session == from.name || !best.igp_cost) {
    return std::nullopt;
  }
  if (best.source == RouteSource::kIbgp && from.ibgp) {
    return std::nullopt;  // no route reflection between routers
  }
  const auto& export_policy = policy_of(state.export_policies, from.self, from.peer);
  if (export_policy.denies(prefix)) {
    return std::nullopt;
  }
  Route r = best;
  apply_policy(export_policy, from.self_asn, r);
  if (!from.ibgp) {
    r.as_path.insert(r.as_path.begin(), from.self_asn);
    r.local_pref = 100;  // LOCAL_PREF is not sent over eBGP
    // MED from elsewhere is not passed to another AS; the export policy's is. FRR sends its `network` routes
    // with MED 0 (the static route's metric), which compares like no MED.
    r.med = export_policy.med;
    if (!r.med && best.source == RouteSource::kLocal &&
        nodes::router_traits(state.topo.find_node(from.self)->kind).local_routes_carry_med_zero) {
      r.med = 0;
    }
  }
  r.next_hop = from.self_address;  // eBGP: own address; iBGP: next-hop-self
  return r;
}

// The receiving side: the route as `to` keeps it after its import policy, or nullopt when it drops it (AS path
// loop, denied, unresolvable next hop).
std::optional<Route> received(const Oracle::State& state, const SessionEnd& from, const SessionEnd& to,
                              const Prefix& prefix, Route r) {
  if (std::find(r.as_path.begin(), r.as_path.end(), to.self_asn) != r.as_path.end()) {
    return std::nullopt;  // AS path loop
  }
  const auto& import_policy = policy_of(state.import_policies, to.self, to.peer);
  if (import_policy.denies(prefix)) {
    return std::nullopt;
  }
  if (!from.ibgp) {
    r.local_pref = 100;
  }
  apply_policy(import_policy, to.self_asn, r);
  r.source = from.ibgp ? RouteSource::kIbgp : RouteSource::kEbgp;
  r.learned_from = from.self;
  r.session = to.name;
  r.neighbor_address = from.self_address;
  r.neighbor_router_id = state.topo.find_node(from.self)->router_id;
  r.neighbor_asn = from.self_asn;
  r.igp_cost = next_hop_cost(state.topo, state.igp, to.self, *r.next_hop);
  if (!r.igp_cost) {
    return std::nullopt;  // unresolvable next hop: not usable (BIRD: unreachable, FRR: invalid)
  }
  return r;
}

// One direction of a session for one round: what `to` receives from `from`'s current best routes.
void send(const Oracle::State& state, const std::map<std::string, RouterRib>& ribs, const SessionEnd& from,
          const SessionEnd& to, AdjIn& out) {
  auto& adj_in = out[{to.self, to.name}];
  for (const auto& [prefix, entry] : ribs.at(from.self).entries) {
    auto sent = advertised(state, from, prefix, entry.best());
    if (!sent) {
      continue;
    }
    if (auto kept = received(state, from, to, prefix, std::move(*sent))) {
      adj_in[prefix] = std::move(*kept);
    }
  }
  if (adj_in.empty()) {
    out.erase({to.self, to.name});
  }
}

// After the last round without a fixed point, every entry with a choice is ambiguous.
void mark_unsettled(std::map<std::string, RouterRib>& ribs, int rounds) {
  for (auto& [router, rib] : ribs) {
    for (auto& [prefix, entry] : rib.entries) {
      if (entry.candidates.size() > 1) {
        entry.ambiguous = true;
        entry.reason =
            "the policies never settle (no stable path assignment after " + std::to_string(rounds) + " rounds)";
      }
    }
  }
}

}  // namespace

std::map<std::string, RouterRib> simulate_bgp(const Oracle::State& state) {
  const Topology& topo = state.topo;
  const std::vector<SessionPair> pairs = session_pairs(state);
  const std::map<std::string, RoutesByPrefix> local = originated_routes(topo);
  AdjIn adj;
  std::map<std::string, RouterRib> ribs;
  bool settled = false;
  const int max_rounds = std::max(kMaxRounds, 2 * static_cast<int>(topo.nodes.size()) + 4);
  for (int round = 0; round < max_rounds && !settled; ++round) {
    ribs = decide_ribs(topo, local, adj);
    AdjIn next;
    for (const auto& p : pairs) {
      send(state, ribs, *p.a, *p.b, next);
      send(state, ribs, *p.b, *p.a, next);
    }
    settled = next == adj;
    adj = std::move(next);
  }
  ribs = decide_ribs(topo, local, adj);
  if (!settled) {
    mark_unsettled(ribs, max_rounds);
  }
  return ribs;
}

}  // namespace flowlab::oracle::detail
