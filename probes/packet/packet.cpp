#include "probes/packet/packet.hpp"

#include <cstring>

namespace flowlab::packet {
namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinQ = 0x88a8;
constexpr std::uint16_t kEtherQinQOld = 0x9100;
constexpr int kMaxVlanTags = 2;
constexpr int kMaxIpv6ExtensionHeaders = 8;

bool is_vlan_ethertype(std::uint16_t t) { return t == kEtherVlan || t == kEtherQinQ || t == kEtherQinQOld; }

// Field access inside a span the Reader has already bounds-checked to a fixed size (indices are constants below
// that size).
std::uint8_t at(Bytes b, std::size_t i) { return std::to_integer<std::uint8_t>(b[i]); }
std::uint16_t be16(Bytes b, std::size_t i) { return static_cast<std::uint16_t>((at(b, i) << 8U) | at(b, i + 1)); }

// The per-layer functions below are forced inline into the one parse_frame / parse_ip body: passed by value across
// real calls, the Reader (a span, two sizes and a bool) went through the stack, and reloading it as whole words
// right after its narrow stores stalls on store forwarding — that cost more than the parse itself.
#define FLOWLAB_PARSE_INLINE [[gnu::always_inline]] inline

// An IPv4 address as one 16-byte store (address, then 12 zero bytes): FlowKey::from_packet copies the field with
// 16-byte loads, which the CPU forwards only from a store at least as wide.
FLOWLAB_PARSE_INLINE void store_v4_address(std::array<std::uint8_t, 16>& to, Bytes four) {
  std::uint32_t a = 0;
  std::memcpy(&a, four.data(), 4);
  using Vector = std::uint64_t __attribute__((vector_size(16)));
  const Vector v = {a, 0};  // host order: the four address bytes first, as memcpy put them in `a`
  std::memcpy(to.data(), &v, 16);
}

// Transport ports / ICMP type-code / TCP flags. A header cut short by the snap length leaves them 0.
FLOWLAB_PARSE_INLINE void parse_transport(Reader l4, ParsedPacket& out) {
  switch (out.protocol) {
    case kProtoTcp: {
      const Bytes t = l4.bytes(14);  // ports, seq, ack, offset, flags
      if (t.empty()) {
        out.l4_truncated = true;
        return;
      }
      out.src_port = be16(t, 0);
      out.dst_port = be16(t, 2);
      out.tcp_flags = at(t, 13);
      return;
    }
    case kProtoUdp:
    case kProtoSctp:
    case kProtoUdpLite: {
      const Bytes t = l4.bytes(4);
      if (t.empty()) {
        out.l4_truncated = true;
        return;
      }
      out.src_port = be16(t, 0);
      out.dst_port = be16(t, 2);
      return;
    }
    case kProtoIcmp:
    case kProtoIcmpv6: {
      const Bytes t = l4.bytes(2);
      if (t.empty()) {
        out.l4_truncated = true;
        return;
      }
      out.dst_port = be16(t, 0);  // type << 8 | code
      return;
    }
    default:
      return;
  }
}

FLOWLAB_PARSE_INLINE ParseStatus parse_ipv4(Reader r, ParsedPacket& out) {
  const Bytes h = r.bytes(20);
  if (h.empty()) {
    return ParseStatus::kMalformed;
  }
  const std::uint8_t ver_ihl = at(h, 0);
  const std::size_t header_len = static_cast<std::size_t>(ver_ihl & 0x0fU) * 4U;
  const std::uint16_t total_len = be16(h, 2);
  if ((ver_ihl >> 4U) != 4 || header_len < 20 || total_len < header_len) {
    return ParseStatus::kMalformed;
  }
  const std::uint16_t frag = be16(h, 6);
  out.tos = at(h, 1);
  out.protocol = at(h, 9);
  store_v4_address(out.src, h.subspan(12, 4));
  store_v4_address(out.dst, h.subspan(16, 4));
  out.ip_version = 4;
  out.l3_bytes = total_len;
  // Options: whatever the snap length left of them; a header cut inside its options has no transport part.
  const std::size_t options = header_len - 20;
  if (!r.has(options)) {
    out.l4_truncated = true;
    return ParseStatus::kOk;
  }
  r.skip(options);
  if ((frag & 0x1fffU) != 0) {
    out.fragment = true;
    return ParseStatus::kOk;
  }
  // The transport header lies within the IP total length (trailing Ethernet padding is not part of it).
  const std::size_t payload = total_len - header_len;
  parse_transport(r.sub(payload < r.remaining() ? payload : r.remaining()), out);
  return ParseStatus::kOk;
}

bool is_ipv6_extension(std::uint8_t next) {
  return next == 0 || next == 43 || next == 44 || next == 60 || next == 51 || next == 135 || next == 139 || next == 140;
}

FLOWLAB_PARSE_INLINE ParseStatus parse_ipv6(Reader r, ParsedPacket& out) {
  const Bytes h = r.bytes(40);
  if (h.empty() || (at(h, 0) >> 4U) != 6) {
    return ParseStatus::kMalformed;
  }
  out.tos = static_cast<std::uint8_t>((be16(h, 0) >> 4U) & 0xffU);
  const std::uint16_t payload_len = be16(h, 4);
  std::uint8_t next = at(h, 6);
  std::memcpy(out.src.data(), h.subspan(8, 16).data(), 16);
  std::memcpy(out.dst.data(), h.subspan(24, 16).data(), 16);
  out.ip_version = 6;
  out.l3_bytes = static_cast<std::uint32_t>(payload_len) + 40U;
  Reader payload = r.sub(payload_len < r.remaining() ? payload_len : r.remaining());
  for (int i = 0; i < kMaxIpv6ExtensionHeaders && is_ipv6_extension(next); ++i) {
    if (!payload.has(8)) {
      out.protocol = next;
      out.l4_truncated = true;
      return ParseStatus::kOk;
    }
    const std::uint8_t following = payload.u8();
    const std::uint8_t len_field = payload.u8();
    if (next == 44) {  // fragment header: fixed 8 bytes
      const std::uint16_t offset_flags = payload.u16();
      payload.skip(4);
      if ((offset_flags & 0xfff8U) != 0) {
        out.protocol = following;
        out.fragment = true;
        return ParseStatus::kOk;
      }
    } else {
      // AH counts its length in 4-byte units minus 2; the others in 8-byte units not counting the first 8.
      const std::size_t total = next == 51 ? (static_cast<std::size_t>(len_field) + 2U) * 4U
                                           : (static_cast<std::size_t>(len_field) + 1U) * 8U;
      if (!payload.has(total - 2)) {
        out.protocol = following;
        out.l4_truncated = true;
        return ParseStatus::kOk;
      }
      payload.skip(total - 2);
    }
    next = following;
  }
  out.protocol = next;
  parse_transport(payload, out);
  return ParseStatus::kOk;
}

// The network layer: `type` is an EtherType, or kByVersion to go by the IP header's version nibble.
constexpr std::uint32_t kByVersion = 0x10000;

FLOWLAB_PARSE_INLINE ParseStatus parse_network(std::uint32_t type, Reader r, ParsedPacket& out) {
  if (type == kByVersion) {
    if (!r.has(1)) {
      return ParseStatus::kMalformed;
    }
    const auto version = std::to_integer<std::uint8_t>(r.peek_rest()[0]) >> 4U;
    type = version == 4 ? kEtherIpv4 : version == 6 ? kEtherIpv6 : 0U;
  }
  if (type == kEtherIpv4) {
    return parse_ipv4(r, out);
  }
  if (type == kEtherIpv6) {
    return parse_ipv6(r, out);
  }
  return ParseStatus::kNotIp;
}

#undef FLOWLAB_PARSE_INLINE

}  // namespace

