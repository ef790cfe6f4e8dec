// FRR's real BMP output (tests/data/bmp_frr.bin, made by tests/data/bmp_frr/inner.sh: FRR 8.4 bgpd -M bmp with an
// eBGP peer (IPv4 + IPv6 routes) and an iBGP ADD-PATH peer (LOCAL_PREF 200, MED 50), one peer shut down and routes
// withdrawn mid-capture) decoded by bmp::Feed into BmpTables: the router's view must equal FRR's own table ("show
// bgp ipv4/ipv6 unicast json" at the first snapshot, "show bgp ipv4 unicast" at the end).
//
// Two FRR 8.4 facts the capture shows (and the test pins): its Route Monitoring AS paths from an eBGP peer start
// with the router's own AS (65001: the attributes are encoded as if sent to that peer; BmpTables removes it, so the
// view equals FRR's table, while the per-peer RIB of the station's raw decode would not), and its UPDATEs carry no
// ADD-PATH path ids on a session that negotiated them (bmp::Feed falls back and counts add_path_fallback). A
// third: of its own networks (reported with peer address 0.0.0.0) it announced the IPv6 one but sent the IPv4
// 10.1.0.0/16 as a withdrawal when the station connected, and never announced it later — so that route, and only
// that one, is missing from the view.
#include "probes/bmp/feed.hpp"
#include "probes/collector/bmp_tables.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>
#include <set>

namespace flowlab::collector {
namespace {

std::vector<std::byte> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(chars.size());
  std::transform(chars.begin(), chars.end(), out.begin(), [](char c) { return static_cast<std::byte>(c); });
  return out;
}

// The stream's messages, one span each.
std::vector<Bytes> split(const std::vector<std::byte>& stream) {
  std::vector<Bytes> out;
  for (std::size_t at = 0; at < stream.size();) {
    auto length = bmp::peek_length(Bytes(stream).subspan(at));
    EXPECT_TRUE(length.ok() && *length > 0 && at + *length <= stream.size()) << "at " << at;
    if (!length.ok() || *length == 0) {
      break;
    }
    out.push_back(Bytes(stream).subspan(at, *length));
    at += *length;
  }
  return out;
}

class FrrGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    stream_ = read_file(std::string(FLOWLAB_TEST_DATA_DIR) + "/bmp_frr.bin");
    ASSERT_FALSE(stream_.empty());
    bmp::Feed::Handlers h;
    h.initiation = [this](const bmp::Initiation& i) { tables_.initiation(router_, i); };
    h.peer_up = [this](const bmp::PeerUp& u, const bgp::SessionContext& c) {
      up_.insert(u.peer.address);
      tables_.peer_up(router_, u, c);
    };
    h.routes = [this](const bmp::PeerHeader& p, bmp::RibKind k, const bgp::RouteBatch& b) {
      if (p.asn == 65002 && !b.announced.empty() && b.attrs->as_path && b.attrs->as_path->first_as() == 65001) {
        ++router_as_first_;  // FRR 8.4's encoding, as decoded (see the file comment)
      }
      tables_.routes(router_, p, k, b);
    };
    h.peer_down = [this](const bmp::PeerDown& d) { tables_.peer_down(router_, d.peer); };
    feed_ = std::make_unique<bmp::Feed>(h);
    tables_.session_up(router_);
  }
  // FRR's "show bgp ... json" best paths, as "prefix path next-hop" lines.
  static std::set<std::string> frr_table(const std::string& file) {
    std::ifstream in(std::string(FLOWLAB_TEST_DATA_DIR) + "/bmp_frr/" + file);
    const auto json = nlohmann::json::parse(in);
    std::set<std::string> out;
    for (const auto& [prefix, paths] : json["routes"].items()) {
      for (const auto& p : paths) {
        if (p.value("bestpath", false)) {
          out.insert(prefix + " [" + p.value("path", "") + "] " + p["nexthops"][0].value("ip", ""));
        }
      }
    }
    return out;
  }
  std::set<std::string> view(Family family) const {
    std::set<std::string> out;
    const bgp::Rib* v = tables_.view(router_);
    if (v == nullptr) {
      return out;
    }
    v->for_each([&](const bgp::RibRoute& r) {
      if (r.prefix.address.family != family || v->paths(r.prefix).front().path_id != r.path_id) {
        return;  // the chosen path only
      }
      IpAddress nh = r.attrs->next_hop(family);
      const std::string nh_text = nh.is_set() ? nh.to_string() : (family == Family::kIpv6 ? "::" : "0.0.0.0");
      out.insert(r.prefix.to_string() + " [" + r.attrs->as_path->to_string() + "] " + nh_text);
    });
    return out;
  }

  std::vector<std::byte> stream_;
  BmpTables tables_;
  const IpAddress router_ = *IpAddress::parse("192.0.2.1");
  std::set<IpAddress> up_;
  std::size_t router_as_first_ = 0;  // eBGP peer's announcements whose decoded path starts with the router's AS
  std::unique_ptr<bmp::Feed> feed_;
};

