// flowprobe's BGP feed (collection model 1) in a deployed lab: h1 - r1 (AS 64500, BIRD) - r2 (AS 65530, FRR) - h2,
// a probe with `bgp: true` in each router. `labctl converge` waits for both probe sessions (router -> flowprobe on
// 100.127.255.2:1179, docs/flowprobe.md "BGP feed"); one real UDP datagram each way per family, and the probes' records
// (their --flows-json files) must carry the AS numbers, adjacent AS, BGP next hop and masks of each router's best
// routes.
#include "tests/lab/lab_fixture.hpp"

#include <gtest/gtest.h>

#include <csignal>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

namespace flowlab::labtest {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string topology_file(const std::string& lab) {
  const std::string yaml = "name: " + lab + R"(
nodes:
  r1: {kind: bird, asn: 64500, announce: [192.0.2.0/24, 2001:db8:1::/48]}
  r2: {kind: frr, asn: 65530, announce: [198.51.100.0/24, 2001:db8:30::/48]}
  h1: {kind: host, gateway: r1}
  h2: {kind: host, gateway: r2}
  c1: {kind: collector, as_source: netflow, listen: {netflow: 2100}}
links:
  - endpoints: [h1:eth0, r1:eth1]
  - endpoints: [r1:eth2, r2:eth1]
  - endpoints: [r2:eth2, h2:eth0]
probes:
  - {node: r1, interfaces: [eth1], export: c1, direction: in, bgp: true, active_timeout: 1s, inactive_timeout: 1s}
  - {node: r2, interfaces: [eth1], export: c1, direction: in, bgp: true, active_timeout: 1s, inactive_timeout: 1s}
)";
  const auto path = fs::temp_directory_path() / (lab + ".yaml");
  std::ofstream(path) << yaml;
  return path.string();
}

// SIGUSR2 to every flowprobe of `router`: end and export every flow, write the flows file and the stats file.
void flush_probes(const std::string& lab, const std::string& router) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(kRunDir) / lab / router, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("flowprobe") && name.ends_with(".pid")) {
      std::ifstream in(e.path());
      int pid = 0;
      if (in >> pid && pid > 1) {
        ::kill(pid, SIGUSR2);
      }
    }
  }
}

// The stats of `router`'s probe (its .stats.json), when written.
std::optional<json> probe_stats(const std::string& lab, const std::string& router) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(kRunDir) / lab / router, ec)) {
    if (!e.path().filename().string().ends_with(".stats.json")) {
      continue;
    }
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    auto j = json::parse(text.str(), nullptr, false);
    if (j.is_object()) {
      return j;
    }
  }
  return std::nullopt;
}

// The first record of `router`'s probe with this source and destination and UDP port 5099, once it is there.
std::optional<json> record(const std::string& lab, const std::string& router, const std::string& src,
                           const std::string& dst) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    flush_probes(lab, router);
    std::this_thread::sleep_for(500ms);
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(kRunDir) / lab / router, ec)) {
      if (!e.path().filename().string().ends_with(".flows.jsonl")) {
        continue;
      }
      std::ifstream in(e.path());
      std::string line;
      while (std::getline(in, line)) {
        auto j = json::parse(line, nullptr, false);
        if (j.is_object() && j.value("src", "") == src && j.value("dst", "") == dst && j.value("dport", 0) == 5099) {
          return j;
        }
      }
    }
    std::this_thread::sleep_for(1s);
  }
  return std::nullopt;
}

