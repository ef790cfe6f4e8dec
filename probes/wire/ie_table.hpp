// detail: the one IE descriptor table. Every information element flowlab reads or writes (v9 field type / IPFIX IE,
// RFC 3954 section 8, RFC 7012) appears here once, with the FlowRecord field it carries, the lengths it may have and
// how its value is read into a FlowRecord and taken out of one. The v9/IPFIX decoder (templates.cpp: IE -> action;
// data.cpp: the per-record walks) and the exporter (exporter.cpp: template lengths, record values) walk this table.
#pragma once

#include "probes/wire/flow_record.hpp"
#include "probes/wire/ie.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <type_traits>

namespace flowlab::wire::detail {

// What decoding does with one template field: the FlowRecord (or per-record scratch) field it lands in.
enum class FieldAction : std::uint8_t {
  kSkip,
  kEnterprise,  // enterprise-specific: skipped opaquely, counted
  kSrcV4,
  kDstV4,
  kSrcV6,
  kDstV6,
  kNextHopV4,
  kNextHopV6,
  kBgpNextHopV4,
  kBgpNextHopV6,
  kSrcPort,
  kDstPort,
  kProtocol,
  kTos,
  kTcpFlags,
  kPackets,
  kBytes,
  kInput,
  kOutput,
  kSrcMask,
  kDstMask,
  kSrcAs,
  kDstAs,
  kDstPeerAs,
  kSrcPeerAs,
  kVlan,
  kFlowEndReason,
  kDirection,  // 61
  kStartUptime,
  kEndUptime,
  kStartSeconds,
  kEndSeconds,
  kStartMs,
  kEndMs,
  kStartNtp,  // dateTimeMicroseconds / dateTimeNanoseconds: NTP 64-bit timestamp (RFC 7011 section 6.1.9)
  kEndNtp,
  kStartDeltaUs,
  kEndDeltaUs,
  kSystemInitMs,
  kIcmpTypeCode,
  kIcmpType,
  kIcmpCode,
  kSamplingInterval,  // 34, 50
  kSamplerId,         // 48, 302
  kPacketInterval,    // 305
  kPacketSpace,       // 306
  kCount,             // number of actions (not an action)
};

inline constexpr std::size_t kFieldActionCount = static_cast<std::size_t>(FieldAction::kCount);

// Values of one record that need the whole record (or the source) before they land in the FlowRecord.
struct Scratch {
  bool has_start_uptime = false;
  bool has_end_uptime = false;
  std::uint32_t start_uptime = 0;
  std::uint32_t end_uptime = 0;
  std::uint64_t start_delta_us = 0;
  std::uint64_t end_delta_us = 0;
  bool has_start_delta = false;
  bool has_end_delta = false;
  std::uint64_t system_init_ms = 0;
  bool has_typecode = false;
  std::uint16_t typecode = 0;
  bool has_icmp_type = false;
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;
  bool has_sampler_id = false;
  std::uint64_t sampler_id = 0;
  std::uint64_t interval = 0;
  std::uint64_t packet_interval = 0;
  std::uint64_t packet_space = 0;
  bool has_packet_interval = false;
};

// How a value is encoded on the wire, which fixes the lengths a template may give it.
enum class IeType : std::uint8_t {
  kNone,      // not decoded (kSkip, kEnterprise)
  kUnsigned,  // unsigned integer, 1..8 bytes (reduced-size encoding, RFC 7011 section 6.2)
  kIpv4,      // exactly 4 bytes
  kIpv6,      // exactly 16 bytes
  kNtp,       // exactly 8 bytes: NTP timestamp, read as an unsigned 64-bit value
};

[[nodiscard]] constexpr bool length_fits(IeType type, std::uint16_t length) {
  switch (type) {
    case IeType::kUnsigned:
      return length >= 1 && length <= 8;
    case IeType::kIpv4:
      return length == 4;
    case IeType::kIpv6:
      return length == 16;
    case IeType::kNtp:
      return length == 8;
    case IeType::kNone:
      break;
  }
  return false;
}

inline constexpr std::uint64_t kNtpToUnixSeconds = 2208988800ULL;

// NTP 64-bit timestamp (seconds since 1900, 32-bit fraction) -> UTC ms since the epoch; 0 before 1970.
[[nodiscard]] constexpr std::uint64_t ntp_to_ms(std::uint64_t ntp) {
  const std::uint64_t seconds = ntp >> 32U;
  const std::uint64_t fraction = ntp & 0xffffffffULL;
  if (seconds < kNtpToUnixSeconds) {
    return 0;
  }
  return (seconds - kNtpToUnixSeconds) * 1000 + ((fraction * 1000) >> 32U);
}

// sysUptime (ms since boot_ms, mod 2^32) of an absolute time; times before boot are 0.
[[nodiscard]] constexpr std::uint32_t uptime_of(std::uint64_t ms, std::uint64_t boot_ms) {
  return static_cast<std::uint32_t>((ms >= boot_ms ? ms - boot_ms : 0) & 0xffffffffULL);
}

// Where a decoded unsigned value goes, and what the exporter writes for the field (boot_ms: the sysUptime origin).
using StoreFn = void (*)(std::uint64_t value, FlowRecord& rec, Scratch& s);
using LoadFn = std::uint64_t (*)(const FlowRecord& rec, std::uint64_t boot_ms);

inline constexpr std::size_t kMaxIesPerField = 3;

// One row of the table. A row is made only by its builders (the constructor is private), and each builder takes
// what the row's type needs: a decoded address its FlowRecord member, a decoded value its store function (a
// captureless lambda: a missing one does not compile). That is the table's completeness check, made by types
// while each row is built.
// Compile-time checks over the table never compare an address with nullptr (a row pointer, a function pointer):
// GCC's -fsanitize=null (part of -fsanitize=undefined) makes any object's or function's address possibly null, so
// such a comparison is not a constant expression and the sanitizer build fails. They use actions (kSkip: not
// read) and `exportable` instead.
struct FieldDescriptor {
  FieldAction action = FieldAction::kSkip;
  IeType type = IeType::kNone;
  std::array<std::uint16_t, kMaxIesPerField> ies{};  // the IEs that carry the field (0 = none)
  IpAddress FlowRecord::*address = nullptr;          // kIpv4 / kIpv6: the record's address
  StoreFn store = nullptr;                           // kUnsigned / kNtp: decoded value -> record / scratch
  LoadFn load = nullptr;                             // exportable fields: record -> value
  bool exportable = false;                           // the exporter can take it from a record (address or load)

