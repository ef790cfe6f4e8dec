// flowlab::oracle BGP decision process (internal; bgp.cpp runs it, tests/unit/oracle/decision_test.cpp checks it).
//
// select() picks the best of a router's candidate routes for one prefix as BIRD and FRR do, one named tie-break
// step after another in the order of RFC 4271 section 9.1.2.2 (preceded by the routers' own first step, local
// origination): highest LOCAL_PREF, shortest AS_PATH, lowest ORIGIN, lowest MED among routes from the same
// neighbouring AS, eBGP over iBGP, lowest IGP cost to the NEXT_HOP, lowest neighbour router id, lowest neighbour
// address. Each step keeps the routes best by it; the step that leaves one route gives the reason. Where the routers'
// result depends on the order routes arrive (MED across several neighbour ASes), the selection is `ambiguous`.
#pragma once

#include "labctl/oracle/oracle.hpp"
#include "model/model.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace flowlab::oracle::detail {

struct Selection {
  std::size_t winner = 0;  // index into the routes given to select()
  bool ambiguous = false;
  std::string reason;  // "local-pref 200 over 100", "only candidate", or why the choice is ambiguous
  std::size_t tied = 1;
};

// The routes still in the running and what the steps so far have said.
struct Candidates {
  const std::vector<Route>& routes;
  std::vector<std::size_t> group;  // indices into routes, in the order given
  Selection selection;

  explicit Candidates(const std::vector<Route>& all);
};

// The tie-break steps, in order. Each does nothing when fewer than two candidates are left.
void prefer_local_origination(Candidates& c);
void prefer_highest_local_pref(Candidates& c);
void prefer_shortest_as_path(Candidates& c);
void prefer_lowest_origin(Candidates& c);
void prefer_lowest_med(Candidates& c);  // only between routes from the same neighbouring AS
void prefer_ebgp(Candidates& c);
void prefer_lowest_igp_cost(Candidates& c);
void prefer_lowest_router_id(Candidates& c);
void prefer_lowest_neighbor_address(Candidates& c);

// Picks the best of `routes` (non-empty) by running every step in order.
[[nodiscard]] Selection select(const std::vector<Route>& routes);

// Whether the FIB installs `other` next to `best` (ECMP), by the router kind's multipath rule.
[[nodiscard]] bool mergeable(const topology::Node& router, const Route& best, const Route& other);

// The RIB entry of `prefix` at `router`: every candidate in decision order, the reason, and the multipath count.
[[nodiscard]] RibEntry decide(const topology::Node& router, const Prefix& prefix, std::vector<Route> routes);

}  // namespace flowlab::oracle::detail
