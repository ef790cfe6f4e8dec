// The `collector` node kind renders flowcollector.yaml (+ agent map) from the topology: golden files, and the
// rendered config passes flowcollector's own config parser.
#include "model/loader.hpp"
#include "nodes/collector/collector_config.hpp"
#include "nodes/collector/collector_driver.hpp"
#include "nodes/core/driver.hpp"
#include "probes/collector/agent_map.hpp"
#include "probes/collector/config.hpp"
#include "probes/collector/peer_src_map.hpp"

#include "../nodes/fixture.hpp"
#include "../nodes/golden.hpp"

#include <gtest/gtest.h>

#include <set>

namespace flowlab::nodes::collector {
namespace {

TEST(CollectorNode, RendersTheFixtureCollector) {
  auto topo = testing::golden_topology();
  const auto* c1 = topo.find_node("c1");
  ASSERT_NE(c1, nullptr);
  auto r = render_collector_config(topo, *c1, "/run/flowlab/golden/c1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  testing::expect_golden("c1.flowcollector.yaml", r->config);
  auto parsed = flowlab::collector::parse_config(r->config, "c1.flowcollector.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  // r1 (IPv4 + IPv6) and r2 (IPv4): three BGP peers, AS mirrored (no local_as).
  EXPECT_EQ(parsed->bgp.peers.size(), 3U);
  EXPECT_FALSE(parsed->bgp.local_as.has_value());
  ASSERT_EQ(parsed->aggregates.size(), 1U);
  EXPECT_EQ(parsed->aggregates[0].name, "full");
  EXPECT_EQ(parsed->outputs.socket, "/run/flowlab/golden/c1/collector.sock");
}

TEST(CollectorNode, RendersJanog36WithTheProbeAgentMap) {
  auto loaded =
      topology::load_topology_file(std::string(FLOWLAB_SOURCE_DIR) + "/topologies/janog36.yaml", nodes::kinds());
  ASSERT_TRUE(loaded.ok()) << loaded.error_text();
  const auto& topo = *loaded.topology;
  const auto* c1 = topo.find_node("c1");
  ASSERT_NE(c1, nullptr);
  auto r = render_collector_config(topo, *c1, "/run/flowlab/janog36/c1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  testing::expect_golden("janog36.c1.flowcollector.yaml", r->config);
  testing::expect_golden("janog36.c1.agent_map.txt", r->agent_map);
  auto parsed = flowlab::collector::parse_config(r->config, "janog36.c1.flowcollector.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->listen.size(), topo.find_node("c1")->mgmt6 ? 2U : 1U);
  EXPECT_EQ(parsed->listen[0].port, 2100);
  // The probe runs on r1 itself: exporter = r1's mgmt0 address, BGP agent = r1's IPv4 session address.
  const auto* r1 = topo.find_node("r1");
  const std::string line = "bgp_ip=" + r1->mgmt4.address.to_string() + " ip=" + r1->mgmt4.address.to_string();
  EXPECT_NE(r->agent_map.find(line), std::string::npos) << r->agent_map;
}

// Model 1: a collector with `as_source: netflow` and no BGP peers renders `enrich: {as: netflow, net: netflow,
// peer_src_as: netflow}` and no bgp section; flowcollector parses it back that way.
TEST(CollectorNode, AsSourceNetflowForModel1) {
  auto loaded = topology::load_topology_file(
      std::string(FLOWLAB_SOURCE_DIR) + "/tests/golden/topology/janog36-model1.yaml", nodes::kinds());
  ASSERT_TRUE(loaded.ok()) << loaded.error_text();
  const auto& topo = *loaded.topology;
  const auto* c1 = topo.find_node("c1");
  ASSERT_NE(c1, nullptr);
  auto r = render_collector_config(topo, *c1, "/run/flowlab/janog36-m1/c1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  testing::expect_golden("janog36-model1.c1.flowcollector.yaml", r->config);
  auto parsed = flowlab::collector::parse_config(r->config, "janog36-model1.c1.flowcollector.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->enrich.as_source, flowlab::collector::AsSource::kNetflow);
  EXPECT_EQ(parsed->enrich.net_source, flowlab::collector::AsSource::kNetflow);
  EXPECT_EQ(parsed->enrich.peer_src_as, flowlab::collector::PeerSrcAsMethod::kNetflow);
  EXPECT_TRUE(parsed->bgp.peers.empty());
}

// A collector with `bmp: [r1, r3]` and no `bgp:` (topologies/janog36-bmp.yaml): a BMP station on its mgmt0 IPv4
// address (port 1790), `enrich.source: bmp`, no bgp section, and the agent map naming r1's BMP session address (its
// mgmt0 IPv4 address); flowcollector parses it back that way.
TEST(CollectorNode, BmpStationAndSourceForBmpRouters) {
  auto loaded =
      topology::load_topology_file(std::string(FLOWLAB_SOURCE_DIR) + "/topologies/janog36-bmp.yaml", nodes::kinds());
  ASSERT_TRUE(loaded.ok()) << loaded.error_text();
  const auto& topo = *loaded.topology;
  const auto* c1 = topo.find_node("c1");
  ASSERT_NE(c1, nullptr);
  auto r = render_collector_config(topo, *c1, "/run/flowlab/janog36-bmp/c1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  testing::expect_golden("janog36-bmp.c1.flowcollector.yaml", r->config);
  auto parsed = flowlab::collector::parse_config(r->config, "janog36-bmp.c1.flowcollector.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(parsed->bmp.enabled);
  ASSERT_EQ(parsed->bmp.listen.size(), 1U);
  EXPECT_EQ(parsed->bmp.listen[0].port, 1790);
  EXPECT_EQ(parsed->enrich.source, flowlab::collector::ViewSource::kBmp);
  EXPECT_TRUE(parsed->bgp.peers.empty());
  const auto* r1 = topo.find_node("r1");
  const std::string line = "bgp_ip=" + r1->mgmt4.address.to_string() + " ip=" + r1->mgmt4.address.to_string();
  EXPECT_NE(r->agent_map.find(line), std::string::npos) << r->agent_map;
}

// The asymmetric-peer-src topology (scenarios/asymmetric-peer-src.yaml), c2 with `peer_src_as: map`, plus a mirror
// probe on p1 so the SPAN port is covered too.
constexpr const char* kAsymmetric = R"(name: asym
defaults: {kind: bird}
nodes:
  r1: {asn: 64601, announce: [192.0.2.0/24]}
  r2: {asn: 64602, kind: frr}
  r3: {asn: 64603}
  r4: {asn: 64604, kind: frr, announce: [203.0.113.0/24]}
  r5: {asn: 64604}
  h1: {kind: host, gateway: r1}
  h4: {kind: host, gateway: r4}
  p1: {kind: host}
  c1: {kind: collector, bgp: [r4], peer_src_as: bgp}
  c2: {kind: collector, bgp: [r4], peer_src_as: map}
links:
  - endpoints: [r1:eth1, r2:eth1]
  - endpoints: [r1:eth2, r3:eth1]
  - endpoints: [r2:eth2, r4:eth1]
  - endpoints: [r3:eth2, r4:eth2]
  - endpoints: [h1:eth0, r1:eth3]
  - endpoints: [h4:eth0, r4:eth3]
  - endpoints: [r4:eth4, r5:eth1]
  - endpoints: [p1:eth0, r5:eth2]
probes:
  - {node: r4, interfaces: [eth1, eth2], export: c1, format: ipfix}
  - {node: r4, interfaces: [eth1, eth2, eth3, eth4], export: c2, format: ipfix, ifindex: {eth2: 42}}
  - {node: p1, mirror: r1:eth1, export: c2, format: v9}
)";

TEST(CollectorNode, PeerSrcAsMapFromTopologyAndIfindexes) {
  auto loaded = topology::load_topology_string(kAsymmetric, nodes::kinds(), "asym.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.error_text();
  const auto& topo = *loaded.topology;
  const auto* c1 = topo.find_node("c1");
  const auto* c2 = topo.find_node("c2");
  ASSERT_NE(c2, nullptr);

  // The config names the method, and the map file only with `map`.
  auto r1 = render_collector_config(topo, *c1, "/run/flowlab/asym/c1");
  auto r2 = render_collector_config(topo, *c2, "/run/flowlab/asym/c2");
  ASSERT_TRUE(r1.ok() && r2.ok());
  auto p1 = flowlab::collector::parse_config(r1->config, "c1.yaml");
  auto p2 = flowlab::collector::parse_config(r2->config, "c2.yaml");
  ASSERT_TRUE(p1.ok()) << p1.error().message;
  ASSERT_TRUE(p2.ok()) << p2.error().message;
  EXPECT_EQ(p1->enrich.peer_src_as, flowlab::collector::PeerSrcAsMethod::kBgp);
  EXPECT_TRUE(p1->enrich.peer_src_as_map.empty());
  EXPECT_EQ(p2->enrich.peer_src_as, flowlab::collector::PeerSrcAsMethod::kMap);
  EXPECT_EQ(p2->enrich.peer_src_as_map, "/run/flowlab/asym/c2/peer_src_as_map.txt");

  // Fake run-time ifindexes: 10 + the interface's digit (span0 -> 10); every lookup is recorded.
  std::set<std::string> asked;
  auto ifindex_of = [&](const topology::Node& n, const std::string& ifname) -> Result<std::uint32_t> {
    asked.insert(n.name + ":" + ifname);
    return static_cast<std::uint32_t>(10 + (ifname.back() - '0'));
  };
  auto map = render_peer_src_as_map(topo, *c2, ifindex_of);
  ASSERT_TRUE(map.ok()) << map.error().message;
  testing::expect_golden("asym.c2.peer_src_as_map.txt", *map);
  // eth2 has an override, eth3 and eth4 face no other AS (never looked up); the mirror probe's SPAN port is looked
  // up in p1.
  EXPECT_EQ(asked, (std::set<std::string>{"r4:eth1", "p1:span2"}));

  auto parsed = flowlab::collector::PeerSrcAsMap::parse(*map);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const IpAddress r4 = topo.find_node("r4")->mgmt4.address;
  const IpAddress pn = topo.find_node("p1")->mgmt4.address;
  struct Case {
    IpAddress exporter;
    std::uint32_t ifindex;
    std::optional<std::uint32_t> asn;
  };
  for (const Case& c : std::vector<Case>{
           {r4, 11, 64602},         // r4:eth1 faces r2
           {r4, 42, 64603},         // r4:eth2 faces r3, ifindex overridden
           {r4, 12, std::nullopt},  // the kernel's eth2 number is not in the map
           {r4, 13, std::nullopt},  // r4:eth3 faces a host
           {r4, 14, std::nullopt},  // r4:eth4 faces r5, same AS
           {pn, 12, 64602},         // p1's span2 mirrors r1:eth1, which faces r2
           {pn, 11, std::nullopt},
       }) {
    SCOPED_TRACE(c.exporter.to_string() + " in=" + std::to_string(c.ifindex));
    EXPECT_EQ(parsed->lookup(c.exporter, c.ifindex), c.asn);
  }

  // A failed lookup names the collector, the interface and the cause.
  auto failing = render_peer_src_as_map(topo, *c2, [](const topology::Node&, const std::string& ifname) {
    return Result<std::uint32_t>(fail(ErrorKind::kNetlink, "no such device " + ifname));
  });
  ASSERT_FALSE(failing.ok());
  EXPECT_EQ(failing.error().message, "peer_src_as map of c2: ifindex of r4:eth1: no such device eth1");
}

TEST(CollectorNode, AgentMapOverrideSendsAnExporterToAnotherView) {
  // janog36 with c1's records of the probe on r1 sent to r2's view (r2 does not peer with c1).
  auto base =
      topology::load_topology_file(std::string(FLOWLAB_SOURCE_DIR) + "/topologies/janog36.yaml", nodes::kinds());
  ASSERT_TRUE(base.ok()) << base.error_text();
  auto topo = *base.topology;
  for (auto& n : topo.nodes) {
    if (n.name == "c1") {
      n.agent_map = {{"r1", "r2"}};
    }
  }
  auto r = render_collector_config(topo, *topo.find_node("c1"), "/run/flowlab/janog36/c1");
  ASSERT_TRUE(r.ok()) << r.error().message;
  // r2 has no session with c1: named by its mgmt0 address, with a comment saying its view is empty.
  const std::string line = "bgp_ip=" + topo.find_node("r2")->mgmt4.address.to_string() +
                           " ip=" + topo.find_node("r1")->mgmt4.address.to_string();
  EXPECT_NE(r->agent_map.find(line), std::string::npos) << r->agent_map;
  EXPECT_NE(r->agent_map.find("! agent_map: r1 -> r2 (topology override)"), std::string::npos) << r->agent_map;
  EXPECT_NE(r->agent_map.find("r2 has no session with c1: its view is empty"), std::string::npos) << r->agent_map;
  EXPECT_TRUE(flowlab::collector::AgentMap::parse(r->agent_map).ok());
}

TEST(CollectorNode, ParsesTableDumpLines) {
  const auto peer = *IpAddress::parse("198.19.0.1");
  auto e = parse_dump_line(
      R"({"seq":0,"peer_ip_src":"198.19.0.1","event_type":"dump","afi":1,"safi":1,"ip_prefix":"203.0.113.0/24",)"
      R"("bgp_nexthop":"198.18.0.7","as_path":"65530 {65533,65534}","comms":"65530:1 65530:2","origin":"i",)"
      R"("local_pref":100,"med":5})",
      peer);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->prefix.to_string(), "203.0.113.0/24");
  EXPECT_EQ(e->next_hop->to_string(), "198.18.0.7");
  EXPECT_EQ(e->as_path, (std::vector<std::uint32_t>{65530, 65533, 65534}));
  EXPECT_EQ(e->communities.size(), 2U);
  EXPECT_EQ(e->local_pref, 100U);
  EXPECT_EQ(e->med, 5U);
  EXPECT_EQ(e->origin, "IGP");
  EXPECT_EQ(e->from, peer);
  EXPECT_FALSE(parse_dump_line("{not json", peer).ok());
  EXPECT_FALSE(parse_dump_line(R"({"ip_prefix":"nope"})", peer).ok());
}

}  // namespace
}  // namespace flowlab::nodes::collector
