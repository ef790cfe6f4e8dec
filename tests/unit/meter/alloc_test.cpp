// The hot path allocates nothing: a global operator new counter around a warmed-up metering loop.
#include "probes/meter/meter.hpp"
#include "tests/support/counting_alloc.hpp"
#include "tests/unit/meter/frames.hpp"

#include <gtest/gtest.h>

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
  const std::uint64_t before = test_support::allocations();
  run(t);
  EXPECT_EQ(test_support::allocations() - before, 0U);
  EXPECT_GT(meter.cache_counters().evictions, 0U);
  EXPECT_GT(meter.counters().packets_metered, 0U);
}

}  // namespace
}  // namespace flowlab::meter
