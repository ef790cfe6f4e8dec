// The enriched hot path allocates nothing per record: a global operator new counter around warmed-up datagram
// batches through Enricher::enrich(span) and Aggregate::add(span) with the BGP primitives (AS paths, communities).
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

}  // namespace
}  // namespace flowlab::collector
