#include "probes/wire/decoder.hpp"

#include "probes/wire/ie.hpp"
#include "probes/wire/packet_header.hpp"
#include "probes/wire/sflow_parser.hpp"
#include "probes/wire/template_cache.hpp"

#include <algorithm>
#include <string>

namespace flowlab::wire {
namespace detail {

FieldAction action_for(std::uint16_t id, std::uint16_t length, bool& bad_length) {
  const bool uint_ok = length >= 1 && length <= 8;  // reduced-size encoding (RFC 7011 section 6.2)
  auto uint_field = [&](FieldAction a) {
    if (uint_ok) {
      return a;
    }
    bad_length = true;
    return FieldAction::kSkip;
  };
  auto exact = [&](FieldAction a, std::uint16_t want) {
    if (length == want) {
      return a;
    }
    bad_length = true;
    return FieldAction::kSkip;
  };
  switch (id) {
    case ie::kOctetDeltaCount:
    case ie::kOctetTotalCount:
    case ie::kPostOctetDeltaCount:
      return uint_field(FieldAction::kBytes);
    case ie::kPacketDeltaCount:
    case ie::kPacketTotalCount:
    case ie::kPostPacketDeltaCount:
      return uint_field(FieldAction::kPackets);
    case ie::kProtocolIdentifier:
      return uint_field(FieldAction::kProtocol);
    case ie::kIpClassOfService:
      return uint_field(FieldAction::kTos);
    case ie::kTcpControlBits:
      return uint_field(FieldAction::kTcpFlags);
    case ie::kSourceTransportPort:
      return uint_field(FieldAction::kSrcPort);
    case ie::kDestinationTransportPort:
      return uint_field(FieldAction::kDstPort);
    case ie::kSourceIpv4Address:
      return exact(FieldAction::kSrcV4, 4);
    case ie::kDestinationIpv4Address:
      return exact(FieldAction::kDstV4, 4);
    case ie::kSourceIpv6Address:
      return exact(FieldAction::kSrcV6, 16);
    case ie::kDestinationIpv6Address:
      return exact(FieldAction::kDstV6, 16);
    case ie::kIpNextHopIpv4Address:
      return exact(FieldAction::kNextHopV4, 4);
    case ie::kIpNextHopIpv6Address:
      return exact(FieldAction::kNextHopV6, 16);
    case ie::kBgpNextHopIpv4Address:
      return exact(FieldAction::kBgpNextHopV4, 4);
    case ie::kBgpNextHopIpv6Address:
      return exact(FieldAction::kBgpNextHopV6, 16);
    case ie::kSourceIpv4PrefixLength:
    case ie::kSourceIpv6PrefixLength:
      return uint_field(FieldAction::kSrcMask);
    case ie::kDestinationIpv4PrefixLength:
    case ie::kDestinationIpv6PrefixLength:
      return uint_field(FieldAction::kDstMask);
    case ie::kIngressInterface:
      return uint_field(FieldAction::kInput);
    case ie::kEgressInterface:
      return uint_field(FieldAction::kOutput);
    case ie::kBgpSourceAsNumber:
      return uint_field(FieldAction::kSrcAs);
    case ie::kBgpDestinationAsNumber:
      return uint_field(FieldAction::kDstAs);
    case ie::kBgpNextAdjacentAsNumber:
      return uint_field(FieldAction::kDstPeerAs);
    case ie::kBgpPrevAdjacentAsNumber:
      return uint_field(FieldAction::kSrcPeerAs);
    case ie::kVlanId:
    case ie::kDot1qVlanId:
      return uint_field(FieldAction::kVlan);
    case ie::kFlowEndReason:
      return uint_field(FieldAction::kFlowEndReason);
    case ie::kFlowDirection:
      return uint_field(FieldAction::kDirection);
    case ie::kFlowStartSysUpTime:
      return uint_field(FieldAction::kStartUptime);
    case ie::kFlowEndSysUpTime:
      return uint_field(FieldAction::kEndUptime);
    case ie::kFlowStartSeconds:
      return uint_field(FieldAction::kStartSeconds);
    case ie::kFlowEndSeconds:
      return uint_field(FieldAction::kEndSeconds);
    case ie::kFlowStartMilliseconds:
      return uint_field(FieldAction::kStartMs);
    case ie::kFlowEndMilliseconds:
      return uint_field(FieldAction::kEndMs);
    case ie::kFlowStartMicroseconds:
    case ie::kFlowStartNanoseconds:
      return exact(FieldAction::kStartNtp, 8);
    case ie::kFlowEndMicroseconds:
    case ie::kFlowEndNanoseconds:
      return exact(FieldAction::kEndNtp, 8);
    case ie::kFlowStartDeltaMicroseconds:
      return uint_field(FieldAction::kStartDeltaUs);
    case ie::kFlowEndDeltaMicroseconds:
      return uint_field(FieldAction::kEndDeltaUs);
    case ie::kSystemInitTimeMilliseconds:
      return uint_field(FieldAction::kSystemInitMs);
    case ie::kIcmpTypeCodeIpv4:
    case ie::kIcmpTypeCodeIpv6:
      return uint_field(FieldAction::kIcmpTypeCode);
    case ie::kIcmpTypeIpv4:
    case ie::kIcmpTypeIpv6:
      return uint_field(FieldAction::kIcmpType);
    case ie::kIcmpCodeIpv4:
    case ie::kIcmpCodeIpv6:
      return uint_field(FieldAction::kIcmpCode);
    case ie::kSamplingInterval:
    case ie::kSamplerRandomInterval:
      return uint_field(FieldAction::kSamplingInterval);
    case ie::kSamplerId:
    case ie::kSelectorId:
      return uint_field(FieldAction::kSamplerId);
    case ie::kSamplingPacketInterval:
      return uint_field(FieldAction::kPacketInterval);
    case ie::kSamplingPacketSpace:
      return uint_field(FieldAction::kPacketSpace);
    default:
      return FieldAction::kSkip;
  }
}

namespace {

constexpr std::uint64_t kNtpToUnixSeconds = 2208988800ULL;
constexpr std::uint64_t kTwo32 = 1ULL << 32U;

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

std::uint64_t ntp_to_ms(std::uint64_t ntp) {
  const std::uint64_t seconds = ntp >> 32U;
  const std::uint64_t fraction = ntp & 0xffffffffULL;
  if (seconds < kNtpToUnixSeconds) {
    return 0;
  }
  return (seconds - kNtpToUnixSeconds) * 1000 + ((fraction * 1000) >> 32U);
}

// Absolute time of a sysUptime value, anchored at the header's (export_ms, uptime) pair with a signed 32-bit
// difference: a flow that started before the uptime counter wrapped (t_up > uptime) is still in the past.
std::uint64_t uptime_to_ms(std::uint32_t t_up, std::uint32_t uptime, std::uint64_t export_ms) {
  const auto delta = static_cast<std::int32_t>(uptime - t_up);
  const std::int64_t abs = static_cast<std::int64_t>(export_ms) - delta;
  return abs > 0 ? static_cast<std::uint64_t>(abs) : 0;
}

// IPFIX flowStart/EndSysUpTime relative to systemInitTimeMilliseconds; the u32 wraps every 49.7 days, so pick
// the wrap count that puts the time closest to (not after) the export time.
std::uint64_t init_relative_ms(std::uint32_t t_up, std::uint64_t system_init_ms, std::uint64_t export_ms) {
  std::uint64_t t = system_init_ms + t_up;
  if (export_ms > t + kTwo32 / 2) {
    t += ((export_ms - t + kTwo32 / 2) / kTwo32) * kTwo32;
  }
  return t;
}

std::uint32_t rate_of(const Scratch& s) {
  if (s.has_packet_interval && s.packet_interval > 0) {
    const std::uint64_t rate = (s.packet_interval + s.packet_space + s.packet_interval / 2) / s.packet_interval;
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(rate, 0xffffffffULL));
  }
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(s.interval, 0xffffffffULL));
}

// Unsigned field of 1..8 bytes; the common widths take the Reader's fixed-size paths.
[[gnu::always_inline]] inline std::uint64_t read_uint(Reader& r, std::size_t length) {
  switch (length) {
    case 1:
      return r.u8();
    case 2:
      return r.u16();
    case 4:
      return r.u32();
    case 8:
      return r.u64();
    default:
      return r.uint(length);
  }
}

// Addresses are written in place (no temporary IpAddress): the record is fresh, so the tail bytes are zero.
template <std::size_t N>
[[gnu::always_inline]] inline void read_address(Reader& r, IpAddress& a) {
  const Bytes b = r.bytes(N);
  if (b.size() == N) {
    a.family = N == 4 ? Family::kIpv4 : Family::kIpv6;
    for (std::size_t i = 0; i < N; ++i) {
      a.bytes[i] = std::to_integer<std::uint8_t>(b[i]);
    }
  }
}

Failure<ParseError> error(ParseErrorCode code, std::size_t offset, std::string context) {
  return Failure<ParseError>{ParseError{code, offset, std::move(context)}};
}

}  // namespace

