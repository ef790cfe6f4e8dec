// The pacing schedule: absolute due times (no drift), interleaving order, delays and "as fast as possible".
#include "probes/gen/schedule.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace flowlab::gen {
namespace {

using namespace std::chrono_literals;

StreamSpec stream(std::uint64_t packets, std::uint64_t pps, std::chrono::nanoseconds delay = 0ns) {
  StreamSpec s;
  s.packets = packets;
  s.pps = pps;
  s.delay = delay;
  return s;
}

TEST(GenSchedule, DueTimesAreAbsolute) {
  struct Case {
    std::uint64_t index;
    std::uint64_t pps;
    std::chrono::nanoseconds delay;
    std::int64_t due;
  };
  const std::vector<Case> cases = {
      {0, 1000, 0ns, 0},
      {1, 1000, 0ns, 1'000'000},
      {5000, 5000, 0ns, 1'000'000'000},
      {1, 3, 0ns, 333'333'333},  // rounding never accumulates: packet 3 is at exactly 1 s
      {2, 3, 0ns, 666'666'666},
      {3, 3, 0ns, 1'000'000'000},
      {3'000'000'000ULL, 3, 0ns, 1'000'000'000'000'000'000LL},
      {7, 0, 0ns, 0},  // as fast as possible
      {7, 0, 250ms, 250'000'000},
      {1, 1000, 5ms, 6'000'000},
      {999'999'999, 10'000'000, 0ns, 99'999'999'900},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(due_ns(c.index, c.pps, c.delay), c.due) << c.index << " at " << c.pps << " pps";
  }
}

TEST(GenSchedule, InterleavesInDueOrder) {
  // a: 1000 pps (every 1 ms), b: 500 pps starting 0.5 ms late.
  std::vector<StreamSpec> streams = {stream(4, 1000), stream(2, 500, 500us)};
  Schedule schedule(streams);
  EXPECT_EQ(schedule.remaining(), 6U);
  std::vector<std::pair<std::size_t, std::int64_t>> order;
  while (auto p = schedule.next()) {
    order.emplace_back(p->stream, p->due_ns);
  }
  const std::vector<std::pair<std::size_t, std::int64_t>> expected = {{0, 0},         {1, 500'000},   {0, 1'000'000},
                                                                      {0, 2'000'000}, {1, 2'500'000}, {0, 3'000'000}};
  EXPECT_EQ(order, expected);
  EXPECT_EQ(schedule.remaining(), 0U);
}

TEST(GenSchedule, FloodStreamsAlternate) {
  std::vector<StreamSpec> streams = {stream(3, 0), stream(1, 0), stream(2, 0)};
  Schedule schedule(streams);
  std::vector<std::size_t> order;
  std::vector<std::uint64_t> indexes;
  while (auto p = schedule.next()) {
    order.push_back(p->stream);
    indexes.push_back(p->index);
  }
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 0, 2, 0}));
  EXPECT_EQ(indexes, (std::vector<std::uint64_t>{0, 0, 0, 1, 1, 2}));
}

TEST(GenSchedule, EveryPacketExactlyOnce) {
  std::vector<StreamSpec> streams = {stream(1000, 7000), stream(333, 0, 10ms), stream(1, 1), stream(250, 2500)};
  Schedule schedule(streams);
  std::vector<std::uint64_t> next(streams.size(), 0);
  std::int64_t last = -1;
  std::uint64_t total = 0;
  while (auto p = schedule.next()) {
    EXPECT_EQ(p->index, next[p->stream]++);  // in order within a stream
    EXPECT_GE(p->due_ns, last);              // never back in time
    last = p->due_ns;
    ++total;
  }
  EXPECT_EQ(total, 1000U + 333U + 1U + 250U);
  for (std::size_t i = 0; i < streams.size(); ++i) {
    EXPECT_EQ(next[i], streams[i].packets);
  }
}

}  // namespace
}  // namespace flowlab::gen
