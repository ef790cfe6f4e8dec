// The `tee` node kind: rendering a tee-only flowcollector.yaml + receivers file from a topology and a TeeNodeSpec.
#include "model/feeds.hpp"
#include "nodes/core/driver.hpp"
#include "nodes/tee/tee_driver.hpp"
#include "platform/process/locate.hpp"
#include "probes/collector/tee.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace flowlab::nodes::tee {
namespace {

topology::Node node(const std::string& name, const std::string& kind, const char* mgmt, std::uint16_t netflow,
                    std::uint16_t sflow) {
  topology::Node n;
  n.name = name;
  n.kind = kind;
  n.mgmt4 = *Prefix::parse_interface(mgmt);
  n.listen.netflow = netflow;
  n.listen.sflow = sflow;
  n.namespace_name = "fl-lab-" + name;
  return n;
}

topology::Topology lab() {
  topology::Topology t;
  t.name = "lab";
  t.nodes.push_back(node("t1", "tee", "198.19.128.10/24", 2100, 0));
  t.nodes.push_back(node("c1", "collector", "198.19.128.11/24", 2100, 6343));
  t.nodes.push_back(node("c2", "collector", "198.19.128.12/24", 9995, 0));
  t.nodes.push_back(node("c3", "collector", "198.19.128.13/24", 0, 6343));
  return t;
}

TEST(TeeNode, RendersTeeOnlyConfigAndReceivers) {
  auto t = lab();
  TeeNodeSpec spec;
  spec.port = 2100;
  spec.transparent = true;
  spec.receivers = {{"c1", std::nullopt, 0}, {"c2", std::nullopt, 0}, {"", IpAddress::parse("192.0.2.50"), 9996}};
  auto files = render_tee(t, t.nodes[0], spec, "/run/flowlab/lab/t1");
  ASSERT_TRUE(files.ok()) << files.error().to_string();
  EXPECT_EQ(files->config,
            "# flowcollector.yaml for tee node 't1' (rendered by flowlab): tee only — no BGP, no aggregates.\n"
            "log: {level: info}\n"
            "listen:\n"
            "  - {proto: netflow, address: 0.0.0.0, port: 2100}\n"
            "socket_buffer: 64MiB\n"
            "outputs:\n"
            "  socket: \"/run/flowlab/lab/t1/collector.sock\"\n"
            "tee:\n"
            "  - {name: t1, receivers: \"/run/flowlab/lab/t1/tee_receivers.lst\", balance: all, transparent: true}\n");
  EXPECT_EQ(files->receivers,
            "! tee_receivers for tee node 't1' (rendered by flowlab; pmacct syntax)\n"
            "id=1 ip=198.19.128.11:2100\n"
            "id=2 ip=198.19.128.12:9995\n"
            "id=3 ip=192.0.2.50:9996\n");
  auto pools = collector::parse_tee_receivers(files->receivers, "rendered");
  ASSERT_TRUE(pools.ok()) << pools.error().to_string();
  EXPECT_EQ(pools->size(), 3U);
}

TEST(TeeNode, BalancedReceiversShareOnePool) {
  auto t = lab();
  TeeNodeSpec spec;
  spec.proto = TeeProto::kSflow;
  spec.port = 6343;
  spec.balance = collector::TeeBalance::kHashAgent;
  spec.receivers = {{"c1", std::nullopt, 0}, {"c3", std::nullopt, 0}};
  auto files = render_tee(t, t.nodes[0], spec, "/d");
  ASSERT_TRUE(files.ok()) << files.error().to_string();
  EXPECT_NE(files->config.find("  - {proto: sflow, address: 0.0.0.0, port: 6343}\n"), std::string::npos);
  EXPECT_NE(files->config.find("balance: hash-agent, transparent: false}"), std::string::npos);
  EXPECT_EQ(files->receivers.substr(files->receivers.find('\n') + 1),
            "id=1 ip=198.19.128.11:6343,198.19.128.13:6343 balance-alg=hash-agent\n");
}

TEST(TeeNode, ErrorsNameTheReceiver) {
  auto t = lab();
  struct Case {
    std::vector<TeeReceiverSpec> receivers;
    std::uint16_t port;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{}, 2100, "tee node 't1': no receivers (set nodes.t1.receivers; see docs/tee.md)"},
      {{{"c1", std::nullopt, 0}}, 0, "tee node 't1': no listen port (listen: {netflow: PORT} or {sflow: PORT})"},
      {{{"zz", std::nullopt, 0}, {"t1", std::nullopt, 0}, {"c3", std::nullopt, 0}},
       2100,
       "tee node 't1': receiver 'zz' is not a node of the topology\n"
       "tee node 't1': receiver 't1' is the tee itself (a loop)\n"
       "tee node 't1': receiver 'c3' listens on no netflow port"},
      {{{"c1", std::nullopt, 0}, {"", IpAddress::parse("198.19.128.11"), 2100}},
       2100,
       "tee node 't1': receiver 198.19.128.11:2100 listed twice"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.error);
    TeeNodeSpec spec;
    spec.port = c.port;
    spec.receivers = c.receivers;
    auto files = render_tee(t, t.nodes[0], spec, "/d");
    ASSERT_FALSE(files.ok());
    EXPECT_EQ(files.error().message, c.error);
  }
}

