// The hash-agent choice (the transparent-mode packets are common/inet.hpp's, tested in tests/unit/common).
#include "probes/collector/tee.hpp"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <string>

namespace flowlab::collector {
namespace {

// The hash is part of the contract (the same exporter lands on the same receiver across restarts and hosts):
// FNV-1a 32 over the address bytes. Golden values from the reference algorithm.
TEST(TeeHashAgent, StableGolden) {
  struct Case {
    const char* address;
    std::uint32_t hash;
  };
  const std::vector<Case> cases = {
      {"0.0.0.0", 0x4b95f515U}, {"192.0.2.1", 0x756b9b94U},   {"10.0.0.1", 0x6c506a2cU},
      {"::1", 0x68691772U},     {"2001:db8::1", 0x6e5b04f4U},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.address);
    EXPECT_EQ(tee_agent_hash(*IpAddress::parse(c.address)), c.hash);
    EXPECT_EQ(tee_hash_agent_pick(*IpAddress::parse(c.address), 3), c.hash % 3);
  }
  EXPECT_EQ(tee_hash_agent_pick(IpAddress{}, 3), 0U);
  EXPECT_EQ(tee_hash_agent_pick(*IpAddress::parse("192.0.2.1"), 0), 0U);
}

// 3,000 exporters (a /20 of consecutive addresses and 1,000 IPv6 ones) over 3 receivers: each gets its share
// within 10 %.
TEST(TeeHashAgent, SpreadsConsecutiveExporters) {
  for (std::size_t receivers : {2U, 3U, 5U}) {
    SCOPED_TRACE(receivers);
    std::map<std::size_t, std::size_t> hits;
    std::size_t total = 0;
    for (std::uint32_t i = 0; i < 2000; ++i) {
      ++hits[tee_hash_agent_pick(IpAddress::v4(0x0a000000U + i), receivers)];
      ++total;
    }
    for (std::uint32_t i = 0; i < 1000; ++i) {
      std::array<std::uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8};
      b[14] = static_cast<std::uint8_t>(i >> 8U);
      b[15] = static_cast<std::uint8_t>(i & 0xffU);
      ++hits[tee_hash_agent_pick(IpAddress::v6(b), receivers)];
      ++total;
    }
    ASSERT_EQ(hits.size(), receivers);
    const double share = static_cast<double>(total) / static_cast<double>(receivers);
    for (const auto& [index, count] : hits) {
      SCOPED_TRACE(index);
      EXPECT_GT(static_cast<double>(count), share * 0.9);
      EXPECT_LT(static_cast<double>(count), share * 1.1);
    }
  }
}

}  // namespace
}  // namespace flowlab::collector
