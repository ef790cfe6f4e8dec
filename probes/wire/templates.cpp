// Template sets and options template sets (RFC 3954 sections 5.2, 6.1; RFC 7011 sections 3.4.1, 3.4.2, 8.1): each
// template is compiled once, when it arrives, every field's action taken from the IE table (ie_table.hpp).
#include "probes/wire/decoder_state.hpp"

#include "probes/faults/faults.hpp"

#include <string>

namespace flowlab::wire::detail {

FieldAction action_for(std::uint16_t id, std::uint16_t length, bool& bad_length) {
  const FieldDescriptor* field = find_ie(id);
  if (field == nullptr) {
    return FieldAction::kSkip;
  }
  if (!length_fits(field->type, length)) {
    bad_length = true;
    return FieldAction::kSkip;
  }
  return field->action;
}

namespace {

// Seeded fault `shifted-template` (docs/faults.md): the ingressInterface slot read one byte late, as a decoder that
// mis-sums the field lengths before it would (only where the shifted read stays inside the record).
void shift_ingress_interface(Template& t) {
  Slot& s = t.slots[static_cast<std::size_t>(FieldAction::kInput)];
  if (t.direct && s.length != 0 && s.offset + s.length + 1U <= t.min_record_length) {
    ++s.offset;
  }
}

}  // namespace

Result<void, ParseError> DecoderState::parse_template_set(Reader& set, bool options_set, Context& ctx) {
  // Smallest template record: id + count (v9 options: id + scope length + option length).
  // (an IPFIX withdrawal record is 4 bytes even in an options template set: RFC 7011 section 8.1).
  const std::size_t min_header = (options_set && !ctx.ipfix) ? 6U : 4U;
  while (set.remaining() >= min_header) {
    const std::size_t record_offset = set.offset();
    Template t;
    t.id = set.u16();
    t.options = options_set;
    t.announced_ms = ctx.receive_ms;
    auto header = read_template_header(set, t, record_offset, ctx);
    if (!header.ok()) {
      return Failure<ParseError>{header.error()};
    }
    if (header.value().withdrawal) {
      continue;
    }
    if (auto fields = read_template_fields(set, t, header.value(), record_offset, ctx.ipfix); !fields.ok()) {
      return fields;
    }
    t.compile();
    if (faults::on(faults::Fault::kShiftedTemplate)) {
      shift_ingress_interface(t);
    }
    store_template(std::move(t), ctx);
  }
  return {};
}

// The counts after a template id (v9 options: scope and option lengths in bytes; IPFIX options: field count and
// scope field count). An IPFIX record with no fields is a withdrawal, done here.
Result<DecoderState::TemplateHeader, ParseError> DecoderState::read_template_header(Reader& set, Template& t,
                                                                                    std::size_t record_offset,
                                                                                    Context& ctx) {
  const bool ipfix = ctx.ipfix;
  auto& bad = ipfix ? counters.ipfix_template_bad : counters.v9_template_bad;
  TemplateHeader h;
  if (!ipfix && t.options) {
    const std::uint16_t scope_bytes = set.u16();
    const std::uint16_t option_bytes = set.u16();
    if (scope_bytes % 4 != 0 || option_bytes % 4 != 0 || scope_bytes == 0) {
      ++bad;
      return error(ParseErrorCode::kBadTemplate, record_offset,
                   "v9 options template " + std::to_string(t.id) + " scope/option length");
    }
    h.scope_count = scope_bytes / 4U;
    h.field_count = h.scope_count + option_bytes / 4U;
  } else {
    h.field_count = set.u16();
    if (ipfix && t.options && h.field_count != 0) {
      h.scope_count = set.u16();
      if (!set.ok()) {
        ++truncated_counter(ipfix);
        return error(ParseErrorCode::kTruncated, record_offset, "options template " + std::to_string(t.id));
      }
    }
    if (ipfix && h.field_count == 0) {
      withdraw_templates(t.id, t.options, ctx);
      h.withdrawal = true;
      return h;
    }
    if (ipfix && t.options && (h.scope_count == 0 || h.scope_count > h.field_count)) {
      ++bad;
      return error(ParseErrorCode::kBadTemplate, record_offset,
                   "ipfix options template " + std::to_string(t.id) + " scope count");
    }
  }
  if (t.id < 256 || h.field_count == 0) {
    ++bad;
    return error(ParseErrorCode::kBadTemplate, record_offset,
                 "template id " + std::to_string(t.id) + " with " + std::to_string(h.field_count) + " fields");
  }
  if (h.field_count > options.max_fields_per_template) {
    ++bad;
    return error(ParseErrorCode::kCapExceeded, record_offset,
                 "template " + std::to_string(t.id) + ": " + std::to_string(h.field_count) + " fields");
  }
  return h;
}

// Withdrawal (RFC 7011 section 8.1): id == set id withdraws every template of that kind.
void DecoderState::withdraw_templates(std::uint16_t id, bool options_set, Context& ctx) {
  ++ctx.info->template_count;
  ++counters.ipfix_template_withdrawn;
  auto& templates = ctx.source->templates;
  if (id == (options_set ? 3 : 2)) {
    std::erase_if(templates, [&](const auto& kv) { return kv.second.options == options_set; });
  } else {
    templates.erase(id);
  }
}

// The (type, length[, enterprise]) list of one template record.
Result<void, ParseError> DecoderState::read_template_fields(Reader& set, Template& t, const TemplateHeader& h,
                                                            std::size_t record_offset, bool ipfix) {
  auto& bad = ipfix ? counters.ipfix_template_bad : counters.v9_template_bad;
  t.scope_count = static_cast<std::uint16_t>(h.scope_count);
  t.fields.reserve(h.field_count);
  for (std::size_t i = 0; i < h.field_count; ++i) {
    TemplateField f;
    f.ie = set.u16();
    f.length = set.u16();
    if (ipfix && (f.ie & 0x8000U) != 0) {
      // Enterprise bit: the value is opaque to us; only its length matters.
      f.ie &= 0x7fffU;
      f.enterprise = set.u32();
      f.action = FieldAction::kEnterprise;
    } else if (i < h.scope_count && !ipfix) {
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
  return {};
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

}  // namespace flowlab::wire::detail
