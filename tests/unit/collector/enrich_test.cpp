// Enrichment table tests: every DESIGN.md §6 field, each case a hand-built RIB + one record -> expected values.
#include "probes/collector/enrich.hpp"

#include "probes/collector/aggregate.hpp"
#include "tests/unit/collector/test_rib.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace flowlab::collector {
namespace {

using test::addr;
using test::prefix;
using test::RouteSpec;

constexpr char kExporter[] = "192.0.2.1";  // the router exporting flows and peering with the collector

struct Route {
  std::string peer = kExporter;
  std::string prefix;
  RouteSpec spec;
};

struct Expect {
  std::uint32_t as_src = 0, as_dst = 0, peer_as_src = 0, peer_as_dst = 0;
  std::string peer_ip_dst;  // "" = unset
  std::string net_src = "0.0.0.0/0", net_dst = "0.0.0.0/0";
  std::string as_path, src_as_path;  // pmacct print format ('_')
  std::uint64_t packets = 10, bytes = 1000, flows = 1;
  std::string peer_ip_src = kExporter;
};

struct Case {
  std::string name;
  std::vector<Route> routes;
  std::function<void(wire::FlowRecord&)> record = [](wire::FlowRecord&) {};
  std::function<void(EnrichConfig&)> config = [](EnrichConfig&) {};
  Expect expect;
};

wire::FlowRecord base_record() {
  wire::FlowRecord r;
  r.src_addr = addr("203.0.113.10");
  r.dst_addr = addr("198.51.100.20");
  r.protocol = 6;
  r.src_port = 40000;
  r.dst_port = 443;
  r.packets = 10;
  r.bytes = 1000;
  r.exporter = addr(kExporter);
  return r;
}

const RouteSpec kDst{"65530 65533", "192.0.2.254"};
const RouteSpec kSrc{"65010 65020 65030", "192.0.2.253"};

std::vector<Case> cases() {
  std::vector<Case> v;
  v.push_back({"no_routes_all_zero", {}, {}, {}, Expect{}});
  v.push_back({"dst_route_origin_peer_nexthop",
               {{kExporter, "198.51.100.0/24", kDst}},
               {},
               {},
               Expect{.as_dst = 65533,
                      .peer_as_dst = 65530,
                      .peer_ip_dst = "192.0.2.254",
                      .net_dst = "198.51.100.0/24",
                      .as_path = "65530_65533"}});
  v.push_back(
      {"src_route_origin_and_peer_bgp",
       {{kExporter, "203.0.113.0/24", kSrc}},
       {},
       {},
       Expect{.as_src = 65030, .peer_as_src = 65010, .net_src = "203.0.113.0/24", .src_as_path = "65010_65020_65030"}});
  v.push_back({"empty_path_is_as_0_with_next_hop",
               {{kExporter, "198.51.100.0/24", RouteSpec{"", "192.0.2.9"}}},
               {},
               {},
               Expect{.peer_ip_dst = "192.0.2.9", .net_dst = "198.51.100.0/24"}});
  v.push_back({"longest_prefix_wins",
               {{kExporter, "198.51.0.0/16", RouteSpec{"65001", "192.0.2.7"}},
                {kExporter, "198.51.100.0/25", RouteSpec{"65002 65003", "192.0.2.8"}},
                {kExporter, "198.51.100.128/25", RouteSpec{"65004", "192.0.2.9"}}},
               {},
               {},
               Expect{.as_dst = 65003,
                      .peer_as_dst = 65002,
                      .peer_ip_dst = "192.0.2.8",
                      .net_dst = "198.51.100.0/25",
                      .as_path = "65002_65003"}});
  v.push_back({"as_set_last_is_largest_member_sorted",
               {{kExporter, "198.51.100.0/24", RouteSpec{"65001 {65004,65003,65004}", "192.0.2.254"}}},
               {},
               {},
               Expect{.as_dst = 65004,
                      .peer_as_dst = 65001,
                      .peer_ip_dst = "192.0.2.254",
                      .net_dst = "198.51.100.0/24",
                      .as_path = "65001_{65003,65004}"}});
  v.push_back({"leading_set_peer_is_0",
               {{kExporter, "198.51.100.0/24", RouteSpec{"{65004,65003}", "192.0.2.254"}}},
               {},
               {},
               Expect{.as_dst = 65004,
                      .peer_as_dst = 0,
                      .peer_ip_dst = "192.0.2.254",
                      .net_dst = "198.51.100.0/24",
                      .as_path = "{65003,65004}"}});
  v.push_back({"confed_sequence_first_counts_as_peer",
               {{kExporter, "198.51.100.0/24", RouteSpec{"(65100 65101) 65001 65002", "192.0.2.254"}}},
               {},
               {},
               Expect{.as_dst = 65002,
                      .peer_as_dst = 65100,
                      .peer_ip_dst = "192.0.2.254",
                      .net_dst = "198.51.100.0/24",
                      .as_path = "(65100_65101)_65001_65002"}});
  v.push_back({"four_octet_as",
               {{kExporter, "198.51.100.0/24", RouteSpec{"4200000001 4200000002", "192.0.2.254"}}},
               {},
               {},
               Expect{.as_dst = 4200000002U,
                      .peer_as_dst = 4200000001U,
                      .peer_ip_dst = "192.0.2.254",
                      .net_dst = "198.51.100.0/24",
                      .as_path = "4200000001_4200000002"}});
  v.push_back(
      {"peer_src_as_map_by_exporter_and_ifindex",
       {{kExporter, "203.0.113.0/24", kSrc}},
       [](wire::FlowRecord& r) { r.input_ifindex = 7; },
       [](EnrichConfig& c) {
         c.peer_src_as = PeerSrcAsMethod::kMap;
         c.peer_src_as_map = *PeerSrcAsMap::parse("id=64999 ip=192.0.2.1 in=6\nid=65111 ip=192.0.2.1 in=7\n");
       },
       Expect{.as_src = 65030, .peer_as_src = 65111, .net_src = "203.0.113.0/24", .src_as_path = "65010_65020_65030"}});
  v.push_back(
      {"peer_src_as_map_no_entry_is_0",
       {{kExporter, "203.0.113.0/24", kSrc}},
       [](wire::FlowRecord& r) { r.input_ifindex = 9; },
       [](EnrichConfig& c) {
         c.peer_src_as = PeerSrcAsMethod::kMap;
         c.peer_src_as_map = *PeerSrcAsMap::parse("id=65111 ip=192.0.2.1 in=7\n");
       },
       Expect{.as_src = 65030, .peer_as_src = 0, .net_src = "203.0.113.0/24", .src_as_path = "65010_65020_65030"}});
  v.push_back(
      {"peer_src_as_netflow_from_record",
       {{kExporter, "203.0.113.0/24", kSrc}},
       [](wire::FlowRecord& r) { r.src_peer_as = 64777; },
       [](EnrichConfig& c) { c.peer_src_as = PeerSrcAsMethod::kNetflow; },
       Expect{.as_src = 65030, .peer_as_src = 64777, .net_src = "203.0.113.0/24", .src_as_path = "65010_65020_65030"}});
  v.push_back({"as_netflow_takes_record_fields",
               {{kExporter, "198.51.100.0/24", kDst}},
               [](wire::FlowRecord& r) {
                 r.src_as = 111;
                 r.dst_as = 222;
                 r.dst_peer_as = 333;
                 r.bgp_next_hop = addr("192.0.2.77");
               },
               [](EnrichConfig& c) { c.as_source = AsSource::kNetflow; },
               Expect{.as_src = 111,
                      .as_dst = 222,
                      .peer_as_dst = 333,
                      .peer_ip_dst = "192.0.2.77",
                      .net_dst = "198.51.100.0/24",
                      .as_path = "65530_65533"}});
  v.push_back({"as_longest_record_mask_longer_wins",
               {{kExporter, "198.51.0.0/16", kDst}},
               [](wire::FlowRecord& r) {
                 r.dst_as = 222;
                 r.dst_mask = 24;
               },
               [](EnrichConfig& c) {
                 c.as_source = AsSource::kLongest;
                 c.net_source = AsSource::kLongest;
               },
               Expect{.as_dst = 222,
                      .peer_as_dst = 65530,
                      .peer_ip_dst = "192.0.2.254",
                      .net_dst = "198.51.100.0/24",
                      .as_path = "65530_65533"}});
  v.push_back({"as_longest_rib_longer_wins",
               {{kExporter, "198.51.100.0/24", kDst}},
               [](wire::FlowRecord& r) {
                 r.dst_as = 222;
                 r.dst_mask = 16;
               },
               [](EnrichConfig& c) {
                 c.as_source = AsSource::kLongest;
                 c.net_source = AsSource::kLongest;
               },
               Expect{.as_dst = 65533,
                      .peer_as_dst = 65530,
                      .peer_ip_dst = "192.0.2.254",
                      .net_dst = "198.51.100.0/24",
                      .as_path = "65530_65533"}});
  v.push_back({"as_longest_tie_goes_to_bgp",
               {{kExporter, "198.51.100.0/24", kDst}},
               [](wire::FlowRecord& r) {
                 r.dst_as = 222;
                 r.dst_mask = 24;
               },
               [](EnrichConfig& c) { c.as_source = AsSource::kLongest; },
               Expect{.as_dst = 65533,
                      .peer_as_dst = 65530,
                      .peer_ip_dst = "192.0.2.254",
                      .net_dst = "198.51.100.0/24",
                      .as_path = "65530_65533"}});
  v.push_back({"net_netflow_from_record_mask",
               {{kExporter, "198.51.100.0/24", kDst}},
               [](wire::FlowRecord& r) {
                 r.src_mask = 20;
                 r.dst_mask = 28;
               },
               [](EnrichConfig& c) { c.net_source = AsSource::kNetflow; },
               Expect{.as_dst = 65533,
                      .peer_as_dst = 65530,
                      .peer_ip_dst = "192.0.2.254",
                      .net_src = "203.0.112.0/20",
                      .net_dst = "198.51.100.16/28",
                      .as_path = "65530_65533"}});
  v.push_back({"renormalize_packets_and_bytes_not_flows",
               {},
               [](wire::FlowRecord& r) { r.sampling_interval = 100; },
               {},
               Expect{.packets = 1000, .bytes = 100000, .flows = 1}});
  v.push_back({"renormalize_off",
               {},
               [](wire::FlowRecord& r) { r.sampling_interval = 100; },
               [](EnrichConfig& c) { c.renormalize = false; },
               Expect{}});
  v.push_back({"view_by_router_id",
               {{"10.0.0.1", "198.51.100.0/24", kDst}},
               {},
               {},
               Expect{.as_dst = 65533,
                      .peer_as_dst = 65530,
                      .peer_ip_dst = "192.0.2.254",
                      .net_dst = "198.51.100.0/24",
                      .as_path = "65530_65533"}});
  v.push_back({"view_by_agent_map_beats_session_address",
               {{kExporter, "198.51.100.0/24", RouteSpec{"65001", "192.0.2.5"}}, {"10.9.9.9", "198.51.100.0/24", kDst}},
               {},
               [](EnrichConfig& c) { c.agent_map = *AgentMap::parse("bgp_ip=10.9.9.9 ip=192.0.2.0/24\n"); },
               Expect{.as_dst = 65533,
                      .peer_as_dst = 65530,
                      .peer_ip_dst = "192.0.2.254",
                      .net_dst = "198.51.100.0/24",
                      .as_path = "65530_65533"}});
  v.push_back({"other_peer_view_not_used", {{"10.9.9.9", "198.51.100.0/24", kDst}}, {}, {}, Expect{}});
  v.push_back({"ipv6_route_mp_next_hop",
               {{kExporter, "2001:db8:100::/48", RouteSpec{"65530 65533", "2001:db8::fe"}}},
               [](wire::FlowRecord& r) {
                 r.src_addr = addr("2001:db8:200::1");
                 r.dst_addr = addr("2001:db8:100::5");
               },
               {},
               Expect{.as_dst = 65533,
                      .peer_as_dst = 65530,
                      .peer_ip_dst = "2001:db8::fe",
                      .net_src = "::/0",
                      .net_dst = "2001:db8:100::/48",
                      .as_path = "65530_65533"}});
  return v;
}

std::string path_string(const bgp::RouteAttributes* r) {
  if (r == nullptr) {
    return "";
  }
  std::string s = pmacct_as_path_string(*r->as_path);
  std::replace(s.begin(), s.end(), ' ', '_');
  return s;
}

class EnrichTable : public ::testing::TestWithParam<Case> {};

TEST_P(EnrichTable, Fields) {
  const Case& c = GetParam();
  BgpTables tables;
  for (const auto& r : c.routes) {
    bgp::PeerInfo peer;
    peer.address = addr(r.peer);
    peer.asn = 65000;
    peer.bgp_id = r.peer == "10.0.0.1" ? addr(kExporter).v4_host_order() : addr(r.peer).v4_host_order();
    if (r.peer == "10.0.0.1") {
      // Session from another address, router id = the exporter's address.
      tables.peer_up(peer);
    }
    tables.apply(peer, bgp::RouteEvent{prefix(r.prefix), 0, test::attrs(r.spec)});
  }
  EnrichConfig config;
  if (c.config) {
    c.config(config);
  }
  Enricher enricher(tables, config);
  wire::FlowRecord record = base_record();
  if (c.record) {
    c.record(record);
  }
  const EnrichedFlow f = enricher.enrich(record);
  const Expect& e = c.expect;
  EXPECT_EQ(f.record, &record);
  EXPECT_EQ(f.as_src, e.as_src);
  EXPECT_EQ(f.as_dst, e.as_dst);
  EXPECT_EQ(f.peer_as_src, e.peer_as_src);
  EXPECT_EQ(f.peer_as_dst, e.peer_as_dst);
  EXPECT_EQ(f.peer_ip_src.to_string(), e.peer_ip_src);
  EXPECT_EQ(f.peer_ip_dst.to_string(), e.peer_ip_dst);
  EXPECT_EQ(f.net_src.to_string(), e.net_src);
  EXPECT_EQ(f.net_dst.to_string(), e.net_dst);
  EXPECT_EQ(path_string(f.dst_route), e.as_path);
  EXPECT_EQ(path_string(f.src_route), e.src_as_path);
  EXPECT_EQ(f.packets, e.packets);
  EXPECT_EQ(f.bytes, e.bytes);
  EXPECT_EQ(f.flows, e.flows);
}

INSTANTIATE_TEST_SUITE_P(Collector, EnrichTable, ::testing::ValuesIn(cases()),
                         [](const auto& param_info) { return param_info.param.name; });

// EnrichConfig::networks off (no aggregate or store reads a network or mask): the prefixes stay unset, every other
// field is what it is with them on; the batch path gives what one record at a time gives.
TEST(Enrich, NetworksOnlyWhenAsked) {
  BgpTables tables;
  bgp::PeerInfo peer;
  peer.address = addr(kExporter);
  tables.apply(peer, bgp::RouteEvent{prefix("198.51.100.0/24"), 0, test::attrs(kDst)});
  tables.apply(peer, bgp::RouteEvent{prefix("203.0.113.0/24"), 0, test::attrs(kSrc)});
  EnrichConfig without;
  without.networks = false;
  const Enricher on(tables, EnrichConfig{});
  const Enricher off(tables, without);
  const std::vector<wire::FlowRecord> records{base_record(), base_record()};
  std::vector<EnrichedFlow> batch;
  off.enrich(records, batch);
  for (const EnrichedFlow& f : {off.enrich(records[0]), batch[1]}) {
    const EnrichedFlow full = on.enrich(records[0]);
    EXPECT_EQ(full.net_src.to_string(), "203.0.113.0/24");
    EXPECT_EQ(full.net_dst.to_string(), "198.51.100.0/24");
    EXPECT_FALSE(f.net_src.address.is_set());
    EXPECT_FALSE(f.net_dst.address.is_set());
    EXPECT_EQ(f.net_src.length, 0);
    EXPECT_EQ(f.as_src, full.as_src);
    EXPECT_EQ(f.as_dst, full.as_dst);
    EXPECT_EQ(f.peer_as_src, full.peer_as_src);
    EXPECT_EQ(f.peer_as_dst, full.peer_as_dst);
    EXPECT_EQ(f.peer_ip_dst, full.peer_ip_dst);
    EXPECT_EQ(f.src_route, full.src_route);
    EXPECT_EQ(f.dst_route, full.dst_route);
    EXPECT_NE(f.dst_route, nullptr);
  }
}

// The attribute fields (comms, lcomms, local_pref, med, masks) through an aggregate, as they are printed.
TEST(Enrich, AttributeFieldsAsPrinted) {
  BgpTables tables;
  bgp::PeerInfo peer;
  peer.address = addr(kExporter);
  RouteSpec dst{"65530 65533", "192.0.2.254", 200, 50, {(65000U << 16U) | 1U, (65000U << 16U) | 2U}, {{65000, 1, 2}}};
  RouteSpec src{"65010", "192.0.2.253", 120, 7, {(65010U << 16U) | 9U}, {}};
  tables.apply(peer, bgp::RouteEvent{prefix("198.51.100.0/24"), 0, test::attrs(dst)});
  tables.apply(peer, bgp::RouteEvent{prefix("203.0.113.0/24"), 0, test::attrs(src)});
  Enricher enricher(tables, EnrichConfig{});
  auto agg = Aggregate::create(
      {"a",
       *parse_primitives("std_comm lrg_comm local_pref med src_std_comm src_local_pref src_med src_mask "
                         "dst_mask src_net dst_net peer_src_ip"),
       ""});
  ASSERT_TRUE(agg.ok()) << agg.error().message;
  const wire::FlowRecord record = base_record();
  agg->add(enricher.enrich(record));
  const auto rows = agg->rows();
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].values, (std::vector<std::string>{"65000:1 65000:2", "65000:1:2", "200", "50", "65010:9", "120",
                                                      "7", "24", "24", "203.0.113.0", "198.51.100.0", kExporter}));
}

