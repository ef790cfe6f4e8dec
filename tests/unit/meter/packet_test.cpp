#include "probes/meter/packet.hpp"
#include "tests/unit/meter/frames.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace flowlab::meter {
namespace {

using test::build_frame;
using test::FrameSpec;
using test::v6;

struct ParseCase {
  std::string name;
  FrameSpec spec;
  ParseStatus status;
  std::uint8_t protocol;
  std::uint16_t sport;
  std::uint16_t dport;
  std::uint8_t tcp_flags;
  std::uint8_t tos;
  std::uint16_t vlan;
  std::uint32_t l3_bytes;
  bool l4_truncated;
  bool fragment;
};

std::vector<ParseCase> parse_cases() {
  std::vector<ParseCase> cases;
  {
    FrameSpec s;
    s.payload = 100;
    s.tos = 0x20;
    s.tcp_flags = 0x18;
    cases.push_back({"ipv4_tcp", s, ParseStatus::kOk, 6, 1024, 80, 0x18, 0x20, 0, 140, false, false});
  }
  {
    FrameSpec s;
    s.protocol = 17;
    s.sport = 5353;
    s.dport = 53;
    s.payload = 12;
    s.vlans = {0x2064};  // PCP 1, VLAN 100
    cases.push_back({"ipv4_udp_vlan", s, ParseStatus::kOk, 17, 5353, 53, 0, 0, 100, 40, false, false});
  }
  {
    FrameSpec s;
    s.protocol = 17;
    s.vlans = {200, 300};
    cases.push_back({"ipv4_udp_qinq_outer_vlan", s, ParseStatus::kOk, 17, 1024, 80, 0, 0, 200, 28, false, false});
  }
  {
    FrameSpec s;
    s.ipv4_option_bytes = 8;
    s.payload = 4;
    cases.push_back({"ipv4_options", s, ParseStatus::kOk, 6, 1024, 80, 0x10, 0, 0, 52, false, false});
  }
  {
    FrameSpec s;
    s.protocol = 1;
    s.icmp_type = 8;
    s.icmp_code = 0;
    s.payload = 56;
    cases.push_back({"icmp_echo", s, ParseStatus::kOk, 1, 0, 0x0800, 0, 0, 0, 84, false, false});
  }
  {
    FrameSpec s;
    s.fragment_offset = 185;
    s.payload = 10;
    cases.push_back({"ipv4_non_first_fragment", s, ParseStatus::kOk, 6, 0, 0, 0, 0, 0, 50, false, true});
  }
  {
    FrameSpec s;
    s.payload = 200;
    s.snap = 14 + 20 + 10;  // TCP header cut after 10 bytes
    cases.push_back({"ipv4_tcp_snapped", s, ParseStatus::kOk, 6, 0, 0, 0, 0, 0, 240, true, false});
  }
  {
    FrameSpec s;
    s.snap = 14 + 12;
    cases.push_back({"ipv4_header_truncated", s, ParseStatus::kMalformed, 0, 0, 0, 0, 0, 0, 0, false, false});
  }
  {
    FrameSpec s;
    s.ip_version = 6;
    s.src = v6(1);
    s.dst = v6(2);
    s.protocol = 17;
    s.tos = 0xb8;
    s.payload = 100;
    cases.push_back({"ipv6_udp", s, ParseStatus::kOk, 17, 1024, 80, 0, 0xb8, 0, 148, false, false});
  }
  {
    FrameSpec s;
    s.ip_version = 6;
    s.src = v6(1);
    s.dst = v6(2);
    s.ipv6_ext = {0, 43, 60};
    s.tcp_flags = 0x02;
    cases.push_back({"ipv6_tcp_ext_headers", s, ParseStatus::kOk, 6, 1024, 80, 0x02, 0, 0, 84, false, false});
  }
  {
    FrameSpec s;
    s.ip_version = 6;
    s.src = v6(1);
    s.dst = v6(2);
    s.protocol = 17;
    s.ipv6_ext = {44};
    cases.push_back({"ipv6_first_fragment", s, ParseStatus::kOk, 17, 1024, 80, 0, 0, 0, 56, false, false});
  }
  {
    FrameSpec s;
    s.ip_version = 6;
    s.src = v6(1);
    s.dst = v6(2);
    s.protocol = 17;
    s.ipv6_ext = {44};
    s.fragment_offset = 100;
    cases.push_back({"ipv6_later_fragment", s, ParseStatus::kOk, 17, 0, 0, 0, 0, 0, 56, false, true});
  }
  {
    FrameSpec s;
    s.ip_version = 6;
    s.src = v6(1);
    s.dst = v6(2);
    s.protocol = 58;
    s.icmp_type = 128;
    cases.push_back({"icmpv6_echo", s, ParseStatus::kOk, 58, 0, 0x8000, 0, 0, 0, 48, false, false});
  }
  {
    FrameSpec s;
    s.ip_version = 6;
    s.snap = 14 + 39;
    cases.push_back({"ipv6_header_truncated", s, ParseStatus::kMalformed, 0, 0, 0, 0, 0, 0, 0, false, false});
  }
  return cases;
}

TEST(Packet, TableOfFrames) {
  for (const ParseCase& c : parse_cases()) {
    SCOPED_TRACE(c.name);
    const std::vector<std::byte> frame = build_frame(c.spec);
    ParsedPacket p;
    ASSERT_EQ(parse_frame(LinkType::kEthernet, frame, p), c.status);
    if (c.status != ParseStatus::kOk) {
      continue;
    }
    EXPECT_EQ(p.ip_version, c.spec.ip_version);
    EXPECT_EQ(p.src, c.spec.src);
    EXPECT_EQ(p.protocol, c.protocol);
    EXPECT_EQ(p.src_port, c.sport);
    EXPECT_EQ(p.dst_port, c.dport);
    EXPECT_EQ(p.tcp_flags, c.tcp_flags);
    EXPECT_EQ(p.tos, c.tos);
    EXPECT_EQ(p.vlan, c.vlan);
    EXPECT_EQ(p.l3_bytes, c.l3_bytes);
    EXPECT_EQ(p.l4_truncated, c.l4_truncated);
    EXPECT_EQ(p.fragment, c.fragment);
  }
}

TEST(Packet, NonIpAndBadHeaders) {
  ParsedPacket p;
  // ARP.
  std::vector<std::byte> arp = from_hex("ffffffffffff 020000000001 0806 0001 0800 0604 0001");
  EXPECT_EQ(parse_frame(LinkType::kEthernet, arp, p), ParseStatus::kNotIp);
  // Short Ethernet header.
  EXPECT_EQ(parse_frame(LinkType::kEthernet, from_hex("ffffffffffff0200"), p), ParseStatus::kMalformed);
  // IPv4 ethertype but version 6 in the header.
  FrameSpec s;
  std::vector<std::byte> f = build_frame(s);
  f[14] = std::byte{0x65};
  EXPECT_EQ(parse_frame(LinkType::kEthernet, f, p), ParseStatus::kMalformed);
  // IHL below 5.
  f[14] = std::byte{0x44};
  EXPECT_EQ(parse_frame(LinkType::kEthernet, f, p), ParseStatus::kMalformed);
  // Total length shorter than the header.
  f = build_frame(s);
  f[16] = std::byte{0};
  f[17] = std::byte{10};
  EXPECT_EQ(parse_frame(LinkType::kEthernet, f, p), ParseStatus::kMalformed);
  // VLAN tag cut off.
  EXPECT_EQ(parse_frame(LinkType::kEthernet, from_hex("ffffffffffff 020000000001 8100 00"), p),
            ParseStatus::kMalformed);
}

TEST(Packet, EveryTruncationIsHandled) {
  FrameSpec s;
  s.ip_version = 6;
  s.src = v6(1);
  s.dst = v6(2);
  s.ipv6_ext = {0, 44};
  const std::vector<std::byte> full = build_frame(s);
  for (std::size_t n = 0; n <= full.size(); ++n) {
    ParsedPacket p;
    const ParseStatus st = parse_frame(LinkType::kEthernet, Bytes(full.data(), n), p);
    if (n < 14 + 40) {
      EXPECT_EQ(st, ParseStatus::kMalformed) << n;
    } else {
      EXPECT_EQ(st, ParseStatus::kOk) << n;
      EXPECT_EQ(p.l4_truncated, n < full.size() - 6) << n;  // ports + flags need 14 of TCP's 20 bytes
    }
  }
}

TEST(Packet, OtherLinkTypes) {
  FrameSpec s;
  s.protocol = 17;
  const std::vector<std::byte> eth = build_frame(s);
  const Bytes ip = Bytes(eth).subspan(14);
  ParsedPacket p;
  ASSERT_EQ(parse_frame(LinkType::kRaw, ip, p), ParseStatus::kOk);
  EXPECT_EQ(p.protocol, 17);
  Writer sll;
  sll.zeros(14);
  sll.u16(0x0800);
  sll.bytes(ip);
  ASSERT_EQ(parse_frame(LinkType::kLinuxSll, sll.view(), p), ParseStatus::kOk);
  EXPECT_EQ(p.l3_bytes, 28U);
  Writer sll2;
  sll2.u16(0x0800);
  sll2.zeros(18);
  sll2.bytes(ip);
  ASSERT_EQ(parse_frame(LinkType::kLinuxSll2, sll2.view(), p), ParseStatus::kOk);
  EXPECT_EQ(p.dst_port, 80);
  EXPECT_EQ(link_type_from_dlt(1), LinkType::kEthernet);
  EXPECT_EQ(link_type_from_dlt(12), LinkType::kRaw);
  EXPECT_EQ(link_type_from_dlt(113), LinkType::kLinuxSll);
  EXPECT_FALSE(link_type_from_dlt(105).has_value());
}

}  // namespace
}  // namespace flowlab::meter