TEST_F(FrrGolden, ViewEqualsFrrsTablesBeforeAndAfterThePeerShutdown) {
  const auto messages = split(stream_);
  ASSERT_EQ(messages.size(), 69U);
  const IpAddress ebgp = *IpAddress::parse("192.0.2.2");
  bool compared = false;
  for (const auto m : messages) {
    auto parsed = bmp::parse_message(m);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    const auto* down = std::get_if<bmp::PeerDown>(&*parsed);
    if (!compared && down != nullptr && down->peer.address == ebgp && up_.contains(ebgp)) {
      // The first snapshot was taken just before 192.0.2.2 was shut down.
      auto frr_v4 = frr_table("a.v4.json");
      EXPECT_EQ(frr_v4.erase("10.1.0.0/16 [] 0.0.0.0"), 1U);
      EXPECT_EQ(view(Family::kIpv4), frr_v4);  // FRR 8.4's leading 65001 removed (see the file comment)
      EXPECT_EQ(view(Family::kIpv6), frr_table("a.v6.json"));
      EXPECT_GT(router_as_first_, 0U);                                     // the FRR 8.4 fact is there
      EXPECT_EQ(down->reason, bmp::PeerDownReason::kLocalNoNotification);  // FRR 8.4 reports a shutdown so
      compared = true;
    }
    ASSERT_TRUE(feed_->handle(m).ok());
  }
  EXPECT_TRUE(compared);
  // a.after.txt: FRR's IPv4 table at the end holds 10.1.0.0/16 (its own, see above) and 10.4.0.0/16.
  EXPECT_EQ(view(Family::kIpv4), (std::set<std::string>{"10.4.0.0/16 [] 192.0.2.4"}));
  const bgp::Rib* v = tables_.view(router_);
  ASSERT_NE(v, nullptr);
  const auto ibgp = v->lookup(*IpAddress::parse("10.4.0.1"));
  ASSERT_TRUE(ibgp.has_value());
  EXPECT_EQ(ibgp->attrs->local_pref(), 200U);
  EXPECT_EQ(ibgp->attrs->attrs.med, 50U);
  const auto& c = feed_->counters();
  EXPECT_EQ(c.initiation, 1U);
  EXPECT_EQ(c.peer_up, 2U);
  EXPECT_EQ(c.peer_down, 5U);
  EXPECT_EQ(c.route_monitoring, 18U);
  EXPECT_EQ(c.stats_reports, 43U);
  EXPECT_EQ(c.update_errors, 0U);
  EXPECT_EQ(c.add_path_fallback, 2U);  // the iBGP peer's two Route Monitoring messages
  ASSERT_EQ(tables_.routers().size(), 1U);
  EXPECT_EQ(tables_.routers()[0].sys_name, "i16a");
  EXPECT_EQ(tables_.routers()[0].bgp_id, IpAddress::parse("192.0.2.1")->v4_host_order());
}

TEST_F(FrrGolden, PeerUpCarriesBothOpensAndPrePostPolicyAreKeptApart) {
  std::size_t pre = 0;
  std::size_t post = 0;
  for (const auto m : split(stream_)) {
    auto parsed = bmp::parse_message(m);
    ASSERT_TRUE(parsed.ok());
    if (const auto* up = std::get_if<bmp::PeerUp>(&*parsed)) {
      EXPECT_EQ(up->sent->asn(), 65001U);
      EXPECT_TRUE(up->received->asn() == 65002U || up->received->asn() == 65001U);
      EXPECT_TRUE(up->sent->has_four_octet_as());
      EXPECT_EQ(up->local_address, *IpAddress::parse("192.0.2.1"));
    }
    if (const auto* rm = std::get_if<bmp::RouteMonitoring>(&*parsed)) {
      (rm->peer.post_policy() ? post : pre) += 1;
    }
  }
  EXPECT_GT(pre, 0U);
  EXPECT_GT(post, 0U);
  // FRR's first Route Monitoring messages report its own routes (peer address 0.0.0.0, post-policy).
}

}  // namespace
}  // namespace flowlab::collector
