// Parser tests on outputs captured from real BIRD 2.0.12 and FRR 8.4 runs of the fixture topology (nodes_lab_test
// with FLOWLAB_CAPTURE_DIR=tests/golden/nodes/captures). Every parsed field of every entry is compared with a
// golden JSON dump (<capture>.parsed.json); the routes the fixture's policies shape are also asserted by hand.
#include "golden.hpp"
#include "nodes/bird/bird_parse.hpp"
#include "nodes/frr/frr_parse.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace flowlab::nodes {
namespace {

using nlohmann::json;
using testing::expect_golden;
using testing::golden_path;
using testing::read_file;

std::string capture(const std::string& name) {
  auto path = golden_path("captures/" + name);
  EXPECT_TRUE(std::filesystem::exists(path)) << path;
  return read_file(path);
}

json to_json(const RibEntry& r) {
  json j;
  j["prefix"] = r.prefix.to_string();
  j["best"] = r.best;
  j["source"] = r.source;
  j["protocol_name"] = r.protocol_name;
  j["as_path"] = r.as_path;
  j["next_hop"] = r.next_hop ? r.next_hop->to_string() : "";
  j["from"] = r.from ? r.from->to_string() : "";
  j["local_pref"] = r.local_pref ? json(*r.local_pref) : json(nullptr);
  j["med"] = r.med ? json(*r.med) : json(nullptr);
  j["origin"] = r.origin;
  j["communities"] = r.communities;
  j["large_communities"] = r.large_communities;
  j["interface"] = r.interface;
  return j;
}

json to_json(const BgpSessionStatus& s) {
  return json{{"neighbor", s.neighbor.to_string()},
              {"neighbor_asn", s.neighbor_asn},
              {"state", to_string(s.state)},
              {"name", s.name},
              {"prefixes_received", s.prefixes_received}};
}

template <class T>
std::string dump(const std::vector<T>& items) {
  json arr = json::array();
  for (const auto& i : items) {
    arr.push_back(to_json(i));
  }
  return arr.dump(1) + "\n";
}

const RibEntry* find(const std::vector<RibEntry>& rib, const std::string& prefix, const std::string& source,
                     bool best) {
  for (const auto& r : rib) {
    if (r.prefix.to_string() == prefix && r.source == source && r.best == best) {
      return &r;
    }
  }
  return nullptr;
}

TEST(ParseGolden, BirdCaptures) {
  for (const char* node : {"r1", "r2", "r3"}) {
    SCOPED_TRACE(node);
    const std::string base = std::string(node) + ".bird.";
    auto sessions = bird::parse_show_protocols_all(capture(base + "show_protocols_all.txt"));
    ASSERT_TRUE(sessions.ok()) << sessions.error().to_string();
    expect_golden("captures/" + base + "show_protocols_all.parsed.json", dump(*sessions));
    std::map<std::string, IpAddress> neighbors;
    for (const auto& s : *sessions) {
      neighbors[s.name] = s.neighbor;
    }
    auto rib = bird::parse_show_route_all(capture(base + "show_route_all.txt"), neighbors);
    ASSERT_TRUE(rib.ok()) << rib.error().to_string();
    expect_golden("captures/" + base + "show_route_all.parsed.json", dump(*rib));
  }
}

TEST(ParseGolden, FrrCaptures) {
  for (const char* node : {"r1", "r2", "r3"}) {
    SCOPED_TRACE(node);
    const std::string base = std::string(node) + ".frr.";
    for (const char* f : {"bgp_ipv4", "bgp_ipv6"}) {
      auto rib = frr::parse_show_bgp_json(capture(base + f + ".json"));
      ASSERT_TRUE(rib.ok()) << rib.error().to_string();
      expect_golden("captures/" + base + f + ".parsed.json", dump(*rib));
    }
    for (const char* f : {"route_ipv4", "route_ipv6"}) {
      auto rib = frr::parse_show_route_json(capture(base + f + ".json"));
      ASSERT_TRUE(rib.ok()) << rib.error().to_string();
      expect_golden("captures/" + base + f + ".parsed.json", dump(*rib));
    }
    auto sessions = frr::parse_show_bgp_neighbors_json(capture(base + "bgp_neighbors.json"));
    ASSERT_TRUE(sessions.ok()) << sessions.error().to_string();
    expect_golden("captures/" + base + "bgp_neighbors.parsed.json", dump(*sessions));
  }
}

// r1 as BIRD: best route to r3's prefix via r2 (iBGP, local-pref 200), the direct one from r3 shaped by policies.
TEST(ParseBird, RouteFieldsOfThePolicyShapedRoutes) {
  auto sessions = bird::parse_show_protocols_all(capture("r1.bird.show_protocols_all.txt"));
  ASSERT_TRUE(sessions.ok());
  std::map<std::string, IpAddress> neighbors;
  for (const auto& s : *sessions) {
    neighbors[s.name] = s.neighbor;
  }
  auto rib = bird::parse_show_route_all(capture("r1.bird.show_route_all.txt"), neighbors);
  ASSERT_TRUE(rib.ok());

  const auto* best = find(*rib, "198.51.100.0/24", "bgp", true);
  ASSERT_NE(best, nullptr);
  EXPECT_EQ(best->protocol_name, "r2_v4");
  EXPECT_EQ(best->as_path, (std::vector<std::uint32_t>{64510}));
  EXPECT_EQ(best->next_hop->to_string(), "203.0.113.2");
  EXPECT_EQ(best->from->to_string(), "203.0.113.2");
  EXPECT_EQ(best->local_pref, 200U);
  EXPECT_EQ(best->med, 20U);
  EXPECT_EQ(best->origin, "IGP");
  EXPECT_TRUE(best->communities.empty());
  EXPECT_EQ(best->interface, "eth1");

  const auto* other = find(*rib, "198.51.100.0/24", "bgp", false);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->protocol_name, "r3_v4");
  EXPECT_EQ(other->as_path, (std::vector<std::uint32_t>{64510, 64510, 64510}));
  EXPECT_EQ(other->next_hop->to_string(), "198.18.0.5");
  EXPECT_EQ(other->from->to_string(), "198.18.0.5");
  EXPECT_EQ(other->local_pref, 100U);
  EXPECT_EQ(other->med, 50U);
  EXPECT_EQ(other->communities, (std::vector<std::string>{"64510:100"}));
  EXPECT_EQ(other->large_communities, (std::vector<std::string>{"64510:1:2"}));
  EXPECT_EQ(other->interface, "eth2");

