// The BGP simulation: sessions and policies as nodes/bird and nodes/frr render them, the decision process, and
// the path-vector iteration to a fixed point.
#include "common/strings.hpp"
#include "labctl/oracle/state.hpp"
#include "nodes/core/driver.hpp"

#include <algorithm>
#include <functional>
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

// ---- The decision process -------------------------------------------------------------------------------------

// The neighbouring AS for MED comparison: first AS of the path, 0 (the own AS) when empty.
std::uint32_t med_neighbor(const Route& r) { return r.first_as(); }
std::uint32_t med_value(const Route& r) { return r.med.value_or(0); }

struct Step {
  const char* name;
  // Smaller key = better.
  std::function<std::uint64_t(const Route&)> key;
  std::function<std::string(const Route&)> show;
};

const std::vector<Step>& steps_before_med() {
  static const std::vector<Step> kSteps{
      {"local origination", [](const Route& r) { return r.source == RouteSource::kLocal ? 0U : 1U; },
       [](const Route& r) { return std::string(to_string(r.source)); }},
      {"local-pref", [](const Route& r) { return 0xffffffffULL - r.local_pref; },
       [](const Route& r) { return std::to_string(r.local_pref); }},
      {"AS path length", [](const Route& r) { return r.as_path.size(); },
       [](const Route& r) { return std::to_string(r.as_path.size()); }},
      {"origin", [](const Route& r) { return r.origin; }, [](const Route& r) { return std::to_string(r.origin); }},
  };
  return kSteps;
}

const std::vector<Step>& steps_after_med() {
  static const std::vector<Step> kSteps{
      {"eBGP over iBGP", [](const Route& r) { return r.source == RouteSource::kEbgp ? 0U : 1U; },
       [](const Route& r) { return std::string(to_string(r.source)); }},
      {"IGP cost", [](const Route& r) { return r.igp_cost.value_or(0xffffffffU); },
       [](const Route& r) { return std::to_string(r.igp_cost.value_or(0)); }},
      {"router id", [](const Route& r) { return r.neighbor_router_id.v4_host_order(); },
       [](const Route& r) { return r.neighbor_router_id.to_string(); }},
  };
  return kSteps;
}

struct Selection {
  std::size_t winner = 0;
  bool ambiguous = false;
  std::string reason;
  std::size_t tied = 1;
};

// Picks the best of `routes` (non-empty) in the routers' order. Records the step that left one candidate.
Selection select(const std::vector<Route>& routes) {
  std::vector<std::size_t> group(routes.size());
  for (std::size_t i = 0; i < routes.size(); ++i) {
    group[i] = i;
  }
  Selection sel;
  auto narrow = [&](const Step& step) {
    if (group.size() < 2) {
      return;
    }
    std::uint64_t best = ~0ULL;
    for (auto i : group) {
      best = std::min(best, step.key(routes[i]));
    }
    std::vector<std::size_t> kept;
    const Route* loser = nullptr;
    for (auto i : group) {
      if (step.key(routes[i]) == best) {
        kept.push_back(i);
      } else if (loser == nullptr || step.key(routes[i]) < step.key(*loser)) {
        loser = &routes[i];
      }
    }
    if (kept.size() == 1 && loser != nullptr) {
      sel.reason = std::string(step.name) + " " + step.show(routes[kept[0]]) + " over " + step.show(*loser);
    }
    group = std::move(kept);
  };
  for (const auto& step : steps_before_med()) {
    narrow(step);
  }
  // MED: only between routes from the same neighbouring AS.
  if (group.size() >= 2) {
    std::map<std::uint32_t, std::uint32_t> min_med;
    std::map<std::uint32_t, std::set<std::uint32_t>> meds;
    for (auto i : group) {
      auto as = med_neighbor(routes[i]);
      auto m = med_value(routes[i]);
      meds[as].insert(m);
      auto it = min_med.find(as);
      if (it == min_med.end() || m < it->second) {
        min_med[as] = m;
      }
    }
    bool med_decides = false;
    for (const auto& [as, set] : meds) {
      med_decides = med_decides || set.size() > 1;
    }
    if (med_decides) {
      std::vector<std::size_t> kept;
      const Route* loser = nullptr;
      for (auto i : group) {
        if (med_value(routes[i]) == min_med[med_neighbor(routes[i])]) {
          kept.push_back(i);
        } else if (loser == nullptr) {
          loser = &routes[i];
        }
      }
      if (meds.size() > 1) {
        // Routes from several neighbouring ASes and MED differing inside one of them: the pairwise comparison
        // is not transitive, so the result depends on the order routes arrive (BIRD: deterministic med off).
        sel.ambiguous = true;
        sel.reason = "MED compared only within a neighbour AS while " + std::to_string(meds.size()) +
                     " neighbour ASes tie: the outcome depends on route arrival order";
        sel.tied = group.size();
      } else if (kept.size() == 1 && loser != nullptr) {
        sel.reason = "MED " + std::to_string(med_value(routes[kept[0]])) + " over " + std::to_string(med_value(*loser));
      }
      group = std::move(kept);
    }
  }
  const std::string ambiguous_reason = sel.reason;
  for (const auto& step : steps_after_med()) {
    narrow(step);
  }
  // Lowest neighbour address (then the session name, for parallel sessions with one address: never in practice).
  if (group.size() >= 2) {
    std::sort(group.begin(), group.end(), [&](std::size_t a, std::size_t b) {
      return std::tie(routes[a].neighbor_address, routes[a].session) <
             std::tie(routes[b].neighbor_address, routes[b].session);
    });
    const auto& w = routes[group[0]];
    const auto& l = routes[group[1]];
    sel.reason = "neighbour address " + (w.neighbor_address ? w.neighbor_address->to_string() : std::string("-")) +
                 " over " + (l.neighbor_address ? l.neighbor_address->to_string() : std::string("-"));
  }
  if (sel.ambiguous) {
    sel.reason = ambiguous_reason;
  }
  if (routes.size() == 1) {
    sel.reason = "only candidate";
  }
  sel.winner = group.front();
  return sel;
}

