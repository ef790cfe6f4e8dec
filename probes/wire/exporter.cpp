#include "probes/wire/exporter.hpp"

#include "common/bytes.hpp"
#include "probes/wire/ie.hpp"
#include "probes/wire/ie_table.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace flowlab::wire {
namespace {

using detail::FieldDescriptor;
using detail::uptime_of;

struct FieldSpec {
  std::uint16_t ie;
  std::uint16_t length;
};

// Data templates (RFC 3954 section 5.2 / RFC 7011 section 3.4.1). Times: v9 sysUptime (21/22), IPFIX ms (152/153).
constexpr std::array<FieldSpec, 24> kV9Ipv4{{{ie::kSourceIpv4Address, 4},
                                             {ie::kDestinationIpv4Address, 4},
                                             {ie::kSourceTransportPort, 2},
                                             {ie::kDestinationTransportPort, 2},
                                             {ie::kProtocolIdentifier, 1},
                                             {ie::kIpClassOfService, 1},
                                             {ie::kTcpControlBits, 1},
                                             {ie::kPacketDeltaCount, 8},
                                             {ie::kOctetDeltaCount, 8},
                                             {ie::kFlowStartSysUpTime, 4},
                                             {ie::kFlowEndSysUpTime, 4},
                                             {ie::kIngressInterface, 4},
                                             {ie::kEgressInterface, 4},
                                             {ie::kIpNextHopIpv4Address, 4},
                                             {ie::kSourceIpv4PrefixLength, 1},
                                             {ie::kDestinationIpv4PrefixLength, 1},
                                             {ie::kBgpSourceAsNumber, 4},
                                             {ie::kBgpDestinationAsNumber, 4},
                                             {ie::kBgpNextHopIpv4Address, 4},
                                             {ie::kBgpNextAdjacentAsNumber, 4},
                                             {ie::kBgpPrevAdjacentAsNumber, 4},
                                             {ie::kFlowEndReason, 1},
                                             {ie::kVlanId, 2},
                                             {ie::kFlowDirection, 1}}};

constexpr std::array<FieldSpec, 24> make_variant(const std::array<FieldSpec, 24>& base, bool ipv6, bool ipfix) {
  std::array<FieldSpec, 24> out = base;
  for (auto& f : out) {
    if (ipv6) {
      switch (f.ie) {
        case ie::kSourceIpv4Address:
          f = {ie::kSourceIpv6Address, 16};
          break;
        case ie::kDestinationIpv4Address:
          f = {ie::kDestinationIpv6Address, 16};
          break;
        case ie::kIpNextHopIpv4Address:
          f = {ie::kIpNextHopIpv6Address, 16};
          break;
        case ie::kBgpNextHopIpv4Address:
          f = {ie::kBgpNextHopIpv6Address, 16};
          break;
        case ie::kSourceIpv4PrefixLength:
          f = {ie::kSourceIpv6PrefixLength, 1};
          break;
        case ie::kDestinationIpv4PrefixLength:
          f = {ie::kDestinationIpv6PrefixLength, 1};
          break;
        default:
          break;
      }
    }
    if (ipfix) {
      if (f.ie == ie::kFlowStartSysUpTime) {
        f = {ie::kFlowStartMilliseconds, 8};
      } else if (f.ie == ie::kFlowEndSysUpTime) {
        f = {ie::kFlowEndMilliseconds, 8};
      }
    }
  }
  return out;
}

constexpr auto kV9Ipv6 = make_variant(kV9Ipv4, true, false);
constexpr auto kIpfixIpv4 = make_variant(kV9Ipv4, false, true);
constexpr auto kIpfixIpv6 = make_variant(kV9Ipv4, true, true);

// A template field bound to its IE table row (what the exporter writes for it: an address or the row's load).
struct ExportField {
  const FieldDescriptor* field = nullptr;
  std::uint16_t length = 0;
};

template <std::size_t N>
constexpr std::array<ExportField, N> bind_fields(const std::array<FieldSpec, N>& specs) {
  std::array<ExportField, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    out[i] = {detail::find_ie(specs[i].ie), specs[i].length};
  }
  return out;
}

