// flowlab::bgp messages — BGP-4 wire structures and their codecs (RFC 4271 §4, RFC 5492, RFC 4760, RFC 6793,
// RFC 7911, RFC 2918/7313, RFC 1997/4360/8092).
//
// The structures keep what was on the wire (2- vs 4-octet AS_PATH, AS4_PATH, attribute order is canonical: ascending
// type code), so encode(parse(x)) == x for canonical messages. Errors follow RFC 4271 §6 as revised by RFC 7606:
// a message that must reset the session decodes to a `BgpError` carrying the NOTIFICATION to send; attribute errors
// that RFC 7606 §7 handles softly come back inside the decoded UPDATE as `treat_as_withdraw` / discarded attributes,
// and bump the named `Counters`. Normalization for the RIB (AS4_PATH merge, RFC 6793 §4.2.3) is `normalize()`.
#pragma once

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "probes/bgp/counters.hpp"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace flowlab::bgp {

inline constexpr std::size_t kHeaderSize = 19;
inline constexpr std::size_t kMaxMessageSize = 4096;
inline constexpr std::uint16_t kAsTrans = 23456;  // RFC 6793 §9

enum class MessageType : std::uint8_t { kOpen = 1, kUpdate = 2, kNotification = 3, kKeepalive = 4, kRouteRefresh = 5 };

// AFI/SAFI pair (RFC 4760). Only IPv4/IPv6 unicast carry routes here; others are kept as numbers.
struct AfiSafi {
  std::uint16_t afi = 1;
  std::uint8_t safi = 1;
  auto operator<=>(const AfiSafi&) const = default;
  bool operator==(const AfiSafi&) const = default;
};
inline constexpr AfiSafi kIpv4Unicast{1, 1};
inline constexpr AfiSafi kIpv6Unicast{2, 1};

// ---- NOTIFICATION codes (RFC 4271 §4.5, §6; RFC 7313 §5; RFC 4486) ----
namespace err {
inline constexpr std::uint8_t kHeader = 1, kOpen = 2, kUpdate = 3, kHoldTimer = 4, kFsm = 5, kCease = 6,
                              kRouteRefresh = 7;
// Header subcodes.
inline constexpr std::uint8_t kNotSynchronized = 1, kBadLength = 2, kBadType = 3;
// OPEN subcodes.
inline constexpr std::uint8_t kUnsupportedVersion = 1, kBadPeerAs = 2, kBadBgpId = 3, kUnsupportedOptParam = 4,
                              kUnacceptableHoldTime = 6, kUnsupportedCapability = 7;
// UPDATE subcodes.
inline constexpr std::uint8_t kMalformedAttrList = 1, kUnrecognizedWellKnown = 2, kMissingWellKnown = 3, kAttrFlags = 4,
                              kAttrLength = 5, kInvalidOrigin = 6, kInvalidNextHop = 8, kOptionalAttr = 9,
                              kInvalidNetwork = 10, kMalformedAsPath = 11;
// Cease subcodes (RFC 4486).
inline constexpr std::uint8_t kAdminShutdown = 2, kPeerDeconfigured = 3, kConnectionRejected = 5, kCollision = 7;
// ROUTE-REFRESH subcode (RFC 7313).
inline constexpr std::uint8_t kInvalidMessageLength = 1;
}  // namespace err

// A message that ends the session: the NOTIFICATION to send and why (RFC 4271 §6).
struct BgpError {
  std::uint8_t code = 0;
  std::uint8_t subcode = 0;
  std::vector<std::byte> data;
  std::string message;     // for logs
  std::size_t offset = 0;  // byte offset in the message where decoding stopped

  [[nodiscard]] std::string to_string() const;
};

template <class T>
using BgpResult = Result<T, BgpError>;

// ---- OPEN and capabilities (RFC 4271 §4.2, RFC 5492) ----
namespace cap {
inline constexpr std::uint8_t kMultiprotocol = 1, kRouteRefresh = 2, kGracefulRestart = 64, kFourOctetAs = 65,
                              kAddPath = 69, kEnhancedRouteRefresh = 70;
}

struct MultiprotocolCap {  // RFC 4760 §8
  AfiSafi af;
  bool operator==(const MultiprotocolCap&) const = default;
};
struct RouteRefreshCap {  // RFC 2918
  bool operator==(const RouteRefreshCap&) const = default;
};
struct EnhancedRouteRefreshCap {  // RFC 7313
  bool operator==(const EnhancedRouteRefreshCap&) const = default;
};
struct FourOctetAsCap {  // RFC 6793 §3
  std::uint32_t asn = 0;
  bool operator==(const FourOctetAsCap&) const = default;
};
enum class AddPathMode : std::uint8_t { kReceive = 1, kSend = 2, kBoth = 3 };
struct AddPathCap {  // RFC 7911 §4
  struct Entry {
    AfiSafi af;
    AddPathMode mode = AddPathMode::kReceive;
    bool operator==(const Entry&) const = default;
  };
  std::vector<Entry> entries;
  bool operator==(const AddPathCap&) const = default;
};
struct GracefulRestartCap {  // RFC 4724 §3
  struct Entry {
    AfiSafi af;
    std::uint8_t flags = 0;
    bool operator==(const Entry&) const = default;
  };
  std::uint8_t restart_flags = 0;  // top 4 bits
  std::uint16_t restart_time = 0;  // 12 bits
  std::vector<Entry> entries;
  bool operator==(const GracefulRestartCap&) const = default;
};
struct UnknownCap {
  std::uint8_t code = 0;
  std::vector<std::byte> value;
  bool operator==(const UnknownCap&) const = default;
};
using Capability = std::variant<MultiprotocolCap, RouteRefreshCap, EnhancedRouteRefreshCap, FourOctetAsCap, AddPathCap,
                                GracefulRestartCap, UnknownCap>;

struct Open {
  std::uint8_t version = 4;
  std::uint16_t my_as = 0;  // AS_TRANS when the real AS does not fit (then see FourOctetAsCap)
  std::uint16_t hold_time = 90;
  std::uint32_t bgp_id = 0;              // host order
  std::vector<Capability> capabilities;  // in wire order; encoded in one optional parameter
  bool operator==(const Open&) const = default;

  // The speaker's AS: the 4-octet capability's value when present, else my_as.
  [[nodiscard]] std::uint32_t asn() const;
  [[nodiscard]] bool has_four_octet_as() const;
  [[nodiscard]] bool has_route_refresh() const;
  [[nodiscard]] bool has_enhanced_route_refresh() const;
  [[nodiscard]] std::vector<AfiSafi> multiprotocol() const;
  // ADD-PATH mode this speaker advertised for af, if any.
  [[nodiscard]] std::optional<AddPathMode> add_path(AfiSafi af) const;
};

// ---- UPDATE (RFC 4271 §4.3) ----
namespace attr {
inline constexpr std::uint8_t kOrigin = 1, kAsPath = 2, kNextHop = 3, kMed = 4, kLocalPref = 5, kAtomicAggregate = 6,
                              kAggregator = 7, kCommunities = 8, kOriginatorId = 9, kClusterList = 10, kMpReach = 14,
                              kMpUnreach = 15, kExtCommunities = 16, kAs4Path = 17, kAs4Aggregator = 18,
                              kLargeCommunities = 32;
inline constexpr std::uint8_t kFlagOptional = 0x80, kFlagTransitive = 0x40, kFlagPartial = 0x20,
                              kFlagExtendedLength = 0x10;
}  // namespace attr

enum class Origin : std::uint8_t { kIgp = 0, kEgp = 1, kIncomplete = 2 };

enum class SegmentType : std::uint8_t { kSet = 1, kSequence = 2, kConfedSequence = 3, kConfedSet = 4 };

struct AsPathSegment {
  SegmentType type = SegmentType::kSequence;
  std::vector<std::uint32_t> asns;
  bool operator==(const AsPathSegment&) const = default;
};

struct AsPath {
  std::vector<AsPathSegment> segments;
  bool operator==(const AsPath&) const = default;

  // Path length for the decision process and RFC 6793 merging: a set counts 1, confed segments 0 (RFC 5065 §5.3).
  [[nodiscard]] std::size_t length() const;
  // First AS of the path (the neighbour) and last AS (the origin); 0 when there is none. An AS_SET at the
  // origin end yields 0 for origin_as, as pmacct does.
  [[nodiscard]] std::uint32_t first_as() const;
  [[nodiscard]] std::uint32_t origin_as() const;
  // pmacct's rendering: "65001 65002 {65003,65004} (65005) [65006,65007]".
  [[nodiscard]] std::string to_string() const;
};

struct Aggregator {
  std::uint32_t asn = 0;
  IpAddress address;
  bool operator==(const Aggregator&) const = default;
};

struct LargeCommunity {  // RFC 8092
  std::uint32_t global_admin = 0, local1 = 0, local2 = 0;
  auto operator<=>(const LargeCommunity&) const = default;
  bool operator==(const LargeCommunity&) const = default;
};

struct Nlri {
  Prefix prefix;
  std::uint32_t path_id = 0;  // RFC 7911; 0 when ADD-PATH is not in use
  bool operator==(const Nlri&) const = default;
};

struct MpReach {  // RFC 4760 §3
  AfiSafi af;
  IpAddress next_hop;
  IpAddress link_local_next_hop;  // IPv6 only, when the next hop field is 32 bytes (RFC 2545 §3)
  std::vector<Nlri> nlri;
  bool operator==(const MpReach&) const = default;
};

struct MpUnreach {  // RFC 4760 §4
  AfiSafi af;
  std::vector<Nlri> withdrawn;
  bool operator==(const MpUnreach&) const = default;
};

struct RawAttribute {  // an unrecognized optional transitive attribute, kept (RFC 4271 §5)
  std::uint8_t flags = 0;
  std::uint8_t type = 0;
  std::vector<std::byte> value;
  bool operator==(const RawAttribute&) const = default;
};

// Path attributes as received. AS numbers in as_path/aggregator are as wide as the session negotiated; after
// normalize() they are the merged 4-octet values and as4_* are cleared.
struct PathAttributes {
  std::optional<Origin> origin;
  std::optional<AsPath> as_path;
  std::optional<IpAddress> next_hop;  // NEXT_HOP (IPv4)
  std::optional<std::uint32_t> med;
  std::optional<std::uint32_t> local_pref;
  bool atomic_aggregate = false;
  std::optional<Aggregator> aggregator;
  std::vector<std::uint32_t> communities;
  std::optional<IpAddress> originator_id;
  std::vector<std::uint32_t> cluster_list;
  std::optional<MpReach> mp_reach;  // with its NLRI, as on the wire
  std::optional<MpUnreach> mp_unreach;
  std::vector<std::uint64_t> ext_communities;
  std::optional<AsPath> as4_path;
  std::optional<Aggregator> as4_aggregator;
  std::vector<LargeCommunity> large_communities;
  std::vector<RawAttribute> unknown;  // sorted by type code with the rest on encode
  bool operator==(const PathAttributes&) const = default;

  // The BGP next hop of a route of this family: NEXT_HOP for IPv4, MP_REACH's (global) next hop otherwise.
  [[nodiscard]] IpAddress next_hop_for(Family family) const;
};

struct Update {
  std::vector<Nlri> withdrawn;  // IPv4 unicast withdrawn routes
  PathAttributes attrs;
  std::vector<Nlri> nlri;  // IPv4 unicast NLRI
  bool operator==(const Update&) const = default;

  [[nodiscard]] bool is_end_of_rib() const;  // RFC 4724 §2
  // The attribute set shared by this UPDATE's announced routes, ready for the RIB: MP NLRI lists removed,
  // MP_UNREACH dropped, AS4_* merged (normalize()).
  [[nodiscard]] PathAttributes route_attributes(bool four_octet_session) const&;
  // Same, moving the attributes out of this UPDATE (its MP_REACH NLRI list is gone afterwards).
  [[nodiscard]] PathAttributes route_attributes(bool four_octet_session) &&;
};

// How the attributes of a decoded UPDATE must be treated (RFC 7606 §2).
struct UpdateVerdict {
  bool treat_as_withdraw = false;       // every NLRI of the message is withdrawn instead
  std::vector<std::uint8_t> discarded;  // attribute types dropped ("attribute discard"), duplicates included
  std::vector<std::string> reasons;     // one line per problem, for logs
  bool operator==(const UpdateVerdict&) const = default;
};

struct DecodedUpdate {
  Update update;
  UpdateVerdict verdict;
};

// One UPDATE's route changes as a RIB takes them (Speaker, BMP): withdrawn = IPv4 withdrawn + MP_UNREACH,
// announced = IPv4 NLRI + MP_REACH NLRI, attrs = the normalized shared set, nullptr when nothing is announced or
// the UPDATE is treat-as-withdraw (then `announced` are withdrawn too).
struct RouteChanges {
  std::vector<Nlri> withdrawn;
  std::vector<Nlri> announced;
  std::shared_ptr<const PathAttributes> attrs;
};
RouteChanges route_changes(DecodedUpdate&& decoded, bool four_octet_session);

struct Notification {
  std::uint8_t code = 0;
  std::uint8_t subcode = 0;
  std::vector<std::byte> data;
  bool operator==(const Notification&) const = default;
  [[nodiscard]] std::string to_string() const;  // "Cease/Administrative Shutdown (6/2)"
};

struct RouteRefresh {  // RFC 2918 §3, RFC 7313 §3.2 (subtype: 0 normal, 1 BoRR, 2 EoRR)
  AfiSafi af;
  std::uint8_t subtype = 0;
  bool operator==(const RouteRefresh&) const = default;
};

struct Keepalive {
  bool operator==(const Keepalive&) const = default;
};

// What both ends agreed on; decides how UPDATEs are decoded and encoded.
struct SessionContext {
  bool four_octet_as = true;
  bool add_path_ipv4 = false;  // we receive path ids for IPv4 unicast
  bool add_path_ipv6 = false;  // ... and IPv6 unicast
  bool ebgp = false;           // LOCAL_PREF from an eBGP peer is discarded (RFC 7606 §7.5)
  bool ipv4_unicast = true;    // negotiated address families (RFC 4760: without a multiprotocol capability, IPv4)
  bool ipv6_unicast = false;
  [[nodiscard]] bool add_path(AfiSafi af) const {
    return (af == kIpv4Unicast && add_path_ipv4) || (af == kIpv6Unicast && add_path_ipv6);
  }
};

// ---- header ----
struct Header {
  std::uint16_t length = 0;
  MessageType type = MessageType::kKeepalive;
};
// Checks marker, length (19..4096 and per type minimum) and type (RFC 4271 §6.1).
BgpResult<Header> parse_header(Bytes data);

// ---- decoders: `body` is the message after the 19-byte header ----
BgpResult<Open> parse_open(Bytes body);
// Validates an OPEN against local policy (RFC 4271 §6.2): version, peer AS, BGP identifier, hold time.
Result<void, BgpError> check_open(const Open& open, std::uint32_t expected_peer_as, std::uint32_t local_bgp_id);
BgpResult<DecodedUpdate> parse_update(Bytes body, const SessionContext& ctx, Counters& counters);
BgpResult<Notification> parse_notification(Bytes body);
BgpResult<RouteRefresh> parse_route_refresh(Bytes body);

// ---- encoders: full messages, header included ----
std::vector<std::byte> encode(const Open& open);
std::vector<std::byte> encode(const Update& update, const SessionContext& ctx);
std::vector<std::byte> encode(const Notification& notification);
std::vector<std::byte> encode(const RouteRefresh& refresh);
std::vector<std::byte> encode(const Keepalive& keepalive);

// RFC 6793 §4.2.3: merge AS4_PATH/AS4_AGGREGATOR into AS_PATH/AGGREGATOR (2-octet sessions); clears as4_*.
// On a 4-octet session AS4_* are dropped (RFC 6793 §4.1: a NEW speaker ignores them).
void normalize(PathAttributes& attrs, bool four_octet_session);

// The whole message length a buffer starts with, or 0 when fewer than 19 bytes are there (framing helper).
std::size_t peek_length(Bytes data);

}  // namespace flowlab::bgp