  using Ies = std::array<std::uint16_t, kMaxIesPerField>;

  // A field flowlab does not decode (kSkip, kEnterprise).
  static constexpr FieldDescriptor skipped(FieldAction a) { return {a, IeType::kNone, {}}; }

  // A decoded address (kIpv4 / kIpv6), read into and written from `member`.
  static constexpr FieldDescriptor address_of(FieldAction a, IeType t, Ies ies, IpAddress FlowRecord::*member) {
    require(t == IeType::kIpv4 || t == IeType::kIpv6, "address_of: the type must be kIpv4 or kIpv6");
    require(member != nullptr, "address_of: a decoded address needs its FlowRecord member");
    FieldDescriptor d{a, t, ies};
    d.address = member;
    d.exportable = true;
    return d;
  }

  // A decoded value (kUnsigned / kNtp): `store` puts it into the record or the scratch; `load` (optional) takes it
  // out of a record for the exporter.
  template <typename Store, typename Load = std::nullptr_t>
  static constexpr FieldDescriptor value_of(FieldAction a, IeType t, Ies ies, Store store, Load load = nullptr) {
    static_assert(std::is_class_v<Store> && std::is_convertible_v<Store, StoreFn>,
                  "value_of: a decoded value needs its store function (a captureless lambda)");
    static_assert(std::is_null_pointer_v<Load> || (std::is_class_v<Load> && std::is_convertible_v<Load, LoadFn>),
                  "value_of: load is a captureless lambda or absent");
    require(t == IeType::kUnsigned || t == IeType::kNtp, "value_of: the type must be kUnsigned or kNtp");
    FieldDescriptor d{a, t, ies};
    d.store = store;
    d.load = load;
    d.exportable = !std::is_null_pointer_v<Load>;
    return d;
  }