// Every field is in the IE table, with a length the table allows, and the exporter can take it from a record.
// (By action and `exportable`, not by comparing row or function pointers with nullptr: ie_table.hpp.)
template <std::size_t N>
constexpr bool exportable(const std::array<FieldSpec, N>& specs) {
  return std::all_of(specs.begin(), specs.end(), [](const FieldSpec& spec) {
    const FieldDescriptor& row = detail::field_of(detail::action_of_ie(spec.ie));
    return row.action != detail::FieldAction::kSkip && detail::length_fits(row.type, spec.length) && row.exportable;
  });
}
static_assert(exportable(kV9Ipv4) && exportable(kV9Ipv6) && exportable(kIpfixIpv4) && exportable(kIpfixIpv6));

constexpr auto kV9Ipv4Fields = bind_fields(kV9Ipv4);
constexpr auto kV9Ipv6Fields = bind_fields(kV9Ipv6);
constexpr auto kIpfixIpv4Fields = bind_fields(kIpfixIpv4);
constexpr auto kIpfixIpv6Fields = bind_fields(kIpfixIpv6);

// The sampling options template's fields after its scope field (kDomain: v9 system / IPFIX observation domain;
// keyed styles: IPFIX selectorId 302 as scope, v9 system scope + SAMPLER_ID 48 first). Values per sampler: the
// interval, the algorithm (deterministic or random), 1 packet selected per interval - 1 skipped.
constexpr std::array<FieldSpec, 4> kSamplingOptions{{{ie::kSamplingInterval, 4},
                                                     {ie::kSamplingAlgorithm, 1},
                                                     {ie::kSamplingPacketInterval, 4},
                                                     {ie::kSamplingPacketSpace, 4}}};
constexpr std::uint16_t kSamplerIdLength = 2;

// The options record's value of one field for a sampler (domain: the v9 system / IPFIX domain scope value).
std::uint64_t sampler_value(std::uint16_t ie, const SamplerSpec& sampler, std::uint32_t domain,
                            SamplingAlgorithm algorithm) {
  switch (ie) {
    case ie::kSamplerId:
    case ie::kSelectorId:
      return sampler.id;
    case ie::kSamplingInterval:
      return sampler.interval;
    case ie::kSamplingAlgorithm:
      return static_cast<std::uint8_t>(algorithm);
    case ie::kSamplingPacketInterval:
      return 1;
    case ie::kSamplingPacketSpace:
      return sampler.interval - 1;
    default:
      return domain;
  }
}

constexpr std::size_t record_length(std::span<const FieldSpec> fields) {
  std::size_t n = 0;
  for (const auto& f : fields) {
    n += f.length;
  }
  return n;
}

constexpr std::uint16_t kV9TemplateFlowset = 0;
constexpr std::uint16_t kV9OptionsTemplateFlowset = 1;
constexpr std::uint16_t kIpfixTemplateSet = 2;
constexpr std::uint16_t kIpfixOptionsTemplateSet = 3;
constexpr std::size_t kV5HeaderBytes = 24;
constexpr std::size_t kV5RecordBytes = 48;
constexpr std::size_t kV5MaxRecords = 30;
constexpr std::size_t kV9HeaderBytes = 20;
constexpr std::size_t kIpfixHeaderBytes = 16;
constexpr std::uint16_t kAsTrans = 23456;  // RFC 6793: 4-byte ASNs in 2-byte fields

void write_address(Writer& w, const IpAddress& a, std::size_t length) {
  // An unset address is written as zeros of the template's width; a v4 address in a v6 slot never happens
  // (records are split by family), so only the width matters.
  for (std::size_t i = 0; i < length; ++i) {
    w.u8(a.size() == length ? a.bytes[i] : std::uint8_t{0});
  }
}

std::uint16_t as16(std::uint32_t as) { return as > 0xffff ? kAsTrans : static_cast<std::uint16_t>(as); }

