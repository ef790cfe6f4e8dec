// The pmacct collector kinds (nodes/pmacct): nfacctd.conf / sfacctd.conf rendered from the topology (golden files and
// the keys that carry meaning), and the readers of pmacct's output on captures of the real tools (tests/data).
#include "model/loader.hpp"
#include "nodes/core/driver.hpp"
#include "nodes/core/files.hpp"
#include "nodes/pmacct/pmacct_config.hpp"
#include "nodes/pmacct/pmacct_parse.hpp"

#include "golden.hpp"

#include <gtest/gtest.h>

namespace flowlab::nodes::pmacct {
namespace {

// janog36.yaml with c1 of `kind` (r1 exports `format` to it; c1 peers with r1 over IPv4 and IPv6).
topology::Topology janog36(const std::string& kind, const std::string& listen = "{netflow: 2100}",
                           const std::string& extra = "", const std::string& format = "ipfix") {
  auto text = read_text_file(std::string(FLOWLAB_SOURCE_DIR) + "/topologies/janog36.yaml");
  EXPECT_TRUE(text.ok());
  std::string yaml = *text;
  const std::string from = "c1: {kind: collector, bgp: [r1], listen: {netflow: 2100}}";
  const auto at = yaml.find(from);
  EXPECT_NE(at, std::string::npos);
  yaml.replace(at, from.size(), "c1: {kind: " + kind + ", bgp: [r1], listen: " + listen + extra + "}");
  const auto probe = yaml.find("format: ipfix");
  EXPECT_NE(probe, std::string::npos);
  yaml.replace(probe, std::string("format: ipfix").size(), "format: " + format);
  auto loaded = topology::load_topology_string(yaml, nodes::kinds(), "janog36.yaml");
  if (!loaded.ok()) {
    ADD_FAILURE() << loaded.error_text();
    return {};
  }
  return *loaded.topology;
}

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(PmacctRender, Janog36Nfacctd) {
  const auto topo = janog36("nfacctd");
  const auto* c1 = topo.find_node("c1");
  const auto* r1 = topo.find_node("r1");
  ASSERT_NE(c1, nullptr);
  ASSERT_NE(r1, nullptr);
  auto r = render_pmacct_config(topo, *c1, "/run/flowlab/janog36/c1", Daemon::kNfacctd);
  ASSERT_TRUE(r.ok()) << r.error().message;
  testing::expect_golden("janog36.c1.nfacctd.conf", r->config);
  testing::expect_golden("janog36.c1.bgp_agent_map.txt", r->agent_map);
  const std::string v4 = r1->mgmt4.address.to_string();
  EXPECT_TRUE(has_line(r->config, "nfacctd_ip: " + c1->mgmt4.address.to_string())) << r->config;
  EXPECT_TRUE(has_line(r->config, "nfacctd_port: 2100"));
  EXPECT_TRUE(has_line(r->config, "nfacctd_as: bgp"));
  EXPECT_TRUE(has_line(r->config, "nfacctd_net: bgp"));
  EXPECT_TRUE(has_line(r->config, "bgp_peer_src_as_type: bgp"));
  EXPECT_TRUE(has_line(r->config, "core_proc_name: janog36.c1"));
  EXPECT_TRUE(has_line(r->config, "plugins: memory[janog36_c1]"));
  EXPECT_TRUE(has_line(r->config, "imt_path[janog36_c1]: /run/flowlab/janog36/c1/pmacct.pipe"));
  EXPECT_EQ(r->config.find("bgp_daemon_as:"), std::string::npos);  // iBGP: pmacct copies the router's AS
  EXPECT_TRUE(has_line(r->allow, v4));
  if (c1->mgmt6 && r1->mgmt6) {
    // Two sessions with r1: dual-stack listener, two peers, the agent map split by family.
    EXPECT_TRUE(has_line(r->config, "bgp_daemon_ip: ::"));
    EXPECT_TRUE(has_line(r->config, "bgp_daemon_max_peers: 2"));
    const std::string agent = " ip=" + r1->mgmt4.address.to_string();
    EXPECT_TRUE(has_line(r->agent_map, "bgp_ip=" + v4 + agent + " filter='ip'")) << r->agent_map;
    EXPECT_TRUE(has_line(r->agent_map, "bgp_ip=" + r1->mgmt6->address.to_string() + agent + " filter='ip6'"))
        << r->agent_map;
  }
}

TEST(PmacctRender, SfacctdTakesTheSflowPortAndItsOwnKeys) {
  const auto topo = janog36("sfacctd", "{sflow: 6343}", "", "sflow");
  ASSERT_NE(topo.find_node("c1"), nullptr);
  auto r = render_pmacct_config(topo, *topo.find_node("c1"), "/run/flowlab/janog36/c1", Daemon::kSfacctd);
  ASSERT_TRUE(r.ok()) << r.error().message;
  testing::expect_golden("janog36.c1.sfacctd.conf", r->config);
  EXPECT_TRUE(has_line(r->config, "sfacctd_port: 6343"));
  EXPECT_TRUE(has_line(r->config, "sfacctd_as: bgp"));
  EXPECT_TRUE(has_line(r->config, "sfacctd_renormalize: true"));
  // No NetFlow port on an sFlow-only node: nfacctd refuses to render.
  auto none = render_pmacct_config(topo, *topo.find_node("c1"), "/run/flowlab/janog36/c1", Daemon::kNfacctd);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("set listen: {netflow: PORT}"), std::string::npos) << none.error().message;
}

TEST(PmacctRender, PeerSrcAsMapAsSourceAndOwnAs) {
  const auto topo = janog36("nfacctd", "{netflow: 2100}", ", peer_src_as: map, as_source: longest, asn: 64500");
  ASSERT_NE(topo.find_node("c1"), nullptr);
  auto r = render_pmacct_config(topo, *topo.find_node("c1"), "/run/flowlab/janog36/c1", Daemon::kNfacctd);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(has_line(r->config, "bgp_peer_src_as_type: map"));
  EXPECT_TRUE(has_line(r->config, "bgp_peer_src_as_map: /run/flowlab/janog36/c1/peer_src_as_map.txt"));
  EXPECT_TRUE(has_line(r->config, "nfacctd_as: longest"));
  // An explicit asn must be its peers' (validation): iBGP, so pmacct mirrors the router's AS, no bgp_daemon_as.
  EXPECT_EQ(r->config.find("bgp_daemon_as:"), std::string::npos) << r->config;
}

// `bgp_password:` (TCP-MD5, RFC 2385): bgp_daemon_md5_file lists the key of each of r1's sessions (IPv4 and IPv6),
// in pmacct's "<address>, <key>" lines; without a password neither the key nor the file.
TEST(PmacctRender, BgpPasswordGoesToTheMd5FileForEverySession) {
  for (const auto* kind : {"nfacctd", "sfacctd"}) {
    const bool nf = std::string(kind) == "nfacctd";
    const auto topo = janog36(kind, nf ? "{netflow: 2100}" : "{sflow: 6343}", ", bgp_password: i20-Md5_key.1",
                              nf ? "ipfix" : "sflow");
    const auto* c1 = topo.find_node("c1");
    const auto* r1 = topo.find_node("r1");
    ASSERT_NE(c1, nullptr);
    ASSERT_NE(r1, nullptr);
    auto r = render_pmacct_config(topo, *c1, "/run/flowlab/janog36/c1", nf ? Daemon::kNfacctd : Daemon::kSfacctd);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(has_line(r->config, "bgp_daemon_md5_file: /run/flowlab/janog36/c1/bgp_md5.lst")) << r->config;
    std::string expected = r1->mgmt4.address.to_string() + ", i20-Md5_key.1\n";
    if (c1->mgmt6 && r1->mgmt6) {
      expected += r1->mgmt6->address.to_string() + ", i20-Md5_key.1\n";
    }
    EXPECT_EQ(r->md5, expected);
  }
  const auto plain = janog36("nfacctd");
  auto r = render_pmacct_config(plain, *plain.find_node("c1"), "/run/flowlab/janog36/c1", Daemon::kNfacctd);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->config.find("md5"), std::string::npos) << r->config;
  EXPECT_EQ(r->md5, "");
}

