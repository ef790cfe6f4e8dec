#include "bmp_fixtures.hpp"
#include "probes/bmp/feed.hpp"

#include <gtest/gtest.h>

namespace flowlab::bmp {
namespace {

using namespace testing;

template <class T>
const T& as(const Result<Message>& m) {
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return std::get<T>(*m);
}

TEST(BmpMessage, PeerUpKeepsBothOpensAndNegotiatesTheContext) {
  const auto p = peer("192.0.2.2", 4200000001U);
  const auto bytes = peer_up(p, 65001, true);
  const auto m = parse_message(Bytes(bytes));
  const auto& up = as<PeerUp>(m);
  EXPECT_EQ(up.peer, p);
  EXPECT_EQ(up.local_address, addr("192.0.2.1"));
  EXPECT_EQ(up.remote_port, 40000);
  EXPECT_EQ(up.sent->asn(), 65001U);
  EXPECT_EQ(up.received->asn(), 4200000001U);
  const auto ctx = session_context(up);
  EXPECT_TRUE(ctx.four_octet_as);
  EXPECT_TRUE(ctx.add_path_ipv4);
  EXPECT_FALSE(ctx.add_path_ipv6);
  EXPECT_TRUE(ctx.ebgp);
  EXPECT_EQ(encode(*m), bytes);
}

// FRR's bgpd_bmp writes a bare OPEN header (19 octets, "bmp: missing RX OPEN message for peer") when it kept no
// copy of an OPEN, as after a connection collision: the Peer Up stands, with no ADD-PATH and eBGP by the peer's AS.
TEST(BmpMessage, PeerUpWithABareOpenHeaderHasNoThatOpen) {
  PeerUp up;
  up.peer = peer("2001:db8:fffe::1", 65530);
  up.local_address = addr("2001:db8:fffe::2");
  up.sent = open(64500, 0xc0000201U, true);
  const auto bytes = encode(Message{up});
  const auto m = parse_message(Bytes(bytes));
  const auto& parsed = as<PeerUp>(m);
  ASSERT_TRUE(parsed.sent.has_value());
  EXPECT_FALSE(parsed.received.has_value());
  const auto ctx = session_context(parsed);
  EXPECT_FALSE(ctx.add_path_ipv4);
  EXPECT_TRUE(ctx.four_octet_as);
  EXPECT_TRUE(ctx.ebgp);
  EXPECT_EQ(encode(*m), bytes);
  up.sent.reset();
  const auto neither = parse_message(Bytes(encode(Message{up})));
  EXPECT_FALSE(as<PeerUp>(neither).sent.has_value());
  EXPECT_FALSE(session_context(as<PeerUp>(neither)).ebgp);  // the router's AS is unknown: routes kept as reported
}

TEST(BmpMessage, AddPathNeedsReceiveOnOneSideAndSendOnTheOther) {
  PeerUp up;
  up.sent = open(65001, 1, true, bgp::AddPathMode::kSend);
  up.received = open(65001, 2, true, bgp::AddPathMode::kSend);
  EXPECT_FALSE(session_context(up).add_path_ipv4);  // the router only sends: its Adj-RIB-In has no ids
  EXPECT_TRUE(session_context(up, true).add_path_ipv4 == false);
  up.received = open(65001, 2, true, bgp::AddPathMode::kReceive);
  EXPECT_TRUE(session_context(up, true).add_path_ipv4);  // Adj-RIB-Out: router sends, peer receives
}

TEST(BmpMessage, PerPeerHeaderFlagsNameTheRib) {
  EXPECT_EQ(peer("192.0.2.2", 1).rib_kind(), RibKind::kAdjInPre);
  EXPECT_EQ(peer("192.0.2.2", 1, flag::kPostPolicy).rib_kind(), RibKind::kAdjInPost);
  EXPECT_EQ(peer("192.0.2.2", 1, flag::kAdjRibOut).rib_kind(), RibKind::kAdjOutPre);
  EXPECT_EQ(peer("192.0.2.2", 1, flag::kAdjRibOut | flag::kPostPolicy).rib_kind(), RibKind::kAdjOutPost);
  auto loc = peer("0.0.0.0", 1);
  loc.type = PeerType::kLocRib;
  EXPECT_EQ(loc.rib_kind(), RibKind::kLocRib);
  const auto v6 = peer("2001:db8::2", 1);
  const auto bytes = route_monitoring(v6, update({"2001:db8:2::/48"}, {1}));
  EXPECT_EQ(as<RouteMonitoring>(parse_message(Bytes(bytes))).peer.address, addr("2001:db8::2"));
}

TEST(BmpMessage, RouteMonitoringDecodesItsUpdate) {
  const auto p = peer("192.0.2.2", 65002, flag::kPostPolicy);
  const auto u = update({"10.2.0.0/16", "10.2.1.0/24"}, {65002, 65020});
  const auto bytes = route_monitoring(p, u);
  const auto m = parse_message(Bytes(bytes));
  const auto& rm = as<RouteMonitoring>(m);
  bgp::Counters counters;
  auto decoded = decode_update(rm, bgp::SessionContext{}, counters);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->update.nlri.size(), 2U);
  EXPECT_EQ(decoded->update.nlri[1].prefix, prefix("10.2.1.0/24"));
  EXPECT_EQ(decoded->update.attrs.as_path->to_string(), "65002 65020");
  EXPECT_EQ(encode(*m), bytes);
}

TEST(BmpMessage, TheAFlagMeansTwoOctetAsPaths) {
  auto p = peer("192.0.2.2", 65002, flag::kTwoOctetAs);
  bgp::Update u;
  u.attrs.origin = bgp::Origin::kIgp;
  u.attrs.as_path = bgp::AsPath{{bgp::AsPathSegment{bgp::SegmentType::kSequence, {65002, 65003}}}};
  u.attrs.next_hop = addr("192.0.2.2");
  u.nlri = {bgp::Nlri{prefix("10.9.0.0/16"), 0}};
  bgp::SessionContext two;
  two.four_octet_as = false;
  const auto raw = bgp::encode(u, two);
  const auto bytes = route_monitoring(p, raw);
  bgp::Counters counters;
  auto decoded = decode_update(as<RouteMonitoring>(parse_message(Bytes(bytes))), bgp::SessionContext{}, counters);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->update.attrs.as_path->to_string(), "65002 65003");
}

