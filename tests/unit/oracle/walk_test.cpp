// Forwarding walks and observations, worked out by hand (addresses follow docs/topologies.md's derivation:
// links take 198.18.0.0/31 blocks in link order, endpoint a first; host links /29 blocks of the gateway's first
// announced prefix, router .1, host .2; loopbacks 198.19.0.N in router order; mgmt0 198.19.128.(i+2) in node order).
#include "labctl/oracle/oracle.hpp"
#include "model/loader.hpp"
#include "nodes/core/driver.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace flowlab::oracle {
namespace {

Oracle build(const std::string& path) {
  auto loaded = topology::load_topology_file(path, nodes::kinds());
  EXPECT_TRUE(loaded.ok()) << loaded.error_text();
  if (!loaded.ok()) {
    std::abort();
  }
  auto o = Oracle::build(*loaded.topology);
  EXPECT_TRUE(o.ok());
  return std::move(o).value();
}

Oracle unit(const std::string& name) {
  return build(std::string(FLOWLAB_SOURCE_DIR) + "/tests/unit/oracle/topologies/" + name + ".yaml");
}
Oracle shipped(const std::string& name) {
  return build(std::string(FLOWLAB_SOURCE_DIR) + "/topologies/" + name + ".yaml");
}

IpAddress ip(const char* text) { return IpAddress::parse(text).value(); }

// "node in>out" per hop: "h1 ->eth0", "r1 eth2>eth1", "h3 eth0>" (delivered).
std::vector<std::string> hops(const Walk& w) {
  std::vector<std::string> out;
  for (const auto& h : w.hops) {
    out.push_back(h.node + " " + h.in_interface + ">" + h.out_interface);
  }
  return out;
}

struct WalkCase {
  const char* name;
  bool shipped;
  const char* topology;
  const char* from;
  const char* dst;
  WalkOutcome outcome;
  std::vector<std::string> hops;
  bool ambiguous = false;
};

class Walks : public testing::TestWithParam<WalkCase> {};

TEST_P(Walks, HopByHop) {
  const auto& c = GetParam();
  Oracle o = c.shipped ? shipped(c.topology) : unit(c.topology);
  auto w = o.walk(c.from, ip(c.dst));
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  EXPECT_EQ(w->outcome, c.outcome) << w->reason;
  EXPECT_EQ(hops(*w), c.hops) << w->reason;
  EXPECT_EQ(w->ambiguous, c.ambiguous) << w->reason;
}

// clang-format off
const WalkCase kWalks[] = {
    // chain3: h1 192.0.2.2 (r1 .1 on eth2), h3 203.0.113.2 (r3 .1 on eth2). r1 and r2 follow their BGP routes to
    // 203.0.113.0/24, r3 delivers on its connected /29.
    {"chain3_v4", true, "chain3", "h1", "203.0.113.2", WalkOutcome::kDelivered,
     {"h1 >eth0", "r1 eth2>eth1", "r2 eth1>eth2", "r3 eth1>eth2", "h3 eth0>"}},
    // The same in IPv6: h3 is 2001:db8:3::2 (first /64 of r3's /48, r3 ::1).
    {"chain3_v6", true, "chain3", "h1", "2001:db8:3::2", WalkOutcome::kDelivered,
     {"h1 >eth0", "r1 eth2>eth1", "r2 eth1>eth2", "r3 eth1>eth2", "h3 eth0>"}},
    // And back: r3 -> r2 -> r1 -> h1 (192.0.2.2).
    {"chain3_back", true, "chain3", "h3", "192.0.2.2", WalkOutcome::kDelivered,
     {"h3 >eth0", "r3 eth2>eth1", "r2 eth2>eth1", "r1 eth1>eth2", "h1 eth0>"}},
    // 203.0.113.77 is inside r3's /24 but outside its host /29: r3's unreachable aggregate drops it.
    {"blackhole_in_aggregate", true, "chain3", "h1", "203.0.113.77", WalkOutcome::kBlackhole,
     {"h1 >eth0", "r1 eth2>eth1", "r2 eth1>eth2", "r3 eth1>"}},
    // 192.0.2.5 is on r1's host subnet but nobody has it.
    {"blackhole_unused_address", true, "chain3", "h3", "192.0.2.5", WalkOutcome::kBlackhole,
     {"h3 >eth0", "r3 eth2>eth1", "r2 eth2>eth1", "r1 eth1>eth2"}},
    // Nobody announces 8.8.8.8: r1 has no route at all.
    {"blackhole_no_route", true, "chain3", "h1", "8.8.8.8", WalkOutcome::kBlackhole, {"h1 >eth0", "r1 eth2>"}},
    // janog36: h1 (192.0.2.66, behind r2) to h3 (203.0.113.2, behind t1): r2 reaches r1's loopback over the
    // direct link (cost 10; via r3 20), r1 leaves on its uplink eth3 to u1, u1 to t1, t1 delivers.
    {"janog36_out", true, "janog36", "h1", "203.0.113.2", WalkOutcome::kDelivered,
     {"h1 >eth0", "r2 eth3>eth1", "r1 eth1>eth3", "u1 eth1>eth2", "t1 eth1>eth2", "h3 eth0>"}},
    // And back: u1 only has the /24 aggregate (the /26s are denied towards it); r1 uses r2's /26 (iBGP, next hop
    // r2's loopback, OSPF via eth1).
    {"janog36_in", true, "janog36", "h3", "192.0.2.66", WalkOutcome::kDelivered,
     {"h3 >eth0", "t1 eth2>eth1", "u1 eth2>eth1", "r1 eth3>eth1", "r2 eth1>eth3", "h1 eth0>"}},
    // o12 hot potato: r3 sends towards r2's loopback (cost 10 over eth2), r2 out of its own exit to x2, then d.
    {"hot_potato", false, "hot-potato", "h3", "10.30.0.2", WalkOutcome::kDelivered,
     {"h3 >eth0", "r3 eth3>eth2", "r2 eth2>eth3", "x2 eth1>eth2", "d eth2>eth3", "hd eth0>"}},
    // Back from hd: d's 10.1.3.0/24 ties x1/x2 up to the IGP cost and BIRD installs both (ECMP): the walk
    // follows the best route (x1) but is flagged ambiguous. x1 -> r1 -> r3 (r1-r3 link, cost 30).
    {"hot_potato_back_ecmp", false, "hot-potato", "hd", "10.1.3.2", WalkOutcome::kDelivered,
     {"hd >eth0", "d eth3>eth1", "x1 eth2>eth1", "r1 eth3>eth2", "r3 eth1>eth3", "h3 eth0>"}, true},
    // o10 IPv6: h1 2001:db8:1::2 to h3 2001:db8:3::2.
    {"ipv6_only", false, "ipv6-only", "h1", "2001:db8:3::2", WalkOutcome::kDelivered,
     {"h1 >eth0", "r1 eth2>eth1", "r2 eth1>eth2", "r3 eth1>eth2", "h3 eth0>"}},
    // o10 has no IPv4 prefixes: h3's IPv4 address (pool link 198.18.0.6/31: r3 .6, h3 .7) is unknown to r1.
    {"ipv6_only_no_v4", false, "ipv6-only", "h1", "198.18.0.7", WalkOutcome::kBlackhole, {"h1 >eth0", "r1 eth2>"}},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(HandWorked, Walks, testing::ValuesIn(kWalks),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

void expect_fields(const Observation& o, const std::map<std::string, std::string>& expected) {
  for (const auto& [k, v] : expected) {
    auto it = o.fields.find(k);
    ASSERT_NE(it, o.fields.end()) << k;
    EXPECT_EQ(it->second, v) << k;
  }
}

// janog36, probe on r1's uplink eth3 exporting to c1 (iBGP with r1, next hop unchanged). Outbound h1 -> h3 is
// seen leaving through eth3; R_d = 203.0.113.0/24 (65530 65533, next hop u1 198.18.0.7), R_s = r2's
// 192.0.2.64/26 (empty path: AS 0). The exporter is r1's mgmt0 (node 0: 198.19.128.2).
TEST(Observations, Janog36Outbound) {
  Oracle o = shipped("janog36");
  auto p = o.predict({"h1", IpAddress{}, ip("203.0.113.2")});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->stream.src, ip("192.0.2.66"));
  ASSERT_EQ(p->observations.size(), 1U);
  const auto& obs = p->observations[0];
  EXPECT_EQ(obs.metering_router, "r1");
  EXPECT_EQ(obs.observed_interface, "eth3");
  EXPECT_FALSE(obs.ingress);
  EXPECT_FALSE(obs.ambiguous) << obs.reason;
  EXPECT_EQ(obs.collector, "c1");
  expect_fields(obs, {{"iface_in", "eth1"},
                      {"iface_out", "eth3"},
                      {"as_src", "0"},
                      {"as_dst", "65533"},
                      {"as_path", "65530_65533"},
                      {"src_as_path", ""},
                      {"peer_as_src", "0"},
                      {"peer_as_src_bgp", "0"},
                      {"peer_as_dst", "65530"},
                      {"peer_ip_src", "198.19.128.2"},
                      {"peer_ip_dst", "198.18.0.7"},
                      {"net_src", "192.0.2.64"},
                      {"net_dst", "203.0.113.0"},
                      {"mask_src", "26"},
                      {"mask_dst", "24"},
                      {"local_pref", "100"},
                      {"med", "0"},
                      {"comms", ""},
                      {"lcomms", ""}});
}

// A probe on both of r1's interfaces with `direction: both` meters h1 -> h3 twice: in at eth2, out at eth1. The
// records have the same key, so a collector without `direction` in its aggregate reports twice the packets at
// each point (tests/lab/observation/twice.yaml); with it, each point is exact.
TEST(Observations, MeteredTwiceIsPredicted) {
  const std::string dir = std::string(FLOWLAB_SOURCE_DIR) + "/tests/lab/observation/";
  Oracle o = build(dir + "twice.yaml");
  auto p = o.predict({"h1", IpAddress{}, ip("203.0.113.2")});
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->observations.size(), 2U);
  EXPECT_EQ(p->observations[0].observed_interface, "eth2");
  EXPECT_TRUE(p->observations[0].ingress);
  EXPECT_EQ(p->observations[1].observed_interface, "eth1");
  EXPECT_FALSE(p->observations[1].ingress);
  for (const auto& obs : p->observations) {
    EXPECT_EQ(obs.merged, 2U);
    EXPECT_EQ(obs.merged_reason,
              "metered twice at r1: eth2 in and eth1 out; meter one direction, or add `direction` to the aggregate");
  }
  Oracle with_direction = build(dir + "twice-direction.yaml");
  auto q = with_direction.predict({"h1", IpAddress{}, ip("203.0.113.2")});
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->observations.size(), 2U);
  for (const auto& obs : q->observations) {
    EXPECT_EQ(obs.merged, 1U);
    EXPECT_EQ(obs.merged_reason, "");
  }
}