  // IPv6: the BGP next hop is the global address even where the gateway is link-local.
  const auto* other6 = find(*rib, "2001:db8:3::/48", "bgp", false);
  ASSERT_NE(other6, nullptr);
  EXPECT_EQ(other6->next_hop->to_string(), "2001:db8:ffff::5");
  EXPECT_EQ(other6->from->to_string(), "2001:db8:ffff::5");

  const auto* own = find(*rib, "192.0.2.0/24", "static", true);
  ASSERT_NE(own, nullptr);
  EXPECT_EQ(own->protocol_name, "announce4");
  EXPECT_FALSE(own->next_hop.has_value());
  const auto* lo = find(*rib, "203.0.113.2/32", "ospf", true);
  ASSERT_NE(lo, nullptr);
  EXPECT_EQ(lo->next_hop->to_string(), "198.18.0.1");
  EXPECT_EQ(lo->interface, "eth1");
  EXPECT_NE(find(*rib, "198.18.0.4/31", "direct", true), nullptr);
}

TEST(ParseBird, SessionsOfR1) {
  auto sessions = bird::parse_show_protocols_all(capture("r1.bird.show_protocols_all.txt"));
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 6U);
  const auto& s = (*sessions)[2];
  EXPECT_EQ(s.name, "r3_v4");
  EXPECT_EQ(s.neighbor.to_string(), "198.18.0.5");
  EXPECT_EQ(s.neighbor_asn, 64510U);
  EXPECT_EQ(s.state, SessionState::kEstablished);
  EXPECT_EQ(s.prefixes_received, 1U);
  for (const auto& x : *sessions) {
    EXPECT_EQ(x.state, SessionState::kEstablished) << x.name;
  }
}

