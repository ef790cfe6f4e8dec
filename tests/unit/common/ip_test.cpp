#include "common/ip.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <random>

namespace flowlab {
namespace {

// IPv4 is printed by hand (not inet_ntop): the same text as inet_ntop on every octet value in every position and on
// 100,000 random addresses.
TEST(IpAddress, Ipv4TextEqualsInetNtop) {
  const auto reference = [](const IpAddress& a) {
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, a.bytes.data(), buf, sizeof buf);
    return std::string(buf);
  };
  for (std::uint32_t b = 0; b < 256; ++b) {
    for (std::uint32_t shift = 0; shift < 32; shift += 8) {
      const IpAddress a = IpAddress::v4((b << shift) | (0x0a0a0a0aU & ~(0xffU << shift)));
      ASSERT_EQ(a.to_string(), reference(a));
    }
  }
  std::mt19937 rng(4);
  for (int i = 0; i < 100'000; ++i) {
    const IpAddress a = IpAddress::v4(static_cast<std::uint32_t>(rng()));
    ASSERT_EQ(a.to_string(), reference(a));
  }
  EXPECT_EQ(IpAddress::v4(0).to_string(), "0.0.0.0");
  EXPECT_EQ(IpAddress::v4(0xffffffffU).to_string(), "255.255.255.255");
}

TEST(IpAddress, ParsesAndFormatsBothFamilies) {
  struct Case {
    const char* text;
    Family family;
    const char* canonical;
  };
  for (const Case& c : {Case{"192.0.2.1", Family::kIpv4, "192.0.2.1"},
                        Case{"2001:DB8::1", Family::kIpv6, "2001:db8::1"}, Case{"::", Family::kIpv6, "::"}}) {
    SCOPED_TRACE(c.text);
    auto a = IpAddress::parse(c.text);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->family, c.family);
    EXPECT_EQ(a->to_string(), c.canonical);
  }
  for (const char* bad : {"", "192.0.2", "192.0.2.256", "1:2:3", "hello", "192.0.2.1/24"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(IpAddress::parse(bad).has_value());
  }
}

TEST(Prefix, StrictParsingRejectsHostBits) {
  EXPECT_TRUE(Prefix::parse("192.0.2.0/24").has_value());
  EXPECT_FALSE(Prefix::parse("192.0.2.1/24").has_value());
  EXPECT_TRUE(Prefix::parse_interface("192.0.2.1/24").has_value());
  EXPECT_FALSE(Prefix::parse("192.0.2.0/33").has_value());
  EXPECT_FALSE(Prefix::parse("2001:db8::/129").has_value());
  EXPECT_FALSE(Prefix::parse("192.0.2.0/").has_value());
  EXPECT_EQ(Prefix::parse("2001:db8::/32")->to_string(), "2001:db8::/32");
}

TEST(Prefix, ContainsAndOverlaps) {
  auto p = *Prefix::parse("198.51.100.0/24");
  EXPECT_TRUE(p.contains(*IpAddress::parse("198.51.100.10")));
  EXPECT_FALSE(p.contains(*IpAddress::parse("198.51.101.10")));
  EXPECT_FALSE(p.contains(*IpAddress::parse("2001:db8::1")));
  EXPECT_TRUE(p.overlaps(*Prefix::parse("198.51.100.128/25")));
  EXPECT_EQ(IpAddress::parse("198.18.0.255")->plus(1).to_string(), "198.18.1.0");
}

}  // namespace
}  // namespace flowlab

#include "common/duration.hpp"

namespace flowlab {
namespace {

TEST(Duration, ParsesUnits) {
  using std::chrono::milliseconds;
  EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_duration("10s"), milliseconds(10000));
  EXPECT_EQ(parse_duration("10"), milliseconds(10000));
  EXPECT_EQ(parse_duration("2m"), milliseconds(120000));
  EXPECT_EQ(parse_duration("1h"), milliseconds(3600000));
  for (const char* bad : {"", "s", "10x", "-1s", "1.5s", "10 s"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(parse_duration(bad).has_value());
  }
}

}  // namespace
}  // namespace flowlab