TEST(Enrich, PeerDownWithdrawsEverything) {
  BgpTables tables;
  bgp::PeerInfo peer;
  peer.address = addr(kExporter);
  peer.asn = 65000;
  peer.bgp_id = 1;
  tables.peer_up(peer);
  tables.apply(peer, bgp::RouteEvent{prefix("198.51.100.0/24"), 0, test::attrs(kDst)});
  Enricher enricher(tables, EnrichConfig{});
  const wire::FlowRecord record = base_record();
  EXPECT_EQ(enricher.enrich(record).as_dst, 65533U);
  tables.peer_down(peer);
  EXPECT_EQ(enricher.enrich(record).as_dst, 0U);
  EXPECT_EQ(enricher.enrich(record).dst_route, nullptr);
  ASSERT_EQ(tables.peers().size(), 1U);
  EXPECT_FALSE(tables.peers()[0].up);
  // Withdraw of one prefix.
  tables.apply(peer, bgp::RouteEvent{prefix("198.51.100.0/24"), 0, test::attrs(kDst)});
  EXPECT_EQ(enricher.enrich(record).as_dst, 65533U);
  tables.apply(peer, bgp::RouteEvent{prefix("198.51.100.0/24"), 0, nullptr});
  EXPECT_EQ(enricher.enrich(record).as_dst, 0U);
}