// r1 as FRR: the same routes through vtysh's JSON.
TEST(ParseFrr, RouteFieldsOfThePolicyShapedRoutes) {
  auto rib = frr::parse_show_bgp_json(capture("r1.frr.bgp_ipv6.json"));
  ASSERT_TRUE(rib.ok());
  const auto* best = find(*rib, "2001:db8:3::/48", "bgp", true);
  ASSERT_NE(best, nullptr);
  EXPECT_EQ(best->protocol_name, "2001:db8:ff::2");
  EXPECT_EQ(best->as_path, (std::vector<std::uint32_t>{64510}));
  EXPECT_EQ(best->next_hop->to_string(), "2001:db8:ff::2");
  EXPECT_EQ(best->from->to_string(), "2001:db8:ff::2");
  EXPECT_EQ(best->local_pref, 200U);
  EXPECT_EQ(best->med, 20U);
  EXPECT_EQ(best->origin, "IGP");

  const auto* other = find(*rib, "2001:db8:3::/48", "bgp", false);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->as_path, (std::vector<std::uint32_t>{64510, 64510, 64510}));
  EXPECT_EQ(other->next_hop->to_string(), "2001:db8:ffff::5");  // global, not the link-local one
  EXPECT_EQ(other->from->to_string(), "2001:db8:ffff::5");
  EXPECT_EQ(other->local_pref, 100U);  // the instance default, as FRR omits it for eBGP paths
  EXPECT_EQ(other->med, 50U);
  EXPECT_EQ(other->communities, (std::vector<std::string>{"64510:100"}));
  EXPECT_EQ(other->large_communities, (std::vector<std::string>{"64510:1:2"}));

  const auto* own = find(*rib, "2001:db8:1::/48", "bgp", true);
  ASSERT_NE(own, nullptr);
  EXPECT_TRUE(own->as_path.empty());
  EXPECT_FALSE(own->next_hop.has_value());
  EXPECT_FALSE(own->from.has_value());
  EXPECT_EQ(own->protocol_name, "local");

  auto zebra = frr::parse_show_route_json(capture("r1.frr.route_ipv4.json"));
  ASSERT_TRUE(zebra.ok());
  EXPECT_TRUE(std::none_of(zebra->begin(), zebra->end(), [](const RibEntry& r) { return r.source == "bgp"; }));
  const auto* lo = find(*zebra, "203.0.113.2/32", "ospf", true);
  ASSERT_NE(lo, nullptr);
  EXPECT_EQ(lo->next_hop->to_string(), "198.18.0.1");
  EXPECT_EQ(lo->interface, "eth1");
  EXPECT_NE(find(*zebra, "192.0.2.0/24", "static", true), nullptr);
  EXPECT_NE(find(*zebra, "198.18.0.4/31", "direct", true), nullptr);
}

TEST(ParseFrr, SessionsOfR1) {
  auto sessions = frr::parse_show_bgp_neighbors_json(capture("r1.frr.bgp_neighbors.json"));
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 6U);
  bool seen = false;
  for (const auto& s : *sessions) {
    EXPECT_EQ(s.state, SessionState::kEstablished) << s.name;
    if (s.name == "r3_v4") {
      seen = true;
      EXPECT_EQ(s.neighbor.to_string(), "198.18.0.5");
      EXPECT_EQ(s.neighbor_asn, 64510U);
      EXPECT_EQ(s.prefixes_received, 1U);
    }
  }
  EXPECT_TRUE(seen);
}