class DecoderState {
 public:
  explicit DecoderState(DecoderOptions o) : options(o) {}

  DecoderOptions options;
  DecodeCounters counters;
  std::vector<SflowCounterSample> sflow_counters;
  std::unordered_map<SourceKey, SourceState, SourceKeyHash> sources;

  Result<DatagramInfo, ParseError> decode(Bytes datagram, const IpAddress& exporter, std::uint16_t port,
                                          std::uint64_t receive_ms, std::vector<FlowRecord>& out);

 private:
  // Per-datagram context for the template-based formats.
  struct Context {
    bool ipfix = false;
    SourceState* source = nullptr;
    DatagramInfo* info = nullptr;
    std::vector<FlowRecord>* out = nullptr;
    std::uint64_t receive_ms = 0;
    std::uint64_t export_ms = 0;
    std::uint32_t uptime = 0;
  };

  Result<DatagramInfo, ParseError> decode_v5(Bytes datagram, DatagramInfo& info, std::vector<FlowRecord>& out);
  Result<DatagramInfo, ParseError> decode_template_based(Bytes datagram, bool ipfix, DatagramInfo& info,
                                                         std::uint64_t receive_ms, std::vector<FlowRecord>& out);
  Result<DatagramInfo, ParseError> decode_sflow_datagram(Bytes datagram, DatagramInfo& info, std::uint64_t receive_ms,
                                                         std::vector<FlowRecord>& out);
  SourceState* source_for(const SourceKey& key);
  Result<void, ParseError> parse_template_set(Reader& set, bool options_set, Context& ctx);
  Result<void, ParseError> parse_data_set(Reader& set, std::uint16_t set_id, Context& ctx);
  void store_template(Template&& t, Context& ctx);
  bool decode_record(Reader& r, const Template& t, FlowRecord& rec, Scratch& s, Context& ctx);
  void decode_direct(Bytes record, const Template& t, FlowRecord& rec, Scratch& s);
  void finish_flow(FlowRecord& rec, const Scratch& s, Context& ctx) const;
  void apply_options(const Scratch& s, Context& ctx);
  std::uint64_t& truncated_counter(bool ipfix) { return ipfix ? counters.ipfix_truncated : counters.v9_truncated; }
};

SourceState* DecoderState::source_for(const SourceKey& key) {
  auto it = sources.find(key);
  if (it != sources.end()) {
    return &it->second;
  }
  if (sources.size() >= options.max_sources) {
    ++counters.source_cap_exceeded;
    return nullptr;
  }
  return &sources.emplace(key, SourceState{}).first->second;
}

Result<DatagramInfo, ParseError> DecoderState::decode(Bytes datagram, const IpAddress& exporter, std::uint16_t port,
                                                      std::uint64_t receive_ms, std::vector<FlowRecord>& out) {
  ++counters.datagrams;
  DatagramInfo info;
  info.exporter = exporter;
  info.exporter_port = port;
  Reader r(datagram);
  const std::uint16_t version = r.u16();
  if (!r.ok()) {
    ++counters.unsupported_version;
    ++counters.datagrams_bad;
    return error(ParseErrorCode::kTruncated, 0, "datagram shorter than a version field");
  }
  Result<DatagramInfo, ParseError> result = error(ParseErrorCode::kUnsupportedVersion, 0, "");
  if (version == 5) {
    result = decode_v5(datagram, info, out);
  } else if (version == 9) {
    result = decode_template_based(datagram, false, info, receive_ms, out);
  } else if (version == 10) {
    result = decode_template_based(datagram, true, info, receive_ms, out);
  } else if (version == 0 && r.u16() == 5) {
    result = decode_sflow_datagram(datagram, info, receive_ms, out);
  } else {
    ++counters.unsupported_version;
    result = error(ParseErrorCode::kUnsupportedVersion, 0, "version " + std::to_string(version));
  }
  if (!result.ok()) {
    ++counters.datagrams_bad;
  }
  return result;
}