TEST(Enrich, PmacctPathHelpers) {
  EXPECT_EQ(pmacct_last_as(test::path("")), 0U);
  EXPECT_EQ(pmacct_first_as(test::path("")), 0U);
  EXPECT_EQ(pmacct_last_as(test::path("1 2 {9,3}")), 9U);
  EXPECT_EQ(pmacct_last_as(test::path("1 2 (3)")), 3U);
  EXPECT_EQ(pmacct_first_as(test::path("[7,5] 1")), 0U);
  EXPECT_EQ(pmacct_as_path_string(test::path("1 2 {9,3,9} [8,4]")), "1 2 {3,9} [4,8]");
  EXPECT_EQ(pmacct_as_path_string(test::path("1 2")), "1 2");
}

}  // namespace
}  // namespace flowlab::collector

namespace flowlab::collector {
namespace {

TEST(Enrich, ViewCacheFollowsNewPeers) {
  BgpTables tables;
  Enricher enricher(tables, EnrichConfig{});
  const wire::FlowRecord record = base_record();
  EXPECT_EQ(enricher.enrich(record).view, nullptr);  // cached: no peer yet
  bgp::PeerInfo peer;
  peer.address = addr("10.0.0.1");
  peer.bgp_id = addr(kExporter).v4_host_order();
  tables.peer_up(peer);  // a new peer whose router id is the exporter
  tables.apply(peer, bgp::RouteEvent{prefix("198.51.100.0/24"), 0, test::attrs(kDst)});
  EXPECT_EQ(enricher.enrich(record).as_dst, 65533U);
  wire::FlowRecord other = record;
  other.exporter = addr("192.0.2.99");
  EXPECT_EQ(enricher.enrich(other).view, nullptr);
  EXPECT_EQ(enricher.enrich(record).as_dst, 65533U);
}

}  // namespace
}  // namespace flowlab::collector
