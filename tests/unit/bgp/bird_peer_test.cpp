// Real-peer test (label lab, needs root): BIRD 2 in a private namespace exports static IPv4/IPv6 routes over eBGP
// (4-octet AS, ADD-PATH, v6 over the v4 session) to our Speaker in the same namespace. The Speaker's RIB must equal
// what BIRD says it exported, attributes included; disabling BIRD's session must withdraw everything.
#include "probes/bgp/format.hpp"
#include "tests/support/eventually.hpp"
#include "tests/unit/bgp/bird_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace flowlab::bgp {
namespace {

using namespace std::chrono_literals;

template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds timeout) {
  return test_support::eventually(pred, timeout, 50ms);
}

const char* kBirdConfig = R"(
log stderr all;
router id 192.0.2.2;
protocol device {}
protocol static s4 {
  ipv4;
  route 198.51.100.0/24 blackhole;
  route 203.0.113.0/25 blackhole;
  route 203.0.113.128/25 blackhole;
  route 192.0.2.128/26 blackhole;
  route 10.0.0.0/8 blackhole;
}
protocol static s6 {
  ipv6;
  route 2001:db8:1::/48 blackhole;
  route 2001:db8:2::/48 blackhole;
  route 2001:db8:ffff::/64 blackhole;
}
protocol bgp collector {
  local 192.0.2.2 as 4200000001;
  multihop;
  neighbor 192.0.2.1 port 1179 as 65000;
  hold time 9;
  ipv4 {
    import none;
    add paths tx;
    export filter {
      if net = 203.0.113.0/25 then {
        bgp_community.add((65001, 100));
        bgp_large_community.add((4200000001, 1, 2));
        bgp_ext_community.add((rt, 65001, 7));
        bgp_med = 42;
        bgp_path.prepend(64999);
      }
      accept;
    };
  };
  ipv6 {
    import none;
    next hop address 2001:db8::2;
    export all;
  };
}
)";

// Prefixes in `birdc show route export collector` output (lines starting with a prefix).
std::set<std::string> exported_prefixes(const std::string& birdc_out) {
  std::set<std::string> out;
  static const std::regex kLine(R"(^([0-9a-f:.]+/[0-9]+)\s)");
  std::istringstream in(birdc_out);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, kLine)) {
      out.insert(m[1]);
    }
  }
  return out;
}

