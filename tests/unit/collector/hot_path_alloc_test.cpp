// The enriched hot path allocates nothing per record: a global operator new counter around warmed-up datagram
// batches through Enricher::enrich(span) and Aggregate::add(span) with the BGP primitives (AS paths, communities);
// and the first sight of an AS path costs no allocation of its own (it is keyed by its id in the store, no text).
#include "probes/collector/aggregate.hpp"

#include "tests/support/counting_alloc.hpp"
#include "tests/unit/collector/test_rib.hpp"

#include <gtest/gtest.h>

namespace flowlab::collector {
namespace {

TEST(HotPathAllocations, NoneForKnownKeysAfterWarmUp) {
  BgpTables tables;
  bgp::PeerInfo peer;
  peer.address = test::addr("192.0.2.1");
  const std::vector<std::string> paths{"65001 65002", "65001 {65004,65003}", "(65005) 65006", "65007"};
  for (std::uint32_t i = 0; i < 64; ++i) {
    auto attrs =
        test::attrs({paths[i % paths.size()], "192.0.2.254", std::nullopt, std::nullopt, {0xfde80000U | (i % 3U)}});
    tables.apply(peer, bgp::RouteEvent{Prefix{IpAddress::v4(0xc6330000U | (i << 8U)), 24}, 0, attrs});
  }
  Enricher enricher(tables, EnrichConfig{});
  auto agg = Aggregate::create(
      {"bgp", *parse_primitives("src_as dst_as peer_src_as peer_dst_as peer_dst_ip as_path src_as_path std_comm"), ""});
  ASSERT_TRUE(agg.ok());
  std::vector<wire::FlowRecord> records(30);  // one datagram's worth
  for (std::uint32_t i = 0; i < records.size(); ++i) {
    records[i].src_addr = IpAddress::v4(0xc6330001U | ((i * 7U % 64U) << 8U));
    records[i].dst_addr = IpAddress::v4(0xc6330002U | ((i % 64U) << 8U));
    records[i].exporter = test::addr("192.0.2.1");
    records[i].packets = 1;
    records[i].bytes = 100;
  }
  std::vector<EnrichedFlow> flows;
  enricher.enrich(records, flows);  // warm-up: scratch buffers, interned paths, the rows
  agg->add(flows);
  const std::uint64_t before = test_support::allocations();
  for (int round = 0; round < 100; ++round) {
    enricher.enrich(records, flows);
    agg->add(flows);
  }
  EXPECT_EQ(test_support::allocations() - before, 0U);
  ASSERT_GT(agg->size(), 1U);
  std::uint64_t packets = 0;
  for (const auto& row : agg->rows()) {
    packets += row.packets;
  }
  EXPECT_EQ(packets, 101U * records.size());
  EXPECT_NE(flows[0].as_dst, 0U);
}

// 4096 routes, each with its own AS path, seen for the first time by an aggregate that has its tables grown already:
// the keys are new rows (the aggregate's vectors grow a few times), but no path costs an allocation of its own —
// before AttrStore path ids, each one built its text and a string key (two or more allocations per path).
TEST(HotPathAllocations, NoneOfItsOwnForANewPath) {
  BgpTables tables;
  bgp::PeerInfo peer;
  peer.address = test::addr("192.0.2.1");
  constexpr std::uint32_t kRoutes = 4096;
  for (std::uint32_t i = 0; i < kRoutes; ++i) {
    auto attrs = test::attrs({"65001 " + std::to_string(70000 + i), "192.0.2.254"});
    tables.apply(peer, bgp::RouteEvent{Prefix{IpAddress::v4(0x0a000000U | (i << 8U)), 24}, 0, attrs});
  }
  Enricher enricher(tables, EnrichConfig{});
  auto agg = Aggregate::create({"p", *parse_primitives("as_path"), ""});
  ASSERT_TRUE(agg.ok());
  std::vector<wire::FlowRecord> records(kRoutes);
  for (std::uint32_t i = 0; i < kRoutes; ++i) {
    records[i].src_addr = test::addr("192.0.2.7");
    records[i].dst_addr = IpAddress::v4(0x0a000001U | (i << 8U));
    records[i].exporter = test::addr("192.0.2.1");
    records[i].packets = 1;
  }
  std::vector<EnrichedFlow> flows;
  enricher.enrich(records, flows);
  agg->add(flows);  // grows every vector of the aggregate to its size for kRoutes rows
  ASSERT_EQ(agg->size(), kRoutes);
  agg->clear();
  // Half the paths again after clear(): new rows and, for the aggregate, new paths.
  const std::span<const EnrichedFlow> half(flows.data(), kRoutes / 2);
  const std::uint64_t before = test_support::allocations();
  agg->add(half);
  const std::uint64_t allocations = test_support::allocations() - before;
  EXPECT_EQ(agg->size(), kRoutes / 2);
  EXPECT_LT(allocations, 64U) << "for " << kRoutes / 2 << " new paths";
  EXPECT_EQ(agg->rows()[5].values[0], "65001_70005");
}

}  // namespace
}  // namespace flowlab::collector