TEST(BmpMessage, PeerDownStatsInitiationTermination) {
  const auto p = peer("192.0.2.2", 65002);
  const auto down = parse_message(Bytes(peer_down(p)));
  EXPECT_EQ(as<PeerDown>(down).reason, PeerDownReason::kRemoteNotification);
  EXPECT_EQ(as<PeerDown>(down).notification->subcode, bgp::err::kAdminShutdown);

  PeerDown fsm{p, PeerDownReason::kLocalNoNotification, std::nullopt, 7};
  EXPECT_EQ(as<PeerDown>(parse_message(Bytes(encode(Message{fsm})))).fsm_event, 7);

  StatsReport s{p, {Stat{0, 3, {}}, Stat{7, 1ULL << 40U, {}}, Stat{9, 12, bgp::kIpv6Unicast}}};
  const auto sb = encode(Message{s});
  EXPECT_EQ(as<StatsReport>(parse_message(Bytes(sb))).stats, s.stats);

  EXPECT_EQ(as<Initiation>(parse_message(Bytes(initiation("r1")))).sys_name(), "r1");
  Termination t{{InfoTlv{info::kReason, std::string("\0\1", 2)}}, std::nullopt};
  EXPECT_EQ(as<Termination>(parse_message(Bytes(encode(Message{t})))).reason, 1);
}

// Every truncation and every single-byte corruption of valid messages fails cleanly or parses; none crashes.
TEST(BmpMessage, GarbageIsAnErrorNeverACrash) {
  const auto p = peer("192.0.2.2", 65002);
  const std::vector<std::vector<std::byte>> messages = {
      peer_up(p, 65001, true), route_monitoring(p, update({"10.2.0.0/16"}, {65002})), peer_down(p), initiation("r1"),
      encode(Message{StatsReport{p, {Stat{0, 3, {}}}}})};
  std::size_t errors = 0;
  for (const auto& m : messages) {
    for (std::size_t n = 0; n < m.size(); ++n) {
      errors += parse_message(Bytes(m).subspan(0, n)).ok() ? 0U : 1U;
    }
    for (std::size_t i = 0; i < m.size(); ++i) {
      auto bad = m;
      bad[i] = static_cast<std::byte>(~std::to_integer<unsigned>(bad[i]) & 0xffU);
      (void)parse_message(Bytes(bad));
    }
  }
  std::size_t total = 0;
  for (const auto& m : messages) {
    total += m.size();
  }
  EXPECT_EQ(errors, total);  // every proper prefix of a message is an error
  const std::vector<std::byte> v1 = {std::byte{1}, std::byte{0}, std::byte{0},
                                     std::byte{0}, std::byte{6}, std::byte{4}};
  EXPECT_FALSE(peek_length(Bytes(v1)).ok());
  std::vector<std::byte> huge = v1;
  huge[0] = std::byte{3};
  huge[1] = std::byte{0x7f};
  EXPECT_FALSE(peek_length(Bytes(huge)).ok());
}

