// Test helpers for probes/wire: annotated hex vectors, FlowRecord <-> JSON, UDP payloads out of a pcap file.
#pragma once

#include "common/bytes.hpp"
#include "probes/wire/decoder.hpp"
#include "probes/wire/flow_record.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace flowlab::wire::test {

// An annotated hex file: '#' starts a comment to the end of the line; a line "--- datagram" starts the next
// datagram. Returns one byte vector per datagram.
std::vector<std::vector<std::byte>> load_hex_datagrams(const std::string& path);
// Writes datagrams as hex, 16 bytes a line, separated by "--- datagram" lines, after a header comment.
void save_hex_datagrams(const std::string& path, const std::string& comment,
                        const std::vector<std::vector<std::byte>>& datagrams);

nlohmann::json to_json(const FlowRecord& r);
nlohmann::json to_json(const DecodeCounters& c);  // non-zero counters only

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
bool update_golden();

struct UdpPayload {
  IpAddress src;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint64_t ts_ms = 0;
  std::vector<std::byte> payload;
};
// UDP payloads of a pcap file (Ethernet, Linux cooked, loopback/null or raw IP link types; IPv4/IPv6).
std::vector<UdpPayload> read_udp_payloads(const std::string& path, std::string* error);

// Writes UDP datagrams (127.0.0.1 -> 127.0.0.1:dst_port) into a pcap file (Ethernet link type), for tshark.
bool write_udp_pcap(const std::string& path, const std::vector<std::vector<std::byte>>& datagrams,
                    std::uint16_t dst_port);

}  // namespace flowlab::wire::test