 private:
  constexpr FieldDescriptor(FieldAction a, IeType t, Ies i) : action(a), type(t), ies(i) {}
  // kFields is constexpr, so a false condition (a throw in constant evaluation) stops the build at the row.
  static constexpr void require(bool ok, const char* what) {
    if (!ok) {
      throw std::logic_error(what);
    }
  }
};

// Narrowing stores into FlowRecord members (the decoder keeps the low bytes, as the fields are defined).
#define FLOWLAB_STORE(expr) [](std::uint64_t v, FlowRecord& rec, Scratch& s) { (void)rec, (void)s, (expr); }
#define FLOWLAB_LOAD(expr) \
  [](const FlowRecord& r, std::uint64_t boot_ms) -> std::uint64_t { return (void)boot_ms, (expr); }

using U8 = std::uint8_t;
using U16 = std::uint16_t;
using U32 = std::uint32_t;
using Row = FieldDescriptor;

// The table, one row per FieldAction in enum order (kFields[a].action == a is checked below).
// clang-format off
inline constexpr std::array<FieldDescriptor, kFieldActionCount> kFields{{
    Row::skipped(FieldAction::kSkip),
    Row::skipped(FieldAction::kEnterprise),
    Row::address_of(FieldAction::kSrcV4, IeType::kIpv4, {ie::kSourceIpv4Address}, &FlowRecord::src_addr),
    Row::address_of(FieldAction::kDstV4, IeType::kIpv4, {ie::kDestinationIpv4Address}, &FlowRecord::dst_addr),
    Row::address_of(FieldAction::kSrcV6, IeType::kIpv6, {ie::kSourceIpv6Address}, &FlowRecord::src_addr),
    Row::address_of(FieldAction::kDstV6, IeType::kIpv6, {ie::kDestinationIpv6Address}, &FlowRecord::dst_addr),
    Row::address_of(FieldAction::kNextHopV4, IeType::kIpv4, {ie::kIpNextHopIpv4Address}, &FlowRecord::next_hop),
    Row::address_of(FieldAction::kNextHopV6, IeType::kIpv6, {ie::kIpNextHopIpv6Address}, &FlowRecord::next_hop),
    Row::address_of(FieldAction::kBgpNextHopV4, IeType::kIpv4, {ie::kBgpNextHopIpv4Address}, &FlowRecord::bgp_next_hop),
    Row::address_of(FieldAction::kBgpNextHopV6, IeType::kIpv6, {ie::kBgpNextHopIpv6Address}, &FlowRecord::bgp_next_hop),
    Row::value_of(FieldAction::kSrcPort, IeType::kUnsigned, {ie::kSourceTransportPort},
     FLOWLAB_STORE(rec.src_port = static_cast<U16>(v)), FLOWLAB_LOAD(r.src_port)),
    Row::value_of(FieldAction::kDstPort, IeType::kUnsigned, {ie::kDestinationTransportPort},
     FLOWLAB_STORE(rec.dst_port = static_cast<U16>(v)), FLOWLAB_LOAD(r.dst_port)),
    Row::value_of(FieldAction::kProtocol, IeType::kUnsigned, {ie::kProtocolIdentifier},
     FLOWLAB_STORE(rec.protocol = static_cast<U8>(v)), FLOWLAB_LOAD(r.protocol)),
    Row::value_of(FieldAction::kTos, IeType::kUnsigned, {ie::kIpClassOfService},
     FLOWLAB_STORE(rec.tos = static_cast<U8>(v)), FLOWLAB_LOAD(r.tos)),
    Row::value_of(FieldAction::kTcpFlags, IeType::kUnsigned, {ie::kTcpControlBits},
     FLOWLAB_STORE(rec.tcp_flags = static_cast<U8>(v)), FLOWLAB_LOAD(r.tcp_flags)), // low byte: classic flags
    Row::value_of(FieldAction::kPackets, IeType::kUnsigned,
     {ie::kPacketDeltaCount, ie::kPacketTotalCount, ie::kPostPacketDeltaCount},
     FLOWLAB_STORE(rec.packets = v), FLOWLAB_LOAD(r.packets)),
    Row::value_of(FieldAction::kBytes, IeType::kUnsigned,
     {ie::kOctetDeltaCount, ie::kOctetTotalCount, ie::kPostOctetDeltaCount},
     FLOWLAB_STORE(rec.bytes = v), FLOWLAB_LOAD(r.bytes)),
    Row::value_of(FieldAction::kInput, IeType::kUnsigned, {ie::kIngressInterface},
     FLOWLAB_STORE(rec.input_ifindex = static_cast<U32>(v)), FLOWLAB_LOAD(r.input_ifindex)),
    Row::value_of(FieldAction::kOutput, IeType::kUnsigned, {ie::kEgressInterface},
     FLOWLAB_STORE(rec.output_ifindex = static_cast<U32>(v)), FLOWLAB_LOAD(r.output_ifindex)),
    Row::value_of(FieldAction::kSrcMask, IeType::kUnsigned, {ie::kSourceIpv4PrefixLength, ie::kSourceIpv6PrefixLength},
     FLOWLAB_STORE(rec.src_mask = static_cast<U8>(v)), FLOWLAB_LOAD(r.src_mask)),
    Row::value_of(FieldAction::kDstMask, IeType::kUnsigned,
     {ie::kDestinationIpv4PrefixLength, ie::kDestinationIpv6PrefixLength},
     FLOWLAB_STORE(rec.dst_mask = static_cast<U8>(v)), FLOWLAB_LOAD(r.dst_mask)),
    Row::value_of(FieldAction::kSrcAs, IeType::kUnsigned, {ie::kBgpSourceAsNumber},
     FLOWLAB_STORE(rec.src_as = static_cast<U32>(v)), FLOWLAB_LOAD(r.src_as)),
    Row::value_of(FieldAction::kDstAs, IeType::kUnsigned, {ie::kBgpDestinationAsNumber},
     FLOWLAB_STORE(rec.dst_as = static_cast<U32>(v)), FLOWLAB_LOAD(r.dst_as)),
    Row::value_of(FieldAction::kDstPeerAs, IeType::kUnsigned, {ie::kBgpNextAdjacentAsNumber},
     FLOWLAB_STORE(rec.dst_peer_as = static_cast<U32>(v)), FLOWLAB_LOAD(r.dst_peer_as)),
    Row::value_of(FieldAction::kSrcPeerAs, IeType::kUnsigned, {ie::kBgpPrevAdjacentAsNumber},
     FLOWLAB_STORE(rec.src_peer_as = static_cast<U32>(v)), FLOWLAB_LOAD(r.src_peer_as)),
    Row::value_of(FieldAction::kVlan, IeType::kUnsigned, {ie::kVlanId, ie::kDot1qVlanId},
     FLOWLAB_STORE(rec.vlan = static_cast<U16>(v & 0x0fffU)), FLOWLAB_LOAD(r.vlan)),
    Row::value_of(FieldAction::kFlowEndReason, IeType::kUnsigned, {ie::kFlowEndReason},
     FLOWLAB_STORE(rec.flow_end_reason = static_cast<U8>(v)), FLOWLAB_LOAD(r.flow_end_reason)),
    // Unknown (a record relayed from v5 / sFlow) goes out as ingress: the IE has no "unknown" value.
    Row::value_of(FieldAction::kDirection, IeType::kUnsigned, {ie::kFlowDirection},
     FLOWLAB_STORE(rec.direction = direction_of(v)), FLOWLAB_LOAD(r.direction == FlowDirection::kEgress ? 1U : 0U)),
    Row::value_of(FieldAction::kStartUptime, IeType::kUnsigned, {ie::kFlowStartSysUpTime},
     FLOWLAB_STORE((s.start_uptime = static_cast<U32>(v), s.has_start_uptime = true)),
     FLOWLAB_LOAD(uptime_of(r.first_ms, boot_ms))),
    Row::value_of(FieldAction::kEndUptime, IeType::kUnsigned, {ie::kFlowEndSysUpTime},
     FLOWLAB_STORE((s.end_uptime = static_cast<U32>(v), s.has_end_uptime = true)),
     FLOWLAB_LOAD(uptime_of(r.last_ms, boot_ms))),
    Row::value_of(FieldAction::kStartSeconds, IeType::kUnsigned, {ie::kFlowStartSeconds},
     FLOWLAB_STORE(rec.first_ms = v * 1000)),
    Row::value_of(FieldAction::kEndSeconds, IeType::kUnsigned, {ie::kFlowEndSeconds},
     FLOWLAB_STORE(rec.last_ms = v * 1000)),
    Row::value_of(FieldAction::kStartMs, IeType::kUnsigned, {ie::kFlowStartMilliseconds},
     FLOWLAB_STORE(rec.first_ms = v), FLOWLAB_LOAD(r.first_ms)),
    Row::value_of(FieldAction::kEndMs, IeType::kUnsigned, {ie::kFlowEndMilliseconds},
     FLOWLAB_STORE(rec.last_ms = v), FLOWLAB_LOAD(r.last_ms)),
    Row::value_of(FieldAction::kStartNtp, IeType::kNtp, {ie::kFlowStartMicroseconds, ie::kFlowStartNanoseconds},
     FLOWLAB_STORE(rec.first_ms = ntp_to_ms(v))),
    Row::value_of(FieldAction::kEndNtp, IeType::kNtp, {ie::kFlowEndMicroseconds, ie::kFlowEndNanoseconds},
     FLOWLAB_STORE(rec.last_ms = ntp_to_ms(v))),
    Row::value_of(FieldAction::kStartDeltaUs, IeType::kUnsigned, {ie::kFlowStartDeltaMicroseconds},
     FLOWLAB_STORE((s.start_delta_us = v, s.has_start_delta = true))),
    Row::value_of(FieldAction::kEndDeltaUs, IeType::kUnsigned, {ie::kFlowEndDeltaMicroseconds},
     FLOWLAB_STORE((s.end_delta_us = v, s.has_end_delta = true))),
    Row::value_of(FieldAction::kSystemInitMs, IeType::kUnsigned, {ie::kSystemInitTimeMilliseconds},
     FLOWLAB_STORE(s.system_init_ms = v)),
    Row::value_of(FieldAction::kIcmpTypeCode, IeType::kUnsigned, {ie::kIcmpTypeCodeIpv4, ie::kIcmpTypeCodeIpv6},
     FLOWLAB_STORE((s.typecode = static_cast<U16>(v), s.has_typecode = true))),
    Row::value_of(FieldAction::kIcmpType, IeType::kUnsigned, {ie::kIcmpTypeIpv4, ie::kIcmpTypeIpv6},
     FLOWLAB_STORE((s.icmp_type = static_cast<U8>(v), s.has_icmp_type = true))),
    Row::value_of(FieldAction::kIcmpCode, IeType::kUnsigned, {ie::kIcmpCodeIpv4, ie::kIcmpCodeIpv6},
     FLOWLAB_STORE(s.icmp_code = static_cast<U8>(v))),
    Row::value_of(FieldAction::kSamplingInterval, IeType::kUnsigned,
     {ie::kSamplingInterval, ie::kSamplerRandomInterval},
     FLOWLAB_STORE(s.interval = v)),
    Row::value_of(FieldAction::kSamplerId, IeType::kUnsigned, {ie::kSamplerId, ie::kSelectorId},
     FLOWLAB_STORE((s.sampler_id = v, s.has_sampler_id = true))),
    Row::value_of(FieldAction::kPacketInterval, IeType::kUnsigned, {ie::kSamplingPacketInterval},
     FLOWLAB_STORE((s.packet_interval = v, s.has_packet_interval = true))),
    Row::value_of(FieldAction::kPacketSpace, IeType::kUnsigned, {ie::kSamplingPacketSpace},
     FLOWLAB_STORE(s.packet_space = v)),
}};
// clang-format on

#undef FLOWLAB_STORE
#undef FLOWLAB_LOAD

[[nodiscard]] constexpr const FieldDescriptor& field_of(FieldAction a) { return kFields[static_cast<std::size_t>(a)]; }

// The action of the row that carries IE `id`, or kSkip when flowlab does not read it.
[[nodiscard]] constexpr FieldAction action_of_ie(std::uint16_t id) {
  if (id == 0) {
    return FieldAction::kSkip;
  }
  for (const FieldDescriptor& f : kFields) {
    for (std::uint16_t carried : f.ies) {
      if (carried == id) {
        return f.action;
      }
    }
  }
  return FieldAction::kSkip;
}

// The row that carries IE `id`, or nullptr when flowlab does not read it.
[[nodiscard]] constexpr const FieldDescriptor* find_ie(std::uint16_t id) {
  const FieldAction a = action_of_ie(id);
  return a == FieldAction::kSkip ? nullptr : &field_of(a);
}

namespace table_check {
constexpr bool rows_in_enum_order() {
  for (std::size_t i = 0; i < kFieldActionCount; ++i) {
    if (static_cast<std::size_t>(kFields[i].action) != i) {
      return false;
    }
  }
  return true;
}
static_assert(rows_in_enum_order(), "kFields rows must follow FieldAction order");
}  // namespace table_check

}  // namespace flowlab::wire::detail