TEST(BmpFeed, FramesAStreamFedByteByByte) {
  const auto p = peer("192.0.2.2", 65002);
  std::vector<std::byte> stream;
  for (const auto& m : {initiation("r1"), peer_up(p, 65001), route_monitoring(p, update({"10.2.0.0/16"}, {65002})),
                        route_monitoring(p, update({"2001:db8:2::/48"}, {65002})),
                        route_monitoring(p, update({"10.2.0.0/16"}, {})), peer_down(p)}) {
    stream.insert(stream.end(), m.begin(), m.end());
  }
  std::vector<std::string> events;
  Feed::Handlers h;
  h.initiation = [&](const Initiation& i) { events.push_back("init " + i.sys_name()); };
  h.peer_up = [&](const PeerUp& u, const bgp::SessionContext&) {
    events.push_back("up " + u.peer.address.to_string());
  };
  h.routes = [&](const PeerHeader&, RibKind kind, const bgp::RouteBatch& b) {
    events.push_back(std::string(to_string(kind)) + (b.attrs ? " +" : " -") +
                     (b.announced.empty() ? b.withdrawn.front() : b.announced.front()).prefix.to_string());
  };
  h.peer_down = [&](const PeerDown& d) { events.push_back("down " + d.peer.address.to_string()); };
  Feed feed(h);
  for (const auto b : stream) {
    ASSERT_TRUE(feed.feed(Bytes(&b, 1)).ok());
  }
  EXPECT_EQ(feed.buffered(), 0U);
  EXPECT_EQ(events, (std::vector<std::string>{"init r1", "up 192.0.2.2", "adj-rib-in-pre +10.2.0.0/16",
                                              "adj-rib-in-pre +2001:db8:2::/48", "adj-rib-in-pre -10.2.0.0/16",
                                              "down 192.0.2.2"}));
  EXPECT_EQ(feed.counters().route_monitoring, 3U);
  std::vector<std::byte> broken = {std::byte{2}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{6}, std::byte{4}};
  EXPECT_FALSE(feed.feed(Bytes(broken)).ok());
}

// A framed message whose body does not parse (a Peer Up whose OPEN is not an OPEN) is skipped and counted; the
// messages after it are handled.
TEST(BmpFeed, SkipsAMessageWhoseBodyDoesNotParse) {
  const auto p = peer("192.0.2.2", 65002);
  auto bad = peer_up(p, 65001);
  bad[6 + kPeerHeaderSize + 20 + 18] = std::byte{3};  // the sent OPEN's BGP type: NOTIFICATION
  std::vector<std::byte> stream = bad;
  for (const auto& m : {peer_up(p, 65001), route_monitoring(p, update({"10.2.0.0/16"}, {65002}))}) {
    stream.insert(stream.end(), m.begin(), m.end());
  }
  std::vector<std::string> skipped;
  std::size_t routes = 0;
  Feed::Handlers h;
  h.skipped = [&](const Error& e) { skipped.push_back(e.message); };
  h.routes = [&](const PeerHeader&, RibKind, const bgp::RouteBatch& b) { routes += b.announced.size(); };
  Feed feed(h);
  ASSERT_TRUE(feed.feed(Bytes(stream)).ok());
  ASSERT_EQ(skipped.size(), 1U);
  EXPECT_NE(skipped[0].find("Peer Up sent OPEN: BGP message type 3"), std::string::npos) << skipped[0];
  EXPECT_EQ(feed.counters().message_errors, 1U);
  EXPECT_EQ(feed.counters().peer_up, 1U);
  EXPECT_EQ(routes, 1U);
}

}  // namespace
}  // namespace flowlab::bmp
