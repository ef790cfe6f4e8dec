// flowlab::wire sFlow v5 — the datagram model (sFlow v5 spec, sflow.org, July 2004) and its encoder/decoder.
//
// flowprobe builds an SflowDatagram itself (flow samples carry the sampled packet's raw header bytes) and calls
// encode_sflow(). decode_sflow() is the model-level decoder (tests, tools); the Decoder's hot path parses sFlow
// straight into FlowRecords (probes/wire/decoder.hpp). Unknown sample and record formats are skipped by their
// length, never misread.
#pragma once

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "probes/wire/parse_error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace flowlab::wire {

// sFlow data formats are enterprise << 12 | format; flowlab uses enterprise 0 (sFlow.org) only.
inline constexpr std::uint32_t kSflowFlowSample = 1;
inline constexpr std::uint32_t kSflowCounterSample = 2;
inline constexpr std::uint32_t kSflowExpandedFlowSample = 3;
inline constexpr std::uint32_t kSflowExpandedCounterSample = 4;
inline constexpr std::uint32_t kSflowRecordRawHeader = 1;
inline constexpr std::uint32_t kSflowRecordExtendedSwitch = 1001;
inline constexpr std::uint32_t kSflowRecordExtendedRouter = 1002;
inline constexpr std::uint32_t kSflowRecordExtendedGateway = 1003;
inline constexpr std::uint32_t kSflowCounterGenericInterface = 1;
inline constexpr std::uint32_t kSflowHeaderEthernet = 1;  // header_protocol: ETHERNET-ISO88023
inline constexpr std::uint32_t kSflowHeaderIpv4 = 11;
inline constexpr std::uint32_t kSflowHeaderIpv6 = 12;

// extended_router (0:1002).
struct SflowExtendedRouter {
  IpAddress next_hop;
  std::uint32_t src_mask = 0;
  std::uint32_t dst_mask = 0;
  bool operator==(const SflowExtendedRouter&) const = default;
};

// extended_gateway (0:1003). dst_as_path is flattened to one AS_SEQUENCE segment on encode.
struct SflowExtendedGateway {
  IpAddress next_hop;    // BGP next hop
  std::uint32_t as = 0;  // the router's own AS
  std::uint32_t src_as = 0;
  std::uint32_t src_peer_as = 0;
  std::vector<std::uint32_t> dst_as_path;  // first = neighbour (peer) AS, last = origin AS
  std::vector<std::uint32_t> communities;
  std::uint32_t local_pref = 0;
  bool operator==(const SflowExtendedGateway&) const = default;
};

// extended_switch (0:1001).
struct SflowExtendedSwitch {
  std::uint32_t src_vlan = 0;
  std::uint32_t src_priority = 0;
  std::uint32_t dst_vlan = 0;
  std::uint32_t dst_priority = 0;
  bool operator==(const SflowExtendedSwitch&) const = default;
};

// flow_sample (0:1) or flow_sample_expanded (0:3) with one sampled_header record (0:1).
struct SflowFlowSample {
  bool expanded = false;
  std::uint32_t sequence = 0;
  std::uint32_t source_id_type = 0;  // 0 = ifIndex
  std::uint32_t source_id_index = 0;
  std::uint32_t sampling_rate = 1;
  std::uint32_t sample_pool = 0;
  std::uint32_t drops = 0;
  std::uint32_t input = 0;   // ifIndex (format 0)
  std::uint32_t output = 0;  // ifIndex (format 0)
  std::uint32_t header_protocol = kSflowHeaderEthernet;
  std::uint32_t frame_length = 0;  // original frame length incl. L2 header and FCS
  std::uint32_t stripped = 0;      // bytes removed before the header was taken (e.g. 4 = FCS)
  std::vector<std::byte> header;   // the sampled packet's first bytes (usually 128)
  std::optional<SflowExtendedSwitch> switch_data;
  std::optional<SflowExtendedRouter> router;
  std::optional<SflowExtendedGateway> gateway;
  bool operator==(const SflowFlowSample&) const = default;
};

// if_counters (0:1), the generic interface counters.
struct SflowInterfaceCounters {
  std::uint32_t if_index = 0;
  std::uint32_t if_type = 6;  // ethernetCsmacd
  std::uint64_t if_speed = 0;
  std::uint32_t if_direction = 1;  // 1 = full duplex
  std::uint32_t if_status = 3;     // bit 0 admin up, bit 1 oper up
  std::uint64_t in_octets = 0;
  std::uint32_t in_ucast_pkts = 0;
  std::uint32_t in_multicast_pkts = 0;
  std::uint32_t in_broadcast_pkts = 0;
  std::uint32_t in_discards = 0;
  std::uint32_t in_errors = 0;
  std::uint32_t in_unknown_protos = 0;
  std::uint64_t out_octets = 0;
  std::uint32_t out_ucast_pkts = 0;
  std::uint32_t out_multicast_pkts = 0;
  std::uint32_t out_broadcast_pkts = 0;
  std::uint32_t out_discards = 0;
  std::uint32_t out_errors = 0;
  std::uint32_t promiscuous_mode = 0;
  bool operator==(const SflowInterfaceCounters&) const = default;
};

// counters_sample (0:2) or counters_sample_expanded (0:4) with one generic interface record.
struct SflowCounterSample {
  bool expanded = false;
  std::uint32_t sequence = 0;
  std::uint32_t source_id_type = 0;
  std::uint32_t source_id_index = 0;
  SflowInterfaceCounters counters;
  bool operator==(const SflowCounterSample&) const = default;
};

struct SflowDatagram {
  IpAddress agent;  // IPv4 or IPv6
  std::uint32_t sub_agent_id = 0;
  std::uint32_t sequence = 0;
  std::uint32_t uptime_ms = 0;
  std::vector<SflowFlowSample> flow_samples;
  std::vector<SflowCounterSample> counter_samples;  // encoded after the flow samples
  bool operator==(const SflowDatagram&) const = default;
};

// Encodes one datagram (flow samples first, then counter samples). The caller keeps it under the MTU.
std::vector<std::byte> encode_sflow(const SflowDatagram& datagram);

// Model-level decode (allocates): every flow and counter sample with the records flowlab knows.
Result<SflowDatagram, ParseError> decode_sflow(Bytes datagram);

}  // namespace flowlab::wire
