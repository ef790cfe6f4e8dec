// flowlab::gen packets — the exact bytes flowgen sends, and the key its sink reads back.
//
// build_packet() crafts one whole IP packet of a stream (IPv4 or IPv6 header, then UDP, TCP or ICMP/ICMPv6, then a
// zero payload) with every checksum computed here, so the kernel sends it unchanged through a raw socket:
//   IPv4  version 4, IHL 5, the stream's ToS, total length = size, identification = packet index + 1, DF set,
//         TTL 64. IPv6: the stream's traffic class, flow label 0, payload length = size - 40, hop limit 64.
//   UDP   the stream's ports, length, checksum (0 sent as 0xffff).
//   TCP   the stream's ports; sequence numbers continue from kTcpInitialSequence by each segment's payload, as in
//         an established connection; ACK 1; flags PSH|ACK, the last segment FIN|PSH|ACK (so a meter ends the
//         flow at once); window 65535; no options.
//   ICMP  the stream's type and code; identifier = the stream's sport, sequence = packet index (mod 2^16).
// Headers and checksums come from common/inet.hpp. decode_packet() reads a packet starting at its IP header into
// the fields the sink matches on, through the meter's parser (probes/meter/packet.hpp): one parser in the tree.
#pragma once

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "probes/gen/stream.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace flowlab::gen {

inline constexpr std::uint32_t kTcpInitialSequence = 0x10000000;

// Packet `index` (0-based) of stream s sent from src (the stream's own src, or the resolved one). s must have been
// through finalize_streams() and src must be of the stream's family.
[[nodiscard]] std::vector<std::byte> build_packet(const StreamSpec& s, const IpAddress& src, std::uint64_t index);

struct PacketKey {
  IpAddress src;
  IpAddress dst;
  std::uint8_t protocol = 0;  // IP protocol number
  std::uint16_t sport = 0;    // UDP/TCP; ICMP echo: the identifier (0 for other ICMP types)
  std::uint16_t dport = 0;    // UDP/TCP
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;
  std::uint32_t l3_bytes = 0;  // IPv4 total length / IPv6 40 + payload length
};

// nullopt for anything that is not a whole IPv4/IPv6 packet (the meter's kOk, not a non-first fragment, transport
// header present, all of the IP length captured) of TCP, UDP, ICMP or ICMPv6.
[[nodiscard]] std::optional<PacketKey> decode_packet(Bytes packet);

// Whether a decoded packet belongs to stream s (its family, protocol, addresses and ports, or ICMP type, code and
// identifier; any source when the stream's src is not given).
[[nodiscard]] bool matches(const StreamSpec& s, const PacketKey& key);

}  // namespace flowlab::gen
