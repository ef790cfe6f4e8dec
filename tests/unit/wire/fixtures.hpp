// Shared fixtures for the wire tests: flow records with every field set, and an sFlow datagram.
#pragma once

#include "probes/wire/exporter.hpp"
#include "probes/wire/flow_record.hpp"
#include "probes/wire/sflow.hpp"

#include <vector>

namespace flowlab::wire::test {

inline constexpr std::uint64_t kBootMs = 1699999000000ULL;
inline constexpr std::uint64_t kNowMs = 1700000000000ULL;

// Three records: IPv4 TCP, IPv6 UDP, IPv4 ICMP with a 4-byte ASN.
std::vector<FlowRecord> sample_records();
// Ethernet + 802.1Q (VLAN 100) + IPv4 + TCP, 54 + 4 bytes; and Ethernet + IPv6 + UDP.
std::vector<std::byte> ipv4_tcp_frame();
std::vector<std::byte> ipv6_udp_frame();
// Compact flow sample (router + gateway with an AS path), expanded flow sample, compact and expanded counters.
SflowDatagram sample_sflow();

// The golden encoder outputs: name -> datagrams.
std::vector<std::vector<std::byte>> encode_case(const std::string& name);

}  // namespace flowlab::wire::test