TEST(PmacctParse, MemoryTableOfRealNfacctd) {
  // pmacct -s -O json -a of nfacctd 1.7.7 fed export_softflowd_v9.pcap (tests/data/README.md).
  auto text = read_text_file(std::string(FLOWLAB_TEST_DATA_DIR) + "/pmacct_memory_softflowd_v9.json");
  ASSERT_TRUE(text.ok());
  auto rows = parse_table_json(*text);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 5U);
  const FlowRow& first = rows->front();
  EXPECT_EQ(first.fields.at("src_host"), "198.18.0.138");
  EXPECT_EQ(first.fields.at("dst_host"), "198.19.0.139");
  EXPECT_EQ(first.fields.at("src_port"), "1024");
  EXPECT_EQ(first.fields.at("dst_port"), "993");
  EXPECT_EQ(first.fields.at("proto"), "tcp");
  EXPECT_EQ(first.fields.at("peer_ip_src"), "127.0.0.1");
  EXPECT_EQ(first.fields.at("as_path"), "");
  EXPECT_EQ(first.fields.at("ext_comm"), "");
  EXPECT_EQ(first.fields.count("ip_src"), 0U);
  EXPECT_EQ(first.fields.count("packets"), 0U);
  EXPECT_EQ(first.packets, 70U);
  EXPECT_EQ(first.bytes, 62482U);
  EXPECT_FALSE(parse_table_json("{\"ip_src\": \n").ok());
}

