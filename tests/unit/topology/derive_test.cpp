// Derivation rules one by one (the golden plans cover whole topologies).
#include "model/derive.hpp"
#include "model/loader.hpp"
#include "nodes/core/driver.hpp"

#include <gtest/gtest.h>

namespace flowlab::topology {
namespace {

Topology load(const std::string& yaml) {
  auto result = load_topology_string(yaml, nodes::kinds(), "d.yaml");
  EXPECT_TRUE(result.ok()) << result.error_text();
  return result.topology.value_or(Topology{});
}

const Interface& iface(const Topology& t, const std::string& node, const std::string& name) {
  static const Interface kNone;
  const Node* n = t.find_node(node);
  const Interface* i = n == nullptr ? nullptr : n->find_interface(name);
  EXPECT_NE(i, nullptr) << node << ":" << name;
  return i == nullptr ? kNone : *i;
}

std::string v4(const Interface& i) { return i.ipv4 ? i.ipv4->to_string() : "-"; }
std::string v6(const Interface& i) { return i.ipv6 ? i.ipv6->to_string() : "-"; }

TEST(Derive, NamespacesLoopbacksRouterIdsAndMgmt) {
  auto t = load(
      "name: lab1\nnodes:\n  h1: {kind: host}\n  r1: {asn: 1}\n  r2: {asn: 2, loopback: 198.19.0.1, "
      "router_id: 9.9.9.9}\n  r3: {asn: 3}\n");
  EXPECT_EQ(t.nodes[0].namespace_name, "fl-lab1-h1");
  EXPECT_EQ(t.mgmt_namespace(), "fl-lab1-mgmt");
  // Router order; r2's explicit 198.19.0.1 is skipped by the pool.
  EXPECT_EQ(t.find_node("r1")->loopback->to_string(), "198.19.0.2");
  EXPECT_EQ(t.find_node("r3")->loopback->to_string(), "198.19.0.3");
  EXPECT_EQ(t.find_node("r1")->loopback6->to_string(), "2001:db8:fffe::1");
  EXPECT_EQ(t.find_node("r2")->loopback6->to_string(), "2001:db8:fffe::2");
  EXPECT_EQ(t.find_node("r1")->router_id.to_string(), "198.19.0.2");
  EXPECT_EQ(t.find_node("r2")->router_id.to_string(), "9.9.9.9");
  EXPECT_FALSE(t.find_node("h1")->loopback.has_value());
  // Management: file order from .2 (the host h1 is node 0).
  EXPECT_EQ(t.nodes[0].mgmt4.to_string(), "198.19.128.2/17");
  EXPECT_EQ(t.nodes[3].mgmt4.to_string(), "198.19.128.5/17");
  EXPECT_EQ(t.nodes[3].mgmt6->to_string(), "2001:db8:fffd::5/64");
}

TEST(Derive, LinkPoolsSkipExplicitSubnetsAndKeepEndpointOrder) {
  auto t = load(
      "name: a\nnodes: {r1: {asn: 1}, r2: {asn: 2}, r3: {asn: 3}}\nlinks:\n"
      "  - endpoints: [r2:eth1, r1:eth1]\n"
      "  - endpoints: [r2:eth2, r3:eth1]\n    ipv4: 198.18.0.2/31\n"
      "  - endpoints: [r3:eth2, r1:eth2]\n");
  EXPECT_EQ(v4(iface(t, "r2", "eth1")), "198.18.0.0/31");  // endpoint a takes the first address
  EXPECT_EQ(v4(iface(t, "r1", "eth1")), "198.18.0.1/31");
  EXPECT_EQ(v4(iface(t, "r2", "eth2")), "198.18.0.2/31");
  EXPECT_EQ(v4(iface(t, "r3", "eth2")), "198.18.0.4/31");  // 198.18.0.2/31 was given: skipped
  EXPECT_EQ(v6(iface(t, "r3", "eth2")), "2001:db8:ffff::4/127");
  EXPECT_EQ(t.links[2].ipv4->to_string(), "198.18.0.4/31");
}

TEST(Derive, HostLinkTakesABlockOfTheGatewaysAnnouncedPrefix) {
  // The brief's example: 192.0.2.0/24 with loopback 192.0.2.1 -> block 192.0.2.8/29, router .9, host .10.
  auto t = load(
      "name: a\nnodes:\n  r1: {asn: 1, loopback: 192.0.2.1, announce: [192.0.2.0/24, 2001:db8:1::/48]}\n"
      "  h1: {kind: host, gateway: r1}\n  h2: {kind: host, gateway: r1}\nlinks:\n"
      "  - endpoints: [h1:eth0, r1:eth1]\n  - endpoints: [r1:eth2, h2:eth0]\n");
  EXPECT_EQ(v4(iface(t, "r1", "eth1")), "192.0.2.9/29");
  EXPECT_EQ(v4(iface(t, "h1", "eth0")), "192.0.2.10/29");
  EXPECT_EQ(v6(iface(t, "r1", "eth1")), "2001:db8:1::1/64");
  EXPECT_EQ(v6(iface(t, "h1", "eth0")), "2001:db8:1::2/64");
  EXPECT_EQ(v4(iface(t, "r1", "eth2")), "192.0.2.17/29");  // next free block; router first even as endpoint a
  EXPECT_EQ(v4(iface(t, "h2", "eth0")), "192.0.2.18/29");
  EXPECT_EQ(v6(iface(t, "h2", "eth0")), "2001:db8:1:1::2/64");
  const Node* h1 = t.find_node("h1");
  EXPECT_EQ(h1->gateway4->to_string(), "192.0.2.9");
  EXPECT_EQ(h1->gateway6->to_string(), "2001:db8:1::1");
}

TEST(Derive, HostLinkFallsBackToThePoolPerFamily) {
  auto t = load(
      "name: a\nnodes:\n  r1: {asn: 1, announce: [2001:db8:5::/48]}\n  h1: {kind: host, gateway: r1}\n"
      "links:\n  - endpoints: [h1:eth0, r1:eth1]\n");
  EXPECT_EQ(v4(iface(t, "r1", "eth1")), "198.18.0.0/31");  // no IPv4 announced: pool, router still first
  EXPECT_EQ(v4(iface(t, "h1", "eth0")), "198.18.0.1/31");
  EXPECT_EQ(v6(iface(t, "r1", "eth1")), "2001:db8:5::1/64");
  EXPECT_EQ(t.find_node("h1")->gateway4->to_string(), "198.18.0.0");
}

TEST(Derive, HostBlocksExhaustedIsADiagnostic) {
  auto result = load_topology_string(
      "name: a\nnodes:\n  r1: {asn: 1, announce: [192.0.2.0/29]}\n"
      "  h1: {kind: host, gateway: r1}\n  h2: {kind: host, gateway: r1}\nlinks:\n"
      "  - endpoints: [h1:eth0, r1:eth1]\n  - endpoints: [h2:eth0, r1:eth2]\n",
      nodes::kinds(), "x.yaml");
  ASSERT_EQ(result.diagnostics.size(), 1U) << result.error_text();
  EXPECT_EQ(result.diagnostics[0].to_string(),
            "x.yaml:8:5: error: links[1]: no free /29 block left in 192.0.2.0/29 (announced by 'r1') for the host "
            "link links[1] (h2:eth0 - r1:eth2)");
}

TEST(Derive, OspfOnlyBetweenOspfRoutersOfTheSameAs) {
  auto t = load(
      "name: a\nnodes:\n  r1: {asn: 1, igp: ospf}\n  r2: {asn: 1, igp: ospf}\n  r3: {asn: 1}\n"
      "  r4: {asn: 2, igp: ospf}\nlinks:\n  - endpoints: [r1:e1, r2:e1]\n    cost: 7\n"
      "  - endpoints: [r2:e2, r3:e1]\n  - endpoints: [r2:e3, r4:e1]\n");
  EXPECT_TRUE(iface(t, "r1", "e1").ospf);
  EXPECT_EQ(iface(t, "r1", "e1").ospf_cost, 7U);
  EXPECT_TRUE(iface(t, "r2", "e1").ospf);
  EXPECT_FALSE(iface(t, "r2", "e2").ospf);  // r3 runs no OSPF
  EXPECT_FALSE(iface(t, "r2", "e3").ospf);  // r4 is another AS
}

std::vector<std::string> session_lines(const Topology& t) {
  std::vector<std::string> out;
  for (const auto& s : t.sessions) {
    out.push_back(std::string(s.type == SessionType::kEbgp ? "ebgp" : "ibgp") +
                  (s.family == Family::kIpv4 ? "4 " : "6 ") + s.local_node + "/" + s.local_address.to_string() + "/" +
                  std::to_string(s.local_asn) + " " + s.remote_node + "/" + s.remote_address.to_string() + "/" +
                  std::to_string(s.remote_asn) + (s.over_loopback ? " lo" : "") + (s.to_collector ? " col" : "") +
                  (s.local_interface.empty() ? "" : " " + s.local_interface + "-" + s.remote_interface));
  }
  return out;
}

TEST(Derive, SessionsEbgpIbgpOverLoopbacksAndCollectors) {
  auto t = load(
      "name: a\nnodes:\n  r2: {asn: 1, igp: ospf}\n  r1: {asn: 1, igp: ospf}\n  x1: {asn: 9}\n"
      "  c1: {kind: collector, bgp: [x1, r1]}\nlinks:\n  - endpoints: [x1:e1, r2:e1]\n"
      "  - endpoints: [r2:e2, r1:e2]\n");
  const std::vector<std::string> expected{
      "ebgp4 r2/198.18.0.1/1 x1/198.18.0.0/9 e1-e1",  // local = the lexicographically smaller name
      "ebgp6 r2/2001:db8:ffff::1/1 x1/2001:db8:ffff::/9 e1-e1",
      "ibgp4 r1/198.19.0.2/1 r2/198.19.0.1/1 lo",  // whole AS runs OSPF: loopbacks
      "ibgp6 r1/2001:db8:fffe::2/1 r2/2001:db8:fffe::1/1 lo",
      "ibgp4 x1/198.19.128.4/9 c1/198.19.128.5/9 col mgmt0-mgmt0",  // the collector mirrors each peer's AS
      "ibgp6 x1/2001:db8:fffd::4/9 c1/2001:db8:fffd::5/9 col mgmt0-mgmt0",
      "ibgp4 r1/198.19.128.3/1 c1/198.19.128.5/1 col mgmt0-mgmt0",
      "ibgp6 r1/2001:db8:fffd::3/1 c1/2001:db8:fffd::5/1 col mgmt0-mgmt0",
  };
  EXPECT_EQ(session_lines(t), expected);
  // Peers of two ASes: no AS of its own (an AS taken from one peer would be refused by the other, "Bad Peer AS").
  EXPECT_EQ(t.find_node("c1")->asn, 0U);
  auto one = load("name: a\nnodes:\n  r1: {asn: 7}\n  r2: {asn: 7}\n  c1: {kind: collector, bgp: [r1, r2]}\n");
  EXPECT_EQ(one.find_node("c1")->asn, 7U);  // peers of one AS: that AS
}

TEST(Derive, IbgpOverDirectLinksWhenTheAsIsNotAllOspf) {
  auto t = load(
      "name: a\ndefaults: {ipv6: false}\nnodes:\n  r1: {asn: 1, igp: ospf}\n  r2: {asn: 1}\n"
      "  r3: {asn: 1}\nlinks:\n  - endpoints: [r1:e1, r2:e1]\n  - endpoints: [r2:e2, r3:e1]\n");
  const std::vector<std::string> expected{
      "ibgp4 r1/198.18.0.0/1 r2/198.18.0.1/1 e1-e1",
      "ibgp4 r2/198.18.0.2/1 r3/198.18.0.3/1 e2-e1",  // no r1-r3 session: not linked
  };
  EXPECT_EQ(session_lines(t), expected);
  EXPECT_EQ(bgp_neighbours(t, "r2"), (std::vector<std::string>{"r1", "r3"}));
  EXPECT_EQ(bgp_neighbours(t, "r1"), (std::vector<std::string>{"r2"}));
}

TEST(Derive, Ipv6OffMeansNoDerivedIpv6ButExplicitStays) {
  auto t = load(
      "name: a\ndefaults: {ipv6: false}\nnodes: {r1: {asn: 1}, r2: {asn: 2}}\nlinks:\n"
      "  - endpoints: [r1:e1, r2:e1]\n  - endpoints: [r1:e2, r2:e2]\n    ipv6: \"2001:db8:9::/64\"\n");
  EXPECT_EQ(v6(iface(t, "r1", "e1")), "-");
  EXPECT_EQ(v6(iface(t, "r1", "e2")), "2001:db8:9::1/64");
  EXPECT_FALSE(t.find_node("r1")->loopback6.has_value());
  EXPECT_FALSE(t.mgmt_subnet6.has_value());
  EXPECT_EQ(t.sessions.size(), 3U);  // v4 on both links, v6 on the second
}

TEST(Derive, LinkAddressesRule) {
  auto pair = [](const char* p) {
    auto [a, b] = link_addresses(*Prefix::parse(p));
    return a.to_string() + " " + b.to_string();
  };
  EXPECT_EQ(pair("10.0.0.0/31"), "10.0.0.0 10.0.0.1");
  EXPECT_EQ(pair("10.0.0.0/30"), "10.0.0.1 10.0.0.2");
  EXPECT_EQ(pair("2001:db8::/127"), "2001:db8:: 2001:db8::1");
  EXPECT_EQ(pair("2001:db8::/64"), "2001:db8::1 2001:db8::2");
}

TEST(Derive, AddBlockWalksLargeStrides) {
  auto base = *IpAddress::parse("2001:db8:1::");
  EXPECT_EQ(add_block(base, 1, 64).to_string(), "2001:db8:1:1::");
  EXPECT_EQ(add_block(base, 0x10001, 64).to_string(), "2001:db8:2:1::");
  EXPECT_EQ(add_block(*IpAddress::parse("198.18.0.0"), 300, 1).to_string(), "198.18.2.88");
  EXPECT_EQ(add_block(*IpAddress::parse("192.0.2.0"), 3, 3).to_string(), "192.0.2.24");
}

}  // namespace
}  // namespace flowlab::topology