// NetFlow v5 (Cisco): fixed 24-byte header and count x 48-byte records.
Result<DatagramInfo, ParseError> DecoderState::decode_v5(Bytes datagram, DatagramInfo& info,
                                                         std::vector<FlowRecord>& out) {
  constexpr std::size_t kRecordBytes = 48;
  Reader r(datagram);
  r.u16();
  info.protocol = ExportProtocol::kNetflowV5;
  info.header_count = r.u16();
  info.uptime_ms = r.u32();
  const std::uint32_t secs = r.u32();
  const std::uint32_t nsecs = r.u32();
  info.sequence = r.u32();
  const std::uint8_t engine_type = r.u8();
  const std::uint8_t engine_id = r.u8();
  const std::uint16_t sampling = r.u16();
  if (!r.ok()) {
    ++counters.v5_truncated;
    return error(ParseErrorCode::kTruncated, r.offset(), "netflow v5 header");
  }
  info.observation_domain = static_cast<std::uint32_t>(engine_type) << 8U | engine_id;
  info.export_ms = secs * 1000ULL + nsecs / 1000000U;
  if (info.header_count == 0 || info.header_count > 30) {
    ++counters.v5_count_bad;
    return error(ParseErrorCode::kBadLength, 2, "netflow v5 count " + std::to_string(info.header_count));
  }
  if (r.remaining() < info.header_count * kRecordBytes) {
    ++counters.v5_truncated;
    return error(ParseErrorCode::kTruncated, r.offset(),
                 "netflow v5: " + std::to_string(info.header_count) + " records need " +
                     std::to_string(info.header_count * kRecordBytes) + " bytes, " + std::to_string(r.remaining()) +
                     " left");
  }
  const std::uint32_t interval = sampling & 0x3fffU;
  std::size_t room = options.max_records_per_datagram;
  for (std::uint16_t i = 0; i < info.header_count && room > 0; ++i, --room) {
    FlowRecord& rec = out.emplace_back();
    read_address<4>(r, rec.src_addr);
    read_address<4>(r, rec.dst_addr);
    read_address<4>(r, rec.next_hop);
    rec.input_ifindex = r.u16();
    rec.output_ifindex = r.u16();
    rec.packets = r.u32();
    rec.bytes = r.u32();
    rec.first_ms = uptime_to_ms(r.u32(), info.uptime_ms, info.export_ms);
    rec.last_ms = uptime_to_ms(r.u32(), info.uptime_ms, info.export_ms);
    rec.src_port = r.u16();
    rec.dst_port = r.u16();
    r.skip(1);
    rec.tcp_flags = r.u8();
    rec.protocol = r.u8();
    rec.tos = r.u8();
    rec.src_as = r.u16();
    rec.dst_as = r.u16();
    rec.src_mask = r.u8();
    rec.dst_mask = r.u8();
    r.skip(2);
    rec.sampling_interval = interval > 1 ? interval : 1;
    rec.export_protocol = ExportProtocol::kNetflowV5;
    rec.exporter = info.exporter;
    rec.observation_domain = info.observation_domain;
    rec.sequence = info.sequence;
    ++info.record_count;
  }
  if (room == 0 && info.record_count < info.header_count) {
    ++counters.record_cap_exceeded;
  }
  counters.records += info.record_count;
  return info;
}

// NetFlow v9 (RFC 3954 section 5) and IPFIX (RFC 7011 section 3): header, then sets until the end.
Result<DatagramInfo, ParseError> DecoderState::decode_template_based(Bytes datagram, bool ipfix, DatagramInfo& info,
                                                                     std::uint64_t receive_ms,
                                                                     std::vector<FlowRecord>& out) {
  Reader r(datagram);
  r.u16();
  Context ctx;
  ctx.ipfix = ipfix;
  ctx.info = &info;
  ctx.out = &out;
  ctx.receive_ms = receive_ms;
  if (ipfix) {
    info.protocol = ExportProtocol::kIpfix;
    const std::uint16_t length = r.u16();
    const std::uint32_t export_s = r.u32();
    info.sequence = r.u32();
    info.observation_domain = r.u32();
    if (!r.ok()) {
      ++counters.ipfix_truncated;
      return error(ParseErrorCode::kTruncated, r.offset(), "ipfix message header");
    }
    info.export_ms = export_s * 1000ULL;
    if (length < 16) {
      ++counters.ipfix_length_bad;
      return error(ParseErrorCode::kBadLength, 2, "ipfix message length " + std::to_string(length));
    }
    if (length > datagram.size()) {
      ++counters.ipfix_truncated;
      return error(ParseErrorCode::kTruncated, datagram.size(),
                   "ipfix message length " + std::to_string(length) + " > datagram " + std::to_string(datagram.size()));
    }
    if (length < datagram.size()) {
      ++counters.ipfix_length_bad;  // trailing bytes after the message: ignored
    }
    r = Reader(datagram.first(length)).sub(length);
    r.skip(16);
  } else {
    info.protocol = ExportProtocol::kNetflowV9;
    info.header_count = r.u16();
    info.uptime_ms = r.u32();
    const std::uint32_t secs = r.u32();
    info.sequence = r.u32();
    info.observation_domain = r.u32();
    if (!r.ok()) {
      ++counters.v9_truncated;
      return error(ParseErrorCode::kTruncated, r.offset(), "netflow v9 header");
    }
    info.export_ms = secs * 1000ULL;
  }
  ctx.export_ms = info.export_ms;
  ctx.uptime = info.uptime_ms;
  const SourceKey key{info.exporter, options.template_key_includes_port ? info.exporter_port : std::uint16_t{0},
                      static_cast<std::uint8_t>(ipfix ? 10 : 9), info.observation_domain};
  ctx.source = source_for(key);
  if (ctx.source == nullptr) {
    return error(ParseErrorCode::kCapExceeded, 0, "template cache: too many exporters / domains");
  }
  const std::uint16_t template_set = ipfix ? 2 : 0;
  const std::uint16_t options_set = ipfix ? 3 : 1;
  while (r.remaining() >= 4) {
    const std::size_t set_offset = r.offset();
    const std::uint16_t set_id = r.u16();
    const std::uint16_t length = r.u16();
    if (length < 4) {
      ++(ipfix ? counters.ipfix_length_bad : counters.v9_flowset_length_bad);
      return error(ParseErrorCode::kBadLength, set_offset,
                   "set " + std::to_string(set_id) + " length " + std::to_string(length));
    }
    Reader set = r.sub(length - 4U);
    if (!r.ok()) {
      ++(ipfix ? counters.ipfix_truncated : counters.v9_flowset_length_bad);
      return error(ParseErrorCode::kTruncated, set_offset,
                   "set " + std::to_string(set_id) + " length " + std::to_string(length) + " past the end");
    }
    Result<void, ParseError> status;
    if (set_id == template_set || set_id == options_set) {
      status = parse_template_set(set, set_id == options_set, ctx);
    } else if (set_id >= 256) {
      status = parse_data_set(set, set_id, ctx);
    } else {
      ++counters.set_id_reserved;
      ++info.skipped_sets;
    }
    if (!status.ok()) {
      return Failure<ParseError>{status.error()};
    }
  }
  if (!ipfix && info.skipped_sets == 0 &&
      info.header_count != info.template_count + info.options_record_count + info.record_count) {
    ++counters.v9_count_mismatch;
  }
  if (!ipfix && r.remaining() > 0) {
    // A few bytes after the last flowset: tolerated (some exporters pad the datagram).
    Bytes tail = r.bytes(r.remaining());
    if (std::any_of(tail.begin(), tail.end(), [](std::byte b) { return b != std::byte{0}; })) {
      ++counters.v9_padding_bad;
    }
  } else if (ipfix && r.remaining() > 0) {
    ++counters.ipfix_length_bad;
  }
  counters.records += info.record_count;
  return info;
}

