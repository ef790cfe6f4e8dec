// flowlab::gen stream specs — what flowgen sends and what its sink counts.
//
// A stream is one 5-tuple with an exact packet count and size: name, family, protocol (udp, tcp, icmp — ICMPv6
// for IPv6), source (optional: the kernel's route decides, see resolve_source), destination, ports (ICMP: type and
// code, with the source port used as the echo identifier), packets, size (IP total length, layer 3), pps (0 = as
// fast as possible), tos and a start delay. Streams come from `--stream 'k=v,k=v'` options or a JSON file
// (`{"streams":[{...}]}`); both go through the same field table, so their keys, defaults and errors are identical.
// finalize_streams() fills defaults (family from the destination, a source port derived from the name) and checks
// every stream and the set (unique names, distinguishable 5-tuples). Errors name the origin, the stream and the
// field: "spec.json: streams[1] (dns6): size 40 is below the 48 bytes of the IPv6 and UDP headers".
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::gen {

// kIcmp is ICMP over IPv4 and ICMPv6 over IPv6.
enum class Protocol : std::uint8_t { kUdp, kTcp, kIcmp };

inline constexpr std::uint64_t kMaxPackets = 1'000'000'000;
inline constexpr std::uint64_t kMaxPps = 10'000'000;
inline constexpr std::uint32_t kDefaultSize = 128;

struct StreamSpec {
  std::string name;
  Family family = Family::kNone;  // kNone until finalize_streams() takes it from dst
  Protocol protocol = Protocol::kUdp;
  std::optional<IpAddress> src;  // nullopt: the address of the interface the route to dst leaves by
  IpAddress dst;
  std::uint16_t sport = 0;  // 0 until finalize_streams() derives one from the name; ICMP: the echo identifier
  std::uint16_t dport = 0;  // UDP/TCP only (required)
  std::optional<std::uint8_t> icmp_type;  // ICMP only; finalize_streams() defaults it to echo request (8 / 128)
  std::uint8_t icmp_code = 0;
  std::uint64_t packets = 0;
  std::uint32_t size = kDefaultSize;  // IP total length (IPv6: 40 + payload length)
  std::uint64_t pps = 0;              // 0 = as fast as possible
  std::uint8_t tos = 0;               // IPv4 ToS / IPv6 traffic class
  std::chrono::nanoseconds delay{0};  // start offset from the sender's start

  bool operator==(const StreamSpec&) const = default;
};

// "udp", "tcp", "icmp" / "icmpv6" (by family).
[[nodiscard]] std::string protocol_name(Protocol protocol, Family family);
// The IP protocol number: 17, 6, 1 or 58.
[[nodiscard]] std::uint8_t ip_protocol(Protocol protocol, Family family);
// The IP + transport header bytes a packet of this stream needs (the minimum `size`).
[[nodiscard]] std::uint32_t header_bytes(Protocol protocol, Family family);
// NetFlow's view of the ports: ICMP reports sport 0 and dport type << 8 | code.
[[nodiscard]] std::uint16_t flow_sport(const StreamSpec& s);
[[nodiscard]] std::uint16_t flow_dport(const StreamSpec& s);

// One `--stream` value: comma-separated key=value pairs. Only syntax and field values are checked here (every bad
// key and value, one line each); finalize_streams() checks the stream as a whole.
[[nodiscard]] Result<StreamSpec> parse_stream_option(std::string_view text);

// A JSON spec file's text: {"streams":[{"name":"web","dst":"198.51.100.10",...}, ...]}. Numbers may be JSON
// numbers or strings; `origin` (the file name) prefixes every error. Every bad stream is reported (one line per
// problem); when some are bad and `valid` is given, it receives the streams that did parse, so the caller can
// check those too (finalize_streams) and list every problem at once.
[[nodiscard]] Result<std::vector<StreamSpec>> parse_spec_json(std::string_view text, std::string_view origin,
                                                              std::vector<StreamSpec>* valid = nullptr);

// Defaults and whole-stream and whole-set validation, in place. All problems are reported, one per line: those
// of each stream, and the same-5-tuple check among every stream whose addresses and ports are known.
[[nodiscard]] Status finalize_streams(std::vector<StreamSpec>& streams);

// The default source port / echo identifier of a stream: 49152 + FNV-1a(name) % 16384 (stable across runs and
// between sender and sink, which both derive it from the same spec).
[[nodiscard]] std::uint16_t default_sport(std::string_view name);

}  // namespace flowlab::gen
