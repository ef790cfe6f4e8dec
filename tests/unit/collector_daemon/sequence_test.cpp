// Sequence accounting: crafted sequences per protocol, wrap-around, duplicates, reordering, restarts.
#include "probes/collector/sequence.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace flowlab::collector {
namespace {

struct Step {
  std::uint32_t seq;
  std::uint32_t units;
};

struct Case {
  const char* name;
  std::vector<Step> steps;
  std::uint64_t lost;
  std::uint64_t duplicate;
  std::uint64_t out_of_order;
  std::uint64_t resets;
};

const Case kCases[] = {
    {"in order v9", {{1, 1}, {2, 1}, {3, 1}, {4, 1}}, 0, 0, 0, 0},
    {"one lost v9", {{1, 1}, {2, 1}, {4, 1}}, 1, 0, 0, 0},
    {"v5 flows", {{0, 30}, {30, 30}, {60, 10}, {100, 5}}, 30, 0, 0, 0},
    {"ipfix records", {{1000, 7}, {1007, 3}, {1010, 0}, {1010, 2}}, 0, 0, 0, 0},
    {"duplicate", {{1, 1}, {2, 1}, {2, 1}, {3, 1}}, 0, 1, 0, 0},
    {"reordered fills the gap", {{1, 1}, {3, 1}, {2, 1}, {4, 1}}, 0, 0, 1, 0},
    {"reordered v5", {{0, 10}, {20, 10}, {10, 10}, {30, 10}}, 0, 0, 1, 0},
    {"wraps without loss", {{0xfffffffeU, 1}, {0xffffffffU, 1}, {0, 1}, {1, 1}}, 0, 0, 0, 0},
    {"wraps with loss", {{0xfffffff0U, 8}, {0xfffffffcU, 8}, {4, 8}}, 4, 0, 0, 0},
    {"reordered across the wrap", {{0xffffffffU, 1}, {1, 1}, {0, 1}}, 0, 0, 1, 0},
    {"exporter restart", {{5000000, 1}, {5000001, 1}, {1, 1}, {2, 1}}, 0, 0, 0, 1},
    {"jump forward past threshold", {{1, 1}, {1U + (1U << 25), 1}}, 0, 0, 0, 1},
};

TEST(SequenceTracker, CraftedSequences) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    SequenceTracker t;
    const SequenceKey key{*IpAddress::parse("192.0.2.1"), 7, wire::ExportProtocol::kNetflowV9};
    for (const auto& s : c.steps) {
      t.observe(key, s.seq, s.units);
    }
    const auto streams = t.streams();
    ASSERT_EQ(streams.size(), 1U);
    const auto& got = streams[0].counters;
    EXPECT_EQ(got.datagrams, c.steps.size());
    EXPECT_EQ(got.lost, c.lost);
    EXPECT_EQ(got.duplicate, c.duplicate);
    EXPECT_EQ(got.out_of_order, c.out_of_order);
    EXPECT_EQ(got.resets, c.resets);
  }
}

TEST(SequenceTracker, StreamsAreKeyedByExporterDomainAndProtocol) {
  SequenceTracker t;
  const auto a = *IpAddress::parse("192.0.2.1");
  const auto b = *IpAddress::parse("2001:db8::1");
  t.observe({a, 1, wire::ExportProtocol::kNetflowV9}, 10, 1);
  t.observe({a, 2, wire::ExportProtocol::kNetflowV9}, 500, 1);  // other domain: its own counter space
  t.observe({b, 1, wire::ExportProtocol::kNetflowV9}, 99, 1);
  t.observe({a, 1, wire::ExportProtocol::kIpfix}, 7, 1);
  t.observe({a, 1, wire::ExportProtocol::kNetflowV9}, 11, 1);
  EXPECT_EQ(t.streams().size(), 4U);
  EXPECT_EQ(t.totals().lost, 0U);
  EXPECT_EQ(t.totals().datagrams, 5U);
}