TEST(BgpBirdPeer, RibEqualsBirdExportAndSessionDownWithdraws) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "needs root (network namespaces)";
  }
  testing::TestNetns ns("peer", {"192.0.2.1/32", "192.0.2.2/32", "2001:db8::1/128", "2001:db8::2/128"});
  ASSERT_TRUE(ns.ok()) << "creating namespace " << ns.name();

  SpeakerConfig cfg;
  cfg.listen = {ListenAddress{*IpAddress::parse("192.0.2.1"), 1179}};
  cfg.local_as = 65000;
  cfg.bgp_id = 0xc0000201;
  cfg.hold_time = 9;
  PeerConfig peer;
  peer.address = *IpAddress::parse("192.0.2.2");
  peer.peer_as = 4200000001U;
  peer.name = "bird";
  cfg.peers = {peer};
  testing::SpeakerHarness harness(ns.name(), cfg);
  auto started = harness.start();
  ASSERT_TRUE(started.ok()) << started.error().to_string();

  const auto dir = std::filesystem::temp_directory_path() / ns.name();
  testing::BirdProcess bird(ns.name(), dir, kBirdConfig);
  ASSERT_TRUE(bird.started()) << bird.error();

  ASSERT_TRUE(wait_for([&] { return harness.routes() == 8; }, 20s))
      << "routes " << harness.routes() << "\n"
      << bird.birdc({"show", "protocols", "all", "collector"});

  const auto exported = exported_prefixes(bird.birdc({"show", "route", "export", "collector"}));
  ASSERT_EQ(exported.size(), 8U) << bird.birdc({"show", "route", "export", "collector"});

  const IpAddress bird_addr = *IpAddress::parse("192.0.2.2");
  harness.call([&] {
    Rib& rib = harness.rib(bird_addr);
    std::set<std::string> ours;
    rib.for_each([&](const RibRoute& r) { ours.insert(r.prefix.to_string()); });
    EXPECT_EQ(ours, exported);
    EXPECT_EQ(rib.size(), 8U);

    // ADD-PATH was negotiated for IPv4 (BIRD "add paths tx"): path ids are non-zero there, zero for IPv6.
    auto v4 = rib.paths(*Prefix::parse("198.51.100.0/24"));
    ASSERT_EQ(v4.size(), 1U);
    EXPECT_NE(v4[0].path_id, 0U);
    EXPECT_EQ(v4[0].attrs->as_path->to_string(), "4200000001");
    EXPECT_EQ(v4[0].attrs->next_hop(Family::kIpv4).to_string(), "192.0.2.2");

    auto tagged = rib.lookup(*IpAddress::parse("203.0.113.9"));
    EXPECT_TRUE(tagged.has_value());
    if (tagged) {
      EXPECT_EQ(tagged->prefix.to_string(), "203.0.113.0/25");
      const auto& a = tagged->attrs->attrs;
      EXPECT_EQ(tagged->attrs->as_path->to_string(), "4200000001 64999");
      EXPECT_EQ(communities_string(a.communities), "65001:100");
      EXPECT_EQ(large_communities_string(a.large_communities), "4200000001:1:2");
      EXPECT_EQ(ext_communities_string(a.ext_communities), "RT:65001:7");
      EXPECT_EQ(a.med, std::optional<std::uint32_t>(42));
    }
    auto v6 = rib.lookup(*IpAddress::parse("2001:db8:1::1"));
    EXPECT_TRUE(v6.has_value());
    if (v6) {
      EXPECT_EQ(v6->prefix.to_string(), "2001:db8:1::/48");
      EXPECT_EQ(v6->path_id, 0U);
      EXPECT_EQ(v6->attrs->next_hop(Family::kIpv6).to_string(), "2001:db8::2");
    }
    // The table dump has one line per route, pmacct keys.
    std::ostringstream dump;
    DumpOptions opt;
    opt.peer_ip_src = "192.0.2.2";
    EXPECT_EQ(write_table_dump(dump, rib, opt), 8U);
    EXPECT_NE(dump.str().find(R"("ip_prefix":"203.0.113.0/25","bgp_nexthop":"192.0.2.2","as_path":"4200000001 64999")"),
              std::string::npos)
        << dump.str();

    auto peers = harness.speaker().peers();
    EXPECT_EQ(peers.size(), 1U);
    EXPECT_EQ(peers[0].state, State::kEstablished);
    EXPECT_EQ(peers[0].info.asn, 4200000001U);
    EXPECT_TRUE(peers[0].info.context.four_octet_as);
    EXPECT_TRUE(peers[0].info.context.add_path_ipv4);
    EXPECT_FALSE(peers[0].info.context.add_path_ipv6);
    // Route refresh is accepted by BIRD (it re-sends; the RIB stays the same).
    EXPECT_TRUE(harness.speaker().request_refresh(bird_addr, kIpv4Unicast));
  });

  // Stopping the session on BIRD's side withdraws every route.
  bird.birdc({"disable", "collector"});
  ASSERT_TRUE(wait_for([&] { return harness.peer_downs() >= 1 && harness.routes() == 0; }, 10s))
      << "routes " << harness.routes();
  harness.call([&] {
    auto peers = harness.speaker().peers();
    ASSERT_EQ(peers.size(), 1U);
    ASSERT_TRUE(peers[0].last_notification_received.has_value());
    EXPECT_EQ(peers[0].last_notification_received->code, err::kCease);
    EXPECT_EQ(harness.rib(bird_addr).size(), 0U);
    EXPECT_EQ(harness.rib(bird_addr).store().size(), 0U);
  });

  // And re-enabling it brings the table back.
  bird.birdc({"enable", "collector"});
  ASSERT_TRUE(wait_for([&] { return harness.routes() == 8; }, 20s)) << "routes " << harness.routes();
  harness.stop();
}

TEST(BgpBirdPeer, RejectsUnconfiguredPeerAndWrongAs) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "needs root (network namespaces)";
  }
  testing::TestNetns ns("rej", {"192.0.2.1/32", "192.0.2.2/32", "192.0.2.3/32"});
  ASSERT_TRUE(ns.ok());
  SpeakerConfig cfg;
  cfg.listen = {ListenAddress{*IpAddress::parse("192.0.2.1"), 1179}};
  cfg.local_as = 65000;
  PeerConfig peer;
  peer.address = *IpAddress::parse("192.0.2.2");
  peer.peer_as = 65002;  // BIRD says 65001: Bad Peer AS
  cfg.peers = {peer};
  testing::SpeakerHarness harness(ns.name(), cfg);
  ASSERT_TRUE(harness.start().ok());
  const std::string conf = R"(
router id 192.0.2.2;
protocol device {}
protocol static s4 { ipv4; route 198.51.100.0/24 blackhole; }
protocol bgp wrong_as { local 192.0.2.2 as 65001; multihop; neighbor 192.0.2.1 port 1179 as 65000;
  ipv4 { import none; export all; }; }
