#include "probes/gen/packet.hpp"

#include "common/inet.hpp"
#include "probes/meter/packet.hpp"

#include <cassert>
#include <cstring>

namespace flowlab::gen {
namespace {

constexpr std::uint8_t kTcpFin = 0x01;
constexpr std::uint8_t kTcpPsh = 0x08;
constexpr std::uint8_t kTcpAck = 0x10;

}  // namespace

std::vector<std::byte> build_packet(const StreamSpec& s, const IpAddress& src, std::uint64_t index) {
  assert(src.family == s.family && s.dst.family == s.family);
  const bool v6 = s.family == Family::kIpv6;
  const std::uint8_t protocol = ip_protocol(s.protocol, s.family);
  const std::size_t ip_header = v6 ? 40 : 20;
  const std::uint32_t l4_length = s.size - static_cast<std::uint32_t>(ip_header);
  Writer w(s.size);

  write_ip_header(w,
                  IpHeader{src, s.dst, protocol, s.tos, static_cast<std::uint16_t>((index + 1) & 0xffffU),
                           /*dont_fragment=*/true, kDefaultTtl},
                  l4_length);

  const std::size_t l4 = w.size();
  std::size_t checksum_at = 0;
  switch (s.protocol) {
    case Protocol::kUdp:
      w.u16(s.sport);
      w.u16(s.dport);
      w.u16(static_cast<std::uint16_t>(l4_length));
      checksum_at = w.size();
      w.u16(0);
      break;
    case Protocol::kTcp: {
      const std::uint64_t payload = l4_length - 20U;
      const bool last = index + 1 == s.packets;
      w.u16(s.sport);
      w.u16(s.dport);
      w.u32(static_cast<std::uint32_t>((kTcpInitialSequence + index * payload) & 0xffffffffU));
      w.u32(1);        // acknowledgment number
      w.u8(5U << 4U);  // data offset: 5 words, no options
      w.u8(last ? kTcpFin | kTcpPsh | kTcpAck : kTcpPsh | kTcpAck);
      w.u16(65535);  // window
      checksum_at = w.size();
      w.u16(0);
      w.u16(0);  // urgent pointer
      break;
    }
    case Protocol::kIcmp:
      w.u8(s.icmp_type.value_or(v6 ? 128 : 8));
      w.u8(s.icmp_code);
      checksum_at = w.size();
      w.u16(0);
      w.u16(s.sport);
      w.u16(static_cast<std::uint16_t>(index & 0xffffU));
      break;
  }
  w.zeros(s.size - w.size());

  const Bytes segment = w.view().subspan(l4);
  std::uint16_t checksum = 0;
  if (protocol == 1) {
    checksum = internet_checksum(segment);  // ICMPv4 has no pseudo-header
  } else {
    checksum = pseudo_header_sum(src, s.dst, protocol, l4_length).add(segment).checksum();
    if (checksum == 0 && s.protocol == Protocol::kUdp) {
      checksum = 0xffff;  // RFC 768: 0 means "no checksum"
    }
  }
  w.patch_u16(checksum_at, checksum);
  return w.take();
}

std::optional<PacketKey> decode_packet(Bytes packet) {
  meter::ParsedPacket parsed;
  if (meter::parse_ip(Reader(packet), parsed) != meter::ParseStatus::kOk || parsed.fragment || parsed.l4_truncated ||
      parsed.l3_bytes > packet.size()) {
    return std::nullopt;
  }
  PacketKey key;
  key.protocol = parsed.protocol;
  key.l3_bytes = parsed.l3_bytes;
  if (parsed.ip_version == 4) {
    key.src = IpAddress::v4(std::array<std::uint8_t, 4>{parsed.src[0], parsed.src[1], parsed.src[2], parsed.src[3]});
    key.dst = IpAddress::v4(std::array<std::uint8_t, 4>{parsed.dst[0], parsed.dst[1], parsed.dst[2], parsed.dst[3]});
  } else {
    key.src = IpAddress::v6(parsed.src);
    key.dst = IpAddress::v6(parsed.dst);
  }
  switch (key.protocol) {
    case meter::kProtoTcp:
    case meter::kProtoUdp:
      key.sport = parsed.src_port;
      key.dport = parsed.dst_port;
      return key;
    case meter::kProtoIcmp:
    case meter::kProtoIcmpv6: {
      key.icmp_type = static_cast<std::uint8_t>(parsed.dst_port >> 8U);
      key.icmp_code = static_cast<std::uint8_t>(parsed.dst_port & 0xffU);
      // The echo identifier is no flow key, so the meter does not read it: it sits 4 bytes into the ICMP header,
      // right after the IP header (flowgen sends no IPv6 extension headers).
      Reader icmp(packet);
      const std::size_t ip_header =
          parsed.ip_version == 4 ? (std::to_integer<std::size_t>(packet[0]) & 0x0fU) * 4U : kIpv6HeaderBytes;
      icmp.skip(ip_header + 4);
      key.sport = icmp.u16();
      if (!icmp.ok()) {
        return std::nullopt;
      }
      return key;
    }
    default:
      return std::nullopt;
  }
}

bool matches(const StreamSpec& s, const PacketKey& key) {
  if (key.protocol != ip_protocol(s.protocol, s.family) || key.dst != s.dst || (s.src && key.src != *s.src)) {
    return false;
  }
  if (s.protocol == Protocol::kIcmp) {
    return key.icmp_type == s.icmp_type.value_or(0) && key.icmp_code == s.icmp_code && key.sport == s.sport;
  }
  return key.sport == s.sport && key.dport == s.dport;
}

}  // namespace flowlab::gen