// `direction: in` meters only the crossings that enter a probed interface: one observation, nothing merged.
TEST(Observations, ProbeDirectionLimitsCrossings) {
  auto loaded = topology::load_topology_file(std::string(FLOWLAB_SOURCE_DIR) + "/tests/lab/observation/twice.yaml",
                                             nodes::kinds());
  ASSERT_TRUE(loaded.ok());
  topology::Topology t = *loaded.topology;
  t.probes[0].direction = topology::ProbeDirection::kIn;
  auto o = Oracle::build(t);
  ASSERT_TRUE(o.ok());
  auto p = o->predict({"h1", IpAddress{}, ip("203.0.113.2")});
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->observations.size(), 1U);
  EXPECT_EQ(p->observations[0].observed_interface, "eth2");
  EXPECT_TRUE(p->observations[0].ingress);
  EXPECT_EQ(p->observations[0].merged, 1U);
  t.probes[0].direction = topology::ProbeDirection::kOut;
  auto out = Oracle::build(t);
  ASSERT_TRUE(out.ok());
  auto q = out->predict({"h1", IpAddress{}, ip("203.0.113.2")});
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->observations.size(), 1U);
  EXPECT_EQ(q->observations[0].observed_interface, "eth1");
  EXPECT_FALSE(q->observations[0].ingress);
}