void DecoderState::store_template(Template&& t, Context& ctx) {
  auto& templates = ctx.source->templates;
  ++ctx.info->template_count;
  if (t.bad_length_field) {
    ++counters.field_length_bad;
  }
  auto it = templates.find(t.id);
  if (it != templates.end()) {
    if (!it->second.same_layout(t)) {
      ++counters.templates_replaced;
    }
    it->second = std::move(t);
    return;
  }
  if (templates.size() >= options.max_templates_per_source) {
    ++counters.template_cap_exceeded;
    return;
  }
  ++counters.templates_learned;
  templates.emplace(t.id, std::move(t));
}

// Template set / options template set (RFC 3954 sections 5.2, 6.1; RFC 7011 sections 3.4.1, 3.4.2, 8.1).
Result<void, ParseError> DecoderState::parse_template_set(Reader& set, bool options_set, Context& ctx) {
  const bool ipfix = ctx.ipfix;
  auto& bad = ipfix ? counters.ipfix_template_bad : counters.v9_template_bad;
  // Smallest template record: id + count (v9 options: id + scope length + option length).
  // (an IPFIX withdrawal record is 4 bytes even in an options template set: RFC 7011 section 8.1).
  const std::size_t min_header = (options_set && !ipfix) ? 6U : 4U;
  while (set.remaining() >= min_header) {
    const std::size_t record_offset = set.offset();
    Template t;
    t.id = set.u16();
    t.options = options_set;
    t.announced_ms = ctx.receive_ms;
    std::size_t field_count = 0;
    std::size_t scope_count = 0;
    if (!ipfix && options_set) {
      const std::uint16_t scope_bytes = set.u16();
      const std::uint16_t option_bytes = set.u16();
      if (scope_bytes % 4 != 0 || option_bytes % 4 != 0 || scope_bytes == 0) {
        ++bad;
        return error(ParseErrorCode::kBadTemplate, record_offset,
                     "v9 options template " + std::to_string(t.id) + " scope/option length");
      }
      scope_count = scope_bytes / 4U;
      field_count = scope_count + option_bytes / 4U;
    } else {
      field_count = set.u16();
      if (ipfix && options_set && field_count != 0) {
        scope_count = set.u16();
        if (!set.ok()) {
          ++truncated_counter(ipfix);
          return error(ParseErrorCode::kTruncated, record_offset, "options template " + std::to_string(t.id));
        }
      }
      if (ipfix && field_count == 0) {
        // Withdrawal (RFC 7011 section 8.1): id == set id withdraws every template of that kind.
        ++ctx.info->template_count;
        ++counters.ipfix_template_withdrawn;
        auto& templates = ctx.source->templates;
        if (t.id == (options_set ? 3 : 2)) {
          std::erase_if(templates, [&](const auto& kv) { return kv.second.options == options_set; });
        } else {
          templates.erase(t.id);
        }
        continue;
      }
      if (ipfix && options_set && (scope_count == 0 || scope_count > field_count)) {
        ++bad;
        return error(ParseErrorCode::kBadTemplate, record_offset,
                     "ipfix options template " + std::to_string(t.id) + " scope count");
      }
    }
    if (t.id < 256 || field_count == 0) {
      ++bad;
      return error(ParseErrorCode::kBadTemplate, record_offset,
                   "template id " + std::to_string(t.id) + " with " + std::to_string(field_count) + " fields");
    }
    if (field_count > options.max_fields_per_template) {
      ++bad;
      return error(ParseErrorCode::kCapExceeded, record_offset,
                   "template " + std::to_string(t.id) + ": " + std::to_string(field_count) + " fields");
    }
    t.scope_count = static_cast<std::uint16_t>(scope_count);
    t.fields.reserve(field_count);
    for (std::size_t i = 0; i < field_count; ++i) {
      TemplateField f;
      f.ie = set.u16();
      f.length = set.u16();
      if (ipfix && (f.ie & 0x8000U) != 0) {
        // Enterprise bit: the value is opaque to us; only its length matters.
        f.ie &= 0x7fffU;
        f.enterprise = set.u32();
        f.action = FieldAction::kEnterprise;
      } else if (i < scope_count && !ipfix) {
        f.action = FieldAction::kSkip;  // v9 scope types are not IEs
      } else {
        f.action = action_for(f.ie, f.length, t.bad_length_field);
      }
      if (f.length == kVariableLength) {
        if (!ipfix) {
          ++bad;
          return error(ParseErrorCode::kBadTemplate, record_offset,
                       "v9 template " + std::to_string(t.id) + ": variable-length field");
        }
        if (f.action != FieldAction::kEnterprise) {
          f.action = FieldAction::kSkip;
        }
        t.variable = true;
        t.min_record_length += 1;
      } else {
        t.min_record_length += f.length;
      }
      t.fields.push_back(f);
    }
    if (!set.ok()) {
      ++truncated_counter(ipfix);
      return error(ParseErrorCode::kTruncated, record_offset, "template " + std::to_string(t.id) + " fields");
    }
    if (t.min_record_length == 0) {
      ++bad;
      return error(ParseErrorCode::kBadTemplate, record_offset, "template " + std::to_string(t.id) + ": length 0");
    }
    t.compile();
    store_template(std::move(t), ctx);
  }
  return {};
}

