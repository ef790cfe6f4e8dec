// The one Internet checksum and IP/UDP header writer (common/inet.hpp) against known values, and the endpoint's
// sockaddr conversions both ways.
#include "common/inet.hpp"

#include "common/bytes.hpp"
#include "common/endpoint.hpp"
#include "common/fd.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>
#include <vector>

namespace flowlab {
namespace {

Endpoint ep(const char* address, std::uint16_t port) { return Endpoint{*IpAddress::parse(address), port}; }

std::vector<std::byte> text_bytes(std::string_view s) {
  const Bytes b = as_bytes(s);
  return {b.begin(), b.end()};
}

Bytes view(const std::vector<std::byte>& v) { return {v.data(), v.size()}; }

// RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to 0x2ddf0, folded 0xddf2; the checksum is its complement.
TEST(InternetChecksum, Rfc1071Example) {
  const auto data = from_hex("00 01 f2 03 f4 f5 f6 f7");
  EXPECT_EQ(internet_checksum(view(data)), static_cast<std::uint16_t>(~0xddf2U));
  // The same sum fed in two parts (an even split) and as two words.
  EXPECT_EQ(InternetSum().add(view(data).first(4)).add(view(data).subspan(4)).checksum(), 0x220d);
  EXPECT_EQ(InternetSum().add_word(0x0001).add_word(0xf203).add_word(0xf4f5).add_word(0xf6f7).checksum(), 0x220d);
  // An odd last byte is padded with zero.
  EXPECT_EQ(internet_checksum(view(from_hex("01"))), static_cast<std::uint16_t>(~0x0100U));
}

// The IPv4 header of the Wikipedia "IPv4 header checksum" example (192.168.0.1 -> 192.168.0.199, UDP, DF, total
// length 0x73): header checksum b861.
TEST(InetHeader, Ipv4KnownHeaderChecksum) {
  Writer w;
  write_ip_header(w, IpHeader{*IpAddress::parse("192.168.0.1"), *IpAddress::parse("192.168.0.199"), 17, 0, 0, true, 64},
                  0x73 - 20);
  EXPECT_EQ(to_hex(w.view()), "45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7");
  EXPECT_EQ(internet_checksum(w.view()), 0);  // a header with its checksum in place sums to 0xffff
}

// Golden values from a separate Python implementation of RFC 768/1071/8200 (struct.pack + one's complement sum);
// both packets also pass tshark's IP/UDP checksum validation (ip.check_checksum, udp.check_checksum).
TEST(InetUdp, Ipv4Golden) {
  const auto payload = text_bytes("flowlab-tee");  // odd length: the last byte is padded for the sum
  EXPECT_EQ(
      udp_checksum(ep("192.0.2.1", 2055), ep("198.51.100.7", 2100), payload.size(), InternetSum().add(view(payload))),
      0x8578);
  const auto packet = build_ip_udp_packet(ep("192.0.2.1", 2055), ep("198.51.100.7", 2100), view(payload), {.ip_id = 7});
  EXPECT_EQ(to_hex(view(packet)),
            "45 00 00 27 00 07 00 00 40 11 8e 83 c0 00 02 01 c6 33 64 07 08 07 08 34 00 13 85 78 66 6c 6f 77 6c 61 "
            "62 2d 74 65 65");
}

TEST(InetUdp, Ipv6Golden) {
  const auto payload = text_bytes("flowlab-tee");
  EXPECT_EQ(
      udp_checksum(ep("2001:db8::1", 2055), ep("2001:db8::2", 2100), payload.size(), InternetSum().add(view(payload))),
      0x1640);
  const auto packet = build_ip_udp_packet(ep("2001:db8::1", 2055), ep("2001:db8::2", 2100), view(payload));
  EXPECT_EQ(to_hex(view(packet)),
            "60 00 00 00 00 13 11 40 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 20 01 0d b8 00 00 00 00 00 00 "
            "00 00 00 00 00 02 08 07 08 34 00 13 16 40 66 6c 6f 77 6c 61 62 2d 74 65 65");
}

// Summing the whole UDP segment with the pseudo-header and the checksum in place gives 0xffff (RFC 1071 check).
TEST(InetUdp, ChecksumVerifiesForManyPayloads) {
  for (std::size_t len : {0U, 1U, 2U, 3U, 1399U, 1400U, 8972U}) {
    SCOPED_TRACE(len);
    std::vector<std::byte> payload(len);
    for (std::size_t i = 0; i < len; ++i) {
      payload[i] = static_cast<std::byte>(i * 131U + 7U);
    }
    for (bool v6 : {false, true}) {
      const Endpoint src = v6 ? ep("2001:db8:ffff::fe", 65535) : ep("255.255.255.254", 65535);
      const Endpoint dst = v6 ? ep("::1", 2100) : ep("127.0.0.1", 2100);
      const auto packet = build_ip_udp_packet(src, dst, view(payload));
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
        const auto hi = std::to_integer<unsigned>(packet[i]);
        const unsigned lo = i + 1 < packet.size() ? std::to_integer<unsigned>(packet[i + 1]) : 0U;
        sum += (hi << 8U) | lo;
      }
      while ((sum >> 16U) != 0) {
        sum = (sum & 0xffffU) + (sum >> 16U);
      }
      EXPECT_EQ(sum, 0xffffU);
    }
  }
}

TEST(InetUdp, RefusesMismatchedOrOversized) {
  const auto payload = text_bytes("x");
  EXPECT_TRUE(build_ip_udp_packet(ep("192.0.2.1", 1), ep("2001:db8::1", 2), view(payload)).empty());
  EXPECT_TRUE(build_ip_udp_packet(Endpoint{}, ep("192.0.2.1", 2), view(payload)).empty());
  Writer w;
  EXPECT_FALSE(write_ip_udp_headers(w, ep("192.0.2.1", 1), ep("2001:db8::1", 2), 1, InternetSum()));
  EXPECT_EQ(w.size(), 0U);
  std::vector<std::byte> big(65535 - 8 - 20 + 1);
  EXPECT_TRUE(build_ip_udp_packet(ep("192.0.2.1", 1), ep("192.0.2.2", 2), view(big)).empty());
  big.pop_back();
  EXPECT_EQ(build_ip_udp_packet(ep("192.0.2.1", 1), ep("192.0.2.2", 2), view(big)).size(), 65535U);
  // IPv6 has no total-length field: only the UDP length bounds it.
  big.resize(65535 - 8);
  EXPECT_EQ(build_ip_udp_packet(ep("::1", 1), ep("::2", 2), view(big)).size(), 40U + 65535U);
  big.push_back(std::byte{0});
  EXPECT_TRUE(build_ip_udp_packet(ep("::1", 1), ep("::2", 2), view(big)).empty());
}

TEST(Endpoint, SockaddrRoundTrip) {
  for (const Endpoint& e : {ep("192.0.2.1", 2055), ep("2001:db8::1", 4739), ep("::ffff:192.0.2.9", 1)}) {
    SCOPED_TRACE(e.to_string());
    const SocketAddress sa = to_sockaddr(e);
    EXPECT_EQ(sa.family(), e.address.is_v6() ? AF_INET6 : AF_INET);
    EXPECT_EQ(sa.length, e.address.is_v6() ? sizeof(sockaddr_in6) : sizeof(sockaddr_in));
    EXPECT_EQ(from_sockaddr(sa), e);
  }
  EXPECT_EQ(to_sockaddr(Endpoint{IpAddress{}, 9}).family(), AF_INET);  // unset: 0.0.0.0
  EXPECT_EQ(from_sockaddr(to_sockaddr(Endpoint{IpAddress{}, 9})), ep("0.0.0.0", 9));
  SocketAddress other;
  other.storage.ss_family = AF_UNIX;
  other.length = sizeof(other.storage);
  EXPECT_FALSE(from_sockaddr(other).has_value());
  SocketAddress short_v6 = to_sockaddr(ep("::1", 1));
  short_v6.length = sizeof(sockaddr_in);
  EXPECT_FALSE(from_sockaddr(short_v6).has_value());
}

TEST(Endpoint, TextAndUnmap) {
  EXPECT_EQ(ep("192.0.2.1", 2055).to_string(), "192.0.2.1:2055");
  EXPECT_EQ(ep("2001:db8::1", 2055).to_string(), "[2001:db8::1]:2055");
  EXPECT_EQ(unmap_v4(*IpAddress::parse("::ffff:192.0.2.9")), *IpAddress::parse("192.0.2.9"));
  EXPECT_EQ(unmap_v4(*IpAddress::parse("2001:db8::1")), *IpAddress::parse("2001:db8::1"));
  EXPECT_EQ(unmap_v4(*IpAddress::parse("192.0.2.9")), *IpAddress::parse("192.0.2.9"));
}

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

TEST(Fd, OwnsMovesReleasesAndResets) {
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(raw, 0);
  {
    Fd a(raw);
    Fd b(std::move(a));
    EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): the moved-from state is the point
    EXPECT_EQ(b.get(), raw);
    EXPECT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));  // closed with its last owner

  raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  Fd c(raw);
  const int given = c.release();
  EXPECT_FALSE(c);
  EXPECT_TRUE(is_open(given));
  Fd d;
  d.reset(given);
  const int next = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  d.reset(next);  // closes `given`
  EXPECT_FALSE(is_open(given));
  Fd e;
  e = std::move(d);
  EXPECT_EQ(e.get(), next);
  e.reset();
  EXPECT_FALSE(is_open(next));
}

}  // namespace
}  // namespace flowlab
