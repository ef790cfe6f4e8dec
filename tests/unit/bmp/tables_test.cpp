// BmpTables through bmp::Feed: per-peer RIBs, the router's view (best path over peers), Peer Down, session loss,
// and the Enricher with enrich.source: bmp.
#include "bmp_fixtures.hpp"
#include "probes/bmp/feed.hpp"
#include "probes/collector/bmp_tables.hpp"
#include "probes/collector/enrich.hpp"

#include <gtest/gtest.h>

namespace flowlab::collector {
namespace {

using namespace bmp::testing;

class BmpTablesTest : public ::testing::Test {
 protected:
  bmp::Feed feed_for(const IpAddress& router) {
    bmp::Feed::Handlers h;
    h.initiation = [this, router](const bmp::Initiation& i) { tables_.initiation(router, i); };
    h.peer_up = [this, router](const bmp::PeerUp& u, const bgp::SessionContext& c) { tables_.peer_up(router, u, c); };
    h.routes = [this, router](const bmp::PeerHeader& p, bmp::RibKind k, const bgp::RouteBatch& b) {
      tables_.routes(router, p, k, b);
    };
    h.peer_down = [this, router](const bmp::PeerDown& d) { tables_.peer_down(router, d.peer); };
    return bmp::Feed(h);
  }
  static void send(bmp::Feed& feed, const std::vector<std::byte>& m) { ASSERT_TRUE(feed.feed(Bytes(m)).ok()); }
  // The view's chosen path for an address: "<first AS> <prefix>", or "none".
  std::string best(const IpAddress& router, const std::string& address) const {
    const bgp::Rib* v = tables_.view(router);
    if (v == nullptr) {
      return "no view";
    }
    auto r = v->lookup(addr(address));
    return r ? std::to_string(r->attrs->as_path->first_as()) + " " + r->prefix.to_string() : "none";
  }

