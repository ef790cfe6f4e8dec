// flowlab::bmp messages — the BGP Monitoring Protocol (RFC 7854) as a monitoring station reads it, with the
// per-peer header flags of RFC 8671 (Adj-RIB-Out) and the Loc-RIB peer type of RFC 9069.
//
// A BMP stream is a sequence of messages, each a 6-byte common header (version 3, length, type) and a body; every
// message but Initiation and Termination starts with the 42-byte per-peer header. The BGP PDUs a message carries
// (the OPENs of Peer Up, the NOTIFICATION of Peer Down, the UPDATE of Route Monitoring) are decoded by probes/bgp:
// Route Monitoring keeps its UPDATE as bytes, decoded by decode_update() in the session context the Peer Up's
// OPENs negotiated (session_context()). Parsing is bounded: every length is checked against what holds it, and
// anything malformed is an error (ErrorKind::kParse), never a crash.
#pragma once

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "probes/bgp/message.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace flowlab::bmp {

inline constexpr std::uint8_t kVersion = 3;
inline constexpr std::size_t kCommonHeaderSize = 6;
inline constexpr std::size_t kPeerHeaderSize = 42;
// Largest message accepted: a Route Monitoring with an extended (RFC 8654) UPDATE, or a Peer Up with two such
// OPENs and its information TLVs, fits easily; a longer length field means a broken stream.
inline constexpr std::size_t kMaxMessageSize = std::size_t{1} << 20U;

enum class MessageType : std::uint8_t {
  kRouteMonitoring = 0,
  kStatsReport = 1,
  kPeerDown = 2,
  kPeerUp = 3,
  kInitiation = 4,
  kTermination = 5,
  kRouteMirroring = 6,
};

enum class PeerType : std::uint8_t { kGlobal = 0, kRdInstance = 1, kLocalInstance = 2, kLocRib = 3 };

// Per-peer header flags (RFC 7854 §4.2, RFC 8671 §4).
namespace flag {
inline constexpr std::uint8_t kIpv6 = 0x80;        // V: the peer address is IPv6
inline constexpr std::uint8_t kPostPolicy = 0x40;  // L: post-policy (else pre-policy)
inline constexpr std::uint8_t kTwoOctetAs = 0x20;  // A: AS_PATH in the legacy 2-octet format
inline constexpr std::uint8_t kAdjRibOut = 0x10;   // O: Adj-RIB-Out (else Adj-RIB-In)
}  // namespace flag

// The monitored router's table a Route Monitoring message reports on.
enum class RibKind : std::uint8_t { kAdjInPre, kAdjInPost, kAdjOutPre, kAdjOutPost, kLocRib };
std::string_view to_string(RibKind kind);

struct PeerHeader {
  PeerType type = PeerType::kGlobal;
  std::uint8_t flags = 0;
  std::uint64_t distinguisher = 0;
  IpAddress address;  // IPv4 when the V flag is clear (the last 4 of the 16 octets)
  std::uint32_t asn = 0;
  std::uint32_t bgp_id = 0;  // host order
  std::uint32_t timestamp_sec = 0;
  std::uint32_t timestamp_usec = 0;
  bool operator==(const PeerHeader&) const = default;

  [[nodiscard]] bool post_policy() const { return (flags & flag::kPostPolicy) != 0; }
  [[nodiscard]] bool two_octet_as() const { return (flags & flag::kTwoOctetAs) != 0; }
  [[nodiscard]] bool adj_rib_out() const { return (flags & flag::kAdjRibOut) != 0; }
  [[nodiscard]] RibKind rib_kind() const;
};

// An information TLV (Initiation, Termination, Peer Up): type and raw value.
struct InfoTlv {
  std::uint16_t type = 0;
  std::string value;
  bool operator==(const InfoTlv&) const = default;
};
namespace info {
inline constexpr std::uint16_t kString = 0, kSysDescr = 1, kSysName = 2;  // Initiation (RFC 7854 §4.4)
inline constexpr std::uint16_t kReason = 1;                               // Termination (RFC 7854 §4.5)
}  // namespace info

