// Probe kinds: each kind's command line / config rendered from a loaded topology, the options a kind cannot honour
// reported at file:line:col naming the kind, and the per-run kind choice (labctl run --collector/--probe).
#include "model/loader.hpp"
#include "nodes/core/driver.hpp"
#include "nodes/core/probe_driver.hpp"
#include "nodes/fprobe/fprobe_driver.hpp"
#include "nodes/pmacctd/pmacctd_driver.hpp"
#include "nodes/softflowd/softflowd_driver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace flowlab::nodes {
namespace {

// r1 (eth1 to h1) meters eth1 and exports to c1 on the management network.
std::string topology_text(const std::string& probe_fields) {
  return "name: pk\n"
         "nodes:\n"
         "  r1: {asn: 64500}\n"
         "  h1: {kind: host, gateway: r1}\n"
         "  c1: {kind: collector, asn: 64500}\n"
         "links:\n"
         "  - endpoints: [r1:eth1, h1:eth0]\n"
         "probes:\n"
         "  - {node: r1, interfaces: [eth1], export: c1" +
         probe_fields + "}\n";
}

topology::LoadResult load(const std::string& probe_fields, const topology::KindChoice& choice = {}) {
  return topology::load_topology_string(topology_text(probe_fields), kinds(), "pk.yaml", choice);
}

std::vector<std::string> messages(const topology::LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) {
    out.push_back(d.to_string());
  }
  return out;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    out += (out.empty() ? "" : " ") + a;
  }
  return out;
}

// c1's management address and NetFlow listen port.
std::string collector_endpoint(const topology::Topology& t) {
  const topology::Node* c1 = t.find_node("c1");
  return c1->mgmt4.address.to_string() + ":" + std::to_string(c1->listen.netflow);
}

process::Spec spec_of(const topology::Topology& t) {
  const ProbeContext ctx{&t, 0, "/run/fl/pk/r1"};
  auto spec = probe_driver(t.probes[0]).spec(ctx);
  EXPECT_TRUE(spec.ok()) << spec.error().to_string();
  return spec.ok() ? *spec : process::Spec{};
}

TEST(ProbeKinds, TheTableListsEveryProbeKindFlowprobeFirst) {
  EXPECT_EQ(topology::probe_kind_list(kinds()), "flowprobe, softflowd, fprobe, pmacctd");
  auto r = load("");
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_EQ(r.topology->probes[0].kind, "flowprobe");
  EXPECT_EQ(probe_driver(r.topology->probes[0]).process_name(0), "flowprobe0");
}