// One data record: each template field as its IE table row says.
void write_record(Writer& w, const FlowRecord& r, std::span<const ExportField> fields, std::uint64_t boot_ms) {
  for (const ExportField& f : fields) {
    if (f.field->address != nullptr) {
      write_address(w, r.*(f.field->address), f.length);
    } else {
      w.uint(f.field->load(r, boot_ms), f.length);
    }
  }
}

void write_specs(Writer& w, std::span<const FieldSpec> fields) {
  for (const auto& f : fields) {
    w.u16(f.ie);
    w.u16(f.length);
  }
}

void pad_to_4(Writer& w, std::size_t set_start) {
  while ((w.size() - set_start) % 4 != 0) {
    w.u8(0);
  }
}

// Closes a set opened at set_start: v9 pads flowsets to 4 bytes (IPFIX sets are not padded), then the length.
void close_set(Writer& w, std::size_t set_start, bool ipfix) {
  if (!ipfix) {
    pad_to_4(w, set_start);
  }
  w.patch_u16(set_start + 2, static_cast<std::uint16_t>(w.size() - set_start));
}

std::size_t open_set(Writer& w, std::uint16_t id) {
  const std::size_t set_start = w.size();
  w.u16(id);
  w.u16(0);  // length, patched by close_set
  return set_start;
}

struct DataTemplates {
  std::span<const FieldSpec> v4_specs;
  std::span<const FieldSpec> v6_specs;
  std::span<const ExportField> v4;
  std::span<const ExportField> v6;
};

DataTemplates data_templates(bool ipfix) {
  if (ipfix) {
    return {kIpfixIpv4, kIpfixIpv6, kIpfixIpv4Fields, kIpfixIpv6Fields};
  }
  return {kV9Ipv4, kV9Ipv6, kV9Ipv4Fields, kV9Ipv6Fields};
}

bool is_v6(const FlowRecord& r) { return r.src_addr.is_v6() || r.dst_addr.is_v6(); }
bool has_address(const FlowRecord& r) { return r.src_addr.is_set() || r.dst_addr.is_set(); }

}  // namespace

Exporter::Exporter(ExportOptions options) : options_(std::move(options)) {
  options_.max_datagram_bytes = std::max<std::size_t>(options_.max_datagram_bytes, 512);
  options_.max_datagram_bytes = std::min<std::size_t>(options_.max_datagram_bytes, 65507);
  if (options_.sampling_interval == 0) {
    options_.sampling_interval = 1;
  }
  for (auto& sampler : options_.samplers) {
    sampler.interval = std::max<std::uint32_t>(sampler.interval, 1);
  }
}

std::vector<SamplerSpec> Exporter::announced_samplers() const {
  if (options_.samplers.empty()) {
    return {SamplerSpec{1, options_.sampling_interval}};
  }
  return options_.samplers;
}

Exporter::TailField Exporter::tail_field(bool ipfix) const {
  switch (options_.sampler_announce) {
    case SamplerAnnounce::kIpfix305:
    case SamplerAnnounce::kV9Sampler:
      return {ipfix ? ie::kSelectorId : ie::kSamplerId, kSamplerIdLength};
    case SamplerAnnounce::kInRecord:
      return {ie::kSamplingInterval, 4};
    case SamplerAnnounce::kDomain:
    case SamplerAnnounce::kNone:
      break;
  }
  return {};
}

std::uint64_t Exporter::tail_value(const FlowRecord& r) const {
  if (options_.sampler_announce == SamplerAnnounce::kInRecord) {
    return r.sampling_interval;
  }
  if (r.sampler_id != 0) {
    return r.sampler_id;
  }
  return options_.samplers.empty() ? SamplerSpec{}.id : options_.samplers.front().id;
}

std::vector<std::vector<std::byte>> Exporter::encode(std::span<const FlowRecord> records, std::uint64_t now_ms) {
  if (options_.protocol == ExportProtocol::kNetflowV5) {
    return encode_v5(records, now_ms);
  }
  if (options_.protocol == ExportProtocol::kNetflowV9 || options_.protocol == ExportProtocol::kIpfix) {
    return encode_template_based(records, now_ms);
  }
  return {};
}

