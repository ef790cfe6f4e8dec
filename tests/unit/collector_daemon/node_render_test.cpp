// The `collector` node kind renders flowcollector.yaml (+ agent map) from the topology: golden files, and the
// rendered config passes flowcollector's own config parser.
#include "labctl/topology/loader.hpp"
#include "nodes/collector/collector_config.hpp"
#include "nodes/collector/collector_driver.hpp"
#include "probes/collector/config.hpp"

#include "../nodes/fixture.hpp"
#include "../nodes/golden.hpp"

#include <gtest/gtest.h>

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
  auto loaded = topology::load_topology_file(std::string(FLOWLAB_SOURCE_DIR) + "/topologies/janog36.yaml");
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