TEST(ProbeKinds, UnknownKindIsAnErrorListingTheKinds) {
  EXPECT_EQ(messages(load(", kind: nprobe")),
            std::vector<std::string>{"pk.yaml:9:54: error: probes[0].kind: unknown probe kind 'nprobe' (probe kinds: "
                                     "flowprobe, softflowd, fprobe, pmacctd)"});
  // A probe kind is no node kind.
  auto r = topology::load_topology_string("name: pk\nnodes:\n  r1: {kind: softflowd}\n", kinds(), "n.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error_text().find("unknown kind 'softflowd'"), std::string::npos) << r.error_text();
}

TEST(ProbeKinds, SoftflowdCommandLine) {
  auto r = load(", kind: softflowd, format: v9, active_timeout: 10s, inactive_timeout: 5s, ifindex: {eth1: 7}");
  ASSERT_TRUE(r.ok()) << r.error_text();
  const auto spec = spec_of(*r.topology);
  EXPECT_EQ(spec.name, "softflowd0");
  EXPECT_EQ(spec.netns, "fl-pk-r1");
  EXPECT_EQ(spec.log_file, "/run/fl/pk/r1/softflowd0.log");
  const std::string c1 = collector_endpoint(*r.topology);
  EXPECT_EQ(joined(spec.argv), "env --ignore-signal=PIPE softflowd -d -i 7:eth1 -n " + c1 +
                                   " -v 9 -t maxlife=10 -t general=5 -t tcp=5 -t udp=5 -t icmp=5 -t expint=1 "
                                   "-c /run/fl/pk/r1/softflowd0.ctl");
  const ProbeContext ctx{&*r.topology, 0, "/run/fl/pk/r1"};
  EXPECT_EQ(probe_driver(r.topology->probes[0]).ready_file(ctx), "/run/fl/pk/r1/softflowd0.ctl");
}

TEST(ProbeKinds, SoftflowdStatisticsGiveTheDatagramsSent) {
  const std::string stats =
      "softflowd[1]: Accumulated statistics since 2026-12-06T12:38:11 UTC:\nNumber of active flows: 0\n"
      "Flows expired: 3 (0 forced)\nFlows exported: 3 (3 records) in 2 packets (0 failures)\n";
  EXPECT_EQ(softflowd::parse_packets_sent(stats), 2U);
  EXPECT_FALSE(softflowd::parse_packets_sent("Number of active flows: 0\n").has_value());
}

// softflowd's statistics after a flush of communities.yaml (softflowd -> nfacctd): nothing read of 621 packets, the
// whole run in one ring block that never filled.
TEST(ProbeKinds, SoftflowdSaysWhyCapturedPacketsAreHeldBack) {
  const std::string stuck =
      "Number of active flows: 0\nPackets processed: 0\nFragments: 0\nIgnored packets: 0 (0 non-IP, 0 too short)\n"
      "Flows expired: 0 (0 forced)\nFlows exported: 0 (0 records) in 0 packets (0 failures)\n"
      "Packets received by libpcap: 621\nPackets dropped by libpcap: 0\n";
  EXPECT_FALSE(softflowd::capture_drained(stuck));
  const HeldBack held = softflowd::held_back(stuck);
  EXPECT_EQ(held.packets, std::optional<std::uint64_t>(621));
  const std::string& why = held.why;
  EXPECT_EQ(why.rfind("softflowd had read 0 of the 621 packets libpcap captured for it: ", 0), 0U) << why;
  EXPECT_NE(why.find("tp_retire_blk_tov UINT_MAX"), std::string::npos) << why;
  EXPECT_NE(why.find("the last 621 wait for more traffic"), std::string::npos) << why;
  const std::string drained =
      "Packets processed: 4916\nIgnored packets: 109 (109 non-IP, 0 too short)\nPackets received by libpcap: 5025\n";
  EXPECT_TRUE(softflowd::capture_drained(drained));
  EXPECT_TRUE(softflowd::held_back(drained).empty());
  EXPECT_EQ(softflowd::held_back(drained).packets, std::optional<std::uint64_t>(0));
  EXPECT_TRUE(softflowd::held_back("Number of active flows: 0\n").empty());  // no counters: nothing to say
}

// A softflowd whose interface went down is kept inside pcap_dispatch() by libpcap 1.10 and does not answer: its
// flush counts no datagrams and names the cause (dualstack-failover, `link: {down: r1:eth1}`).
TEST(ProbeKinds, SoftflowdThatDoesNotAnswerIsNotCountedAndSaysWhy) {
  const ProbeFlush f = softflowd::unanswered("softflowctl statistics got no answer in 5 s");
  EXPECT_FALSE(f.counted);
  EXPECT_FALSE(f.held_back.packets.has_value());  // how many it holds back it cannot say
  EXPECT_EQ(f.datagrams_sent, 0U);
  EXPECT_EQ(f.held_back.why.rfind("softflowd did not answer its control socket (softflowctl statistics got no answer "
                                  "in 5 s): its capture interface went down",
                                  0),
            0U)
      << f.held_back.why;
  EXPECT_NE(f.held_back.why.find("pcap_wait_for_frames_mmap"), std::string::npos) << f.held_back.why;
  EXPECT_EQ(f.stats.at("softflowctl"), "softflowctl statistics got no answer in 5 s");
}

TEST(ProbeKinds, SoftflowdLimitsNameTheKind) {
  EXPECT_EQ(messages(load(", kind: softflowd, format: sflow, direction: in")),
            (std::vector<std::string>{
                "pk.yaml:9:73: error: probes[0].format: softflowd cannot export sflow (it exports v5, v9, ipfix)",
                "pk.yaml:9:91: error: probes[0].direction: softflowd meters both directions of its interface; it "
                "cannot meter only 'in'"}));
}

TEST(ProbeKinds, FprobeCommandLineAndLimits) {
  auto r = load(", kind: fprobe, format: v5, inactive_timeout: 5s");
  ASSERT_TRUE(r.ok()) << r.error_text();
  const auto spec = spec_of(*r.topology);
  const std::string c1 = collector_endpoint(*r.topology);
  const std::string r1 = r.topology->find_node("r1")->mgmt4.address.to_string();
  EXPECT_EQ(joined(spec.argv),
            "fprobe -l 2:fl-pk-r1-fprobe0 -i eth1 -f ip -n 5 -e 60 -d 5 -s 1 -a " + r1 + " -q 10000 " + c1);
  ASSERT_EQ(spec.binds.size(), 1U);
  EXPECT_EQ(spec.binds[0].target, "/run");
  EXPECT_EQ(spec.binds[0].source, "/run/fl/pk/r1/fprobe0.run");
  const ProbeContext ctx{&*r.topology, 0, "/run/fl/pk/r1"};
  EXPECT_EQ(fprobe::pid_file(ctx), "/run/fl/pk/r1/fprobe0.run/fprobe[fl-pk-r1-fprobe0].pid");
  // The default format (IPFIX) and sampling are beyond fprobe.
  EXPECT_EQ(
      messages(load(", kind: fprobe, sampling: 10")),
      (std::vector<std::string>{"pk.yaml:9:5: error: probes[0].format: fprobe cannot export ipfix (it exports v5)",
                                "pk.yaml:9:72: error: probes[0].sampling: fprobe cannot sample (1:10)"}));
}

TEST(ProbeKinds, PmacctdConfigs) {
  auto r = load(", kind: pmacctd, format: ipfix, active_timeout: 10s, inactive_timeout: 5s");
  ASSERT_TRUE(r.ok()) << r.error_text();
  const std::string c1 = collector_endpoint(*r.topology);
  auto conf = pmacctd::render_config(*r.topology, 0, "/run/fl/pk/r1");
  ASSERT_TRUE(conf.ok()) << conf.error().to_string();
  EXPECT_EQ(*conf,
            "! pmacctd for probes[0] of lab pk (rendered by labctl)\n"
            "daemonize: false\npidfile: /run/fl/pk/r1/pmacctd0.pid\npcap_interface: eth1\n"
            "aggregate[p]: src_host, dst_host, src_port, dst_port, proto, tos\n"
            "plugins: nfprobe[p]\nnfprobe_receiver[p]: " +
                c1 +
                "\nnfprobe_version[p]: 10\n"
                "nfprobe_timeouts[p]: tcp=5:udp=5:icmp=5:general=5:maxlife=10:expint=1\n");
  auto s = load(", kind: pmacctd, format: sflow, sampling: 100, direction: in");
  ASSERT_TRUE(s.ok()) << s.error_text();
  conf = pmacctd::render_config(*s.topology, 0, "/run/fl/pk/r1");
  ASSERT_TRUE(conf.ok());
  const std::string r1 = s.topology->find_node("r1")->mgmt4.address.to_string();
  EXPECT_NE(conf->find("pcap_direction: in\n"), std::string::npos) << *conf;
  const std::string sflow = s.topology->find_node("c1")->mgmt4.address.to_string() + ":" +
                            std::to_string(s.topology->find_node("c1")->listen.sflow);
  EXPECT_NE(conf->find("plugins: sfprobe[p]\nsfprobe_receiver[p]: " + sflow + "\nsfprobe_agentip[p]: " + r1 +
                       "\nsampling_rate[p]: 100\n"),
            std::string::npos)
      << *conf;
  EXPECT_EQ(messages(load(", kind: pmacctd, format: sflow, bgp: true")),
            std::vector<std::string>{"pk.yaml:9:83: error: probes[0].bgp: pmacctd's own BGP feed (bgp_daemon, model "
                                     "1) is rendered for its nfprobe plugin (v5, v9, ipfix), not for sfprobe (sflow)"});
}

// Model 1: pmacctd's own bgp_daemon where r1's probe session connects, a catch-all agent map entry to r1's end,
// the AS numbers, BGP next hop and masks aggregated (nfprobe exports them).
TEST(ProbeKinds, PmacctdWithItsOwnBgpFeed) {
  auto r = load(", kind: pmacctd, format: ipfix, bgp: true");
  ASSERT_TRUE(r.ok()) << r.error_text();
  auto conf = pmacctd::render_config(*r.topology, 0, "/run/fl/pk/r1");
  ASSERT_TRUE(conf.ok()) << conf.error().to_string();
  EXPECT_NE(conf->find("pcap_interface: eth1\npmacctd_as: bgp\npmacctd_net: bgp\nbgp_daemon: true\n"
                       "bgp_daemon_ip: 100.127.255.2\nbgp_daemon_port: 1179\nbgp_daemon_max_peers: 1\n"
                       "bgp_agent_map: /run/fl/pk/r1/pmacctd0-bgp_agent_map.txt\n"
                       "aggregate[p]: src_host, dst_host, src_port, dst_port, proto, tos, src_as, dst_as, "
                       "peer_dst_ip, src_mask, dst_mask\n"),
            std::string::npos)
      << *conf;
  EXPECT_EQ(pmacctd::agent_map(), "bgp_ip=100.127.255.1 ip=0.0.0.0/0\n");
  // The router renders the same session it renders for flowprobe.
  const auto& sessions = r.topology->sessions;
  EXPECT_EQ(std::count_if(sessions.begin(), sessions.end(), [](const auto& s) { return s.to_probe; }), 1);
  const auto unprovided = probe_driver(r.topology->probes[0]).unprovided_fields(r.topology->probes[0]);
  EXPECT_EQ(unprovided.count("peer_as_dst"), 1U);
  EXPECT_EQ(unprovided.count("peer_ip_dst"), 0U);  // IPFIX carries the BGP next hop
}

TEST(ProbeKinds, PmacctBefore178ExportsNoBgpAsFromNfprobe) {
  EXPECT_TRUE(pmacctd::nfprobe_bgp_as_broken("Promiscuous Mode Accounting Daemon, pmacctd 1.7.7-git [RELEASE]"));
  EXPECT_TRUE(pmacctd::nfprobe_bgp_as_broken("pmacctd 1.6.2 [RELEASE]"));
  EXPECT_FALSE(pmacctd::nfprobe_bgp_as_broken("Promiscuous Mode Accounting Daemon, pmacctd 1.7.8-git [RELEASE]"));
  EXPECT_FALSE(pmacctd::nfprobe_bgp_as_broken("pmacctd 1.7.10"));
  EXPECT_FALSE(pmacctd::nfprobe_bgp_as_broken("pmacctd 2.0.0"));
  EXPECT_FALSE(pmacctd::nfprobe_bgp_as_broken(""));
  EXPECT_FALSE(pmacctd::nfprobe_bgp_as_broken("pmacctd x.y"));
}

TEST(ProbeKinds, TheRunsChoiceReplacesEveryProbeAndCollectorKind) {
  auto r = load(", format: v9", topology::KindChoice{"collector", "softflowd"});
  ASSERT_TRUE(r.ok()) << r.error_text();
  EXPECT_EQ(r.topology->probes[0].kind, "softflowd");
  EXPECT_EQ(r.topology->find_node("c1")->kind, "collector");
  // The chosen kind's limits are reported at the file's option.
  EXPECT_EQ(messages(load(", format: v9", topology::KindChoice{"", "fprobe"})),
            std::vector<std::string>{"pk.yaml:9:56: error: probes[0].format: fprobe cannot export v9 (it exports v5)"});
}

TEST(ProbeKinds, AChoiceOfAnUnknownKindOrOfTheWrongRoleListsTheValidOnes) {
  const auto table = kinds();
  EXPECT_EQ(topology::check_kind_choice(table, {"collector", "softflowd"}), "");
  EXPECT_EQ(
      topology::check_kind_choice(table, {"bird", ""}),
      "'bird' is no collector kind (collector kinds: " + topology::kind_list(table, topology::Role::kCollector) + ")");
  EXPECT_EQ(topology::check_kind_choice(table, {"", "collector"}),
            "'collector' is no probe kind (probe kinds: flowprobe, softflowd, fprobe, pmacctd)");
}

}  // namespace
}  // namespace flowlab::nodes
