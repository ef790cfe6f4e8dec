// The hot path allocates nothing: a global operator new counter around a warmed-up metering loop.
#include "probes/meter/meter.hpp"
#include "tests/unit/meter/frames.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) {
    return p;
  }
  throw std::bad_alloc();
}
// GCC 12 with -fsanitize=address takes the free() in these replacements for a free() of memory from operator new
// (-Wmismatched-new-delete); they are the matching pair of the operator new above, which allocates with malloc.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace flowlab::meter {
namespace {

TEST(MeterAllocations, NoneOnTheHotPathAfterWarmUp) {
  MeterOptions o;
  o.cache.max_flows = 512;  // fewer than the flows below: evictions happen too
  o.cache.inactive_timeout_us = 2000;
  o.sampling_interval = 3;
  o.sampling_mode = SamplingMode::kRandom;
  Meter meter(o);
  std::vector<std::vector<std::byte>> frames;
  for (int i = 0; i < 2000; ++i) {
    test::FrameSpec s;
    s.ip_version = i % 3 == 0 ? 6 : 4;
    if (s.ip_version == 6) {
      s.src = test::v6(static_cast<std::uint8_t>(i));
      s.dst = test::v6(9);
    }
    s.protocol = i % 2 == 0 ? 6 : 17;
    s.sport = static_cast<std::uint16_t>(i);
    s.tcp_flags = i % 50 == 0 ? kTcpFin : 0x10;
    s.payload = static_cast<std::uint16_t>(i % 700);
    frames.push_back(test::build_frame(s));
  }
  auto run = [&](std::uint64_t& t) {
    for (int round = 0; round < 20; ++round) {
      for (const auto& f : frames) {
        meter.on_frame(LinkType::kEthernet, f, t, 3);
        t += 3;
        if (meter.expired().size() > 256) {
          meter.expired().clear();
        }
      }
    }
  };
  std::uint64_t t = 1;
  run(t);  // warm-up: the output vector grows to its working size
  const std::uint64_t before = g_allocations.load();
  run(t);
  EXPECT_EQ(g_allocations.load() - before, 0U);
  EXPECT_GT(meter.cache_counters().evictions, 0U);
  EXPECT_GT(meter.counters().packets_metered, 0U);
}

}  // namespace
}  // namespace flowlab::meter