TEST(ParseFrr, SplitsVtyshMultiCommandOutput) {
  const std::string two = capture("r1.frr.bgp_ipv4.json") + capture("r1.frr.route_ipv4.json");
  auto docs = frr::split_json_documents(two);
  ASSERT_EQ(docs.size(), 2U);
  EXPECT_TRUE(frr::parse_show_bgp_json(docs[0]).ok());
  EXPECT_TRUE(frr::parse_show_route_json(docs[1]).ok());
  auto odd = frr::split_json_documents(R"( zebra bgpd
{"a": "}{[", "b": ["\"}"]} {} [1] {"open": )");
  ASSERT_EQ(odd.size(), 4U);
  EXPECT_EQ(odd[0], R"({"a": "}{[", "b": ["\"}"]})");
  EXPECT_EQ(odd[1], "{}");
  EXPECT_EQ(odd[2], "[1]");
  EXPECT_EQ(odd[3], R"({"open": )");
  EXPECT_TRUE(frr::split_json_documents("no json here").empty());
}

// Untrusted text: garbage and every truncation of a real capture end in a value or an error, never a crash.
TEST(ParseRobustness, TruncationsAndGarbage) {
  const std::string bird_routes = capture("r1.bird.show_route_all.txt");
  const std::string bird_protocols = capture("r1.bird.show_protocols_all.txt");
  const std::string frr_bgp = capture("r1.frr.bgp_ipv4.json");
  const std::string frr_neighbors = capture("r1.frr.bgp_neighbors.json");
  const std::string frr_routes = capture("r1.frr.route_ipv4.json");
  for (std::size_t n = 0; n < bird_routes.size(); n += 7) {
    (void)bird::parse_show_route_all(std::string_view(bird_routes).substr(0, n));
  }
  for (std::size_t n = 0; n < bird_protocols.size(); n += 13) {
    (void)bird::parse_show_protocols_all(std::string_view(bird_protocols).substr(0, n));
  }
  for (std::size_t n = 0; n < frr_bgp.size(); n += 5) {
    (void)frr::parse_show_bgp_json(std::string_view(frr_bgp).substr(0, n));
  }
  for (std::size_t n = 0; n < frr_neighbors.size(); n += 31) {
    (void)frr::parse_show_bgp_neighbors_json(std::string_view(frr_neighbors).substr(0, n));
  }
  for (std::size_t n = 0; n < frr_routes.size(); n += 11) {
    (void)frr::parse_show_route_json(std::string_view(frr_routes).substr(0, n));
  }
  EXPECT_FALSE(bird::parse_show_route_all("not-a-prefix   unicast [x 00:00] * (100)\n").ok());
  EXPECT_FALSE(bird::parse_show_route_all("\tBGP.med: 5\n").ok());
  EXPECT_FALSE(bird::parse_show_route_all("192.0.2.0/24 unicast no brackets\n").ok());
  EXPECT_FALSE(frr::parse_show_bgp_json("{").ok());
  EXPECT_FALSE(frr::parse_show_bgp_json("[1,2]").ok());
  EXPECT_FALSE(frr::parse_show_bgp_json(R"({"routes": {"nope": []}})").ok());
  EXPECT_FALSE(frr::parse_show_bgp_json(R"({"routes": 5})").ok());
  EXPECT_TRUE(frr::parse_show_bgp_json(R"({"routes": {"192.0.2.0/24": [{"nexthops": 7, "aspath": 3}]}})").ok());
  EXPECT_FALSE(frr::parse_show_route_json("null").ok());
  EXPECT_FALSE(frr::parse_show_bgp_neighbors_json("").ok());
  auto odd = frr::parse_show_bgp_neighbors_json(R"({"eth0": {"bgpState": "Established"}, "192.0.2.1": 3})");
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->empty());
  EXPECT_EQ(bird::parse_session_state("Established"), SessionState::kEstablished);
  EXPECT_EQ(bird::parse_session_state("Down"), SessionState::kIdle);
  EXPECT_EQ(bird::parse_session_state("Whatever"), SessionState::kUnknown);
}

}  // namespace
}  // namespace flowlab::nodes
