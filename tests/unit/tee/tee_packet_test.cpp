// Transparent-mode packets (golden bytes computed independently, see comments) and the hash-agent choice.
#include "probes/collector/tee.hpp"

#include "common/bytes.hpp"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <string>

namespace flowlab::collector {
namespace {

TeeEndpoint ep(const char* address, std::uint16_t port) { return TeeEndpoint{*IpAddress::parse(address), port}; }

std::vector<std::uint8_t> text_bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::string hex(const std::vector<std::uint8_t>& v) { return to_hex(as_bytes(v)); }

// Golden values from a separate Python implementation of RFC 768/1071/8200 (struct.pack + one's complement sum);
// both packets also pass tshark's IP/UDP checksum validation (ip.check_checksum, udp.check_checksum).
TEST(TeePacket, Ipv4Golden) {
  auto payload = text_bytes("flowlab-tee");  // odd length: the last byte is padded for the sum
  EXPECT_EQ(udp_checksum(ep("192.0.2.1", 2055), ep("198.51.100.7", 2100), payload), 0x8578);
  auto packet = build_ip_udp_packet(ep("192.0.2.1", 2055), ep("198.51.100.7", 2100), payload, 7);
  EXPECT_EQ(hex(packet),
            "45 00 00 27 00 07 00 00 40 11 8e 83 c0 00 02 01 c6 33 64 07 08 07 08 34 00 13 85 78 66 6c 6f 77 6c 61 "
            "62 2d 74 65 65");
}

TEST(TeePacket, Ipv6Golden) {
  auto payload = text_bytes("flowlab-tee");
  EXPECT_EQ(udp_checksum(ep("2001:db8::1", 2055), ep("2001:db8::2", 2100), payload), 0x1640);
  auto packet = build_ip_udp_packet(ep("2001:db8::1", 2055), ep("2001:db8::2", 2100), payload);
  EXPECT_EQ(hex(packet),
            "60 00 00 00 00 13 11 40 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00 00 00 "
            "00 00 00 00 00 02 08 07 08 34 00 13 16 40 66 6c 6f 77 6c 61 62 2d 74 65 65");
}

// Summing the whole UDP segment with the pseudo-header and the checksum in place gives 0xffff (RFC 1071 check).
TEST(TeePacket, ChecksumVerifiesForManyPayloads) {
  for (std::size_t len : {0U, 1U, 2U, 3U, 1399U, 1400U, 8972U}) {
    SCOPED_TRACE(len);
    std::vector<std::uint8_t> payload(len);
    for (std::size_t i = 0; i < len; ++i) {
      payload[i] = static_cast<std::uint8_t>(i * 131U + 7U);
    }
    for (bool v6 : {false, true}) {
      TeeEndpoint src = v6 ? ep("2001:db8:ffff::fe", 65535) : ep("255.255.255.254", 65535);
      TeeEndpoint dst = v6 ? ep("::1", 2100) : ep("127.0.0.1", 2100);
      auto packet = build_ip_udp_packet(src, dst, payload);
      const std::size_t ip = v6 ? 40 : 20;
      ASSERT_EQ(packet.size(), ip + 8 + len);
      std::uint64_t sum = 0;
      const std::size_t alen = v6 ? 16 : 4;
      for (std::size_t i = 0; i < alen; i += 2) {
        sum += (static_cast<unsigned>(src.address.bytes[i]) << 8U) | src.address.bytes[i + 1];
        sum += (static_cast<unsigned>(dst.address.bytes[i]) << 8U) | dst.address.bytes[i + 1];
      }
      sum += 17U + 8U + len;
      for (std::size_t i = ip; i < packet.size(); i += 2) {
        unsigned hi = packet[i];
        unsigned lo = i + 1 < packet.size() ? packet[i + 1] : 0U;
        sum += (hi << 8U) | lo;
      }
      while ((sum >> 16U) != 0) {
        sum = (sum & 0xffffU) + (sum >> 16U);
      }
      EXPECT_EQ(sum, 0xffffU);
    }
  }
}

TEST(TeePacket, RefusesMismatchedOrOversized) {
  auto payload = text_bytes("x");
  EXPECT_TRUE(build_ip_udp_packet(ep("192.0.2.1", 1), ep("2001:db8::1", 2), payload).empty());
  EXPECT_TRUE(build_ip_udp_packet(TeeEndpoint{}, ep("192.0.2.1", 2), payload).empty());
  EXPECT_EQ(udp_checksum(ep("192.0.2.1", 1), ep("2001:db8::1", 2), payload), 0);
  std::vector<std::uint8_t> big(65535 - 8 - 20 + 1);
  EXPECT_TRUE(build_ip_udp_packet(ep("192.0.2.1", 1), ep("192.0.2.2", 2), big).empty());
  big.pop_back();
  EXPECT_EQ(build_ip_udp_packet(ep("192.0.2.1", 1), ep("192.0.2.2", 2), big).size(), 65535U);
}

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
