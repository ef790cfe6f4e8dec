#include "probes/meter/flow_cache.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace flowlab::meter {
namespace {

constexpr std::uint64_t kSecond = 1000000;

FlowKey key(std::uint16_t sport, std::uint8_t protocol = kProtoUdp) {
  FlowKey k;
  k.ip_version = 4;
  k.src = {198, 18, 0, 1};
  k.dst = {198, 19, 0, 1};
  k.src_port = sport;
  k.dst_port = 53;
  k.protocol = protocol;
  return k;
}

CacheOptions options(std::size_t max_flows = 16, std::uint64_t active_s = 60, std::uint64_t inactive_s = 10) {
  CacheOptions o;
  o.max_flows = max_flows;
  o.active_timeout_us = active_s * kSecond;
  o.inactive_timeout_us = inactive_s * kSecond;
  return o;
}

TEST(FlowCache, AggregatesPacketsOfOneFlow) {
  FlowCache cache(options());
  std::vector<wire::FlowRecord> out;
  cache.add(key(1), 100, 0, 1 * kSecond, out);
  cache.add(key(1), 200, 0, 2 * kSecond + 500, out);
  cache.add(key(2), 50, 0, 3 * kSecond, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(cache.size(), 2U);
  cache.flush(out);
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].src_port, 1);
  EXPECT_EQ(out[0].packets, 2U);
  EXPECT_EQ(out[0].bytes, 300U);
  EXPECT_EQ(out[0].first_ms, 1000U);
  EXPECT_EQ(out[0].last_ms, 2000U);
  EXPECT_EQ(out[0].src_addr.to_string(), "198.18.0.1");
  EXPECT_EQ(out[0].flow_end_reason, static_cast<std::uint8_t>(EndReason::kForced));
  EXPECT_EQ(out[1].packets, 1U);
  EXPECT_EQ(cache.size(), 0U);
  EXPECT_EQ(cache.counters().flushed, 2U);
}

struct TimeoutCase {
  std::string name;
  std::vector<std::uint64_t> packet_s;  // packet times of one flow
  std::uint64_t expire_at_s;            // expire() called here after the packets
  std::vector<std::uint64_t> records;   // packet counts of the records out, in order
  EndReason first_reason;
};

// The same packet metered arriving on ifindex 2 and leaving by ifindex 3 makes two flows; each record says its
// observation's direction (IPFIX flowDirection) and carries the interface on its side.
TEST(FlowCache, IngressAndEgressObservationsAreTwoFlows) {
  FlowCache cache(options());
  std::vector<wire::FlowRecord> out;
  ParsedPacket p;
  p.ip_version = 4;
  p.protocol = kProtoUdp;
  p.src_port = 7;
  cache.add(FlowKey::from_packet(p, 2, false), 100, 0, kSecond, out);
  cache.add(FlowKey::from_packet(p, 3, true), 100, 0, kSecond, out);
  cache.add(FlowKey::from_packet(p, 2, false), 100, 0, kSecond, out);
  cache.flush(out);
  ASSERT_EQ(out.size(), 2U);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.direction < b.direction; });
  EXPECT_EQ(out[0].direction, wire::FlowDirection::kIngress);
  EXPECT_EQ(out[0].input_ifindex, 2U);
  EXPECT_EQ(out[0].output_ifindex, 0U);
  EXPECT_EQ(out[0].packets, 2U);
  EXPECT_EQ(out[1].direction, wire::FlowDirection::kEgress);
  EXPECT_EQ(out[1].input_ifindex, 0U);
  EXPECT_EQ(out[1].output_ifindex, 3U);
  EXPECT_EQ(out[1].packets, 1U);
}

TEST(FlowCache, Timeouts) {
  const std::vector<TimeoutCase> cases = {
      {"idle_not_yet", {0, 5}, 14, {}, EndReason::kIdle},
      {"idle_expires", {0, 5}, 15, {2}, EndReason::kIdle},
      {"idle_gap_splits_flow", {0, 1, 20}, 21, {2}, EndReason::kIdle},
      {"active_cuts_long_flow", {0, 9, 18, 27, 36, 45, 54, 63}, 64, {7}, EndReason::kActive},
      {"active_by_expiry_scan", {0, 9, 18, 27, 36, 45, 54, 59}, 60, {8}, EndReason::kActive},
  };
  for (const TimeoutCase& c : cases) {
    SCOPED_TRACE(c.name);
    FlowCache cache(options());
    std::vector<wire::FlowRecord> out;
    for (std::uint64_t t : c.packet_s) {
      cache.add(key(7), 10, 0, t * kSecond, out);
    }
    cache.expire(c.expire_at_s * kSecond, out);
    ASSERT_EQ(out.size(), c.records.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      EXPECT_EQ(out[i].packets, c.records[i]);
    }
    if (!out.empty()) {
      EXPECT_EQ(out[0].flow_end_reason, static_cast<std::uint8_t>(c.first_reason));
    }
  }
}

