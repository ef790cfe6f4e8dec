// The clickhouse store kind's rendering (issue 18): the server listens on the node's mgmt0 addresses only and keeps
// everything under the node dir; a collector with `store:` points outputs.clickhouse at that address.
#include "model/loader.hpp"
#include "nodes/clickhouse/clickhouse_config.hpp"
#include "nodes/collector/collector_config.hpp"
#include "nodes/core/driver.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace flowlab::nodes {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

topology::Topology store_lab(bool ipv6) {
  auto loaded = topology::load_topology_string(std::string("name: chlab\n") + (ipv6 ? "defaults: {ipv6: true}\n" : "") +
                                                   "nodes:\n  r1: {kind: bird, asn: 64500}\n"
                                                   "  c1: {kind: collector, bgp: [r1], store: ch1}\n"
                                                   "  ch1: {kind: clickhouse}\n",
                                               kinds(), "ch.yaml");
  EXPECT_TRUE(loaded.ok()) << loaded.error_text();
  return loaded.topology.value_or(topology::Topology{});
}

TEST(ClickHouseKind, ListensOnItsManagementAddressesOnlyWithEverythingInTheNodeDir) {
  for (const bool ipv6 : {false, true}) {
    const auto topo = store_lab(ipv6);
    const topology::Node* ch1 = topo.find_node("ch1");
    ASSERT_NE(ch1, nullptr);
    EXPECT_EQ(ch1->role, topology::Role::kStore);
    const fs::path dir = fs::temp_directory_path() / ("clickhouse_test_" + std::to_string(ipv6));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const NodeDriver* driver = find_driver("clickhouse");
    ASSERT_NE(driver, nullptr);
    ASSERT_TRUE(driver->render(NodeContext{&topo, ch1, dir}).ok());
    const std::string config = read_text(dir / clickhouse::kConfigFile);
    std::string listen = "<listen_host>" + ch1->mgmt4.address.to_string() + "</listen_host>\n";
    if (ch1->mgmt6) {  // the management network is dual-stack whatever the lab's data plane
      listen += "  <listen_host>" + ch1->mgmt6->address.to_string() + "</listen_host>\n";
    }
    EXPECT_NE(config.find(listen + "  <http_port>8123</http_port>\n  <tcp_port>9000</tcp_port>\n"), std::string::npos)
        << config;
    EXPECT_EQ(config.find("<listen_host>", config.find(listen) + listen.size()), std::string::npos) << config;
    EXPECT_NE(config.find("<path>" + dir.string() + "/data/</path>"), std::string::npos) << config;
    EXPECT_TRUE(fs::is_directory(dir / "data"));
    const std::string users = read_text(dir / clickhouse::kUsersFile);
    EXPECT_NE(users.find("<ip>" + topo.mgmt_subnet4.to_string() + "</ip><ip>127.0.0.1</ip>"), std::string::npos)
        << users;
    const auto programs = driver->programs(NodeContext{&topo, ch1, dir});
    ASSERT_EQ(programs.size(), 1U);
    EXPECT_EQ(programs[0].netns, ch1->namespace_name);
    EXPECT_EQ(programs[0].argv.back(), "--config-file=" + (dir / clickhouse::kConfigFile).string());
    fs::remove_all(dir);
  }
}

TEST(ClickHouseKind, CollectorWithStoreInsertsAtTheStoresAddress) {
  const auto topo = store_lab(false);
  const topology::Node* c1 = topo.find_node("c1");
  auto rendered = collector::render_collector_config(topo, *c1, "/run/x/chlab/c1");
  ASSERT_TRUE(rendered.ok()) << rendered.error().to_string();
  const std::string expected = "  clickhouse: {url: \"http://" + topo.find_node("ch1")->mgmt4.address.to_string() +
                               ":8123\", database: flowlab, table: flows}\n";
  EXPECT_NE(rendered->config.find(expected), std::string::npos) << rendered->config;
  // Without `store:` there is no clickhouse output.
  auto plain = topology::load_topology_string(
      "name: chlab\nnodes:\n  r1: {kind: bird, asn: 64500}\n  c1: {kind: collector, bgp: [r1]}\n", kinds(), "p.yaml");
  ASSERT_TRUE(plain.ok());
  auto none = collector::render_collector_config(*plain.topology, *plain.topology->find_node("c1"), "/run/x");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->config.find("clickhouse"), std::string::npos) << none->config;
}

}  // namespace
}  // namespace flowlab::nodes
