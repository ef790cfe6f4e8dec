// The BGP decision process step by step (labctl/oracle/decision.hpp): each tie-break step decides between two
// routes equal in every earlier step, in RFC 4271 section 9.1.2.2 order, and names itself in the reason; MED across
// neighbour ASes is ambiguous; the multipath rule follows the router kind's traits.
#include "labctl/oracle/decision.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace flowlab::oracle::detail {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

// An eBGP route from AS 65001 over 10.0.0.1, router id 192.0.2.1, at IGP cost 10: equal in every step to another
// made by this function until a test changes one attribute.
Route learned(std::uint32_t first_as = 65001) {
  Route r;
  r.prefix = *Prefix::parse("203.0.113.0/24");
  r.source = RouteSource::kEbgp;
  r.as_path = {first_as, 65100};
  r.next_hop = ip("10.0.0.1");
  r.session = "r2_v4";
  r.neighbor_address = ip("10.0.0.1");
  r.neighbor_router_id = ip("192.0.2.1");
  r.neighbor_asn = first_as;
  r.igp_cost = 10;
  return r;
}

struct StepCase {
  const char* name;
  void (*make_first_win)(Route& first, Route& second);
  std::string reason;
};

TEST(Decision, EachStepDecidesInOrderAndNamesItself) {
  const std::vector<StepCase> cases{
      {"local origination",
       [](Route& a, Route&) {
         a.source = RouteSource::kLocal;
         a.as_path.clear();
       },
       "local origination local over ebgp"},
      {"local-pref", [](Route& a, Route&) { a.local_pref = 200; }, "local-pref 200 over 100"},
      {"AS path", [](Route&, Route& b) { b.as_path.push_back(65200); }, "AS path length 2 over 3"},
      {"origin", [](Route&, Route& b) { b.origin = 2; }, "origin 0 over 2"},
      {"MED",
       [](Route& a, Route& b) {
         a.med = 5;
         b.med = 50;
       },
       "MED 5 over 50"},
      {"eBGP", [](Route&, Route& b) { b.source = RouteSource::kIbgp; }, "eBGP over iBGP ebgp over ibgp"},
      {"IGP cost", [](Route&, Route& b) { b.igp_cost = 20; }, "IGP cost 10 over 20"},
      {"router id", [](Route&, Route& b) { b.neighbor_router_id = ip("192.0.2.9"); },
       "router id 192.0.2.1 over 192.0.2.9"},
      {"neighbour address",
       [](Route&, Route& b) {
         b.neighbor_address = ip("10.0.0.9");
         b.next_hop = ip("10.0.0.9");
       },
       "neighbour address 10.0.0.1 over 10.0.0.9"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Route a = learned();
    Route b = learned();
    c.make_first_win(a, b);
    // Both orders: the winner does not depend on the order of arrival.
    for (const bool a_first : {true, false}) {
      const std::vector<Route> routes = a_first ? std::vector{a, b} : std::vector{b, a};
      const Selection s = select(routes);
      EXPECT_EQ(s.winner, a_first ? 0U : 1U);
      EXPECT_EQ(s.reason, c.reason);
      EXPECT_FALSE(s.ambiguous);
    }
  }
}

TEST(Decision, EarlierStepOutranksLater) {
  Route a = learned();
  Route b = learned();
  a.as_path.push_back(65200);  // longer path ...
  a.local_pref = 150;          // ... but higher local-pref, which comes first
  const Selection s = select({b, a});
  EXPECT_EQ(s.winner, 1U);
  EXPECT_EQ(s.reason, "local-pref 150 over 100");
}

TEST(Decision, OneStepNarrowsAndLeavesTheRestToLaterSteps) {
  Route a = learned();
  Route b = learned();
  Route c = learned();
  c.local_pref = 50;  // out at local-pref
  b.igp_cost = 30;    // out at IGP cost, against a
  const std::vector<Route> routes{a, b, c};
  Candidates cands(routes);
  prefer_highest_local_pref(cands);
  EXPECT_EQ(cands.group, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(cands.selection.reason, "");  // two left: not decided yet
  prefer_lowest_igp_cost(cands);
  EXPECT_EQ(cands.group, (std::vector<std::size_t>{0}));
  EXPECT_EQ(cands.selection.reason, "IGP cost 10 over 30");
}

TEST(Decision, MedOnlyWithinOneNeighbourAs) {
  Route a = learned(65001);
  Route b = learned(65002);
  a.med = 100;
  b.med = 1;  // lower, but from another AS: not compared, so a later step decides
  b.neighbor_address = ip("10.0.0.9");
  const Selection s = select({a, b});
  EXPECT_FALSE(s.ambiguous);
  EXPECT_EQ(s.winner, 0U);
  EXPECT_EQ(s.reason, "neighbour address 10.0.0.1 over 10.0.0.9");
}

TEST(Decision, MedAcrossNeighbourAsesIsAmbiguous) {
  Route a = learned(65001);
  Route b = learned(65001);
  Route c = learned(65002);
  a.med = 10;
  b.med = 20;
  b.neighbor_address = ip("10.0.0.2");
  c.neighbor_address = ip("10.0.0.3");
  const Selection s = select({a, b, c});
  EXPECT_TRUE(s.ambiguous);
  EXPECT_EQ(s.tied, 3U);
  EXPECT_NE(s.reason.find("MED compared only within a neighbour AS while 2 neighbour ASes tie"), std::string::npos)
      << s.reason;
}

TEST(Decision, OnlyCandidate) {
  const Selection s = select({learned()});
  EXPECT_EQ(s.winner, 0U);
  EXPECT_EQ(s.reason, "only candidate");
}

TEST(Decision, DecideOrdersCandidatesAndCountsMultipathByKind) {
  Route a = learned();
  Route b = learned();
  b.neighbor_address = ip("10.0.0.9");
  b.next_hop = ip("10.0.0.9");
  b.as_path = {65001, 65300};  // same length, other path
  Route c = learned();
  c.local_pref = 50;
  topology::Node bird;
  bird.kind = "bird";
  topology::Node frr;
  frr.kind = "frr";
  const RibEntry at_bird = decide(bird, a.prefix, {c, b, a});
  ASSERT_EQ(at_bird.candidates.size(), 3U);
  EXPECT_EQ(at_bird.candidates[0], a);
  EXPECT_EQ(at_bird.candidates[1], b);
  EXPECT_EQ(at_bird.candidates[2], c);
  EXPECT_EQ(at_bird.reason, "neighbour address 10.0.0.1 over 10.0.0.9");  // the step that left one
  EXPECT_EQ(at_bird.multipath, 2U);                                       // BIRD merges equally long paths
  EXPECT_EQ(decide(frr, a.prefix, {c, b, a}).multipath, 1U);              // FRR needs the same path
}

}  // namespace
}  // namespace flowlab::oracle::detail