// Inbound h3 -> h1 enters r1 on eth3: the truth behind eth3 is u1's AS 65530, and so is the first AS of
// R_s = 203.0.113.0/24. R_d = 192.0.2.64/26 learned over iBGP from r2: empty path, next hop r2's loopback.
TEST(Observations, Janog36Inbound) {
  Oracle o = shipped("janog36");
  auto p = o.predict({"h3", IpAddress{}, ip("192.0.2.66")});
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->observations.size(), 1U);
  const auto& obs = p->observations[0];
  EXPECT_TRUE(obs.ingress);
  expect_fields(obs, {{"iface_in", "eth3"},
                      {"iface_out", "eth1"},
                      {"as_src", "65533"},
                      {"src_as_path", "65530_65533"},
                      {"peer_as_src", "65530"},
                      {"peer_as_src_bgp", "65530"},
                      {"as_dst", "0"},
                      {"as_path", ""},
                      {"peer_as_dst", "0"},
                      {"peer_ip_dst", "198.19.0.1"},
                      {"net_dst", "192.0.2.64"},
                      {"mask_dst", "26"},
                      {"net_src", "203.0.113.0"},
                      {"mask_src", "24"},
                      {"local_pref", "100"}});
}

// o12: the probe on r2's eth3 sees h3 -> hd leave towards x2. r2's view: R_d 10.30.0.0/16 via x2 (198.18.0.9),
// R_s r3's 10.1.3.0/24 (empty path). r2 is node 1: mgmt0 198.19.128.3.
TEST(Observations, HotPotatoExit) {
  Oracle o = unit("hot-potato");
  auto p = o.predict({"h3", IpAddress{}, ip("10.30.0.2")});
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->observations.size(), 1U);
  const auto& obs = p->observations[0];
  EXPECT_EQ(obs.metering_router, "r2");
  expect_fields(obs, {{"iface_in", "eth2"},
                      {"iface_out", "eth3"},
                      {"as_dst", "65030"},
                      {"as_path", "65020_65030"},
                      {"peer_as_dst", "65020"},
                      {"peer_ip_dst", "198.18.0.9"},
                      {"peer_ip_src", "198.19.128.3"},
                      {"as_src", "0"},
                      {"peer_as_src", "0"},
                      {"net_src", "10.1.3.0"},
                      {"mask_src", "24"},
                      {"net_dst", "10.30.0.0"},
                      {"mask_dst", "16"}});
}

