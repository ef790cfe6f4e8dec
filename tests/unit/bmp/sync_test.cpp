// BmpTables' End-of-RIB guard (bmp_tables.hpp): a view is syncing while a peer the router dumps after the BMP
// session's start (its Peer Up in the opening burst) has not sent its End-of-RIB; a peer that comes up while the
// session runs is live; the timeout;
// the families both Peer Up OPENs carry; the Loc-RIB view; the Enricher treats a syncing view as no view.
#include "bmp_fixtures.hpp"
#include "probes/bmp/feed.hpp"
#include "probes/collector/bmp_tables.hpp"
#include "probes/collector/enrich.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace flowlab::collector {
namespace {

using namespace bmp::testing;
using namespace std::chrono_literals;

class BmpSync : public ::testing::Test {
 protected:
  void SetUp() override {
    tables_.set_sync_timeout(30s);
    tables_.session_up(r1_);
  }
  bmp::Feed feed() {
    bmp::Feed::Handlers h;
    const IpAddress r = r1_;
    h.peer_up = [this, r](const bmp::PeerUp& u, const bgp::SessionContext& c) { tables_.peer_up(r, u, c); };
    h.routes = [this, r](const bmp::PeerHeader& p, bmp::RibKind k, const bgp::RouteBatch& b) {
      tables_.routes(r, p, k, b);
    };
    h.end_of_rib = [this, r](const bmp::PeerHeader& p, bmp::RibKind k, bgp::AfiSafi af) {
      tables_.end_of_rib(r, p, k, af);
    };
    h.peer_down = [this, r](const bmp::PeerDown& d) { tables_.peer_down(r, d.peer); };
    return bmp::Feed(h);
  }
  static void send(bmp::Feed& to, const std::vector<std::byte>& m) { ASSERT_TRUE(to.feed(Bytes(m)).ok()); }
  [[nodiscard]] bool syncing(Family family) const { return tables_.syncing(tables_.view(r1_), family); }
  [[nodiscard]] Enricher bmp_enricher() const {
    EnrichConfig config;
    config.source = ViewSource::kBmp;
    return Enricher(bgp_, config, &tables_);
  }
  // dst_as and mask of a record to `dst` from r1 (enriched by `enricher`, else a fresh one), and whether its view
  // was syncing.
  std::string enrich_to(const std::string& dst) const { return enrich_to(bmp_enricher(), dst); }
  std::string enrich_to(const Enricher& enricher, const std::string& dst) const {
    wire::FlowRecord record;
    record.exporter = r1_;
    record.src_addr = addr("10.9.0.1");
    record.dst_addr = addr(dst);
    record.packets = 1;
    const auto flow = enricher.enrich(record);
    return std::to_string(flow.as_dst) + "/" + std::to_string(flow.net_dst.length) +
           (flow.view_syncing ? " syncing" : "");
  }

