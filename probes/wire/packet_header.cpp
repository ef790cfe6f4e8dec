#include "probes/wire/packet_header.hpp"

#include "probes/wire/sflow.hpp"

namespace flowlab::wire::detail {
namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinQ = 0x88a8;
constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoIcmpv6 = 58;
constexpr int kMaxVlanTags = 2;
constexpr int kMaxIpv6ExtensionHeaders = 8;

// Transport header: whatever of it the sampled bytes hold (a cut header leaves the ports at 0).
void parse_transport(Reader& r, std::uint8_t protocol, FlowRecord& rec) {
  switch (protocol) {
    case kProtoTcp:
      if (r.has(14)) {
        rec.src_port = r.u16();
        rec.dst_port = r.u16();
        r.skip(9);  // sequence, ack, data offset
        rec.tcp_flags = r.u8();
      }
      break;
    case kProtoUdp:
      if (r.has(4)) {
        rec.src_port = r.u16();
        rec.dst_port = r.u16();
      }
      break;
    case kProtoIcmp:
    case kProtoIcmpv6:
      if (r.has(2)) {
        rec.dst_port = r.u16();  // type << 8 | code
      }
      break;
    default:
      break;
  }
}

bool parse_ipv4(Reader& r, FlowRecord& rec) {
  if (!r.has(20)) {
    return false;
  }
  const std::uint8_t version_ihl = r.u8();
  if ((version_ihl >> 4U) != 4) {
    return false;
  }
  const std::size_t ihl = (version_ihl & 0x0fU) * 4U;
  rec.tos = r.u8();
  rec.bytes = r.u16();
  r.skip(2);  // identification
  const std::uint16_t fragment = r.u16();
  r.skip(1);  // ttl
  rec.protocol = r.u8();
  r.skip(2);  // checksum
  rec.src_addr = IpAddress::v4(r.array<4>());
  rec.dst_addr = IpAddress::v4(r.array<4>());
  if (ihl < 20 || !r.has(ihl - 20)) {
    return r.ok();
  }
  r.skip(ihl - 20);
  if ((fragment & 0x1fffU) == 0) {  // ports only in the first fragment
    parse_transport(r, rec.protocol, rec);
  }
  return true;
}

bool is_ipv6_extension(std::uint8_t next) { return next == 0 || next == 43 || next == 60 || next == 44; }

bool parse_ipv6(Reader& r, FlowRecord& rec) {
  if (!r.has(40)) {
    return false;
  }
  const std::uint32_t first = r.u32();
  if ((first >> 28U) != 6) {
    return false;
  }
  rec.tos = static_cast<std::uint8_t>((first >> 20U) & 0xffU);
  rec.bytes = r.u16() + 40ULL;
  std::uint8_t next = r.u8();
  r.skip(1);  // hop limit
  rec.src_addr = IpAddress::v6(r.array<16>());
  rec.dst_addr = IpAddress::v6(r.array<16>());
  bool later_fragment = false;
  for (int i = 0; i < kMaxIpv6ExtensionHeaders && is_ipv6_extension(next) && r.has(8); ++i) {
    const std::uint8_t header = next;
    next = r.u8();
    const std::uint8_t length = r.u8();
    if (header == 44) {  // fragment header: fixed 8 bytes
      later_fragment = (r.u16() & 0xfff8U) != 0;
      r.skip(4);
    } else {
      r.skip(6);
      if (!r.has(length * 8U)) {
        break;
      }
      r.skip(length * 8U);
    }
  }
  rec.protocol = next;
  if (!later_fragment && !is_ipv6_extension(next)) {
    parse_transport(r, next, rec);
  }
  return true;
}

}  // namespace

bool parse_packet_header(Bytes header, std::uint32_t header_protocol, FlowRecord& rec) {
  Reader r(header);
  if (header_protocol == kSflowHeaderIpv4) {
    return parse_ipv4(r, rec);
  }
  if (header_protocol == kSflowHeaderIpv6) {
    return parse_ipv6(r, rec);
  }
  if (header_protocol != kSflowHeaderEthernet || !r.has(14)) {
    return false;
  }
  r.skip(12);  // destination and source MAC
  std::uint16_t ether_type = r.u16();
  for (int i = 0; i < kMaxVlanTags && (ether_type == kEtherVlan || ether_type == kEtherQinQ) && r.has(4); ++i) {
    const std::uint16_t tci = r.u16();
    if (i == 0) {
      rec.vlan = tci & 0x0fffU;
    }
    ether_type = r.u16();
  }
  if (ether_type == kEtherIpv4) {
    return parse_ipv4(r, rec);
  }
  if (ether_type == kEtherIpv6) {
    return parse_ipv6(r, rec);
  }
  return false;
}

}  // namespace flowlab::wire::detail