  BmpTables tables_;
  const IpAddress r1_ = addr("10.0.0.1");
  const bmp::PeerHeader ebgp_ = peer("192.0.2.2", 65002);
  const bmp::PeerHeader ibgp_ = peer("192.0.2.4", 65001);
};

TEST_F(BmpTablesTest, ViewIsTheBestPathOverPeersAndPeerDownWithdraws) {
  tables_.session_up(r1_);
  auto feed = feed_for(r1_);
  send(feed, initiation("r1"));
  send(feed, peer_up(ebgp_, 65001));
  send(feed, peer_up(ibgp_, 65001));
  send(feed, route_monitoring(ebgp_, update({"10.2.0.0/16"}, {65002, 65020})));
  send(feed, route_monitoring(ibgp_, update({"10.2.0.0/16"}, {65003})));  // shorter path wins
  send(feed, route_monitoring(ibgp_, update({"10.4.0.0/16"}, {65004, 65005}, 50)));
  send(feed, route_monitoring(ebgp_, update({"10.4.0.0/16"}, {65002}, 100)));  // higher LOCAL_PREF wins
  send(feed, route_monitoring(ebgp_, update({"2001:db8:2::/48"}, {65002})));
  EXPECT_EQ(best(r1_, "10.2.3.4"), "65003 10.2.0.0/16");
  EXPECT_EQ(best(r1_, "10.4.0.1"), "65002 10.4.0.0/16");
  EXPECT_EQ(best(r1_, "2001:db8:2::1"), "65002 2001:db8:2::/48");
  const BgpTables* pre = tables_.tables(r1_, bmp::RibKind::kAdjInPre);
  ASSERT_NE(pre, nullptr);
  EXPECT_EQ(pre->by_address(ebgp_.address)->size(), 3U);
  EXPECT_EQ(pre->by_address(ibgp_.address)->size(), 2U);
  ASSERT_EQ(tables_.routers().size(), 1U);
  EXPECT_EQ(tables_.routers()[0].sys_name, "r1");
  EXPECT_EQ(tables_.routers()[0].bgp_id, 0xc0000201U);
  EXPECT_EQ(tables_.routers()[0].peers_up, 2U);

  send(feed, peer_down(ibgp_));
  EXPECT_EQ(best(r1_, "10.2.3.4"), "65002 10.2.0.0/16");  // the other peer's path is left
  EXPECT_EQ(pre->by_address(ibgp_.address)->size(), 0U);
  send(feed, route_monitoring(ebgp_, update({"10.4.0.0/16"}, {})));
  EXPECT_EQ(best(r1_, "10.4.0.1"), "none");
  EXPECT_EQ(tables_.view(r1_)->size(), 2U);

  tables_.session_down(r1_);
  EXPECT_EQ(best(r1_, "10.2.3.4"), "no view");
  EXPECT_TRUE(tables_.routers().empty());
}

// Routes of an eBGP peer are stored as the router holds them: FRR 8.4's leading own AS ("<router AS> <peer AS>
// ...") removed, LOCAL_PREF 100 where none came; an iBGP peer's routes and other paths are left as sent.
TEST_F(BmpTablesTest, EbgpRoutesAsTheRouterHoldsThem) {
  tables_.session_up(r1_);
  auto feed = feed_for(r1_);
  send(feed, peer_up(ebgp_, 65001));
  send(feed, peer_up(ibgp_, 65001));
  send(feed, route_monitoring(ebgp_, update({"10.2.0.0/16"}, {65001, 65002, 65020})));  // FRR 8.4's encoding
  send(feed, route_monitoring(ebgp_, update({"10.3.0.0/16"}, {65001, 65030})));         // not followed by the peer's AS
  send(feed, route_monitoring(ibgp_, update({"10.4.0.0/16"}, {65001, 65004}, 50)));     // iBGP: as sent
  auto path_of = [&](const std::string& address) {
    auto r = tables_.view(r1_)->lookup(addr(address));
    return r ? r->attrs->as_path->to_string() + " lp " + std::to_string(r->attrs->local_pref()) +
                   (r->attrs->attrs.local_pref ? "" : " (none)")
             : "none";
  };
  EXPECT_EQ(path_of("10.2.0.1"), "65002 65020 lp 100");
  EXPECT_EQ(path_of("10.3.0.1"), "65001 65030 lp 100");
  EXPECT_EQ(path_of("10.4.0.1"), "65001 65004 lp 50");
  const bgp::Rib* pre = tables_.tables(r1_, bmp::RibKind::kAdjInPre)->by_address(ebgp_.address);
  ASSERT_NE(pre, nullptr);
  const auto stored = pre->lookup(addr("10.2.0.1"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->attrs->as_path->to_string(), "65002 65020");
}

TEST_F(BmpTablesTest, PostPolicyRoutesReplacePrePolicyInTheView) {
  tables_.session_up(r1_);
  auto feed = feed_for(r1_);
  send(feed, peer_up(ebgp_, 65001));
  send(feed, route_monitoring(ebgp_, update({"10.2.0.0/16"}, {65002, 65020})));
  EXPECT_EQ(best(r1_, "10.2.0.1"), "65002 10.2.0.0/16");
  auto post = peer("192.0.2.2", 65002, bmp::flag::kPostPolicy);
  send(feed, route_monitoring(post, update({"10.3.0.0/16"}, {65002})));
  EXPECT_EQ(best(r1_, "10.2.0.1"), "none");  // filtered by the router's import policy
  EXPECT_EQ(best(r1_, "10.3.0.1"), "65002 10.3.0.0/16");
  send(feed, route_monitoring(ebgp_, update({"10.5.0.0/16"}, {65002})));  // pre-policy no longer feeds the view
  EXPECT_EQ(best(r1_, "10.5.0.1"), "none");
  EXPECT_EQ(tables_.tables(r1_, bmp::RibKind::kAdjInPre)->by_address(ebgp_.address)->size(), 2U);
}

TEST_F(BmpTablesTest, LocRibIsTheViewWhenSent) {
  tables_.session_up(r1_);
  auto feed = feed_for(r1_);
  send(feed, route_monitoring(ebgp_, update({"10.2.0.0/16"}, {65002})));
  auto loc = peer("0.0.0.0", 65001);
  loc.type = bmp::PeerType::kLocRib;
  send(feed, route_monitoring(loc, update({"10.6.0.0/16"}, {65006})));
  EXPECT_EQ(best(r1_, "10.6.0.1"), "65006 10.6.0.0/16");
  EXPECT_EQ(best(r1_, "10.2.0.1"), "none");
}

TEST_F(BmpTablesTest, EnricherWithSourceBmpUsesTheRoutersView) {
  tables_.session_up(r1_);
  auto feed = feed_for(r1_);
  send(feed, peer_up(ebgp_, 65001));
  send(feed, route_monitoring(ebgp_, update({"10.2.0.0/16"}, {65002, 65020})));
  BgpTables bgp;  // empty: with source bmp it is not read
  EnrichConfig config;
  config.source = ViewSource::kBmp;
  Enricher enricher(bgp, config, &tables_);
  wire::FlowRecord record;
  record.exporter = r1_;
  record.src_addr = addr("10.9.0.1");
  record.dst_addr = addr("10.2.0.9");
  record.packets = 1;
  auto flow = enricher.enrich(record);
  EXPECT_EQ(flow.as_dst, 65020U);
  EXPECT_EQ(flow.peer_as_dst, 65002U);
  EXPECT_EQ(flow.net_dst, prefix("10.2.0.0/16"));
  // By router id (the router's BGP identifier from its Peer Up OPEN) when the exporter address is another one.
  record.exporter = addr("192.0.2.1");
  EXPECT_EQ(enricher.enrich(record).as_dst, 65020U);
  // Source bgp: the BGP tables, which are empty.
  record.exporter = r1_;
  Enricher by_bgp(bgp, EnrichConfig{}, &tables_);
  EXPECT_EQ(by_bgp.enrich(record).as_dst, 0U);
  tables_.session_down(r1_);
  EXPECT_EQ(enricher.enrich(record).as_dst, 0U);
}

}  // namespace
}  // namespace flowlab::collector