// One data record through a compiled template. Returns false when the record runs past its set.
bool DecoderState::decode_record(Reader& r, const Template& t, FlowRecord& rec, Scratch& s, Context& ctx) {
  for (const TemplateField& f : t.fields) {
    std::size_t length = f.length;
    if (length == kVariableLength) {
      length = r.u8();
      if (length == 255) {
        length = r.u16();
      }
      if (!r.has(length)) {
        ++counters.ipfix_varlen_bad;
        return false;
      }
    }
    switch (f.action) {
      case FieldAction::kSkip:
        r.skip(length);
        break;
      case FieldAction::kEnterprise:
        ++counters.ipfix_enterprise_fields;
        r.skip(length);
        break;
      case FieldAction::kSrcV4:
        read_address<4>(r, rec.src_addr);
        break;
      case FieldAction::kDstV4:
        read_address<4>(r, rec.dst_addr);
        break;
      case FieldAction::kSrcV6:
        read_address<16>(r, rec.src_addr);
        break;
      case FieldAction::kDstV6:
        read_address<16>(r, rec.dst_addr);
        break;
      case FieldAction::kNextHopV4:
        read_address<4>(r, rec.next_hop);
        break;
      case FieldAction::kNextHopV6:
        read_address<16>(r, rec.next_hop);
        break;
      case FieldAction::kBgpNextHopV4:
        read_address<4>(r, rec.bgp_next_hop);
        break;
      case FieldAction::kBgpNextHopV6:
        read_address<16>(r, rec.bgp_next_hop);
        break;
      case FieldAction::kSrcPort:
        rec.src_port = static_cast<std::uint16_t>(read_uint(r, length));
        break;
      case FieldAction::kDstPort:
        rec.dst_port = static_cast<std::uint16_t>(read_uint(r, length));
        break;
      case FieldAction::kProtocol:
        rec.protocol = static_cast<std::uint8_t>(read_uint(r, length));
        break;
      case FieldAction::kTos:
        rec.tos = static_cast<std::uint8_t>(read_uint(r, length));
        break;
      case FieldAction::kTcpFlags:
        rec.tcp_flags = static_cast<std::uint8_t>(read_uint(r, length));  // low byte: the classic flags
        break;
      case FieldAction::kPackets:
        rec.packets = read_uint(r, length);
        break;
      case FieldAction::kBytes:
        rec.bytes = read_uint(r, length);
        break;
      case FieldAction::kInput:
        rec.input_ifindex = static_cast<std::uint32_t>(read_uint(r, length));
        break;
      case FieldAction::kOutput:
        rec.output_ifindex = static_cast<std::uint32_t>(read_uint(r, length));
        break;
      case FieldAction::kSrcMask:
        rec.src_mask = static_cast<std::uint8_t>(read_uint(r, length));
        break;
      case FieldAction::kDstMask:
        rec.dst_mask = static_cast<std::uint8_t>(read_uint(r, length));
        break;
      case FieldAction::kSrcAs:
        rec.src_as = static_cast<std::uint32_t>(read_uint(r, length));
        break;
      case FieldAction::kDstAs:
        rec.dst_as = static_cast<std::uint32_t>(read_uint(r, length));
        break;
      case FieldAction::kDstPeerAs:
        rec.dst_peer_as = static_cast<std::uint32_t>(read_uint(r, length));
        break;
      case FieldAction::kSrcPeerAs:
        rec.src_peer_as = static_cast<std::uint32_t>(read_uint(r, length));
        break;
      case FieldAction::kVlan:
        rec.vlan = static_cast<std::uint16_t>(read_uint(r, length) & 0x0fffU);
        break;
      case FieldAction::kFlowEndReason:
        rec.flow_end_reason = static_cast<std::uint8_t>(read_uint(r, length));
        break;
      case FieldAction::kDirection:
        rec.direction = direction_of(read_uint(r, length));
        break;
      case FieldAction::kStartUptime:
        s.start_uptime = static_cast<std::uint32_t>(read_uint(r, length));
        s.has_start_uptime = true;
        break;
      case FieldAction::kEndUptime:
        s.end_uptime = static_cast<std::uint32_t>(read_uint(r, length));
        s.has_end_uptime = true;
        break;
      case FieldAction::kStartSeconds:
        rec.first_ms = read_uint(r, length) * 1000;
        break;
      case FieldAction::kEndSeconds:
        rec.last_ms = read_uint(r, length) * 1000;
        break;
      case FieldAction::kStartMs:
        rec.first_ms = read_uint(r, length);
        break;
      case FieldAction::kEndMs:
        rec.last_ms = read_uint(r, length);
        break;
      case FieldAction::kStartNtp:
        rec.first_ms = ntp_to_ms(r.u64());
        break;
      case FieldAction::kEndNtp:
        rec.last_ms = ntp_to_ms(r.u64());
        break;
      case FieldAction::kStartDeltaUs:
        s.start_delta_us = read_uint(r, length);
        s.has_start_delta = true;
        break;
      case FieldAction::kEndDeltaUs:
        s.end_delta_us = read_uint(r, length);
        s.has_end_delta = true;
        break;
      case FieldAction::kSystemInitMs:
        s.system_init_ms = read_uint(r, length);
        break;
      case FieldAction::kIcmpTypeCode:
        s.typecode = static_cast<std::uint16_t>(read_uint(r, length));
        s.has_typecode = true;
        break;
      case FieldAction::kIcmpType:
        s.icmp_type = static_cast<std::uint8_t>(read_uint(r, length));
        s.has_icmp_type = true;
        break;
      case FieldAction::kIcmpCode:
        s.icmp_code = static_cast<std::uint8_t>(read_uint(r, length));
        break;
      case FieldAction::kSamplingInterval:
        s.interval = read_uint(r, length);
        break;
      case FieldAction::kSamplerId:
        s.sampler_id = read_uint(r, length);
        s.has_sampler_id = true;
        break;
      case FieldAction::kPacketInterval:
        s.packet_interval = read_uint(r, length);
        s.has_packet_interval = true;
        break;
      case FieldAction::kPacketSpace:
        s.packet_space = read_uint(r, length);
        break;
      case FieldAction::kCount:
        r.skip(length);
        break;
    }
  }
  (void)ctx;
  return r.ok();
}