// Whether the FIB installs `other` next to `best` (ECMP). BIRD (merge paths on): routes equal up to the IGP cost
// (bgp_rte_mergable). FRR (multipath): additionally an identical AS path.
bool mergeable(const Node& router, const Route& best, const Route& other) {
  if (best.source == RouteSource::kLocal || other.source == RouteSource::kLocal || best.next_hop == other.next_hop) {
    return false;
  }
  if (best.local_pref != other.local_pref || best.as_path.size() != other.as_path.size() ||
      best.origin != other.origin || best.source != other.source || best.igp_cost != other.igp_cost) {
    return false;
  }
  if (med_neighbor(best) == med_neighbor(other) && med_value(best) != med_value(other)) {
    return false;
  }
  if (nodes::router_traits(router.kind).multipath_needs_same_as_path && best.as_path != other.as_path) {
    return false;
  }
  return true;
}

RibEntry decide(const Node& router, const Prefix& prefix, std::vector<Route> routes) {
  RibEntry entry;
  entry.prefix = prefix;
  Selection first = select(routes);
  entry.ambiguous = first.ambiguous;
  entry.reason = first.reason;
  entry.tied = first.tied;
  // Order the rest by repeated selection (best first).
  while (!routes.empty()) {
    Selection s = select(routes);
    entry.candidates.push_back(routes[s.winner]);
    routes.erase(routes.begin() + static_cast<std::ptrdiff_t>(s.winner));
  }
  for (std::size_t i = 1; i < entry.candidates.size(); ++i) {
    if (mergeable(router, entry.candidates[0], entry.candidates[i])) {
      ++entry.multipath;
    }
  }
  return entry;
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

std::map<std::string, RouterRib> simulate_bgp(const Oracle::State& state) {
  const Topology& topo = state.topo;
  // The router-to-router sessions that come up: direct ones always, loopback ones when the IGP joins the ends.
  struct Pair {
    const SessionEnd* a;
    const SessionEnd* b;
  };
  std::vector<Pair> pairs;
  {
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
  }

  // Originated routes.
  std::map<std::string, std::map<Prefix, std::vector<Route>>> local;
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

  using AdjIn = std::map<std::pair<std::string, std::string>, std::map<Prefix, Route>>;  // (router, session) -> routes
  AdjIn adj;
  std::map<std::string, RouterRib> ribs;
  auto decide_all = [&] {
    ribs.clear();
    for (const auto* n : topo.routers()) {
      std::map<Prefix, std::vector<Route>> cands = local[n->name];
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
  };
  auto send = [&](const SessionEnd& from, const SessionEnd& to, AdjIn& out) {
    const Node* sender = topo.find_node(from.self);
    const Node* receiver = topo.find_node(to.self);
    const auto& export_policy = policy_of(state.export_policies, from.self, from.peer);
    const auto& import_policy = policy_of(state.import_policies, to.self, to.peer);
    auto& received = out[{to.self, to.name}];
    for (const auto& [prefix, entry] : ribs.at(from.self).entries) {
      const Route& best = entry.best();
      if (prefix.family() != from.family || best.session == from.name || !best.igp_cost) {
        continue;
      }
      if (best.source == RouteSource::kIbgp && from.ibgp) {
        continue;  // no route reflection between routers
      }
      if (export_policy.denies(prefix)) {
        continue;
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
            nodes::router_traits(sender->kind).local_routes_carry_med_zero) {
          r.med = 0;
        }
      }
      r.next_hop = from.self_address;  // eBGP: own address; iBGP: next-hop-self
      if (std::find(r.as_path.begin(), r.as_path.end(), to.self_asn) != r.as_path.end()) {
        continue;  // AS path loop
      }
      if (import_policy.denies(prefix)) {
        continue;
      }
      if (!from.ibgp) {
        r.local_pref = 100;
      }
      apply_policy(import_policy, to.self_asn, r);
      r.source = from.ibgp ? RouteSource::kIbgp : RouteSource::kEbgp;
      r.learned_from = from.self;
      r.session = to.name;
      r.neighbor_address = from.self_address;
      r.neighbor_router_id = sender->router_id;
      r.neighbor_asn = from.self_asn;
      r.igp_cost = next_hop_cost(topo, state.igp, receiver->name, *r.next_hop);
      if (!r.igp_cost) {
        continue;  // unresolvable next hop: not usable (BIRD: unreachable, FRR: invalid)
      }
      received[prefix] = std::move(r);
    }
    if (received.empty()) {
      out.erase({to.self, to.name});
    }
  };
  bool settled = false;
  const int max_rounds = std::max(kMaxRounds, 2 * static_cast<int>(state.topo.nodes.size()) + 4);
  for (int round = 0; round < max_rounds && !settled; ++round) {
    decide_all();
    AdjIn next;
    for (const auto& p : pairs) {
      send(*p.a, *p.b, next);
      send(*p.b, *p.a, next);
    }
    settled = next == adj;
    adj = std::move(next);
  }
  decide_all();
  if (!settled) {
    for (auto& [router, rib] : ribs) {
      for (auto& [prefix, entry] : rib.entries) {
        if (entry.candidates.size() > 1) {
          entry.ambiguous = true;
          entry.reason =
              "the policies never settle (no stable path assignment after " + std::to_string(max_rounds) + " rounds)";
        }
      }
    }
  }
  return ribs;
}

}  // namespace flowlab::oracle::detail
