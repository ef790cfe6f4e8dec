// Top talkers and rates from a collector table (labctl/ui/talkers.hpp), without a lab.
#include "labctl/ui/talkers.hpp"
#include "model/loader.hpp"
#include "nodes/core/driver.hpp"

#include <gtest/gtest.h>

namespace flowlab::ui {
namespace {

using nlohmann::json;

// Two rows as c1 reports them in janog36: outbound h1 -> h3 and inbound h3 -> h1, both metered on r1:eth3 (ifindex 4).
json table(std::uint64_t out_bytes, std::uint64_t in_bytes) {
  const json primitives = {"peer_src_ip", "src_as",  "dst_as",   "peer_src_as", "peer_dst_as",
                           "src_net",     "dst_net", "in_iface", "out_iface"};
  json rows = json::array();
  rows.push_back({{"values", {"192.0.2.1", 0, 65533, 0, 65530, "192.0.2.64/26", "203.0.113.0/24", 2, 4}},
                  {"bytes", out_bytes},
                  {"packets", out_bytes / 100},
                  {"flows", 1}});
  rows.push_back({{"values", {"192.0.2.1", 65533, 0, 65530, 0, "203.0.113.0/24", "192.0.2.64/26", 4, 2}},
                  {"bytes", in_bytes},
                  {"packets", in_bytes / 100},
                  {"flows", 2}});
  return {{"primitives", primitives}, {"rows", rows}};
}

RowLabels labels(const topology::Topology& topo) {
  RowLabels l = row_labels(topo);
  l.ifnames["r1"] = {{2, "eth1"}, {4, "eth3"}};
  return l;
}

topology::Topology janog36() {
  auto loaded =
      topology::load_topology_file(std::string(FLOWLAB_SOURCE_DIR) + "/topologies/janog36.yaml", nodes::kinds());
  EXPECT_TRUE(loaded.topology.has_value());
  return std::move(*loaded.topology);
}

const Talker& find(const Talkers& t, const std::string& group, const std::string& key) {
  for (const auto& row : t.groups.at(group)) {
    if (row.key == key) {
      return row;
    }
  }
  ADD_FAILURE() << group << " has no " << key;
  static const Talker kNone;
  return kNone;
}

TEST(Talkers, GroupsByFarSideAndInterface) {
  const auto topo = janog36();
  const auto t = group_talkers(table(10000, 3000), labels(topo), nullptr, 0);
  EXPECT_EQ(t.total.bytes, 13000U);
  EXPECT_EQ(t.total.flows, 3U);
  EXPECT_EQ(find(t, "as", "AS 65533").counts.bytes, 13000U);  // the far side: dst outbound, src inbound
  EXPECT_EQ(find(t, "peer_as", "AS 65530").counts.packets, 130U);
  EXPECT_EQ(find(t, "prefix", "203.0.113.0/24").counts.flows, 3U);
  EXPECT_EQ(find(t, "interface", "r1:eth3 out").counts.bytes, 10000U);
  EXPECT_EQ(find(t, "interface", "r1:eth3 in").counts.bytes, 3000U);
  EXPECT_EQ(t.facts[0].direction, report::TrafficDirection::kOutbound);
  EXPECT_EQ(t.facts[1].direction, report::TrafficDirection::kInbound);
  EXPECT_EQ(t.bytes_per_second, 0);  // no previous table, no rate
}

TEST(Talkers, RatesAreBytesPerSecondBetweenTwoTables) {
  const auto topo = janog36();
  const auto first = group_talkers(table(10000, 3000), labels(topo), nullptr, 0);
  const auto second = group_talkers(table(30000, 3000), labels(topo), &first, 2.0);
  EXPECT_DOUBLE_EQ(second.bytes_per_second, 10000.0);
  EXPECT_DOUBLE_EQ(find(second, "interface", "r1:eth3 out").bytes_per_second, 10000.0);
  EXPECT_DOUBLE_EQ(find(second, "interface", "r1:eth3 in").bytes_per_second, 0.0);
  const auto cleared = group_talkers(table(0, 0), labels(topo), &second, 2.0);  // flows --clear: no negative rate
  EXPECT_DOUBLE_EQ(cleared.bytes_per_second, 0.0);
}

TEST(Talkers, SankeyCarriesPacketsAndFlows) {
  const auto topo = janog36();
  const auto svg = talkers_sankey_svg(group_talkers(table(10000, 3000), labels(topo), nullptr, 0));
  EXPECT_NE(svg.find("class=\"band outbound\""), std::string::npos);
  EXPECT_NE(svg.find("data-bytes=\"10000\" data-packets=\"100\" data-flows=\"1\""), std::string::npos);
  const auto j = to_json(group_talkers(table(10000, 3000), labels(topo), nullptr, 0), 1);
  EXPECT_EQ(j["groups"]["interface"].size(), 1U);  // top 1
  EXPECT_EQ(j["total"]["bytes"], 13000U);
}

// The AS analysis tables (seed 002): janog36 gives r1:eth3 the role transit; r1:eth1 (towards r2) has none.
const json& row_of(const json& rows, const std::string& key) {
  for (const auto& r : rows) {
    if (r["key"] == key) {
      return r;
    }
  }
  ADD_FAILURE() << "no row " << key << " in " << rows.dump();
  static const json kNone = json::object();
  return kNone;
}

TEST(AsTables, ByAsAndRoleAtTheEdgeInterface) {
  const auto topo = janog36();
  const json t = as_tables(table(10000, 3000), labels(topo));
  EXPECT_EQ(t["roles"], json({"transit"}));
  const json& as = row_of(t["by_as"], "AS 65533");
  EXPECT_EQ(as["total"], 13000);
  EXPECT_EQ(as["roles"]["transit"], 13000);  // outbound left by eth3, inbound entered by eth3
  ASSERT_EQ(t["interfaces"].size(), 1U);
  const json& eth3 = t["interfaces"][0];
  EXPECT_EQ(eth3["key"], "r1:eth3");
  EXPECT_EQ(eth3["role"], "transit");
  EXPECT_EQ(row_of(eth3["as"], "AS 65533")["bytes"], 13000);
  EXPECT_EQ(row_of(eth3["origin"], "AS 65533")["bytes"], 3000);           // inbound: sent from AS 65533
  EXPECT_EQ(row_of(eth3["origin"], "AS 64500 (local)")["bytes"], 10000);  // outbound: sent from inside
}

TEST(AsTables, InterfaceWithoutRoleIsUnclassified) {
  const auto topo = janog36();
  json t = table(10000, 3000);
  t["rows"][1]["values"][7] = 2;  // the inbound row entered by eth1 instead
  const json tables = as_tables(t, labels(topo));
  EXPECT_EQ(tables["roles"], json({"transit", "unclassified"}));
  const json& as = row_of(tables["by_as"], "AS 65533");
  EXPECT_EQ(as["roles"]["transit"], 10000);
  EXPECT_EQ(as["roles"]["unclassified"], 3000);
  EXPECT_EQ(row_of(tables["interfaces"], "r1:eth1")["role"], "unclassified");
  EXPECT_EQ(tables["interfaces"][0]["key"], "r1:eth3");  // the busiest first
}

TEST(AsTables, RowLabelsCarryTheTopologysRoles) {
  const auto l = row_labels(janog36());
  EXPECT_EQ(l.roles.at("r1").at("eth3"), "transit");
  EXPECT_FALSE(l.roles.at("r1").contains("eth1"));
  EXPECT_FALSE(l.roles.contains("r2"));
}

}  // namespace
}  // namespace flowlab::ui