TEST(SequenceTracker, DatagramInfoPicksUnitsByProtocol) {
  SequenceTracker t;
  wire::DatagramInfo v5;
  v5.protocol = wire::ExportProtocol::kNetflowV5;
  v5.exporter = *IpAddress::parse("192.0.2.5");
  v5.sequence = 0;
  v5.header_count = 30;
  t.observe(v5);
  v5.sequence = 30;
  t.observe(v5);
  wire::DatagramInfo ipfix;
  ipfix.protocol = wire::ExportProtocol::kIpfix;
  ipfix.exporter = v5.exporter;
  ipfix.sequence = 100;
  ipfix.record_count = 4;
  ipfix.options_record_count = 1;
  t.observe(ipfix);
  ipfix.sequence = 105;  // 4 + 1 options records advanced it by 5
  t.observe(ipfix);
  wire::DatagramInfo sflow;
  sflow.protocol = wire::ExportProtocol::kSflowV5;
  sflow.exporter = *IpAddress::parse("192.0.2.9");
  sflow.agent = *IpAddress::parse("10.0.0.1");
  sflow.sequence = 1;
  t.observe(sflow);
  sflow.sequence = 3;
  t.observe(sflow);
  sflow.uptime_ms = 90000;
  sflow.sequence = 4;
  t.observe(sflow);
  sflow.uptime_ms = 50;  // the agent restarted: its uptime went back
  sflow.sequence = 1;
  t.observe(sflow);
  ipfix.uptime_ms = 90000;  // (IPFIX headers have no uptime: never read)
  ipfix.sequence = 110;
  t.observe(ipfix);
  ipfix.uptime_ms = 50;
  ipfix.sequence = 115;
  t.observe(ipfix);
  const auto streams = t.streams();
  ASSERT_EQ(streams.size(), 3U);
  EXPECT_EQ(t.totals().lost, 1U);  // one sFlow datagram
  EXPECT_EQ(t.totals().resets, 1U);
  EXPECT_EQ(t.totals().duplicate, 0U);
  bool agent_keyed = false;
  for (const auto& s : streams) {
    agent_keyed |= s.key.exporter == *IpAddress::parse("10.0.0.1");
  }
  EXPECT_TRUE(agent_keyed);
}

TEST(SequenceTracker, UptimeGoingBackIsARestart) {
  const SequenceKey key{*IpAddress::parse("192.0.2.1"), 0, wire::ExportProtocol::kNetflowV9};
  struct Datagram {
    std::uint32_t seq;
    std::uint32_t uptime_ms;
  };
  auto run = [&](const std::vector<Datagram>& datagrams) {
    SequenceTracker t;
    for (const auto& d : datagrams) {
      t.observe(key, d.seq, 1, false, d.uptime_ms);
    }
    return t.streams().front().counters;
  };
  // A probe restarted after 40 datagrams starts again at 0: one reset, nothing lost, duplicated or late — without
  // the uptime these would be 3 duplicates and an out-of-order datagram.
  std::vector<Datagram> restart;
  for (std::uint32_t i = 0; i < 40; ++i) {
    restart.push_back({i, 60000 + i * 100});
  }
  for (std::uint32_t i = 0; i < 5; ++i) {
    restart.push_back({i, 20 + i * 100});
  }
  auto c = run(restart);
  EXPECT_EQ(c.resets, 1U);
  EXPECT_EQ(c.lost, 0U);
  EXPECT_EQ(c.duplicate, 0U);
  EXPECT_EQ(c.out_of_order, 0U);
  // A restart of a probe that had run only 300 ms (half its uptime is the slack then).
  c = run({{0, 10}, {1, 150}, {2, 300}, {0, 5}, {1, 100}});
  EXPECT_EQ(c.resets, 1U);
  EXPECT_EQ(c.duplicate, 0U);
  // Reordering: the late datagram's uptime is a few ms behind — no reset, and it does not move the uptime back.
  c = run({{1, 5000}, {3, 5020}, {2, 5010}, {4, 5030}});
  EXPECT_EQ(c.resets, 0U);
  EXPECT_EQ(c.out_of_order, 1U);
  EXPECT_EQ(c.lost, 0U);
  // The uptime wraps after 49.7 days: a wrap is a step forward.
  c = run({{1, 0xffffff00U}, {2, 0x00000010U}, {3, 0x00000100U}});
  EXPECT_EQ(c.resets, 0U);
  EXPECT_EQ(c.lost, 0U);
}

TEST(SequenceTracker, ResyncAfterSkippedSets) {
  SequenceTracker t;
  const SequenceKey key{*IpAddress::parse("192.0.2.1"), 0, wire::ExportProtocol::kIpfix};
  t.observe(key, 0, 0, true);  // records skipped: count unknown
  t.observe(key, 40, 10);      // not counted as 40 lost
  t.observe(key, 50, 10);
  EXPECT_EQ(t.totals().lost, 0U);
}

}  // namespace
}  // namespace flowlab::collector