std::optional<LinkType> link_type_from_dlt(int dlt) {
  switch (dlt) {
    case 0:
      return LinkType::kNull;
    case 1:
      return LinkType::kEthernet;
    case 12:  // DLT_RAW as Linux libpcap numbers it
    case 14:  // DLT_RAW on BSDs
    case 101:
      return LinkType::kRaw;
    case 113:
      return LinkType::kLinuxSll;
    case 276:
      return LinkType::kLinuxSll2;
    case 228:
      return LinkType::kIpv4;
    case 229:
      return LinkType::kIpv6;
    default:
      return std::nullopt;
  }
}

ParseStatus parse_ip(Reader ip, ParsedPacket& out) {
  out = ParsedPacket{};
  return parse_network(kByVersion, ip, out);
}

ParseStatus parse_frame(LinkType link, Bytes frame, ParsedPacket& out) {
  // Link layer: find where the network layer starts and what it is; then one (inlined) network-layer parse.
  out = ParsedPacket{};
  Reader r(frame);
  std::uint32_t type = kByVersion;
  switch (link) {
    case LinkType::kEthernet: {
      if (!r.has(14)) {
        return ParseStatus::kMalformed;
      }
      r.skip(12);
      type = r.u16();
      for (int tags = 0; tags < kMaxVlanTags && is_vlan_ethertype(static_cast<std::uint16_t>(type)); ++tags) {
        if (!r.has(4)) {
          return ParseStatus::kMalformed;
        }
        const std::uint16_t tci = r.u16();
        if (tags == 0) {
          out.vlan = static_cast<std::uint16_t>(tci & 0x0fffU);
        }
        type = r.u16();
      }
      break;
    }
    case LinkType::kLinuxSll:
      if (!r.has(16)) {
        return ParseStatus::kMalformed;
      }
      r.skip(14);
      type = r.u16();
      break;
    case LinkType::kLinuxSll2:
      if (!r.has(20)) {
        return ParseStatus::kMalformed;
      }
      type = r.u16();
      r.skip(18);
      break;
    case LinkType::kNull:
      if (!r.has(4)) {
        return ParseStatus::kMalformed;
      }
      r.skip(4);  // the family is in host order of the capturing machine: trust the IP version nibble instead
      break;
    case LinkType::kRaw:
    case LinkType::kIpv4:
    case LinkType::kIpv6:
      break;
    default:
      return ParseStatus::kNotIp;
  }
  return parse_network(type, r, out);
}

}  // namespace flowlab::packet
