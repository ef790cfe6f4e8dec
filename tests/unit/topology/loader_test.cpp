// Valid topologies, reporting everything at once, file handling, and the small helpers of the loader.
#include "model/loader.hpp"
#include "common/yaml_diagnostics.hpp"
#include "model/duration.hpp"
#include "model/kinds.hpp"
#include "nodes/core/driver.hpp"

#include <gtest/gtest.h>

#include <array>

#include <string>

namespace flowlab::topology {
namespace {

struct ValidCase {
  const char* name;
  const char* yaml;
};

class ValidTopology : public testing::TestWithParam<ValidCase> {};

TEST_P(ValidTopology, LoadsWithoutDiagnostics) {
  auto result = load_topology_string(GetParam().yaml, nodes::kinds(), "v.yaml");
  EXPECT_TRUE(result.ok()) << result.error_text();
  EXPECT_TRUE(result.diagnostics.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValidTopology,
    testing::Values(
        ValidCase{"single_router", "name: a\nnodes: {r1: {asn: 1}}\n"},
        ValidCase{"empty_sections",
                  "name: a\nnodes: {r1: {asn: 1}}\nlinks:\n#  - endpoints: [r1:e1, r2:e1]\n"
                  "probes:\nbgp:\n  policies:\ndefaults:\nmgmt:\n"},
        ValidCase{"empty_node_values",
                  "name: a\ndefaults: {kind: host}\nnodes:\n  h1:\n  h2: {}\n"
                  "links:\n  - endpoints: [h1:eth0, h2:eth0]\n"},
        ValidCase{"four_byte_asn_and_max_lengths",
                  "name: abcdefghijklmnop\nnodes:\n  abcdefghijkl: {asn: 4294967295}\n  r2: {asn: 65535}\n"
                  "links:\n  - endpoints: [abcdefghijkl:abcdefghijklmno, r2:eth1]\n"},
        ValidCase{"explicit_everything",
                  "name: a\ndefaults: {kind: frr, ipv6: true}\nmgmt: {ipv4: 10.0.0.0/24, ipv6: \"fd00::/64\"}\n"
                  "nodes:\n  r1: {asn: 1, loopback: 10.1.0.1, loopback6: \"fd01::1\", router_id: 1.1.1.1, igp: ospf}\n"
                  "  r2: {asn: 1, igp: ospf}\nlinks:\n  - endpoints: [r1:eth1, r2:eth1]\n    ipv4: 10.2.0.0/30\n"
                  "    ipv6: \"fd02::/64\"\n    mtu: 9000\n    cost: 5\n"},
        ValidCase{"policies_all_keys",
                  "name: a\nnodes: {r1: {asn: 1}, r2: {asn: 2}}\nlinks: [{endpoints: [r1:e1, r2:e1]}]\n"
                  "bgp:\n  policies:\n"
                  "    - {node: r1, neighbor: r2, direction: import, local_pref: 0, med: 7, communities: [\"0:0\"],\n"
                  "       large_communities: [\"4294967295:0:1\"], deny: [\"2001:db8::/32\", 10.0.0.0/8]}\n"
                  "    - {node: r2, neighbor: r1, direction: export, prepend: 32, med: 4294967295}\n"},
        ValidCase{"probe_defaults_and_sflow",
                  "name: a\nnodes:\n  r1: {asn: 1}\n  r2: {asn: 2}\n  c1: {kind: collector}\n"
                  "links: [{endpoints: [r1:e1, r2:e1]}]\n"
                  "probes:\n  - {node: r1, interfaces: [e1], export: c1, format: sflow, sampling: 1000,\n"
                  "     active_timeout: 1h, inactive_timeout: 1000ms}\n  - {node: r1, mirror: r2:e1, export: c1}\n"},
        ValidCase{"collector_policy_neighbour",
                  "name: a\nnodes:\n  r1: {asn: 1}\n  c1: {kind: collector, bgp: [r1]}\n"
                  "bgp: {policies: [{node: r1, neighbor: c1, direction: export, communities: [\"1:1\"]}]}\n"}),
    [](const testing::TestParamInfo<ValidCase>& param_info) { return std::string(param_info.param.name); });

TEST(LoadTopology, ReportsAllErrorsAtOnceInFileOrder) {
  const char* yaml =
      "name: Bad_Name\n"                                                // 1
      "nodes:\n"                                                        // 2
      "  r1: {asn: 0, anounce: [192.0.2.0/24]}\n"                       // 3
      "  r2: {asn: 64500, kind: quagga}\n"                              // 4
      "  h1: {kind: host, gateway: r2}\n"                               // 5
      "links:\n"                                                        // 6
      "  - endpoints: [r1:eth1, r9:eth1]\n"                             // 7
      "    ipv4: 10.0.0.1/30\n"                                         // 8
      "probes:\n"                                                       // 9
      "  - {node: r1, interfaces: [eth1], export: r1, sampling: 0}\n";  // 10
  auto result = load_topology_string(yaml, nodes::kinds(), "all.yaml");
  ASSERT_FALSE(result.ok());
  std::vector<std::string> actual;
  for (const auto& d : result.diagnostics) {
    actual.push_back(d.to_string());
  }
  const std::string bad_name =
      "all.yaml:1:7: error: name: lab name 'Bad_Name' must match ^[a-z][a-z0-9-]{0,15}$ (a lowercase letter, then "
      "lowercase letters, digits or '-')";
  const std::vector<std::string> expected{
      bad_name,
      "all.yaml:3:13: error: nodes.r1.asn: 0 is out of range (expected 1..4294967295)",
      "all.yaml:3:16: error: unknown key 'anounce' in nodes.r1 (did you mean 'announce'?)",
      "all.yaml:4:26: error: nodes.r2.kind: unknown kind 'quagga' (known kinds: bird, frr, host, collector, tee, "
      "nfacctd, sfacctd, nfcapd, sfcapd, clickhouse)",
      "all.yaml:7:26: error: links[0].endpoints[1]: unknown node 'r9' (did you mean 'r1'?)",
      "all.yaml:8:11: error: links[0].ipv4: '10.0.0.1/30' has host bits set (did you mean 10.0.0.0/30?)",
      "all.yaml:10:44: error: probes[0].export: 'r1' is a router, not a collector or tee",
      "all.yaml:10:58: error: probes[0].sampling: 0 is out of range (expected 1..4294967295)",
  };
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(result.error_text().find("all.yaml:1:7: error: "), 0U);
}

TEST(LoadTopology, GatewayOfUnknownKindIsNotJudged) {
  // r2's kind is unknown, so the host's gateway check does not pile a second error onto r2.
  auto result = load_topology_string(
      "name: a\nnodes:\n  r2: {kind: junos}\n  h1: {kind: host, gateway: r2}\n"
      "links: [{endpoints: [h1:e0, r2:e0]}]\n",
      nodes::kinds(), "k.yaml");
  ASSERT_EQ(result.diagnostics.size(), 1U) << result.error_text();
  EXPECT_EQ(result.diagnostics[0].message,
            "nodes.r2.kind: unknown kind 'junos' (known kinds: bird, frr, host, collector, tee, nfacctd, sfacctd, "
            "nfcapd, sfcapd, clickhouse)");
}

// The lab's copy of its topology names the kinds a run chose: loaded again, it gives the run's kinds.
TEST(LoadTopology, TheCopyWithARunsKindsLoadsWithThem) {
  const std::string yaml = R"(name: k
defaults: {kind: bird}
nodes:
  r1: {asn: 64500}
  h1: {kind: host, gateway: r1}
  c1: {kind: collector, bgp: [r1], listen: {netflow: 2100}}
probes:
  - {node: r1, interfaces: [eth1], export: c1, format: ipfix}
links:
  - endpoints: [r1:eth1, h1:eth0]
)";
  const KindChoice choice{"nfacctd", "softflowd"};
  auto copy = topology_text_with_kinds(yaml, nodes::kinds(), choice);
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  auto loaded = load_topology_string(*copy, nodes::kinds(), "copy.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.error_text() << *copy;
  EXPECT_EQ(loaded.topology->find_node("c1")->kind, "nfacctd");
  EXPECT_EQ(loaded.topology->find_node("r1")->kind, "bird");  // routers keep theirs
  EXPECT_EQ(loaded.topology->probes[0].kind, "softflowd");
  // Without a choice the copy names the file's kinds; a scenario's inline topology is copied alone.
  auto inline_copy = topology_text_with_kinds("topology:\n  name: k\n", nodes::kinds(), {});
  ASSERT_TRUE(inline_copy.ok());
  EXPECT_EQ(*inline_copy, "name: k\n");
  EXPECT_FALSE(topology_text_with_kinds("- a list", nodes::kinds(), choice).ok());
}

TEST(LoadTopology, MissingFileIsADiagnostic) {
  auto result = load_topology_file("/nonexistent/flowlab/topo.yaml", nodes::kinds());
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1U);
  EXPECT_EQ(result.diagnostics[0].to_string(),
            "/nonexistent/flowlab/topo.yaml:0:0: error: cannot open the topology file");
}

TEST(LoadTopology, FileNameAppearsInDiagnosticsAndModel) {
  auto result = load_topology_file(std::string(FLOWLAB_SOURCE_DIR) + "/topologies/chain3.yaml", nodes::kinds());
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.topology->source_file, std::string(FLOWLAB_SOURCE_DIR) + "/topologies/chain3.yaml");
  EXPECT_EQ(result.topology->name, "chain3");
}

TEST(LoadTopology, NodesKeepTheirMarks) {
  auto result = load_topology_string(
      "name: a\nnodes:\n  r1: {asn: 1}\n  r2: {asn: 2}\n"
      "links:\n  - endpoints: [r1:eth1, r2:eth1]\n"
      "bgp:\n  policies:\n    - {node: r1, neighbor: r2, direction: import}\n",
      nodes::kinds());
  ASSERT_TRUE(result.ok()) << result.error_text();
  const Topology& t = *result.topology;
  EXPECT_EQ(t.nodes[1].mark.line, 4);
  EXPECT_EQ(t.nodes[1].mark.column, 3);
  EXPECT_EQ(t.links[0].mark.line, 6);
  EXPECT_EQ(t.links[0].b.mark.column, 26);
  EXPECT_EQ(t.nodes[1].interfaces[0].mark.line, 6);
  EXPECT_EQ(t.policies[0].mark.line, 9);
}

TEST(LoadTopology, TooManyRoutersForTheLoopbackPool) {
  std::string yaml = "name: big\nmgmt: {ipv4: 10.0.0.0/16}\nnodes:\n";
  for (int i = 0; i < 4096; ++i) {
    yaml += "  r" + std::to_string(i) + ": {asn: 1}\n";
  }
  auto result = load_topology_string(yaml, nodes::kinds(), "big.yaml");
  ASSERT_EQ(result.diagnostics.size(), 1U) << result.error_text();
  EXPECT_EQ(result.diagnostics[0].to_string(),
            "big.yaml:4:3: error: nodes: too many routers for the IPv4 loopback pool 198.19.0.0/20 (4096 routers need "
            "one; give some an explicit 'loopback')");
}

TEST(LoadTopology, FinishTopologyBuiltInCode) {
  Topology t;
  t.name = "code";
  for (const char* n : {"r1", "r2"}) {
    Node node;
    node.name = n;
    node.kind = "bird";
    node.asn = n[1] == '1' ? 64501 : 64502;
    t.nodes.push_back(node);
  }
  Link l;
  l.a = Endpoint{"r1", "eth1", {}};
  l.b = Endpoint{"r2", "eth1", {}};
  t.links.push_back(l);
  auto result = finish_topology(t, nodes::kinds());
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.topology->sessions.size(), 2U);
  EXPECT_EQ(result.topology->nodes[0].namespace_name, "fl-code-r1");