TEST(PmacctParse, AgentStatisticsOfRealNfacctd) {
  auto log = read_text_file(std::string(FLOWLAB_TEST_DATA_DIR) + "/nfacctd_stats_softflowd_v9.log");
  ASSERT_TRUE(log.ok());
  const auto stats = parse_agent_stats(*log, *IpAddress::parse("127.0.0.1"));
  EXPECT_EQ(stats.blocks, 2U);
  EXPECT_EQ(stats.counters.datagrams, 8U);  // the capture's 8 datagrams, once (the last block)
  EXPECT_EQ(stats.counters.lost, 0U);
  EXPECT_EQ(parse_agent_stats(*log, *IpAddress::parse("192.0.2.1")).counters.datagrams, 0U);
  // A block still being written is not taken.
  const auto open =
      parse_agent_stats(*log + "2026-12-06T13:09:49Z NOTICE ( default/core ): +++\n", *IpAddress::parse("127.0.0.1"));
  EXPECT_EQ(open.blocks, 2U);
}

TEST(PmacctParse, MessageLogSessionsAndRoutes) {
  // bgp_daemon_msglog_file lines as pmacct 1.7.7 writes them (captured from a lab run, tests/data).
  auto text = read_text_file(std::string(FLOWLAB_TEST_DATA_DIR) + "/nfacctd_bgp_msglog.json");
  ASSERT_TRUE(text.ok());
  auto state = parse_msglog(*text);
  ASSERT_TRUE(state.ok()) << state.error().message;
  ASSERT_FALSE(state->peers.empty());
  bool some_route = false;
  for (const auto& [peer, p] : state->peers) {
    EXPECT_TRUE(p.up) << peer.to_string();
    for (const auto& [prefix, route] : p.routes) {
      EXPECT_EQ(route.from, peer);
      some_route = true;
    }
  }
  EXPECT_TRUE(some_route);
  // A log_close ends the session and drops its routes.
  const IpAddress first = state->peers.begin()->first;
  auto closed =
      parse_msglog(*text + "{\"event_type\": \"log_close\", \"peer_ip_src\": \"" + first.to_string() + "\"}\n");
  ASSERT_TRUE(closed.ok());
  EXPECT_FALSE(closed->peers.at(first).up);
  EXPECT_TRUE(closed->peers.at(first).routes.empty());
}

}  // namespace
}  // namespace flowlab::nodes::pmacct
