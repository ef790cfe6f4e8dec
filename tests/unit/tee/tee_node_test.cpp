// The `tee` node kind: rendering a tee-only flowcollector.yaml + receivers file from a topology and a TeeNodeSpec.
#include "nodes/core/driver.hpp"
#include "nodes/tee/tee_driver.hpp"
#include "probes/collector/tee.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

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
      {{}, 2100, "tee node 't1': no receivers (the topology has no tee receivers key yet; see docs/tee.md)"},
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

  // The registered driver reads today's model: listen port yes, receivers no.
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
  EXPECT_EQ(programs[0].argv, (std::vector<std::string>{"flowcollector", "-c", (dir / kConfigFile).string()}));
  EXPECT_EQ(programs[0].netns, "fl-lab-t1");
  ::setenv(kBinaryEnv, "/opt/flowlab/bin/flowcollector", 1);
  EXPECT_EQ(driver.programs(ctx)[0].argv[0], "/opt/flowlab/bin/flowcollector");
  ::unsetenv(kBinaryEnv);

  auto ready = driver.ready(ctx);  // nothing listens on the query socket
  ASSERT_TRUE(ready.ok());
  EXPECT_FALSE(*ready);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace flowlab::nodes::tee