  t.links[0].b.node = "r3";
  auto bad = finish_topology(t, nodes::kinds());
  ASSERT_EQ(bad.diagnostics.size(), 1U);
  EXPECT_EQ(bad.diagnostics[0].to_string(),
            "<topology>:0:0: error: links[0].endpoints[1]: unknown node 'r3' (did you mean 'r1'?)");
}

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(parse_duration_ms("10s"), 10000U);
  EXPECT_EQ(parse_duration_ms("2m"), 120000U);
  EXPECT_EQ(parse_duration_ms("500ms"), 500U);
  EXPECT_EQ(parse_duration_ms("1h"), 3600000U);
  for (const char* bad : {"", "10", "s", "-1s", "1.5s", "10 s", "10S", "1d", "9999999999999s"}) {
    EXPECT_FALSE(parse_duration_ms(bad).has_value()) << bad;
  }
}

TEST(Kinds, TheDriversTableMapsKindsToRoles) {
  const auto kinds = nodes::kinds();
  EXPECT_EQ(role_of_kind(kinds, "bird"), Role::kRouter);
  EXPECT_EQ(role_of_kind(kinds, "frr"), Role::kRouter);
  EXPECT_EQ(role_of_kind(kinds, "host"), Role::kHost);
  EXPECT_EQ(role_of_kind(kinds, "collector"), Role::kCollector);
  EXPECT_EQ(role_of_kind(kinds, "tee"), Role::kTee);
  EXPECT_EQ(role_of_kind(kinds, "nfacctd"), Role::kCollector);
  EXPECT_EQ(role_of_kind(kinds, "sfcapd"), Role::kCollector);
  EXPECT_EQ(role_of_kind(kinds, "clickhouse"), Role::kStore);
  EXPECT_FALSE(role_of_kind(kinds, "quagga").has_value());
  EXPECT_EQ(kind_list(kinds), "bird, frr, host, collector, tee, nfacctd, sfacctd, nfcapd, sfcapd, clickhouse");
  for (const auto& k : kinds.nodes) {
    EXPECT_NE(nodes::find_driver(k.name), nullptr) << k.name;
  }
}

// The loader knows kinds only through the table it is handed: a table without the default kind rejects a node
// that names none, and a kind the table lists is accepted with its role.
TEST(Kinds, TheLoaderUsesTheTableItIsHanded) {
  constexpr std::array kHostKinds{KindInfo{"host", Role::kHost}, KindInfo{"box", Role::kHost}};
  const KindTable kOnlyHosts{kHostKinds, {}};
  auto result = load_topology_string("name: k\nnodes:\n  a: {}\n  b: {kind: box}\n", kOnlyHosts, "k.yaml");
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1U) << result.error_text();
  EXPECT_NE(result.diagnostics[0].to_string().find("k.yaml:3:3: error: nodes.a: no kind given and the default kind "
                                                   "'bird' is unknown (known kinds: host, box)"),
            std::string::npos)
      << result.error_text();
  auto boxes = load_topology_string("name: k\ndefaults: {kind: box}\nnodes:\n  a: {}\n", kOnlyHosts, "k.yaml");
  ASSERT_TRUE(boxes.ok()) << boxes.error_text();
  EXPECT_EQ(boxes.topology->nodes[0].kind, "box");
  EXPECT_EQ(boxes.topology->nodes[0].role, Role::kHost);
}

}  // namespace
}  // namespace flowlab::topology
