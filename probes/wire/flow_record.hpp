// flowlab::wire::FlowRecord — the one normalized flow record every decoder produces and every encoder takes.
//
// NetFlow v5, v9, IPFIX and sFlow v5 all map onto this type (DESIGN.md section 6 fields). Counters are as the
// exporter reported them (not renormalized); `sampling_interval` says by how much to multiply. Times are absolute
// UTC milliseconds since the epoch (v5/v9 sysUptime-relative times are converted by the decoder).
#pragma once

#include "common/ip.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace flowlab::wire {

// Longest AS path a FlowRecord carries inline (sFlow extended gateway); longer paths are cut and flagged.
inline constexpr std::size_t kMaxAsPath = 16;

// Where the metering process observed the packets (IPFIX flowDirection, IE 61; NetFlow v9 DIRECTION, field 61).
enum class FlowDirection : std::uint8_t { kIngress = 0, kEgress = 1, kUnknown = 0xff };
// "ingress", "egress", "" (not exported).
inline const char* to_string(FlowDirection direction) {
  return direction == FlowDirection::kIngress ? "ingress" : direction == FlowDirection::kEgress ? "egress" : "";
}
// 0 ingress, 1 egress, anything else unknown.
inline FlowDirection direction_of(std::uint64_t value) {
  return value == 0 ? FlowDirection::kIngress : value == 1 ? FlowDirection::kEgress : FlowDirection::kUnknown;
}

// Where FlowRecord::sampling_interval came from. The decoder sets kNone (no rate known: interval 1), kPacket (the
// v5 header, the sFlow sample), kRecord (the data record's own 34/50/305+306) or kOptions (options data, by the
// record's sampler id 48/302, else the exporter domain's); the collector's sampling rules (probes/collector/
// sampling.hpp) add kDefault (a configured rate for an exporter that announced none) and kOverride (forced).
enum class SamplingSource : std::uint8_t { kNone, kPacket, kRecord, kOptions, kDefault, kOverride };
// "none", "packet", "record", "options", "default", "override".
inline const char* to_string(SamplingSource source) {
  constexpr const char* kNames[] = {"none", "packet", "record", "options", "default", "override"};
  return kNames[static_cast<std::size_t>(source)];
}

enum class ExportProtocol : std::uint8_t { kUnknown = 0, kNetflowV5 = 5, kNetflowV9 = 9, kIpfix = 10, kSflowV5 = 20 };

struct FlowRecord {
  // Key.
  IpAddress src_addr;
  IpAddress dst_addr;
  std::uint16_t src_port = 0;  // for ICMP: type << 8 | code in dst_port, as NetFlow does
  std::uint16_t dst_port = 0;
  std::uint8_t protocol = 0;
  std::uint8_t tos = 0;  // IPv4 ToS byte / IPv6 traffic class
  std::uint8_t tcp_flags = 0;
  std::uint16_t vlan = 0;
  std::uint32_t input_ifindex = 0;
  std::uint32_t output_ifindex = 0;

  // Counters (as exported: multiply by sampling_interval to renormalize). bytes = layer-3 (IP total length).
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t flows = 1;

  // Times, absolute UTC ms since the epoch (0 = unknown).
  std::uint64_t first_ms = 0;
  std::uint64_t last_ms = 0;

  // Routing as exported by the probe (model 1); 0 / unset when the exporter did not say.
  IpAddress next_hop;      // IP next hop (IE 15/62)
  IpAddress bgp_next_hop;  // BGP next hop (IE 18/63)
  std::uint8_t src_mask = 0;
  std::uint8_t dst_mask = 0;
  std::uint32_t src_as = 0;
  std::uint32_t dst_as = 0;
  std::uint32_t src_peer_as = 0;  // bgpPrevAdjacentAsNumber (IE 129)
  std::uint32_t dst_peer_as = 0;  // bgpNextAdjacentAsNumber (IE 128)
  // Destination AS path as exported (sFlow extended gateway only): as_path[0] is the first (peer) AS. Inline so a
  // FlowRecord never allocates; as_path_truncated says the exporter sent more than kMaxAsPath ASNs.
  std::array<std::uint32_t, kMaxAsPath> as_path{};
  std::uint8_t as_path_length = 0;
  bool as_path_truncated = false;

  // Export metadata.
  std::uint32_t sampling_interval = 1;                     // 1 = unsampled; N = 1:N
  std::uint16_t sampler_id = 0;                            // SAMPLER_ID 48 / selectorId 302 (0 = none)
  SamplingSource sampling_source = SamplingSource::kNone;  // where sampling_interval came from
  std::uint8_t flow_end_reason = 0;                        // IE 136
  FlowDirection direction = FlowDirection::kUnknown;       // IE 61; v5 and sFlow do not say
  ExportProtocol export_protocol = ExportProtocol::kUnknown;
  IpAddress exporter;                    // the datagram's source address (or sFlow agent address)
  std::uint32_t observation_domain = 0;  // v9 source id / IPFIX observation domain / sFlow sub-agent id
  std::uint32_t sequence = 0;            // the export packet's sequence number

  bool operator==(const FlowRecord&) const = default;
};

}  // namespace flowlab::wire
