// The BGP decision process (decision.hpp): one function per tie-break step, run in order by select().
#include "labctl/oracle/decision.hpp"

#include "nodes/core/driver.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>

namespace flowlab::oracle::detail {
namespace {

// The neighbouring AS for MED comparison: first AS of the path, 0 (the own AS) when empty.
std::uint32_t med_neighbor(const Route& r) { return r.first_as(); }
std::uint32_t med_value(const Route& r) { return r.med.value_or(0); }

// The step that left one candidate says why it won (unless the choice is already known to be ambiguous, whose
// reason stands).
void decided_by(Candidates& c, std::string reason) {
  if (!c.selection.ambiguous) {
    c.selection.reason = std::move(reason);
  }
}

// A step that compares one attribute: smaller key = better; `show` prints the attribute for the reason.
struct KeyRule {
  const char* name;
  std::uint64_t (*key)(const Route&);
  std::string (*show)(const Route&);
};

void narrow(Candidates& c, const KeyRule& rule) {
  if (c.group.size() < 2) {
    return;
  }
  std::uint64_t best = ~0ULL;
  for (auto i : c.group) {
    best = std::min(best, rule.key(c.routes[i]));
  }
  std::vector<std::size_t> kept;
  const Route* loser = nullptr;
  for (auto i : c.group) {
    if (rule.key(c.routes[i]) == best) {
      kept.push_back(i);
    } else if (loser == nullptr || rule.key(c.routes[i]) < rule.key(*loser)) {
      loser = &c.routes[i];
    }
  }
  if (kept.size() == 1 && loser != nullptr) {
    decided_by(c, std::string(rule.name) + " " + rule.show(c.routes[kept[0]]) + " over " + rule.show(*loser));
  }
  c.group = std::move(kept);
}

std::string show_source(const Route& r) { return to_string(r.source); }

constexpr std::array<void (*)(Candidates&), 9> kDecisionSteps{
    prefer_local_origination, prefer_highest_local_pref, prefer_shortest_as_path,
    prefer_lowest_origin,     prefer_lowest_med,         prefer_ebgp,
    prefer_lowest_igp_cost,   prefer_lowest_router_id,   prefer_lowest_neighbor_address};

}  // namespace

Candidates::Candidates(const std::vector<Route>& all) : routes(all), group(all.size()) {
  for (std::size_t i = 0; i < group.size(); ++i) {
    group[i] = i;
  }
}

void prefer_local_origination(Candidates& c) {
  narrow(c, {"local origination",
             [](const Route& r) -> std::uint64_t { return r.source == RouteSource::kLocal ? 0U : 1U; }, show_source});
}

void prefer_highest_local_pref(Candidates& c) {
  narrow(c, {"local-pref", [](const Route& r) -> std::uint64_t { return 0xffffffffULL - r.local_pref; },
             [](const Route& r) { return std::to_string(r.local_pref); }});
}

void prefer_shortest_as_path(Candidates& c) {
  narrow(c, {"AS path length", [](const Route& r) -> std::uint64_t { return r.as_path.size(); },
             [](const Route& r) { return std::to_string(r.as_path.size()); }});
}

void prefer_lowest_origin(Candidates& c) {
  narrow(c, {"origin", [](const Route& r) -> std::uint64_t { return r.origin; },
             [](const Route& r) { return std::to_string(r.origin); }});
}

void prefer_lowest_med(Candidates& c) {
  if (c.group.size() < 2) {
    return;
  }
  std::map<std::uint32_t, std::uint32_t> min_med;
  std::map<std::uint32_t, std::set<std::uint32_t>> meds;
  for (auto i : c.group) {
    const auto as = med_neighbor(c.routes[i]);
    const auto m = med_value(c.routes[i]);
    meds[as].insert(m);
    const auto it = min_med.find(as);
    if (it == min_med.end() || m < it->second) {
      min_med[as] = m;
    }
  }
  const bool med_decides = std::any_of(meds.begin(), meds.end(), [](const auto& m) { return m.second.size() > 1; });
  if (!med_decides) {
    return;
  }
  std::vector<std::size_t> kept;
  const Route* loser = nullptr;
  for (auto i : c.group) {
    if (med_value(c.routes[i]) == min_med[med_neighbor(c.routes[i])]) {
      kept.push_back(i);
    } else if (loser == nullptr) {
      loser = &c.routes[i];
    }
  }
  if (meds.size() > 1) {
    // Routes from several neighbouring ASes and MED differing inside one of them: the pairwise comparison is not
    // transitive, so the result depends on the order routes arrive (BIRD: deterministic med off).
    c.selection.ambiguous = true;
    c.selection.reason = "MED compared only within a neighbour AS while " + std::to_string(meds.size()) +
                         " neighbour ASes tie: the outcome depends on route arrival order";
    c.selection.tied = c.group.size();
  } else if (kept.size() == 1 && loser != nullptr) {
    decided_by(c, "MED " + std::to_string(med_value(c.routes[kept[0]])) + " over " + std::to_string(med_value(*loser)));
  }
  c.group = std::move(kept);
}

void prefer_ebgp(Candidates& c) {
  narrow(c, {"eBGP over iBGP", [](const Route& r) -> std::uint64_t { return r.source == RouteSource::kEbgp ? 0U : 1U; },
             show_source});
}

void prefer_lowest_igp_cost(Candidates& c) {
  narrow(c, {"IGP cost", [](const Route& r) -> std::uint64_t { return r.igp_cost.value_or(0xffffffffU); },
             [](const Route& r) { return std::to_string(r.igp_cost.value_or(0)); }});
}

void prefer_lowest_router_id(Candidates& c) {
  narrow(c, {"router id", [](const Route& r) -> std::uint64_t { return r.neighbor_router_id.v4_host_order(); },
             [](const Route& r) { return r.neighbor_router_id.to_string(); }});
}

// Lowest neighbour address (then the session name, for parallel sessions with one address: never in practice).
void prefer_lowest_neighbor_address(Candidates& c) {
  if (c.group.size() < 2) {
    return;
  }
  const auto& routes = c.routes;
  std::sort(c.group.begin(), c.group.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(routes[a].neighbor_address, routes[a].session) <
           std::tie(routes[b].neighbor_address, routes[b].session);
  });
  const auto& w = routes[c.group[0]];
  const auto& l = routes[c.group[1]];
  decided_by(c, "neighbour address " + (w.neighbor_address ? w.neighbor_address->to_string() : std::string("-")) +
                    " over " + (l.neighbor_address ? l.neighbor_address->to_string() : std::string("-")));
}

Selection select(const std::vector<Route>& routes) {
  Candidates c(routes);
  for (const auto step : kDecisionSteps) {
    step(c);
  }
  if (routes.size() == 1) {
    c.selection.reason = "only candidate";
  }
  c.selection.winner = c.group.front();
  return c.selection;
}

// BIRD (merge paths on): routes equal up to the IGP cost (bgp_rte_mergable). FRR (multipath): additionally an
// identical AS path.
bool mergeable(const topology::Node& router, const Route& best, const Route& other) {
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
  return !(nodes::router_traits(router.kind).multipath_needs_same_as_path && best.as_path != other.as_path);
}

RibEntry decide(const topology::Node& router, const Prefix& prefix, std::vector<Route> routes) {
  RibEntry entry;
  entry.prefix = prefix;
  const Selection first = select(routes);
  entry.ambiguous = first.ambiguous;
  entry.reason = first.reason;
  entry.tied = first.tied;
  // Order the rest by repeated selection (best first).
  while (!routes.empty()) {
    const Selection s = select(routes);
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

}  // namespace flowlab::oracle::detail