struct Initiation {
  std::vector<InfoTlv> tlvs;
  [[nodiscard]] std::string sys_name() const;  // empty when not sent
  [[nodiscard]] std::string sys_descr() const;
};

struct Termination {
  std::vector<InfoTlv> tlvs;
  std::optional<std::uint16_t> reason;  // RFC 7854 §4.5: 0 admin close, 1 unspecified, 2 out of resources, ...
};

struct PeerUp {
  PeerHeader peer;
  IpAddress local_address;
  std::uint16_t local_port = 0;
  std::uint16_t remote_port = 0;
  // The monitored router's OPEN to the peer and the peer's OPEN to the router. Absent when the router kept no copy
  // and sent a bare 19-octet OPEN header instead (FRR's bgpd_bmp does, e.g. after a connection collision).
  std::optional<bgp::Open> sent;
  std::optional<bgp::Open> received;
  std::vector<InfoTlv> info;
};

// RFC 7854 §4.9 reasons (5: RFC 9069 Loc-RIB de-configured too).
enum class PeerDownReason : std::uint8_t {
  kLocalNotification = 1,
  kLocalNoNotification = 2,
  kRemoteNotification = 3,
  kRemoteNoNotification = 4,
  kDeconfigured = 5,
};

struct PeerDown {
  PeerHeader peer;
  PeerDownReason reason = PeerDownReason::kRemoteNoNotification;
  std::optional<bgp::Notification> notification;  // reasons 1 and 3
  std::uint16_t fsm_event = 0;                    // reason 2
};

struct RouteMonitoring {
  PeerHeader peer;
  Bytes update;  // the whole BGP UPDATE message (header included); a view into the parsed buffer
};

struct Stat {
  std::uint16_t type = 0;
  std::uint64_t value = 0;               // 32-bit counters and 64-bit gauges alike
  std::optional<bgp::AfiSafi> afi_safi;  // per-AFI/SAFI gauges (types 9, 10)
  bool operator==(const Stat&) const = default;
};

struct StatsReport {
  PeerHeader peer;
  std::vector<Stat> stats;
};

struct RouteMirroring {  // kept for counting; its TLVs are not interpreted
  PeerHeader peer;
};

using Message = std::variant<RouteMonitoring, StatsReport, PeerDown, PeerUp, Initiation, Termination, RouteMirroring>;

// The length of the message a stream buffer starts with: 0 while fewer than 6 bytes are there; an error when the
// version is not 3 or the length is below 6 or above kMaxMessageSize (the stream cannot be resynchronized).
Result<std::size_t> peek_length(Bytes data);
// Parses one whole message (data.size() equals its length field).
Result<Message> parse_message(Bytes data);
// What the router and the peer negotiated, as far as its UPDATEs' decoding goes: 4-octet AS (both OPENs carry the
// capability), ADD-PATH per family (the receiving side asked to receive and the other to send; for Adj-RIB-Out the
// router is the sender), eBGP (the router's AS differs from the peer's, the per-peer header's). An absent OPEN
// negotiates no ADD-PATH (and 4-octet AS, which Route Monitoring takes from the A flag anyway); without the sent
// OPEN the router's AS is unknown and the peer counts as iBGP (its routes are kept as reported). The address
// families (ipv4_unicast, ipv6_unicast) are those both OPENs carry (an OPEN without a multiprotocol capability:
// IPv4 unicast, RFC 4760 §8); with either OPEN absent they are unknown and both false.
bgp::SessionContext session_context(const PeerUp& up, bool adj_rib_out = false);
// The Route Monitoring's UPDATE decoded in ctx (its four_octet_as is overridden by the A flag).
bgp::BgpResult<bgp::DecodedUpdate> decode_update(const RouteMonitoring& rm, bgp::SessionContext ctx,
                                                 bgp::Counters& counters);

}  // namespace flowlab::bmp
