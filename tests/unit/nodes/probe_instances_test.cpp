// Probe kinds whose program captures one interface, on a probe metering two: one process per interface (softflowd,
// fprobe, pmacctd), each with its own name, files and interface index.
#include "model/loader.hpp"
#include "nodes/core/driver.hpp"
#include "nodes/core/probe_driver.hpp"
#include "nodes/fprobe/fprobe_driver.hpp"
#include "nodes/pmacctd/pmacctd_driver.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace flowlab::nodes {
namespace {

// r1 meters eth1 (to h1) and eth2 (to r2) and exports to c1.
topology::LoadResult load(const std::string& probe_fields) {
  const std::string text =
      "name: pi\n"
      "nodes:\n"
      "  r1: {asn: 64500}\n"
      "  r2: {asn: 64500}\n"
      "  h1: {kind: host, gateway: r1}\n"
      "  c1: {kind: collector}\n"
      "links:\n"
      "  - endpoints: [r1:eth1, h1:eth0]\n"
      "  - endpoints: [r1:eth2, r2:eth1]\n"
      "probes:\n"
      "  - {node: r1, interfaces: [eth1, eth2], export: c1" +
      probe_fields + "}\n";
  return topology::load_topology_string(text, kinds(), "pi.yaml");
}

ProbeContext context(const topology::Topology& t, std::size_t instance) {
  ProbeContext ctx{&t, 0, "/run/fl/pi/r1"};
  ctx.instance = instance;
  return ctx;
}

std::string argv_of(const process::Spec& spec) {
  std::string out;
  for (const auto& a : spec.argv) {
    out += (out.empty() ? "" : " ") + a;
  }
  return out;
}

TEST(ProbeInstances, CaptureInterfacesAreTheProbesThenItsSpan) {
  topology::ProbeSpec p;
  EXPECT_EQ(capture_interfaces(p, 2), std::vector<std::string>{"span2"});
  p.interfaces = {"eth1", "eth2"};
  EXPECT_EQ(capture_interfaces(p, 0), (std::vector<std::string>{"eth1", "eth2"}));
}

TEST(ProbeInstances, SoftflowdRunsOnePerInterfaceEachWithItsOwnNameSocketAndIfindex) {
  auto r = load(", kind: softflowd, format: v9, ifindex: {eth1: 11, eth2: 12}");
  ASSERT_TRUE(r.ok()) << r.error_text();
  const topology::Topology& t = *r.topology;
  const ProbeDriver& driver = probe_driver(t.probes[0]);
  ASSERT_EQ(driver.instances(t.probes[0]), 2U);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string ifname = i == 0 ? "eth1" : "eth2";
    const std::string name = "softflowd0-" + ifname;
    EXPECT_EQ(driver.instance_name(context(t, i)), name);
    auto spec = driver.spec(context(t, i));
    ASSERT_TRUE(spec.ok()) << spec.error().to_string();
    EXPECT_EQ(spec->name, name);
    EXPECT_EQ(spec->log_file, "/run/fl/pi/r1/" + name + ".log");
    const std::string argv = argv_of(*spec);
    EXPECT_NE(argv.find(" -i " + std::to_string(11 + i) + ":" + ifname + " "), std::string::npos) << argv;
    EXPECT_NE(argv.find(" -c /run/fl/pi/r1/" + name + ".ctl"), std::string::npos) << argv;
    EXPECT_EQ(driver.ready_file(context(t, i)), "/run/fl/pi/r1/" + name + ".ctl");
  }
  // Their sequence numbers interleave at the collector: not checked, with the reason.
  EXPECT_NE(driver.unchecked_sequence(t.probes[0]).find("2 softflowd processes"), std::string::npos);
}

TEST(ProbeInstances, FprobeRunsOnePerInterfaceEachWithItsOwnPidFileAndIndex) {
  auto r = load(", kind: fprobe, format: v5, ifindex: {eth2: 12}");
  ASSERT_TRUE(r.ok()) << r.error_text();
  const topology::Topology& t = *r.topology;
  const ProbeDriver& driver = probe_driver(t.probes[0]);
  ASSERT_EQ(driver.instances(t.probes[0]), 2U);
  auto first = driver.spec(context(t, 0));
  auto second = driver.spec(context(t, 1));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->name, "fprobe0-eth1");
  EXPECT_EQ(second->name, "fprobe0-eth2");
  EXPECT_NE(argv_of(*first).find("-l 2:fl-pi-r1-fprobe0-eth1 -i eth1 "), std::string::npos) << argv_of(*first);
  EXPECT_EQ(argv_of(*first).find(" -x "), std::string::npos) << argv_of(*first);
  EXPECT_NE(argv_of(*second).find("-i eth2 "), std::string::npos);
  EXPECT_NE(argv_of(*second).find(" -x 12 "), std::string::npos) << argv_of(*second);
  EXPECT_EQ(second->binds.at(0).source, "/run/fl/pi/r1/fprobe0-eth2.run");
  EXPECT_EQ(fprobe::pid_file(context(t, 1)), "/run/fl/pi/r1/fprobe0-eth2.run/fprobe[fl-pi-r1-fprobe0-eth2].pid");
}

TEST(ProbeInstances, PmacctdRunsOnePerInterfaceEachWithItsOwnConfigAndPidFile) {
  auto r = load(", kind: pmacctd, direction: out");
  ASSERT_TRUE(r.ok()) << r.error_text();
  const topology::Topology& t = *r.topology;
  const ProbeDriver& driver = probe_driver(t.probes[0]);
  ASSERT_EQ(driver.instances(t.probes[0]), 2U);
  auto conf = pmacctd::render_config(t, 0, "/run/fl/pi/r1", 1);
  ASSERT_TRUE(conf.ok());
  EXPECT_NE(conf->find("pidfile: /run/fl/pi/r1/pmacctd0-eth2.pid\npcap_interface: eth2\npcap_direction: out\n"),
            std::string::npos)
      << *conf;
  auto spec = driver.spec(context(t, 0));
  ASSERT_TRUE(spec.ok()) << spec.error().to_string();
  EXPECT_EQ(spec->name, "pmacctd0-eth1");
  EXPECT_EQ(argv_of(*spec), "pmacctd -f /run/fl/pi/r1/pmacctd0-eth1.conf");
  EXPECT_EQ(driver.ready_file(context(t, 0)), "/run/fl/pi/r1/pmacctd0-eth1.pid");
  // Its own BGP feed is one bgp_daemon per probe.
  auto bgp = load(", kind: pmacctd, bgp: true");
  ASSERT_FALSE(bgp.ok());
  EXPECT_NE(bgp.error_text().find("probes[0].bgp: pmacctd's own BGP feed"), std::string::npos) << bgp.error_text();
}

}  // namespace
}  // namespace flowlab::nodes