  BgpTables bgp_;
  BmpTables tables_;
  const IpAddress r1_ = addr("10.0.0.1");
};

// The router dumps two peers that were up before the session: the /16 of one is there, the /24 of the other not
// yet. Until both End-of-RIBs of the view's RIB (pre-policy here) arrive, the view is not read.
TEST_F(BmpSync, ADumpedPeerHoldsTheViewUntilItsEndOfRib) {
  auto f = feed();
  const auto a = peer("192.0.2.2", 65002);
  const auto b = peer("192.0.2.3", 65003);
  send(f, peer_up(a, 65001));
  send(f, peer_up(b, 65001));
  send(f, route_monitoring(a, update({"10.0.0.0/16"}, {65002, 64999})));
  EXPECT_TRUE(syncing(Family::kIpv4));
  EXPECT_TRUE(syncing(Family::kIpv6));
  EXPECT_EQ(enrich_to("10.0.1.5"), "0/0 syncing");  // not 64999/16: the /24 is still to come
  send(f, route_monitoring(b, update({"10.0.1.0/24"}, {65003, 64777})));
  send(f, end_of_rib(a, false));
  EXPECT_TRUE(syncing(Family::kIpv4)) << "b's End-of-RIB is still to come";
  send(f, end_of_rib(peer("192.0.2.3", 65003, bmp::flag::kPostPolicy), false));
  EXPECT_TRUE(syncing(Family::kIpv4)) << "a post-policy End-of-RIB does not end the pre-policy view's dump";
  send(f, end_of_rib(b, false));
  EXPECT_FALSE(syncing(Family::kIpv4));
  EXPECT_TRUE(syncing(Family::kIpv6));
  EXPECT_EQ(enrich_to("10.0.1.5"), "64777/24");
  ASSERT_EQ(tables_.routers().size(), 1U);
  EXPECT_FALSE(tables_.routers()[0].syncing_ipv4);
  EXPECT_TRUE(tables_.routers()[0].syncing_ipv6);
  send(f, end_of_rib(a, true));
  send(f, end_of_rib(b, true));
  EXPECT_FALSE(syncing(Family::kIpv6));
}

// A Peer Up that comes well after the session's opening burst is of a peer that came up while the session runs:
// reported live (FRR sends it no End-of-RIB), read at once. A new session dumps it (its Peer Up in the burst).
TEST_F(BmpSync, APeerThatComesUpWhileTheSessionRunsIsLive) {
  auto f = feed();
  std::this_thread::sleep_for(BmpTables::kBurstGap + 50ms);
  send(f, peer_up(peer("192.0.2.2", 65002), 65001));
  send(f, route_monitoring(peer("192.0.2.2", 65002), update({"10.0.0.0/16"}, {65002, 64999})));
  EXPECT_FALSE(syncing(Family::kIpv4));
  EXPECT_FALSE(syncing(Family::kIpv6));
  EXPECT_EQ(enrich_to("10.0.1.5"), "64999/16");

  tables_.session_up(r1_);  // a new session: the peer is up at its start, so dumped
  send(f, peer_up(peer("192.0.2.2", 65002), 65001));
  EXPECT_TRUE(syncing(Family::kIpv4));
  send(f, end_of_rib(peer("192.0.2.2", 65002), false));
  EXPECT_FALSE(syncing(Family::kIpv4));
  EXPECT_TRUE(syncing(Family::kIpv6));
}

// The burst ends with the first Route Monitoring message (a route or an End-of-RIB): a Peer Up after it is live.
TEST_F(BmpSync, APeerUpAfterTheFirstRouteIsLive) {
  auto f = feed();
  const auto a = peer("192.0.2.2", 65002);
  send(f, peer_up(a, 65001));
  send(f, route_monitoring(a, update({"10.0.0.0/16"}, {65002, 64999})));
  send(f, peer_up(peer("192.0.2.3", 65003), 65001));
  EXPECT_TRUE(syncing(Family::kIpv4));  // a's dump
  send(f, end_of_rib(a, false));
  EXPECT_FALSE(syncing(Family::kIpv4)) << "the live peer does not hold the view";
}

TEST_F(BmpSync, WithoutEndOfRibTheTimeoutEndsTheWait) {
  tables_.set_sync_timeout(50ms);
  tables_.session_up(r1_);
  auto f = feed();
  send(f, peer_up(peer("192.0.2.2", 65002), 65001));
  EXPECT_TRUE(syncing(Family::kIpv4));
  std::this_thread::sleep_for(80ms);
  EXPECT_FALSE(syncing(Family::kIpv4));
  tables_.set_sync_timeout(0ms);  // 0: never syncing
  tables_.session_up(r1_);
  send(f, peer_up(peer("192.0.2.2", 65002), 65001));
  EXPECT_FALSE(syncing(Family::kIpv4));
}

// Only what both OPENs carry waits: an IPv4-only session holds no IPv6 view; a Peer Up without the OPENs (the
// router kept no copy) negotiates no known family, so nothing waits for it.
TEST_F(BmpSync, OnlyTheFamiliesBothOpensCarryWait) {
  auto f = feed();
  auto up = peer_up_message(peer("192.0.2.2", 65002), 65001);
  up.received->capabilities = {bgp::FourOctetAsCap{65002}};  // no multiprotocol capability: IPv4 unicast only
  send(f, bmp::encode(bmp::Message{up}));
  EXPECT_TRUE(syncing(Family::kIpv4));
  EXPECT_FALSE(syncing(Family::kIpv6));
  const bgp::SessionContext ctx = bmp::session_context(up);
  EXPECT_TRUE(ctx.ipv4_unicast);
  EXPECT_FALSE(ctx.ipv6_unicast);
  up.received.reset();
  EXPECT_FALSE(bmp::session_context(up).ipv4_unicast);
  EXPECT_FALSE(bmp::session_context(up).ipv6_unicast);
}

// RFC 9069: with a Loc-RIB the view is the Loc-RIB, syncing until the Loc-RIB instance's End-of-RIB.
TEST_F(BmpSync, TheLocRibViewSyncsUntilItsEndOfRib) {
  auto f = feed();
  auto loc = peer("0.0.0.0", 65001);
  loc.type = bmp::PeerType::kLocRib;
  send(f, peer_up(loc, 65001));
  send(f, route_monitoring(loc, update({"10.6.0.0/16"}, {65006})));
  EXPECT_TRUE(syncing(Family::kIpv4));
  send(f, end_of_rib(loc, false));
  EXPECT_FALSE(syncing(Family::kIpv4));
  EXPECT_EQ(enrich_to("10.6.0.1"), "65006/16");
}

// One Enricher kept across the sync events (its cached per-view deadline, BmpTables::sync_generation): it sees the
// dump start, each End-of-RIB, the timeout and a new session, as a fresh Enricher per record would.
TEST_F(BmpSync, AKeptEnricherFollowsTheViewsSyncState) {
  tables_.set_sync_timeout(150ms);
  tables_.session_up(r1_);
  const Enricher enricher = bmp_enricher();
  const auto to_dst = [&] { return enrich_to(enricher, "10.0.1.5"); };
  auto f = feed();
  const auto a = peer("192.0.2.2", 65002);
  send(f, peer_up(a, 65001));
  send(f, route_monitoring(a, update({"10.0.0.0/16"}, {65002, 64999})));
  EXPECT_EQ(to_dst(), "0/0 syncing");
  send(f, end_of_rib(a, false));
  EXPECT_EQ(to_dst(), "64999/16");
  tables_.session_up(r1_);  // a new session dumps again: syncing until the End-of-RIB or the timeout
  send(f, peer_up(a, 65001));
  send(f, route_monitoring(a, update({"10.0.0.0/16"}, {65002, 64998})));
  EXPECT_EQ(to_dst(), "0/0 syncing");
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(to_dst(), "64998/16");
}

}  // namespace
}  // namespace flowlab::collector