bool Exporter::templates_due(std::uint64_t now_ms) const {
  if (!templates_sent_ || force_templates_) {
    return true;
  }
  if (options_.template_refresh_packets != 0 && datagrams_since_templates_ >= options_.template_refresh_packets) {
    return true;
  }
  return options_.template_refresh_ms != 0 && now_ms >= last_templates_ms_ + options_.template_refresh_ms;
}

// NetFlow v5 (Cisco): 24-byte header, up to 30 fixed 48-byte records, IPv4 only.
std::vector<std::vector<std::byte>> Exporter::encode_v5(std::span<const FlowRecord> records, std::uint64_t now_ms) {
  std::vector<std::vector<std::byte>> out;
  const std::size_t per_datagram =
      std::min(kV5MaxRecords, (options_.max_datagram_bytes - kV5HeaderBytes) / kV5RecordBytes);
  const std::uint32_t sysuptime = uptime_of(now_ms, options_.boot_time_ms);
  const std::uint32_t interval = std::min<std::uint32_t>(options_.sampling_interval, 0x3fff);
  const std::uint32_t mode = static_cast<std::uint32_t>(options_.sampling_algorithm) << 14;  // 01 / 10
  const auto sampling = static_cast<std::uint16_t>(interval > 1 ? (mode | interval) : 0U);
  std::size_t i = 0;
  while (i < records.size()) {
    Writer w(kV5HeaderBytes + per_datagram * kV5RecordBytes);
    w.u16(5);
    w.u16(0);  // count, patched below
    w.u32(sysuptime);
    w.u32(static_cast<std::uint32_t>(now_ms / 1000));
    w.u32(static_cast<std::uint32_t>((now_ms % 1000) * 1000000));
    w.u32(sequence_);
    w.u8(static_cast<std::uint8_t>((options_.observation_domain >> 8U) & 0xffU));  // engine_type
    w.u8(static_cast<std::uint8_t>(options_.observation_domain & 0xffU));          // engine_id
    w.u16(sampling);
    std::uint16_t count = 0;
    for (; i < records.size() && count < per_datagram; ++i) {
      const FlowRecord& r = records[i];
      if (!r.src_addr.is_v4() || !r.dst_addr.is_v4()) {
        ++(r.src_addr.is_v6() || r.dst_addr.is_v6() ? counters_.v5_ipv6_skipped : counters_.unencodable);
        continue;
      }
      write_address(w, r.src_addr, 4);
      write_address(w, r.dst_addr, 4);
      write_address(w, r.next_hop, 4);
      w.u16(static_cast<std::uint16_t>(std::min<std::uint32_t>(r.input_ifindex, 0xffff)));
      w.u16(static_cast<std::uint16_t>(std::min<std::uint32_t>(r.output_ifindex, 0xffff)));
      w.u32(static_cast<std::uint32_t>(std::min<std::uint64_t>(r.packets, 0xffffffffULL)));
      w.u32(static_cast<std::uint32_t>(std::min<std::uint64_t>(r.bytes, 0xffffffffULL)));
      w.u32(uptime_of(r.first_ms, options_.boot_time_ms));
      w.u32(uptime_of(r.last_ms, options_.boot_time_ms));
      w.u16(r.src_port);
      w.u16(r.dst_port);
      w.u8(0);  // pad1
      w.u8(r.tcp_flags);
      w.u8(r.protocol);
      w.u8(r.tos);
      w.u16(as16(r.src_as));
      w.u16(as16(r.dst_as));
      w.u8(r.src_mask);
      w.u8(r.dst_mask);
      w.u16(0);  // pad2
      ++count;
    }
    if (count == 0) {
      break;
    }
    w.patch_u16(2, count);
    sequence_ += count;
    counters_.records += count;
    ++counters_.datagrams;
    out.push_back(w.take());
  }
  return out;
}