TEST(FlowCache, TcpFinAndRstEndTheFlow) {
  struct Case {
    std::string name;
    std::vector<std::uint8_t> flags;
    std::size_t records_before_flush;
    std::uint8_t or_flags;
  };
  const std::vector<Case> cases = {
      {"fin", {0x02, 0x10, 0x18, 0x11}, 1, 0x1b},
      {"rst", {0x02, 0x04}, 1, 0x06},
      {"no_end", {0x02, 0x10, 0x18}, 0, 0x1a},
      {"fin_then_ack_is_new_flow", {0x02, 0x11, 0x10}, 1, 0x13},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FlowCache cache(options());
    std::vector<wire::FlowRecord> out;
    std::uint64_t t = 0;
    for (std::uint8_t f : c.flags) {
      cache.add(key(80, kProtoTcp), 40, f, t++, out);
    }
    ASSERT_EQ(out.size(), c.records_before_flush);
    if (!out.empty()) {
      EXPECT_EQ(out[0].tcp_flags, c.or_flags);
      EXPECT_EQ(out[0].flow_end_reason, static_cast<std::uint8_t>(EndReason::kEndOfFlow));
    }
  }
  // FIN on UDP-numbered protocol bits means nothing.
  FlowCache cache(options());
  std::vector<wire::FlowRecord> out;
  cache.add(key(80, kProtoUdp), 40, 0x01, 0, out);
  EXPECT_TRUE(out.empty());
}

TEST(FlowCache, FullCacheEvictsTheLongestIdleFlow) {
  FlowCache cache(options(3));
  std::vector<wire::FlowRecord> out;
  cache.add(key(1), 1, 0, 1, out);
  cache.add(key(2), 1, 0, 2, out);
  cache.add(key(3), 1, 0, 3, out);
  cache.add(key(1), 1, 0, 4, out);  // key 2 is now the quietest
  cache.add(key(4), 1, 0, 5, out);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].src_port, 2);
  EXPECT_EQ(out[0].flow_end_reason, static_cast<std::uint8_t>(EndReason::kLackOfResources));
  EXPECT_EQ(cache.counters().evictions, 1U);
  EXPECT_EQ(cache.size(), 3U);
  EXPECT_EQ(cache.capacity(), 3U);
}

// Random adds, FIN ends and expiries against a std::map model: exercises probing and backward-shift deletion.
TEST(FlowCache, MatchesAReferenceModelUnderChurn) {
  FlowCache cache(options(64, 1000000, 1000000));
  std::map<std::uint16_t, std::pair<std::uint64_t, std::uint64_t>> model;  // port -> packets, bytes
  std::map<std::uint16_t, std::pair<std::uint64_t, std::uint64_t>> ended;
  std::vector<wire::FlowRecord> out;
  std::mt19937 rng(42);
  auto drain = [&] {
    for (const auto& r : out) {
      auto& e = ended[r.src_port];
      e.first += r.packets;
      e.second += r.bytes;
    }
    out.clear();
  };
  std::uint64_t total_packets = 0;
  for (int i = 0; i < 200000; ++i) {
    const auto port = static_cast<std::uint16_t>(rng() % 60);
    const bool fin = rng() % 50 == 0;
    const auto bytes = static_cast<std::uint32_t>(40 + rng() % 1400);
    cache.add(key(port, kProtoTcp), bytes, fin ? kTcpFin : 0, static_cast<std::uint64_t>(i), out);
    auto& m = model[port];
    m.first += 1;
    m.second += bytes;
    ++total_packets;
    drain();
    ASSERT_LE(cache.size(), 60U);
  }
  cache.flush(out);
  drain();
  EXPECT_EQ(model, ended);
  EXPECT_EQ(cache.counters().evictions, 0U);
  EXPECT_EQ(cache.size(), 0U);
}

}  // namespace
}  // namespace flowlab::meter