protocol bgp stranger { local 192.0.2.3 as 65003; multihop; neighbor 192.0.2.1 port 1179 as 65000;
  ipv4 { import none; export all; }; }
)";
  testing::BirdProcess bird(ns.name(), std::filesystem::temp_directory_path() / (ns.name() + "-bird"), conf);
  ASSERT_TRUE(bird.started()) << bird.error();
  ASSERT_TRUE(wait_for(
      [&] {
        return harness.call([&] {
          const auto c = harness.speaker().counters();
          const auto peers = harness.speaker().peers();
          return c.bgp_connection_rejected >= 1 && !peers.empty() && peers[0].last_notification_sent.has_value();
        });
      },
      20s));
  harness.call([&] {
    const auto peers = harness.speaker().peers();
    EXPECT_EQ(peers[0].last_notification_sent->code, err::kOpen);
    EXPECT_EQ(peers[0].last_notification_sent->subcode, err::kBadPeerAs);
    EXPECT_EQ(peers[0].established_count, 0U);
  });
  EXPECT_EQ(harness.routes(), 0U);
}

}  // namespace
}  // namespace flowlab::bgp

namespace flowlab::bgp {
namespace {

// TCP-MD5 (RFC 2385): the speaker signs with a peer's password. BIRD with the same password gets Established; BIRD
// with a wrong one, and BIRD with none, never do (the kernel drops their segments before any BGP message).
TEST(BgpBirdPeer, TcpMd5RightPasswordUpWrongOrNoneStaysDown) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "needs root (network namespaces)";
  }
  testing::TestNetns ns("md5", {"192.0.2.1/32", "192.0.2.2/32", "192.0.2.3/32", "192.0.2.4/32"});
  ASSERT_TRUE(ns.ok());
  SpeakerConfig cfg;
  cfg.listen = {ListenAddress{*IpAddress::parse("192.0.2.1"), 1179}};
  cfg.local_as = 65000;
  for (const char* a : {"192.0.2.2", "192.0.2.3", "192.0.2.4"}) {
    PeerConfig peer;
    peer.address = *IpAddress::parse(a);
    peer.password = "s3cret-Key_1";
    cfg.peers.push_back(peer);
  }
  testing::SpeakerHarness harness(ns.name(), cfg);
  ASSERT_TRUE(harness.start().ok());
  const std::string conf = R"(
router id 192.0.2.2;
protocol device {}
protocol static s4 { ipv4; route 198.51.100.0/24 blackhole; }
protocol bgp right { local 192.0.2.2 as 65001; multihop; neighbor 192.0.2.1 port 1179 as 65000;
  password "s3cret-Key_1"; connect retry time 1; ipv4 { import none; export all; }; }
protocol bgp wrong { local 192.0.2.3 as 65001; multihop; neighbor 192.0.2.1 port 1179 as 65000;
  password "s3cret-Key_2"; connect retry time 1; ipv4 { import none; export all; }; }
protocol bgp nokey { local 192.0.2.4 as 65001; multihop; neighbor 192.0.2.1 port 1179 as 65000;
  connect retry time 1; ipv4 { import none; export all; }; }
)";
  testing::BirdProcess bird(ns.name(), std::filesystem::temp_directory_path() / (ns.name() + "-bird"), conf);
  ASSERT_TRUE(bird.started()) << bird.error();
  auto established = [&](const std::string& address) {
    return harness.call([&] {
      for (const auto& p : harness.speaker().peers()) {
        if (p.info.address == *IpAddress::parse(address)) {
          return p.established_count;
        }
      }
      return std::uint64_t{0};
    });
  };
  ASSERT_TRUE(wait_for([&] { return established("192.0.2.2") == 1 && harness.routes() == 1; }, 20s))
      << bird.birdc({"show", "protocols", "all", "right"}) << "routes " << harness.routes() << "\n"
      << [&] {
           std::string all;
           for (const auto& line : harness.log()) {
             all += line + "\n";
           }
           return all;
         }();
  // BIRD's wrong and unsigned sessions retry every second: give them several attempts.
  std::this_thread::sleep_for(6s);
  EXPECT_EQ(established("192.0.2.3"), 0U);
  EXPECT_EQ(established("192.0.2.4"), 0U);
  EXPECT_EQ(harness.routes(), 1U);
  const std::string protocols = bird.birdc({"show", "protocols"});
  auto up = [&](const std::string& name) {
    return std::regex_search(protocols, std::regex(name + R"(\s+BGP\s+\S+\s+up\s.*Established)"));
  };
  EXPECT_TRUE(up("right")) << protocols;
  EXPECT_FALSE(up("wrong")) << protocols;
  EXPECT_FALSE(up("nokey")) << protocols;
}

}  // namespace
}  // namespace flowlab::bgp
