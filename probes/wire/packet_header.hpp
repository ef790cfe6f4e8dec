// detail: parse a sampled packet's first bytes (sFlow sampled_header) into a FlowRecord's key fields.
// Ethernet (with up to two 802.1Q/802.1ad tags), raw IPv4, raw IPv6; then TCP, UDP, ICMP, ICMPv6 (ports; for ICMP
// dst_port = type << 8 | code). Allocation-free; everything through the bounded Reader.
#pragma once

#include "common/bytes.hpp"
#include "probes/wire/flow_record.hpp"

#include <cstdint>

namespace flowlab::wire::detail {

// Fills src/dst address, protocol, tos, ports, tcp flags, vlan and bytes (IP total length). Returns false when
// the header holds no complete IPv4/IPv6 header (the record keeps whatever was parsed before).
bool parse_packet_header(Bytes header, std::uint32_t header_protocol, FlowRecord& record);

}  // namespace flowlab::wire::detail
