#include "probes/gen/packet.hpp"

#include <cassert>

namespace flowlab::gen {
namespace {

constexpr std::uint16_t kDontFragment = 0x4000;
constexpr std::uint8_t kTcpFin = 0x01;
constexpr std::uint8_t kTcpPsh = 0x08;
constexpr std::uint8_t kTcpAck = 0x10;

std::uint32_t add_words(Bytes data, std::uint32_t sum) {
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) {
    sum += static_cast<std::uint32_t>(std::to_integer<std::uint32_t>(data[i]) << 8U |
                                      std::to_integer<std::uint32_t>(data[i + 1]));
    sum = (sum & 0xffffU) + (sum >> 16U);
  }
  if (i < data.size()) {
    sum += std::to_integer<std::uint32_t>(data[i]) << 8U;
    sum = (sum & 0xffffU) + (sum >> 16U);
  }
  return sum;
}

Bytes address_bytes(const IpAddress& a) {
  return std::as_bytes(std::span<const std::uint8_t>(a.bytes.data(), a.size()));
}

// The transport pseudo-header's sum (RFC 768 / RFC 793 for IPv4, RFC 8200 section 8.1 for IPv6).
std::uint32_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst, std::uint8_t protocol,
                                std::uint32_t length) {
  std::uint32_t sum = add_words(address_bytes(src), 0);
  sum = add_words(address_bytes(dst), sum);
  sum += length >> 16U;
  sum += length & 0xffffU;
  sum += protocol;
  while ((sum >> 16U) != 0) {
    sum = (sum & 0xffffU) + (sum >> 16U);
  }
  return sum;
}

}  // namespace

std::uint16_t internet_checksum(Bytes data, std::uint32_t sum) {
  sum = add_words(data, sum);
  while ((sum >> 16U) != 0) {
    sum = (sum & 0xffffU) + (sum >> 16U);
  }
  return static_cast<std::uint16_t>(~sum & 0xffffU);
}

std::vector<std::byte> build_packet(const StreamSpec& s, const IpAddress& src, std::uint64_t index) {
  assert(src.family == s.family && s.dst.family == s.family);
  const bool v6 = s.family == Family::kIpv6;
  const std::uint8_t protocol = ip_protocol(s.protocol, s.family);
  const std::size_t ip_header = v6 ? 40 : 20;
  const std::uint32_t l4_length = s.size - static_cast<std::uint32_t>(ip_header);
  Writer w(s.size);

  if (v6) {
    w.u32(6U << 28U | static_cast<std::uint32_t>(s.tos) << 20U);
    w.u16(static_cast<std::uint16_t>(l4_length));
    w.u8(protocol);
    w.u8(kTtl);
    w.bytes(std::span<const std::uint8_t>(src.bytes.data(), 16));
    w.bytes(std::span<const std::uint8_t>(s.dst.bytes.data(), 16));
  } else {
    w.u8(0x45);
    w.u8(s.tos);
    w.u16(static_cast<std::uint16_t>(s.size));
    w.u16(static_cast<std::uint16_t>((index + 1) & 0xffffU));
    w.u16(kDontFragment);
    w.u8(kTtl);
    w.u8(protocol);
    w.u16(0);  // header checksum, patched below
    w.bytes(std::span<const std::uint8_t>(src.bytes.data(), 4));
    w.bytes(std::span<const std::uint8_t>(s.dst.bytes.data(), 4));
    w.patch_u16(10, internet_checksum(w.view().first(20)));
  }

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
    checksum = internet_checksum(segment, pseudo_header_sum(src, s.dst, protocol, l4_length));
    if (checksum == 0 && s.protocol == Protocol::kUdp) {
      checksum = 0xffff;  // RFC 768: 0 means "no checksum"
    }
  }
  w.patch_u16(checksum_at, checksum);
  return w.take();
}

std::optional<PacketKey> decode_packet(Bytes packet) {
  Reader r(packet);
  PacketKey key;
  const std::uint8_t first = r.u8();
  if (!r.ok()) {
    return std::nullopt;
  }
  Reader l4;
  if (first >> 4U == 4) {
    const std::size_t ihl = static_cast<std::size_t>(first & 0x0fU) * 4U;
    r.skip(1);
    const std::uint16_t total = r.u16();
    r.skip(2);
    const std::uint16_t fragment = r.u16();
    r.skip(1);
    key.protocol = r.u8();
    r.skip(2);
    key.src = IpAddress::v4(r.array<4>());
    key.dst = IpAddress::v4(r.array<4>());
    if (!r.ok() || ihl < 20 || total < ihl || total > packet.size() || (fragment & 0x3fffU) != 0) {
      return std::nullopt;
    }
    r.skip(ihl - 20);
    l4 = r.sub(total - ihl);
    key.l3_bytes = total;
  } else if (first >> 4U == 6) {
    r.skip(3);
    const std::uint16_t payload = r.u16();
    key.protocol = r.u8();
    r.skip(1);
    key.src = IpAddress::v6(r.array<16>());
    key.dst = IpAddress::v6(r.array<16>());
    l4 = r.sub(payload);
    key.l3_bytes = 40U + payload;
  } else {
    return std::nullopt;
  }
  if (!r.ok()) {
    return std::nullopt;
  }
  switch (key.protocol) {
    case 6:
    case 17:
      key.sport = l4.u16();
      key.dport = l4.u16();
      break;
    case 1:
    case 58:
      key.icmp_type = l4.u8();
      key.icmp_code = l4.u8();
      l4.skip(2);
      key.sport = l4.u16();
      break;
    default:
      return std::nullopt;
  }
  if (!l4.ok()) {
    return std::nullopt;
  }
  return key;
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
