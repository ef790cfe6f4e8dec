// NetFlow v9 (RFC 3954 section 5) and IPFIX (RFC 7011 section 3): the message header, then sets until the end.
#include "probes/wire/decoder_state.hpp"

#include <string>

namespace flowlab::wire::detail {

// IPFIX message header (RFC 7011 section 3.1). Returns a Reader over the sets (the message length, not the
// datagram's).
Result<Reader, ParseError> DecoderState::read_ipfix_header(Bytes datagram, DatagramInfo& info) {
  Reader r(datagram);
  r.u16();
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
  return r;
}

// NetFlow v9 packet header (RFC 3954 section 5.1). Returns a Reader over the flowsets.
Result<Reader, ParseError> DecoderState::read_v9_header(Bytes datagram, DatagramInfo& info) {
  Reader r(datagram);
  r.u16();
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
  return r;
}

Result<DatagramInfo, ParseError> DecoderState::decode_template_based(Bytes datagram, bool ipfix, DatagramInfo& info,
                                                                     std::uint64_t receive_ms,
                                                                     std::vector<FlowRecord>& out) {
  auto sets = ipfix ? read_ipfix_header(datagram, info) : read_v9_header(datagram, info);
  if (!sets.ok()) {
    return Failure<ParseError>{sets.error()};
  }
  Reader& r = sets.value();
  Context ctx;
  ctx.ipfix = ipfix;
  ctx.info = &info;
  ctx.out = &out;
  ctx.receive_ms = receive_ms;
  ctx.export_ms = info.export_ms;
  ctx.uptime = info.uptime_ms;
  const SourceKey key{info.exporter, options.template_key_includes_port ? info.exporter_port : std::uint16_t{0},
                      static_cast<std::uint8_t>(ipfix ? 10 : 9), info.observation_domain};
  ctx.source = source_for(key);
  if (ctx.source == nullptr) {
    return error(ParseErrorCode::kCapExceeded, 0, "template cache: too many exporters / domains");
  }
  if (auto status = read_sets(r, ctx); !status.ok()) {
    return Failure<ParseError>{status.error()};
  }
  check_trailer(r, ctx);
  counters.records += info.record_count;
  return info;
}

// Every set of the message: template / options template sets, data sets (id >= 256), reserved ids skipped.
Result<void, ParseError> DecoderState::read_sets(Reader& r, Context& ctx) {
  const bool ipfix = ctx.ipfix;
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
      ++ctx.info->skipped_sets;
    }
    if (!status.ok()) {
      return status;
    }
  }
  return {};
}

// After the last set: v9's header count against what was seen, and what is left of the datagram.
void DecoderState::check_trailer(Reader& r, const Context& ctx) {
  const DatagramInfo& info = *ctx.info;
  if (!ctx.ipfix && info.skipped_sets == 0 &&
      info.header_count != info.template_count + info.options_record_count + info.record_count) {
    ++counters.v9_count_mismatch;
  }
  if (r.remaining() == 0) {
    return;
  }
  if (ctx.ipfix) {
    ++counters.ipfix_length_bad;
  } else if (!all_zero(r.bytes(r.remaining()))) {
    // A few bytes after the last flowset are tolerated (some exporters pad the datagram), if they are zeros.
    ++counters.v9_padding_bad;
  }
}

}  // namespace flowlab::wire::detail
