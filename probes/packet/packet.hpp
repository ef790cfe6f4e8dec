// flowlab::packet — the one packet-header parser: one captured frame (or the sampled header of an sFlow flow
// sample) -> the fields a flow is keyed and counted by. The meter (probes/meter), the sFlow decoder (probes/wire)
// and flowgen's sink all parse packets here, so one packet gives one 5-tuple whichever way it arrives.
//
// Link layers: Ethernet (with up to two 802.1Q / 802.1ad / 0x9100 QinQ tags), raw IP, Linux cooked (SLL, SLL2) and
// BSD loopback. Network: IPv4 (options skipped), IPv6 with its extension headers (hop-by-hop, routing, fragment,
// destination options, AH, mobility, HIP, Shim6). Transport: TCP, UDP, SCTP, UDP-Lite ports; ICMP / ICMPv6 type
// and code as NetFlow puts them (dst_port = type << 8 | code). Everything goes through the bounded Reader; nothing
// allocates. A frame that is not IP is `kNotIp`; an IP header that is inconsistent is `kMalformed`; a transport
// header cut off by the capture's snap length still meters the packet (ports 0) and says `l4_truncated`.
#pragma once

#include "common/bytes.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace flowlab::packet {

// pcap link-layer types (the DLT_ values libpcap reports) the parser understands.
enum class LinkType : std::uint16_t {
  kNull = 0,         // DLT_NULL: BSD loopback, 4-byte host-order family
  kEthernet = 1,     // DLT_EN10MB
  kRaw = 101,        // LINKTYPE_RAW: bare IPv4/IPv6
  kLinuxSll = 113,   // DLT_LINUX_SLL ("any" device)
  kLinuxSll2 = 276,  // DLT_LINUX_SLL2
  kIpv4 = 228,       // LINKTYPE_IPV4
  kIpv6 = 229,       // LINKTYPE_IPV6
};

// The LinkType for a libpcap datalink value (pcap_datalink()), or nullopt when the parser cannot parse it.
[[nodiscard]] std::optional<LinkType> link_type_from_dlt(int dlt);

enum class ParseStatus : std::uint8_t { kOk, kNotIp, kMalformed };

struct ParsedPacket {
  std::uint8_t ip_version = 0;         // 4 or 6
  std::array<std::uint8_t, 16> src{};  // IPv4 in the first 4 bytes
  std::array<std::uint8_t, 16> dst{};
  std::uint8_t protocol = 0;  // final next header (after IPv6 extension headers)
  std::uint8_t tos = 0;       // IPv4 ToS byte / IPv6 traffic class
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;  // ICMP: type << 8 | code
  std::uint8_t tcp_flags = 0;
  std::uint16_t vlan = 0;      // first (outer) 802.1Q VLAN id, 0 = untagged
  std::uint32_t l3_bytes = 0;  // IPv4 total length / IPv6 payload length + 40
  bool fragment = false;       // non-first fragment: no transport header
  bool l4_truncated = false;   // transport header cut off by the snap length
};

// Parse one frame of the given link type. `out` is fully overwritten on kOk.
[[nodiscard]] ParseStatus parse_frame(LinkType link, Bytes frame, ParsedPacket& out);

// Parse a packet that starts at its IP header (version taken from the first nibble).
[[nodiscard]] ParseStatus parse_ip(Reader ip, ParsedPacket& out);

inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIcmpv6 = 58;
inline constexpr std::uint8_t kProtoSctp = 132;
inline constexpr std::uint8_t kProtoUdpLite = 136;

}  // namespace flowlab::packet