// The direct path for fixed-length templates: one bounds check for the record, then every present slot in a fixed
// order (branches that predict perfectly for a steady template) instead of a dispatch per field.
void DecoderState::decode_direct(Bytes record, const Template& t, FlowRecord& rec, Scratch& s) {
  auto at = [&](FieldAction a) -> const Slot& { return t.slots[static_cast<std::size_t>(a)]; };
  auto field = [&](const Slot& slot) { return Reader(record.subspan(slot.offset, slot.length)); };
  auto uint_of = [&](const Slot& slot) {
    Reader r = field(slot);
    return read_uint(r, slot.length);
  };
  if (const Slot& f = at(FieldAction::kSrcV4); f.length != 0) {
    Reader r = field(f);
    read_address<4>(r, rec.src_addr);
  }
  if (const Slot& f = at(FieldAction::kDstV4); f.length != 0) {
    Reader r = field(f);
    read_address<4>(r, rec.dst_addr);
  }
  if (const Slot& f = at(FieldAction::kSrcV6); f.length != 0) {
    Reader r = field(f);
    read_address<16>(r, rec.src_addr);
  }
  if (const Slot& f = at(FieldAction::kDstV6); f.length != 0) {
    Reader r = field(f);
    read_address<16>(r, rec.dst_addr);
  }
  if (const Slot& f = at(FieldAction::kNextHopV4); f.length != 0) {
    Reader r = field(f);
    read_address<4>(r, rec.next_hop);
  }
  if (const Slot& f = at(FieldAction::kNextHopV6); f.length != 0) {
    Reader r = field(f);
    read_address<16>(r, rec.next_hop);
  }
  if (const Slot& f = at(FieldAction::kBgpNextHopV4); f.length != 0) {
    Reader r = field(f);
    read_address<4>(r, rec.bgp_next_hop);
  }
  if (const Slot& f = at(FieldAction::kBgpNextHopV6); f.length != 0) {
    Reader r = field(f);
    read_address<16>(r, rec.bgp_next_hop);
  }
  if (const Slot& f = at(FieldAction::kSrcPort); f.length != 0) rec.src_port = static_cast<std::uint16_t>(uint_of(f));
  if (const Slot& f = at(FieldAction::kDstPort); f.length != 0) rec.dst_port = static_cast<std::uint16_t>(uint_of(f));
  if (const Slot& f = at(FieldAction::kProtocol); f.length != 0) rec.protocol = static_cast<std::uint8_t>(uint_of(f));
  if (const Slot& f = at(FieldAction::kTos); f.length != 0) rec.tos = static_cast<std::uint8_t>(uint_of(f));
  if (const Slot& f = at(FieldAction::kTcpFlags); f.length != 0) rec.tcp_flags = static_cast<std::uint8_t>(uint_of(f));
  if (const Slot& f = at(FieldAction::kPackets); f.length != 0) rec.packets = uint_of(f);
  if (const Slot& f = at(FieldAction::kBytes); f.length != 0) rec.bytes = uint_of(f);
  if (const Slot& f = at(FieldAction::kInput); f.length != 0)
    rec.input_ifindex = static_cast<std::uint32_t>(uint_of(f));
  if (const Slot& f = at(FieldAction::kOutput); f.length != 0)
    rec.output_ifindex = static_cast<std::uint32_t>(uint_of(f));
  if (const Slot& f = at(FieldAction::kSrcMask); f.length != 0) rec.src_mask = static_cast<std::uint8_t>(uint_of(f));
  if (const Slot& f = at(FieldAction::kDstMask); f.length != 0) rec.dst_mask = static_cast<std::uint8_t>(uint_of(f));
  if (const Slot& f = at(FieldAction::kSrcAs); f.length != 0) rec.src_as = static_cast<std::uint32_t>(uint_of(f));
  if (const Slot& f = at(FieldAction::kDstAs); f.length != 0) rec.dst_as = static_cast<std::uint32_t>(uint_of(f));
  if (const Slot& f = at(FieldAction::kDstPeerAs); f.length != 0)
    rec.dst_peer_as = static_cast<std::uint32_t>(uint_of(f));
  if (const Slot& f = at(FieldAction::kSrcPeerAs); f.length != 0)
    rec.src_peer_as = static_cast<std::uint32_t>(uint_of(f));
  if (const Slot& f = at(FieldAction::kVlan); f.length != 0)
    rec.vlan = static_cast<std::uint16_t>(uint_of(f) & 0x0fffU);
  if (const Slot& f = at(FieldAction::kFlowEndReason); f.length != 0) {
    rec.flow_end_reason = static_cast<std::uint8_t>(uint_of(f));
  }
  if (const Slot& f = at(FieldAction::kDirection); f.length != 0) {
    rec.direction = direction_of(uint_of(f));
  }
  if (const Slot& f = at(FieldAction::kStartUptime); f.length != 0) {
    s.start_uptime = static_cast<std::uint32_t>(uint_of(f));
    s.has_start_uptime = true;
  }
  if (const Slot& f = at(FieldAction::kEndUptime); f.length != 0) {
    s.end_uptime = static_cast<std::uint32_t>(uint_of(f));
    s.has_end_uptime = true;
  }
  if (const Slot& f = at(FieldAction::kStartSeconds); f.length != 0) rec.first_ms = uint_of(f) * 1000;
  if (const Slot& f = at(FieldAction::kEndSeconds); f.length != 0) rec.last_ms = uint_of(f) * 1000;
  if (const Slot& f = at(FieldAction::kStartMs); f.length != 0) rec.first_ms = uint_of(f);
  if (const Slot& f = at(FieldAction::kEndMs); f.length != 0) rec.last_ms = uint_of(f);
  if (const Slot& f = at(FieldAction::kStartNtp); f.length != 0) rec.first_ms = ntp_to_ms(uint_of(f));
  if (const Slot& f = at(FieldAction::kEndNtp); f.length != 0) rec.last_ms = ntp_to_ms(uint_of(f));
  if (const Slot& f = at(FieldAction::kStartDeltaUs); f.length != 0) {
    s.start_delta_us = uint_of(f);
    s.has_start_delta = true;
  }
  if (const Slot& f = at(FieldAction::kEndDeltaUs); f.length != 0) {
    s.end_delta_us = uint_of(f);
    s.has_end_delta = true;
  }
  if (const Slot& f = at(FieldAction::kSystemInitMs); f.length != 0) s.system_init_ms = uint_of(f);
  if (const Slot& f = at(FieldAction::kIcmpTypeCode); f.length != 0) {
    s.typecode = static_cast<std::uint16_t>(uint_of(f));
    s.has_typecode = true;
  }
  if (const Slot& f = at(FieldAction::kIcmpType); f.length != 0) {
    s.icmp_type = static_cast<std::uint8_t>(uint_of(f));
    s.has_icmp_type = true;
  }
  if (const Slot& f = at(FieldAction::kIcmpCode); f.length != 0) s.icmp_code = static_cast<std::uint8_t>(uint_of(f));
  if (const Slot& f = at(FieldAction::kSamplingInterval); f.length != 0) s.interval = uint_of(f);
  if (const Slot& f = at(FieldAction::kSamplerId); f.length != 0) {
    s.sampler_id = uint_of(f);
    s.has_sampler_id = true;
  }
  if (const Slot& f = at(FieldAction::kPacketInterval); f.length != 0) {
    s.packet_interval = uint_of(f);
    s.has_packet_interval = true;
  }
  if (const Slot& f = at(FieldAction::kPacketSpace); f.length != 0) s.packet_space = uint_of(f);
  counters.ipfix_enterprise_fields += t.enterprise_fields;
}

