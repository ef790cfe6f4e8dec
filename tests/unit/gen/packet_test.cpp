// Packet crafting: golden bytes for one packet of each protocol and family, every checksum checked by an independent
// implementation (libtins recomputes them when it re-serializes the parsed packet), the fields read back by the
// meter's parser (what flowprobe will see) and by decode_packet() (the same parser, what the sink matches on).
#include "probes/gen/packet.hpp"
#include "common/inet.hpp"
#include "probes/meter/packet.hpp"

#include <gtest/gtest.h>
#include <tins/tins.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace flowlab::gen {
namespace {

StreamSpec finalized(const std::string& text) {
  auto s = parse_stream_option(text);
  EXPECT_TRUE(s.ok()) << s.error().to_string();
  std::vector<StreamSpec> v{s.value_or(StreamSpec{})};
  Status ok = finalize_streams(v);
  EXPECT_TRUE(ok.ok()) << ok.error().to_string();
  return v.front();
}

std::vector<std::uint8_t> as_u8(const std::vector<std::byte>& b) {
  std::vector<std::uint8_t> out(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) {
    out[i] = std::to_integer<std::uint8_t>(b[i]);
  }
  return out;
}

struct GoldenCase {
  std::string stream;
  std::string src;
  std::uint64_t index = 0;
  std::uint8_t tcp_flags = 0;
  std::string hex;  // the whole packet
};

// Regenerate with UPDATE_GOLDEN=1 (prints the new hex; paste it and read the diff).
const std::vector<GoldenCase>& golden_cases() {
  static const std::vector<GoldenCase> cases = {
      {"name=u4,src=192.0.2.1,dst=198.51.100.10,proto=udp,sport=40000,dport=53,packets=5,size=36,tos=0x10", "192.0.2.1",
       2, 0,
       "45 10 00 24 00 03 40 00 40 11 4e 77 c0 00 02 01 c6 33 64 0a 9c 40 00 35 00 10 77 19 00 00 00 00 00 00 00 00"},
      {"name=t4,src=192.0.2.1,dst=198.51.100.10,proto=tcp,sport=40001,dport=443,packets=5,size=48", "192.0.2.1", 1,
       0x18,
       "45 00 00 30 00 02 40 00 40 06 4e 87 c0 00 02 01 c6 33 64 0a 9c 41 01 bb 10 00 00 08 00 00 00 01 50 18 ff ff 15 "
       "80 00 00 00 00 00 00 00 00 00 00"},
      {"name=t4last,src=192.0.2.1,dst=198.51.100.10,proto=tcp,sport=40001,dport=443,packets=5,size=40", "192.0.2.1", 4,
       0x19,
       "45 00 00 28 00 05 40 00 40 06 4e 8c c0 00 02 01 c6 33 64 0a 9c 41 01 bb 10 00 00 00 00 00 00 01 50 19 ff ff 15 "
       "8f 00 00"},
      {"name=i4,src=192.0.2.1,dst=198.51.100.10,proto=icmp,sport=7,packets=5,size=32", "192.0.2.1", 3, 0,
       "45 00 00 20 00 04 40 00 40 01 4e 9a c0 00 02 01 c6 33 64 0a 08 00 f7 f5 00 07 00 03 00 00 00 00"},
      {"name=u6,src=2001:db8::1,dst=2001:db8:1::10,proto=udp,sport=40000,dport=53,packets=5,size=52,tos=0xb8",
       "2001:db8::1", 0, 0,
       "6b 80 00 00 00 0c 11 40 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 20 01 0d b8 00 01 00 00 00 00 00 00 00 "
       "00 00 10 9c 40 00 35 00 0c 07 dd 00 00 00 00"},
      {"name=t6,src=2001:db8::1,dst=2001:db8:1::10,proto=tcp,sport=40001,dport=443,packets=5,size=64", "2001:db8::1", 1,
       0x18,
       "60 00 00 00 00 18 06 40 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 20 01 0d b8 00 01 00 00 00 00 00 00 00 "
       "00 00 10 9c 41 01 bb 10 00 00 04 00 00 00 01 50 18 ff ff a6 43 00 00 00 00 00 00"},
      {"name=i6,src=2001:db8::1,dst=2001:db8:1::10,proto=icmpv6,sport=7,packets=5,size=52", "2001:db8::1", 3, 0,
       "60 00 00 00 00 0c 3a 40 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 20 01 0d b8 00 01 00 00 00 00 00 00 00 "
       "00 00 10 80 00 24 2b 00 07 00 03 00 00 00 00"},
  };
  return cases;
}

TEST(GenPacket, GoldenBytes) {
  const bool update = std::getenv("UPDATE_GOLDEN") != nullptr;
  for (const auto& c : golden_cases()) {
    SCOPED_TRACE(c.stream);
    const StreamSpec s = finalized(c.stream);
    const auto packet = build_packet(s, *IpAddress::parse(c.src), c.index);
    const std::string hex = to_hex(Bytes(packet.data(), packet.size()));
    if (update) {
      std::printf("golden %s: \"%s\"\n", s.name.c_str(), hex.c_str());
      continue;
    }
    EXPECT_EQ(hex, c.hex);
  }
}

TEST(GenPacket, ChecksumsAgreeWithLibtins) {
  for (const auto& c : golden_cases()) {
    SCOPED_TRACE(c.stream);
    const StreamSpec s = finalized(c.stream);
    const auto bytes = as_u8(build_packet(s, *IpAddress::parse(c.src), c.index));
    // libtins parses the packet and computes every checksum again when it serializes it.
    std::vector<std::uint8_t> again;
    if (s.family == Family::kIpv4) {
      Tins::IP ip(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
      again = ip.serialize();
    } else {
      Tins::IPv6 ip(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
      again = ip.serialize();
    }
    EXPECT_EQ(again, bytes);
  }
}

TEST(GenPacket, ChecksumsVerifyToZero) {
  // Summing a packet with its checksum in place gives 0 (RFC 1071): the IPv4 header, and every transport segment
  // with its pseudo-header (ICMPv4 has none).
  for (std::uint64_t size : {28U, 29U, 40U, 41U, 333U, 1500U}) {
    const StreamSpec s =
        finalized("name=x,src=192.0.2.1,dst=198.51.100.10,proto=udp,dport=9,packets=1,size=" + std::to_string(size));
    const auto packet = build_packet(s, *s.src, 0);
    EXPECT_EQ(internet_checksum(Bytes(packet.data(), 20)), 0) << size;
    const auto ip = as_u8(packet);
    Tins::IP parsed(ip.data(), static_cast<std::uint32_t>(ip.size()));
    EXPECT_EQ(parsed.serialize(), ip) << size;
  }
}

TEST(GenPacket, MeterParsesWhatWasBuilt) {
  for (const auto& c : golden_cases()) {
    SCOPED_TRACE(c.stream);
    const StreamSpec s = finalized(c.stream);
    const IpAddress src = *IpAddress::parse(c.src);
    const auto packet = build_packet(s, src, c.index);
    meter::ParsedPacket p;
    ASSERT_EQ(meter::parse_ip(Reader(Bytes(packet.data(), packet.size())), p), meter::ParseStatus::kOk);
    EXPECT_EQ(p.ip_version, s.family == Family::kIpv6 ? 6 : 4);
    EXPECT_EQ(p.protocol, ip_protocol(s.protocol, s.family));
    EXPECT_EQ(p.l3_bytes, s.size);
    EXPECT_EQ(p.tos, s.tos);
    EXPECT_EQ(p.src_port, flow_sport(s));
    EXPECT_EQ(p.dst_port, flow_dport(s));
    EXPECT_EQ(p.tcp_flags, c.tcp_flags);
    EXPECT_FALSE(p.fragment);
    EXPECT_EQ(std::memcmp(p.src.data(), src.bytes.data(), src.size()), 0);
    EXPECT_EQ(std::memcmp(p.dst.data(), s.dst.bytes.data(), s.dst.size()), 0);

    const auto key = decode_packet(Bytes(packet.data(), packet.size()));
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(key->l3_bytes, s.size);
    EXPECT_EQ(key->src, src);
    EXPECT_TRUE(matches(s, *key));
  }
}

TEST(GenPacket, TcpSequenceContinuesByPayload) {
  const StreamSpec s = finalized("name=t,src=192.0.2.1,dst=198.51.100.10,proto=tcp,dport=80,packets=3,size=140");
  for (std::uint64_t i = 0; i < 3; ++i) {
    const auto bytes = as_u8(build_packet(s, *s.src, i));
    Tins::IP ip(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
    const auto& tcp = ip.rfind_pdu<Tins::TCP>();
    EXPECT_EQ(tcp.seq(), kTcpInitialSequence + i * 100);
    EXPECT_EQ(tcp.get_flag(Tins::TCP::FIN), i == 2 ? 1 : 0);
    EXPECT_EQ(ip.id(), i + 1);
    EXPECT_EQ(ip.flags(), Tins::IP::DONT_FRAGMENT);
  }
}

TEST(GenPacket, DecodeRejectsWhatIsNotAWholePacket) {
  const StreamSpec s = finalized("name=u,src=192.0.2.1,dst=198.51.100.10,proto=udp,dport=9,packets=1,size=60");
  const auto packet = build_packet(s, *s.src, 0);
  // Every truncation fails cleanly (the header says 60 bytes).
  for (std::size_t n = 0; n < packet.size(); ++n) {
    EXPECT_FALSE(decode_packet(Bytes(packet.data(), n)).has_value()) << n;
  }
  auto fragment = packet;
  fragment[7] = std::byte{0x01};  // fragment offset 8: a non-first fragment has no transport header
  EXPECT_FALSE(decode_packet(Bytes(fragment.data(), fragment.size())).has_value());
  // A first fragment (MF set, offset 0) is read as the meter reads it: the whole transport header is there.
  // (flowgen never sends one: IPv4 carries DF.)
  auto first = packet;
  first[6] = std::byte{0x20};
  meter::ParsedPacket p;
  ASSERT_EQ(meter::parse_ip(Reader(Bytes(first.data(), first.size())), p), meter::ParseStatus::kOk);
  EXPECT_EQ(decode_packet(Bytes(first.data(), first.size())).has_value(), !p.fragment);
  auto other = packet;
  other[0] = std::byte{0x55};  // version 5
  EXPECT_FALSE(decode_packet(Bytes(other.data(), other.size())).has_value());
}

TEST(GenPacket, MatchesOnlyItsOwnStream) {
  std::vector<StreamSpec> v;
  for (const char* text : {"name=a,dst=198.51.100.10,proto=udp,dport=53,packets=1",
                           "name=b,dst=198.51.100.10,proto=udp,dport=53,packets=1",
                           "name=c,src=192.0.2.9,dst=198.51.100.10,proto=udp,dport=53,sport=1000,packets=1",
                           "name=p,dst=198.51.100.10,proto=icmp,packets=1",
                           // Only the echo identifier (sport) tells q from p.
                           "name=q,dst=198.51.100.10,proto=icmp,sport=99,packets=1"}) {
    v.push_back(parse_stream_option(text).value_or(StreamSpec{}));
  }
  ASSERT_TRUE(finalize_streams(v).ok());
  const IpAddress src = *IpAddress::parse("192.0.2.1");
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto packet = build_packet(v[i], v[i].src.value_or(src), 0);
    const auto key = decode_packet(Bytes(packet.data(), packet.size()));
    ASSERT_TRUE(key.has_value());
    for (std::size_t j = 0; j < v.size(); ++j) {
      EXPECT_EQ(matches(v[j], *key), i == j) << v[i].name << " against " << v[j].name;
    }
  }
}

}  // namespace
}  // namespace flowlab::gen