// NetFlow v9 (RFC 3954) and IPFIX (RFC 7011): header, templates when due, then data sets split by family.
std::vector<std::vector<std::byte>> Exporter::encode_template_based(std::span<const FlowRecord> records,
                                                                    std::uint64_t now_ms) {
  const bool ipfix = options_.protocol == ExportProtocol::kIpfix;
  const std::size_t header_bytes = ipfix ? kIpfixHeaderBytes : kV9HeaderBytes;
  std::vector<std::vector<std::byte>> out;
  std::size_t i = 0;
  bool first = true;
  while (first || i < records.size()) {
    first = false;
    const bool with_templates = templates_due(now_ms);
    if (!with_templates && i >= records.size()) {
      break;
    }
    Writer w(options_.max_datagram_bytes);
    MessageCounts n;
    write_message_header(w, ipfix, now_ms);
    if (with_templates) {
      write_templates(w, ipfix, now_ms, n);
    }
    write_data_sets(w, ipfix, records, i, n);
    if (w.size() == header_bytes) {
      break;
    }
    finish_message(w, ipfix, n);
    out.push_back(w.take());
  }
  return out;
}

// The message header; the IPFIX length / v9 count are patched by finish_message.
void Exporter::write_message_header(Writer& w, bool ipfix, std::uint64_t now_ms) const {
  if (ipfix) {
    w.u16(10);
    w.u16(0);  // length, patched
    w.u32(static_cast<std::uint32_t>(now_ms / 1000));
    w.u32(sequence_);
    w.u32(options_.observation_domain);
    return;
  }
  w.u16(9);
  w.u16(0);  // count, patched
  // The header's sysUptime is taken at unix_secs (whole seconds, RFC 3954 has no sub-second field), so a
  // collector's unix_secs - (sysUptime - switched) gives the switched times back to the millisecond.
  w.u32(uptime_of(now_ms / 1000 * 1000, options_.boot_time_ms));
  w.u32(static_cast<std::uint32_t>(now_ms / 1000));
  w.u32(sequence_);
  w.u32(options_.observation_domain);
}

// The template set with both data templates; when sampled, the sampling options template and its record.
void Exporter::write_templates(Writer& w, bool ipfix, std::uint64_t now_ms, MessageCounts& n) {
  const DataTemplates templates = data_templates(ipfix);
  const std::size_t set_start = open_set(w, ipfix ? kIpfixTemplateSet : kV9TemplateFlowset);
  const TailField tail = tail_field(ipfix);
  for (int t = 0; t < 2; ++t) {
    const auto fields = t == 0 ? templates.v4_specs : templates.v6_specs;
    w.u16(t == 0 ? kExportTemplateIpv4 : kExportTemplateIpv6);
    w.u16(static_cast<std::uint16_t>(fields.size() + (tail.ie != 0 ? 1U : 0U)));
    write_specs(w, fields);
    if (tail.ie != 0) {
      write_specs(w, std::array<FieldSpec, 1>{{{tail.ie, tail.length}}});
    }
    ++n.v9_count;
  }
  close_set(w, set_start, ipfix);
  const SamplerAnnounce announce = options_.sampler_announce;
  if ((announce == SamplerAnnounce::kDomain && options_.sampling_interval > 1) ||
      announce == SamplerAnnounce::kIpfix305 || announce == SamplerAnnounce::kV9Sampler) {
    write_sampling_options(w, ipfix, n);
  }
  templates_sent_ = true;
  force_templates_ = false;
  datagrams_since_templates_ = 0;
  last_templates_ms_ = now_ms;
  ++counters_.template_sends;
}

