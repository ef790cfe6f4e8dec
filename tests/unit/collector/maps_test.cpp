// pmacct map files: bgp_agent_map and bgp_peer_src_as_map, good and bad lines.
#include "probes/collector/agent_map.hpp"
#include "probes/collector/peer_src_map.hpp"

#include <gtest/gtest.h>

namespace flowlab::collector {
namespace {

IpAddress addr(const char* s) { return *IpAddress::parse(s); }

TEST(AgentMap, ParsesPmacctSyntax) {
  auto m = AgentMap::parse(
      "! agent map\n"
      "bgp_ip=10.0.0.1   ip=192.0.2.1\n"
      "\n"
      "ip=192.0.2.0/24 bgp_ip=10.0.0.2  # whole subnet\n"
      "bgp_ip=2001:db8::1 ip=2001:db8:ffff::1 bgp_port=1790\n");
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->entries().size(), 3U);
  EXPECT_EQ(m->entries()[1].line, 4U);
  EXPECT_EQ(m->lookup(addr("192.0.2.1")), addr("10.0.0.1"));  // first match wins
  EXPECT_EQ(m->lookup(addr("192.0.2.7")), addr("10.0.0.2"));
  EXPECT_EQ(m->lookup(addr("2001:db8:ffff::1")), addr("2001:db8::1"));
  EXPECT_EQ(m->lookup(addr("198.51.100.1")), std::nullopt);
}

struct BadLine {
  std::string text;
  std::string error;  // expected message prefix "file:line:col: error: ..."
};

class AgentMapErrors : public ::testing::TestWithParam<BadLine> {};

TEST_P(AgentMapErrors, FileLineCol) {
  auto m = AgentMap::parse(GetParam().text, "agent.map");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().message.substr(0, GetParam().error.size()), GetParam().error) << m.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Collector, AgentMapErrors,
    ::testing::Values(BadLine{"bgp_ip=10.0.0.1 ip=192.0.2.300\n", "agent.map:1:20: error: bad address"},
                      BadLine{"\n  bgp_ip=10.0.0.x ip=192.0.2.1\n", "agent.map:2:10: error: bad address"},
                      BadLine{"bgp_ip=10.0.0.1 ip=192.0.2.1 foo=1\n", "agent.map:1:30: error: unknown key 'foo'"},
                      BadLine{"bgp_ip=10.0.0.1 192.0.2.1\n", "agent.map:1:17: error: expected key=value"},
                      BadLine{"bgp_ip=10.0.0.1\n", "agent.map:1:1: error: missing ip="},
                      BadLine{"ip=192.0.2.1\n", "agent.map:1:1: error: missing bgp_ip="},
                      BadLine{"bgp_ip= ip=1.2.3.4\n", "agent.map:1:1: error: empty value"}));

TEST(PeerSrcAsMap, ParsesAndMatches) {
  auto m = PeerSrcAsMap::parse(
      "id=65001 ip=192.0.2.1 in=3\n"
      "id=65002 ip=192.0.2.1 in=4\n"
      "id=65009 ip=192.0.2.0/24\n"
      "id=64999\n");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->lookup(addr("192.0.2.1"), 3), 65001U);
  EXPECT_EQ(m->lookup(addr("192.0.2.1"), 4), 65002U);
  EXPECT_EQ(m->lookup(addr("192.0.2.1"), 5), 65009U);
  EXPECT_EQ(m->lookup(addr("192.0.2.2"), 3), 65009U);
  EXPECT_EQ(m->lookup(addr("198.51.100.1"), 3), 64999U);
  auto empty = PeerSrcAsMap::parse("! nothing\n");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->lookup(addr("192.0.2.1"), 3), std::nullopt);
}

TEST(PeerSrcAsMap, Errors) {
  struct C {
    std::string text, error;
  };
  for (const C& c : {C{"id=65001 ip=192.0.2.1 in=x\n", "m:1:26: error: bad ifindex"},
                     C{"id=-1\n", "m:1:4: error: bad AS number"}, C{"ip=192.0.2.1 in=3\n", "m:1:1: error: missing id="},
                     C{"id=1 ip=192.0.2.1/33\n", "m:1:9: error: bad address or prefix"},
                     C{"id=1\nid=2 vlan=3\n", "m:2:6: error: unknown key 'vlan'"}}) {
    SCOPED_TRACE(c.text);
    auto m = PeerSrcAsMap::parse(c.text, "m");
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().message.substr(0, c.error.size()), c.error) << m.error().message;
  }
}

}  // namespace
}  // namespace flowlab::collector