TEST(TeeNode, DriverWritesFilesAndStartsFlowcollector) {
  auto t = lab();
  auto dir = std::filesystem::temp_directory_path() / ("tee_node_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  NodeContext ctx{&t, &t.nodes[0], dir};

  // The registered driver reads the node's keys: this t1 has a listen port but no receivers.
  const NodeDriver* registered = find_driver("tee");
  ASSERT_NE(registered, nullptr);
  auto status = registered->render(ctx);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("no receivers"), std::string::npos);

  TeeDriver driver([](const topology::Topology& topo, const topology::Node& n) -> Result<TeeNodeSpec> {
    auto spec = tee_spec_from_topology(topo, n);
    FLOWLAB_TRY(spec);
    spec->receivers = {{"c1", std::nullopt, 0}};
    return spec;
  });
  ASSERT_TRUE(driver.render(ctx).ok());
  std::stringstream config;
  config << std::ifstream(dir / kConfigFile).rdbuf();
  EXPECT_NE(config.str().find("port: 2100}"), std::string::npos);
  std::stringstream receivers;
  receivers << std::ifstream(dir / kReceiversFile).rdbuf();
  EXPECT_NE(receivers.str().find("id=1 ip=198.19.128.11:2100\n"), std::string::npos);

  ::unsetenv(kBinaryEnv);
  auto programs = driver.programs(ctx);
  ASSERT_EQ(programs.size(), 1U);
  EXPECT_EQ(programs[0].argv,
            (std::vector<std::string>{process::locate_program("flowcollector"), "-c", (dir / kConfigFile).string()}));
  EXPECT_EQ(programs[0].netns, "fl-lab-t1");
  ::setenv(kBinaryEnv, "/opt/flowlab/bin/flowcollector", 1);
  EXPECT_EQ(driver.programs(ctx)[0].argv[0], "/opt/flowlab/bin/flowcollector");
  ::unsetenv(kBinaryEnv);

  auto ready = driver.ready(ctx);  // nothing listens on the query socket
  ASSERT_TRUE(ready.ok());
  EXPECT_FALSE(*ready);
  std::filesystem::remove_all(dir);
}

// The topology keys (receivers, balance, transparent) reach the rendered files through the registered driver.
TEST(TeeNode, RegisteredDriverRendersTheTopologyKeys) {
  struct Case {
    topology::TeeBalance balance;
    bool transparent;
    std::string receivers_line;
    std::string tee_line;
  };
  const std::vector<Case> cases = {
      {topology::TeeBalance::kAll, true, "id=1 ip=198.19.128.11:2100\nid=2 ip=198.19.128.12:9995\n",
       "balance: all, transparent: true}"},
      {topology::TeeBalance::kHash, false, "id=1 ip=198.19.128.11:2100,198.19.128.12:9995 balance-alg=hash-agent\n",
       "balance: hash-agent, transparent: false}"},
  };
  for (const auto& c : cases) {
    auto t = lab();
    t.nodes[0].receivers = {"c1", "c2"};
    t.nodes[0].balance = c.balance;
    t.nodes[0].transparent = c.transparent;
    auto spec = tee_spec_from_topology(t, t.nodes[0]);
    ASSERT_TRUE(spec.ok());
    auto files = render_tee(t, t.nodes[0], *spec, "/d");
    ASSERT_TRUE(files.ok()) << files.error().to_string();
    EXPECT_NE(files->receivers.find(c.receivers_line), std::string::npos) << files->receivers;
    EXPECT_NE(files->config.find(c.tee_line), std::string::npos) << files->config;
  }
}

// labctl predicts which receiver a hash tee picks (topology/feeds.hpp) with its own copy of flowcollector's hash:
// both must agree on every address, or the feeds (and the agent maps built from them) would be wrong.
TEST(TeeNode, TopologyHashAgreesWithTheTee) {
  for (std::uint32_t i = 0; i < 3000; ++i) {
    const auto v4 = IpAddress::v4({198, 19, static_cast<std::uint8_t>(i >> 8U), static_cast<std::uint8_t>(i)});
    std::array<std::uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8};
    b[14] = static_cast<std::uint8_t>(i >> 8U);
    b[15] = static_cast<std::uint8_t>(i);
    const auto v6 = IpAddress::v6(b);
    for (std::size_t n : {1U, 2U, 3U, 5U}) {
      ASSERT_EQ(topology::tee_hash_pick(v4, n), ::flowlab::collector::tee_hash_agent_pick(v4, n)) << v4.to_string();
      ASSERT_EQ(topology::tee_hash_pick(v6, n), ::flowlab::collector::tee_hash_agent_pick(v6, n)) << v6.to_string();
    }
    ASSERT_EQ(topology::tee_address_hash(v4), ::flowlab::collector::tee_agent_hash(v4));
  }
}

}  // namespace
}  // namespace flowlab::nodes::tee