void DecoderState::finish_flow(FlowRecord& rec, const Scratch& s, Context& ctx) const {
  const std::uint64_t init = s.system_init_ms != 0 ? s.system_init_ms : ctx.source->system_init_ms;
  if (s.has_start_uptime) {
    rec.first_ms = ctx.ipfix ? (init != 0 ? init_relative_ms(s.start_uptime, init, ctx.export_ms) : 0)
                             : uptime_to_ms(s.start_uptime, ctx.uptime, ctx.export_ms);
  }
  if (s.has_end_uptime) {
    rec.last_ms = ctx.ipfix ? (init != 0 ? init_relative_ms(s.end_uptime, init, ctx.export_ms) : 0)
                            : uptime_to_ms(s.end_uptime, ctx.uptime, ctx.export_ms);
  }
  if (s.has_start_delta) {
    rec.first_ms = ctx.export_ms - std::min(ctx.export_ms, s.start_delta_us / 1000);
  }
  if (s.has_end_delta) {
    rec.last_ms = ctx.export_ms - std::min(ctx.export_ms, s.end_delta_us / 1000);
  }
  if (rec.protocol == 1 || rec.protocol == 58) {
    if (s.has_typecode) {
      rec.dst_port = s.typecode;
    } else if (s.has_icmp_type) {
      rec.dst_port = static_cast<std::uint16_t>(s.icmp_type << 8U | s.icmp_code);
    }
  }
  std::uint32_t rate = rate_of(s);
  if (s.has_sampler_id) {
    rec.sampler_id = static_cast<std::uint16_t>(s.sampler_id);
    if (rate == 0) {
      auto it = ctx.source->sampler_rates.find(s.sampler_id);
      if (it != ctx.source->sampler_rates.end()) {
        rate = it->second;
      }
    }
  }
  if (rate == 0) {
    rate = ctx.source->default_rate;
  }
  rec.sampling_interval = rate > 1 ? rate : 1;
  rec.export_protocol = ctx.ipfix ? ExportProtocol::kIpfix : ExportProtocol::kNetflowV9;
  rec.exporter = ctx.info->exporter;
  rec.observation_domain = ctx.info->observation_domain;
  rec.sequence = ctx.info->sequence;
}

void DecoderState::apply_options(const Scratch& s, Context& ctx) {
  if (s.system_init_ms != 0) {
    ctx.source->system_init_ms = s.system_init_ms;
  }
  const std::uint32_t rate = rate_of(s);
  if (rate == 0) {
    return;
  }
  ++counters.sampling_updates;
  if (s.has_sampler_id) {
    if (ctx.source->sampler_rates.size() < options.max_templates_per_source ||
        ctx.source->sampler_rates.contains(s.sampler_id)) {
      ctx.source->sampler_rates[s.sampler_id] = rate;
    }
  } else {
    ctx.source->default_rate = rate;
  }
}

// Data set (RFC 3954 section 5.3 / RFC 7011 section 3.4.3): records until fewer bytes than the smallest record
// remain; the rest is padding.
Result<void, ParseError> DecoderState::parse_data_set(Reader& set, std::uint16_t set_id, Context& ctx) {
  auto it = ctx.source->templates.find(set_id);
  if (it != ctx.source->templates.end() && ctx.receive_ms > it->second.announced_ms &&
      ctx.receive_ms - it->second.announced_ms > options.template_expiry_ms) {
    ++counters.templates_expired;
    ctx.source->templates.erase(it);
    it = ctx.source->templates.end();
  }
  if (it == ctx.source->templates.end()) {
    ++(ctx.ipfix ? counters.ipfix_template_missing : counters.v9_template_missing);
    ++ctx.info->skipped_sets;
    return {};
  }
  const Template& t = it->second;
  auto& out = *ctx.out;
  std::uint32_t index = 0;
  while (set.remaining() >= t.min_record_length) {
    const std::size_t record_offset = set.offset();
    Scratch s;
    if (t.options) {
      FlowRecord scratch_record;
      if (!decode_record(set, t, scratch_record, s, ctx)) {
        ++(ctx.ipfix ? counters.ipfix_truncated : counters.v9_record_short);
        return error(ParseErrorCode::kTruncated, record_offset,
                     "options record " + std::to_string(index) + " of set " + std::to_string(set_id));
      }
      ++counters.options_records;
      ++ctx.info->options_record_count;
      apply_options(s, ctx);
    } else {
      if (ctx.info->record_count >= options.max_records_per_datagram) {
        ++counters.record_cap_exceeded;
        return {};
      }
      FlowRecord& rec = out.emplace_back();
      if (t.direct) {
        decode_direct(set.bytes(t.min_record_length), t, rec, s);  // remaining() >= min_record_length: cannot fail
      } else if (!decode_record(set, t, rec, s, ctx)) {
        out.pop_back();
        ++(ctx.ipfix ? counters.ipfix_truncated : counters.v9_record_short);
        return error(ParseErrorCode::kTruncated, record_offset,
                     "record " + std::to_string(index) + " of set " + std::to_string(set_id));
      }
      finish_flow(rec, s, ctx);
      ++ctx.info->record_count;
    }
    ++index;
  }
  Bytes padding = set.bytes(set.remaining());
  if (std::any_of(padding.begin(), padding.end(), [](std::byte b) { return b != std::byte{0}; })) {
    ++(ctx.ipfix ? counters.ipfix_padding_bad : counters.v9_padding_bad);
  }
  return {};
}