// o09: what r3 exports to c1 carries every community added on the way plus r3's own towards c1; the next hop
// stays r2's link address; r3's own prefix goes with r3's mgmt0 address (node 2: 198.19.128.4).
TEST(Observations, CommunitiesInCollectorView) {
  Oracle o = unit("communities");
  auto view = o.collector_view("r3", "c1");
  ASSERT_EQ(view.size(), 3U);
  const Route& r = view.at(Prefix::parse("10.1.0.0/16").value());
  EXPECT_EQ(r.communities, (std::vector<std::string>{"65001:100", "65002:200", "65003:300"}));
  EXPECT_EQ(r.large_communities, (std::vector<std::string>{"65001:1:2"}));
  EXPECT_EQ(r.next_hop, ip("198.18.0.2"));
  EXPECT_EQ(view.at(Prefix::parse("10.3.0.0/16").value()).next_hop, ip("198.19.128.4"));

  topology::ProbeSpec probe;
  probe.node = "r3";
  probe.export_to = "c1";
  Observation obs = o.observe(probe, 0, "r3", "eth1", "", ip("10.3.0.9"), ip("10.1.0.9"));
  expect_fields(obs, {{"comms", "65001:100_65002:200_65003:300"},
                      {"lcomms", "65001:1:2"},
                      {"as_path", "65002_65001"},
                      {"as_dst", "65001"},
                      {"peer_as_dst", "65002"},
                      {"peer_ip_dst", "198.18.0.2"},
                      {"peer_as_src", "65002"},
                      {"as_src", "0"},
                      {"net_src", "10.3.0.0"}});
}

// o14: the observation inherits the ambiguity of the metering router's route.
TEST(Observations, AmbiguousRouteIsFlagged) {
  Oracle o = unit("med-ambiguous");
  topology::ProbeSpec probe;
  probe.node = "z";
  probe.export_to = "c9";
  Observation obs = o.observe(probe, 0, "z", "eth3", "eth1", ip("198.18.0.10"), ip("10.50.1.1"));
  EXPECT_TRUE(obs.ambiguous);
  EXPECT_NE(obs.reason.find("MED"), std::string::npos) << obs.reason;
}

TEST(Walks, UnknownNodeFails) {
  Oracle o = shipped("chain3");
  EXPECT_FALSE(o.walk("nope", ip("192.0.2.2")).ok());
  EXPECT_FALSE(o.predict({"nope", IpAddress{}, ip("192.0.2.2")}).ok());
}

}  // namespace
}  // namespace flowlab::oracle