// Options template and its records: kDomain one record scoped to the system / domain; the keyed styles one
// record per sampler, keyed by its id (IPFIX: the scope field selectorId 302; v9: SAMPLER_ID 48 after the system
// scope, as v9 scope types are not IEs).
void Exporter::write_sampling_options(Writer& w, bool ipfix, MessageCounts& n) const {
  const SamplerAnnounce announce = options_.sampler_announce;
  const bool keyed = announce != SamplerAnnounce::kDomain;
  const FieldSpec scope = !ipfix  ? FieldSpec{ie::kV9ScopeSystem, 4}
                          : keyed ? FieldSpec{ie::kSelectorId, kSamplerIdLength}
                                  : FieldSpec{ie::kObservationDomainId, 4};
  std::vector<FieldSpec> fields;
  if (keyed && !ipfix) {
    fields.push_back({ie::kSamplerId, kSamplerIdLength});
  }
  const bool classic = announce != SamplerAnnounce::kIpfix305;  // 34 / 35
  const bool modern = announce != SamplerAnnounce::kV9Sampler;  // 305 / 306
  for (const FieldSpec& f : kSamplingOptions) {
    const bool pair_305 = f.ie == ie::kSamplingPacketInterval || f.ie == ie::kSamplingPacketSpace;
    if (pair_305 ? modern : classic) {
      fields.push_back(f);
    }
  }
  std::size_t set_start = open_set(w, ipfix ? kIpfixOptionsTemplateSet : kV9OptionsTemplateFlowset);
  w.u16(kExportTemplateSampling);
  if (ipfix) {
    w.u16(static_cast<std::uint16_t>(1 + fields.size()));  // field count
    w.u16(1);                                              // scope field count
  } else {
    w.u16(4);                                              // option scope length (bytes)
    w.u16(static_cast<std::uint16_t>(4 * fields.size()));  // option length (bytes)
  }
  write_specs(w, std::array<FieldSpec, 1>{scope});
  write_specs(w, fields);
  close_set(w, set_start, ipfix);
  ++n.v9_count;
  set_start = open_set(w, kExportTemplateSampling);
  const std::vector<SamplerSpec> samplers =
      keyed ? announced_samplers() : std::vector<SamplerSpec>{SamplerSpec{0, options_.sampling_interval}};
  for (const SamplerSpec& sampler : samplers) {
    w.uint(ipfix && keyed ? sampler.id : options_.observation_domain, scope.length);
    for (const FieldSpec& f : fields) {
      w.uint(sampler_value(f.ie, sampler, options_.observation_domain, options_.sampling_algorithm), f.length);
    }
    ++n.v9_count;
    ++n.data_records;
  }
  close_set(w, set_start, ipfix);
}

void Exporter::write_data_sets(Writer& w, bool ipfix, std::span<const FlowRecord> records, std::size_t& i,
                               MessageCounts& n) {
  const DataTemplates templates = data_templates(ipfix);
  const std::size_t max = options_.max_datagram_bytes;
  while (i < records.size()) {
    if (!has_address(records[i])) {
      ++counters_.unencodable;
      ++i;
      continue;
    }
    const bool v6 = is_v6(records[i]);
    const auto fields = v6 ? templates.v6 : templates.v4;
    const TailField tail = tail_field(ipfix);
    const std::size_t length = record_length(v6 ? templates.v6_specs : templates.v4_specs) + tail.length;
    if (w.size() + 4 + length + 3 > max) {
      break;  // datagram full
    }
    const std::size_t set_start = open_set(w, v6 ? kExportTemplateIpv6 : kExportTemplateIpv4);
    while (i < records.size() && w.size() + length + 3 <= max) {
      const FlowRecord& r = records[i];
      if (!has_address(r)) {
        ++counters_.unencodable;
        ++i;
        continue;
      }
      if (is_v6(r) != v6) {
        break;
      }
      write_record(w, r, fields, options_.boot_time_ms);
      if (tail.ie != 0) {
        w.uint(tail_value(r), tail.length);
      }
      ++n.v9_count;
      ++n.data_records;
      ++counters_.records;
      ++i;
    }
    close_set(w, set_start, ipfix);
  }
}

void Exporter::finish_message(Writer& w, bool ipfix, const MessageCounts& n) {
  if (ipfix) {
    w.patch_u16(2, static_cast<std::uint16_t>(w.size()));
    sequence_ += n.data_records;
  } else {
    w.patch_u16(2, n.v9_count);
    ++sequence_;
  }
  ++datagrams_since_templates_;
  ++counters_.datagrams;
}

}  // namespace flowlab::wire