namespace {

// sFlow samples straight into FlowRecords.
class RecordVisitor final : public SflowVisitor {
 public:
  RecordVisitor(DecodeCounters& counters, DatagramInfo& info, std::vector<FlowRecord>& out,
                std::vector<SflowCounterSample>* keep, std::uint64_t receive_ms, std::size_t max_records)
      : counters_(counters), info_(info), out_(out), keep_(keep), receive_ms_(receive_ms), max_records_(max_records) {}

  void on_header(const SflowHeaderView& h) override {
    info_.agent = h.agent;
    info_.observation_domain = h.sub_agent_id;
    info_.sequence = h.sequence;
    info_.uptime_ms = h.uptime_ms;
  }
  void on_flow_sample(const SflowFlowSampleView& s) override {
    ++counters_.sflow_flow_samples;
    ++info_.sample_count;
    if (!s.has_header) {
      ++counters_.sflow_header_unparsed;
      return;
    }
    if (info_.record_count >= max_records_) {
      ++counters_.record_cap_exceeded;
      return;
    }
    FlowRecord& rec = out_.emplace_back();
    if (!parse_packet_header(s.header, s.header_protocol, rec)) {
      out_.pop_back();
      ++counters_.sflow_header_unparsed;
      return;
    }
    rec.packets = 1;
    rec.input_ifindex = s.input;
    rec.output_ifindex = s.output;
    rec.first_ms = receive_ms_;
    rec.last_ms = receive_ms_;
    rec.sampling_interval = s.sampling_rate > 1 ? s.sampling_rate : 1;
    if (s.has_switch && rec.vlan == 0) {
      rec.vlan = static_cast<std::uint16_t>(s.switch_data.src_vlan & 0x0fffU);
    }
    if (s.has_router) {
      rec.next_hop = s.router.next_hop;
      rec.src_mask = static_cast<std::uint8_t>(std::min<std::uint32_t>(s.router.src_mask, 128));
      rec.dst_mask = static_cast<std::uint8_t>(std::min<std::uint32_t>(s.router.dst_mask, 128));
    }
    if (s.has_gateway) {
      rec.bgp_next_hop = s.gateway.next_hop;
      rec.src_as = s.gateway.src_as;
      rec.src_peer_as = s.gateway.src_peer_as;
      s.gateway.for_each_as([&](std::uint32_t as) {
        if (rec.as_path_length < kMaxAsPath) {
          rec.as_path[rec.as_path_length++] = as;
        } else if (!rec.as_path_truncated) {
          rec.as_path_truncated = true;
          ++counters_.sflow_as_path_truncated;
        }
        rec.dst_as = as;  // the last AS of the path is the origin
      });
      if (rec.as_path_length > 0) {
        rec.dst_peer_as = rec.as_path[0];
      }
    }
    rec.export_protocol = ExportProtocol::kSflowV5;
    rec.exporter = info_.agent.is_set() ? info_.agent : info_.exporter;
    rec.observation_domain = info_.observation_domain;
    rec.sequence = info_.sequence;
    ++info_.record_count;
  }
  void on_counter_sample(const SflowCounterSample& c) override {
    ++counters_.sflow_counter_samples;
    ++info_.sample_count;
    ++info_.counter_sample_count;
    if (keep_ != nullptr) {
      keep_->push_back(c);
    }
  }
  void on_unknown_sample() override {
    ++counters_.sflow_unknown_samples;
    ++info_.sample_count;
  }
  void on_unknown_record() override { ++counters_.sflow_unknown_records; }

 private:
  DecodeCounters& counters_;
  DatagramInfo& info_;
  std::vector<FlowRecord>& out_;
  std::vector<SflowCounterSample>* keep_;
  std::uint64_t receive_ms_;
  std::size_t max_records_;
};

}  // namespace

Result<DatagramInfo, ParseError> DecoderState::decode_sflow_datagram(Bytes datagram, DatagramInfo& info,
                                                                     std::uint64_t receive_ms,
                                                                     std::vector<FlowRecord>& out) {
  info.protocol = ExportProtocol::kSflowV5;
  info.export_ms = receive_ms;
  sflow_counters.clear();
  RecordVisitor visitor(counters, info, out, options.keep_sflow_counters ? &sflow_counters : nullptr, receive_ms,
                        options.max_records_per_datagram);
  auto status = parse_sflow(datagram, visitor, options.max_sflow_samples);
  counters.records += info.record_count;
  if (!status.ok()) {
    if (status.error().code == ParseErrorCode::kTruncated) {
      ++counters.sflow_truncated;
    } else {
      ++counters.sflow_samples_bad;
    }
    return Failure<ParseError>{status.error()};
  }
  return info;
}

}  // namespace detail

Decoder::Decoder(DecoderOptions options) : state_(std::make_unique<detail::DecoderState>(options)) {}
Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;

Result<DatagramInfo, ParseError> Decoder::decode(std::span<const std::byte> datagram, const IpAddress& exporter,
                                                 std::uint16_t exporter_port, std::uint64_t receive_ms,
                                                 std::vector<FlowRecord>& out) {
  return state_->decode(datagram, exporter, exporter_port, receive_ms, out);
}

const DecodeCounters& Decoder::counters() const { return state_->counters; }
std::span<const SflowCounterSample> Decoder::sflow_counters() const { return state_->sflow_counters; }
std::size_t Decoder::template_count() const {
  std::size_t n = 0;
  for (const auto& [key, source] : state_->sources) {
    n += source.templates.size();
  }
  return n;
}
const DecoderOptions& Decoder::options() const { return state_->options; }

}  // namespace flowlab::wire