TEST(ProbeBgpLab, RouterFeedsTheProbeRecords) {
  if (!is_root()) {
    GTEST_SKIP() << "lab tests need root (network namespaces)";
  }
  const std::string lab = unique_lab("tpbg");
  const std::string topo = topology_file(lab);
  LabGuard guard(lab);
  auto deploy = labctl({"deploy", "-t", topo, "--name", lab});
  ASSERT_TRUE(deploy.success()) << deploy.out << deploy.err;
  auto converge = labctl({"converge", lab, "--timeout", "90s"});
  ASSERT_TRUE(converge.success()) << converge.out << converge.err;

  // Records exported before a probe's BGP session came up are unenriched (counted): the routers' own OSPF and BGP
  // packets are metered from the start. What this test's traffic adds must all be enriched: wait for each session,
  // flush, and keep the count as the baseline.
  std::map<std::string, std::uint64_t> baseline;
  for (const char* router : {"r1", "r2"}) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    std::optional<json> stats;
    while (std::chrono::steady_clock::now() < deadline) {
      flush_probes(lab, router);
      std::this_thread::sleep_for(500ms);
      stats = probe_stats(lab, router);
      if (stats && (*stats)["bgp"].value("state", "") == "established") {
        break;
      }
    }
    ASSERT_TRUE(stats.has_value()) << router << ": no stats file";
    ASSERT_EQ((*stats)["bgp"].value("state", ""), "established") << router << ": " << stats->dump();
    baseline[router] = stats->value("unenriched", 0U);
  }

  // Addresses by the derivation rules: host links take a /29 (/64) of the gateway's first announced prefix, the
  // r1-r2 link the first /31 (/127) of the link pools.
  struct Case {
    std::string h1, h2, r1_next_hop;
  };
  for (const Case& c :
       {Case{"192.0.2.2", "198.51.100.2", "198.18.0.1"}, Case{"2001:db8:1::2", "2001:db8:30::2", "2001:db8:ffff::1"}}) {
    SCOPED_TRACE(c.h1);
    ASSERT_EQ(udp_roundtrip("fl-" + lab + "-h1", "fl-" + lab + "-h2", c.h2, 5099, "model1"), "model1");

    // r1 (BIRD) meters h1 -> h2 arriving on eth1: the destination is r2's eBGP route, the source r1's own prefix.
    auto at_r1 = record(lab, "r1", c.h1, c.h2);
    ASSERT_TRUE(at_r1.has_value()) << "no record at r1";
    EXPECT_EQ(at_r1->value("dst_as", 0U), 65530U) << at_r1->dump();
    EXPECT_EQ(at_r1->value("dst_peer_as", 0U), 65530U) << at_r1->dump();
    EXPECT_EQ(at_r1->value("bgp_next_hop", ""), c.r1_next_hop) << at_r1->dump();
    EXPECT_EQ(at_r1->value("src_as", 1U), 0U) << at_r1->dump();  // own prefix: empty AS path
    EXPECT_EQ(at_r1->value("mask_dst", 0U), c.h2.find(':') == std::string::npos ? 24U : 48U) << at_r1->dump();
    EXPECT_EQ(at_r1->value("mask_src", 0U), c.h1.find(':') == std::string::npos ? 24U : 48U) << at_r1->dump();

    // r2 meters it arriving on its eth1: the source is r1's eBGP route.
    auto at_r2 = record(lab, "r2", c.h1, c.h2);
    ASSERT_TRUE(at_r2.has_value()) << "no record at r2";
    EXPECT_EQ(at_r2->value("src_as", 0U), 64500U) << at_r2->dump();
    EXPECT_EQ(at_r2->value("src_peer_as", 0U), 64500U) << at_r2->dump();
    EXPECT_EQ(at_r2->value("dst_as", 1U), 0U) << at_r2->dump();
    EXPECT_EQ(at_r2->value("mask_src", 0U), c.h1.find(':') == std::string::npos ? 24U : 48U) << at_r2->dump();
  }
  // Both probes still report their session Established and nothing unenriched since the baseline.
  for (const char* router : {"r1", "r2"}) {
    flush_probes(lab, router);
    std::this_thread::sleep_for(1s);
    auto j = probe_stats(lab, router);
    ASSERT_TRUE(j.has_value()) << router << ": no stats file";
    EXPECT_EQ((*j)["bgp"].value("state", ""), "established") << router << ": " << j->dump();
    EXPECT_EQ(j->value("unenriched", 0U), baseline[router]) << router << ": " << j->dump();
  }
}

}  // namespace
}  // namespace flowlab::labtest
