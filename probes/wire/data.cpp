// Data sets (RFC 3954 section 5.3 / RFC 7011 section 3.4.3): flow records and options data through a compiled
// template. Both record walks take what to do with each field from the IE table (ie_table.hpp).
#include "probes/wire/decoder_state.hpp"

#include <string>
#include <utility>

namespace flowlab::wire::detail {
namespace {

std::uint32_t rate_of(const Scratch& s) {
  if (s.has_packet_interval && s.packet_interval > 0) {
    const std::uint64_t rate = (s.packet_interval + s.packet_space + s.packet_interval / 2) / s.packet_interval;
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(rate, 0xffffffffULL));
  }
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(s.interval, 0xffffffffULL));
}

// One field of `length` bytes, as its table row says (addresses in place, values through the row's store).
[[gnu::always_inline]] inline void decode_field(const FieldDescriptor& d, Reader& r, std::size_t length,
                                                FlowRecord& rec, Scratch& s) {
  switch (d.type) {
    case IeType::kIpv4:
      read_address<4>(r, rec.*d.address);
      return;
    case IeType::kIpv6:
      read_address<16>(r, rec.*d.address);
      return;
    case IeType::kUnsigned:
    case IeType::kNtp:
      d.store(read_uint(r, length), rec, s);
      return;
    case IeType::kNone:
      r.skip(length);
      return;
  }
}

// The direct path's step for one action: the table row is a constant here, so each step compiles to a test of
// the slot and the row's store inlined. The record's length was checked once and the template's lengths fit their
// types (action_for), so the value is loaded without a check: a copy for an address, a load and a byte swap for
// the common widths of a number.
template <std::size_t I>
[[gnu::always_inline]] inline void decode_slot(Bytes record, const Slot& slot, FlowRecord& rec, Scratch& s) {
  constexpr const FieldDescriptor& d = kFields[I];
  if constexpr (d.type != IeType::kNone) {
    if (slot.length != 0) {
      const Bytes value = record.subspan(slot.offset, slot.length);
      if constexpr (d.type == IeType::kIpv4) {
        store_address<4>(value, rec.*d.address);
      } else if constexpr (d.type == IeType::kIpv6) {
        store_address<16>(value, rec.*d.address);
      } else {
        d.store(load_be(value, slot.length), rec, s);
      }
    }
  }
}

template <std::size_t... I>
[[gnu::always_inline]] inline void decode_slots(Bytes record, const Template& t, FlowRecord& rec, Scratch& s,
                                                std::index_sequence<I...> /*actions*/) {
  (decode_slot<I>(record, t.slots[I], rec, s), ...);
}

// The record's rate: its own (34/50, 305+306), else the options data of its sampler id (48/302), else the
// domain's options data without a sampler id; none of them: interval 1, source kNone. Options data applies to the
// records decoded after it, so a rate that changes mid-run changes for the records that follow.
void set_sampling(FlowRecord& rec, const Scratch& s, const SourceState& source) {
  std::uint32_t rate = rate_of(s);
  SamplingSource from = SamplingSource::kRecord;
  if (s.has_sampler_id) {
    rec.sampler_id = static_cast<std::uint16_t>(s.sampler_id);
    if (auto it = source.sampler_rates.find(s.sampler_id); rate == 0 && it != source.sampler_rates.end()) {
      rate = it->second;
      from = SamplingSource::kOptions;
    }
  }
  if (rate == 0 && source.default_rate != 0) {
    rate = source.default_rate;
    from = SamplingSource::kOptions;
  }
  rec.sampling_interval = rate > 1 ? rate : 1;
  rec.sampling_source = rate != 0 ? from : SamplingSource::kNone;
}

}  // namespace

// A template that is announced and has not expired, or nullptr (the set is skipped and counted).
const Template* DecoderState::live_template(std::uint16_t set_id, Context& ctx) {
  auto& templates = ctx.source->templates;
  auto it = templates.find(set_id);
  if (it != templates.end() && ctx.receive_ms > it->second.announced_ms &&
      ctx.receive_ms - it->second.announced_ms > options.template_expiry_ms) {
    ++counters.templates_expired;
    templates.erase(it);
    it = templates.end();
  }
  if (it == templates.end()) {
    ++(ctx.ipfix ? counters.ipfix_template_missing : counters.v9_template_missing);
    ++ctx.info->skipped_sets;
    return nullptr;
  }
  return &it->second;
}

// Records until fewer bytes than the smallest record remain; the rest is padding.
Result<void, ParseError> DecoderState::parse_data_set(Reader& set, std::uint16_t set_id, Context& ctx) {
  const Template* found = live_template(set_id, ctx);
  if (found == nullptr) {
    return {};
  }
  const Template& t = *found;
  auto& out = *ctx.out;
  auto& short_counter = ctx.ipfix ? counters.ipfix_truncated : counters.v9_record_short;
  std::uint32_t index = 0;
  for (; set.remaining() >= t.min_record_length; ++index) {
    const std::size_t record_offset = set.offset();
    Scratch s;
    if (t.options) {
      FlowRecord scratch_record;
      if (!decode_record(set, t, scratch_record, s)) {
        ++short_counter;
        return error(ParseErrorCode::kTruncated, record_offset,
                     "options record " + std::to_string(index) + " of set " + std::to_string(set_id));
      }
      ++counters.options_records;
      ++ctx.info->options_record_count;
      apply_options(s, ctx);
      continue;
    }
    if (ctx.info->record_count >= options.max_records_per_datagram) {
      ++counters.record_cap_exceeded;
      return {};
    }
    FlowRecord& rec = out.emplace_back();
    if (t.direct) {
      decode_direct(set.bytes(t.min_record_length), t, rec, s);  // remaining() >= min_record_length: cannot fail
    } else if (!decode_record(set, t, rec, s)) {
      out.pop_back();
      ++short_counter;
      return error(ParseErrorCode::kTruncated, record_offset,
                   "record " + std::to_string(index) + " of set " + std::to_string(set_id));
    }
    finish_flow(rec, s, ctx);
    ++ctx.info->record_count;
  }
  if (!all_zero(set.bytes(set.remaining()))) {
    ++(ctx.ipfix ? counters.ipfix_padding_bad : counters.v9_padding_bad);
  }
  return {};
}

// One data record through a compiled template, field by field. Returns false when the record runs past its set.
bool DecoderState::decode_record(Reader& r, const Template& t, FlowRecord& rec, Scratch& s) {
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
    if (f.action == FieldAction::kEnterprise) {
      ++counters.ipfix_enterprise_fields;
    }
    decode_field(field_of(f.action), r, length, rec, s);
  }
  return r.ok();
}

// The direct path for fixed-length templates: one bounds check for the record, then every present slot in the
// table's fixed order (branches that predict perfectly for a steady template) instead of a dispatch per field.
void DecoderState::decode_direct(Bytes record, const Template& t, FlowRecord& rec, Scratch& s) {
  decode_slots(record, t, rec, s, std::make_index_sequence<kFieldActionCount>{});
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
  set_sampling(rec, s, *ctx.source);
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

}  // namespace flowlab::wire::detail
