#include "probes/wire/exporter.hpp"

#include "common/bytes.hpp"
#include "probes/wire/ie.hpp"

#include <algorithm>
#include <array>

namespace flowlab::wire {
namespace {

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

std::uint32_t uptime_of(std::uint64_t ms, std::uint64_t boot_ms) {
  return static_cast<std::uint32_t>((ms >= boot_ms ? ms - boot_ms : 0) & 0xffffffffULL);
}

void write_address(Writer& w, const IpAddress& a, std::size_t length) {
  // An unset address is written as zeros of the template's width; a v4 address in a v6 slot never happens
  // (records are split by family), so only the width matters.
  for (std::size_t i = 0; i < length; ++i) {
    w.u8(a.size() == length ? a.bytes[i] : std::uint8_t{0});
  }
}

std::uint16_t as16(std::uint32_t as) { return as > 0xffff ? kAsTrans : static_cast<std::uint16_t>(as); }

struct TemplateWriter {
  bool ipfix;
  std::uint64_t boot_ms;

  void record(Writer& w, const FlowRecord& r, std::span<const FieldSpec> fields) const {
    for (const auto& f : fields) {
      switch (f.ie) {
        case ie::kSourceIpv4Address:
        case ie::kSourceIpv6Address:
          write_address(w, r.src_addr, f.length);
          break;
        case ie::kDestinationIpv4Address:
        case ie::kDestinationIpv6Address:
          write_address(w, r.dst_addr, f.length);
          break;
        case ie::kIpNextHopIpv4Address:
        case ie::kIpNextHopIpv6Address:
          write_address(w, r.next_hop, f.length);
          break;
        case ie::kBgpNextHopIpv4Address:
        case ie::kBgpNextHopIpv6Address:
          write_address(w, r.bgp_next_hop, f.length);
          break;
        case ie::kSourceTransportPort:
          w.u16(r.src_port);
          break;
        case ie::kDestinationTransportPort:
          w.u16(r.dst_port);
          break;
        case ie::kProtocolIdentifier:
          w.u8(r.protocol);
          break;
        case ie::kIpClassOfService:
          w.u8(r.tos);
          break;
        case ie::kTcpControlBits:
          w.u8(r.tcp_flags);
          break;
        case ie::kPacketDeltaCount:
          w.u64(r.packets);
          break;
        case ie::kOctetDeltaCount:
          w.u64(r.bytes);
          break;
        case ie::kFlowStartSysUpTime:
          w.u32(uptime_of(r.first_ms, boot_ms));
          break;
        case ie::kFlowEndSysUpTime:
          w.u32(uptime_of(r.last_ms, boot_ms));
          break;
        case ie::kFlowStartMilliseconds:
          w.u64(r.first_ms);
          break;
        case ie::kFlowEndMilliseconds:
          w.u64(r.last_ms);
          break;
        case ie::kIngressInterface:
          w.u32(r.input_ifindex);
          break;
        case ie::kEgressInterface:
          w.u32(r.output_ifindex);
          break;
        case ie::kSourceIpv4PrefixLength:
        case ie::kSourceIpv6PrefixLength:
          w.u8(r.src_mask);
          break;
        case ie::kDestinationIpv4PrefixLength:
        case ie::kDestinationIpv6PrefixLength:
          w.u8(r.dst_mask);
          break;
        case ie::kBgpSourceAsNumber:
          w.u32(r.src_as);
          break;
        case ie::kBgpDestinationAsNumber:
          w.u32(r.dst_as);
          break;
        case ie::kBgpNextAdjacentAsNumber:
          w.u32(r.dst_peer_as);
          break;
        case ie::kBgpPrevAdjacentAsNumber:
          w.u32(r.src_peer_as);
          break;
        case ie::kFlowEndReason:
          w.u8(r.flow_end_reason);
          break;
        case ie::kVlanId:
          w.u16(r.vlan);
          break;
        case ie::kFlowDirection:
          // Unknown (a record relayed from v5 / sFlow) goes out as ingress: the IE has no "unknown" value.
          w.u8(r.direction == FlowDirection::kEgress ? 1U : 0U);
          break;
        default:
          w.zeros(f.length);
          break;
      }
    }
  }
};

void pad_to_4(Writer& w, std::size_t set_start) {
  while ((w.size() - set_start) % 4 != 0) {
    w.u8(0);
  }
}

}  // namespace

Exporter::Exporter(ExportOptions options) : options_(options) {
  options_.max_datagram_bytes = std::max<std::size_t>(options_.max_datagram_bytes, 512);
  options_.max_datagram_bytes = std::min<std::size_t>(options_.max_datagram_bytes, 65507);
  if (options_.sampling_interval == 0) {
    options_.sampling_interval = 1;
  }
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
  const auto sampling = static_cast<std::uint16_t>(interval > 1 ? (0x4000U | interval) : 0U);
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
  const std::span<const FieldSpec> v4_fields = ipfix ? std::span<const FieldSpec>(kIpfixIpv4) : kV9Ipv4;
  const std::span<const FieldSpec> v6_fields = ipfix ? std::span<const FieldSpec>(kIpfixIpv6) : kV9Ipv6;
  const std::size_t v4_length = record_length(v4_fields);
  const std::size_t v6_length = record_length(v6_fields);
  const std::size_t max = options_.max_datagram_bytes;
  const std::size_t header_bytes = ipfix ? kIpfixHeaderBytes : kV9HeaderBytes;
  const TemplateWriter tw{ipfix, options_.boot_time_ms};
  const bool sampled = options_.sampling_interval > 1;

  std::vector<std::vector<std::byte>> out;
  std::size_t i = 0;
  bool first = true;
  while (first || i < records.size()) {
    first = false;
    const bool with_templates = templates_due(now_ms);
    if (!with_templates && i >= records.size()) {
      break;
    }
    Writer w(max);
    std::uint16_t v9_count = 0;      // v9 header count: every template, options and data record
    std::uint32_t data_records = 0;  // IPFIX sequence advance: data + options data records
    if (ipfix) {
      w.u16(10);
      w.u16(0);  // length, patched
      w.u32(static_cast<std::uint32_t>(now_ms / 1000));
      w.u32(sequence_);
      w.u32(options_.observation_domain);
    } else {
      w.u16(9);
      w.u16(0);  // count, patched
      // The header's sysUptime is taken at unix_secs (whole seconds, RFC 3954 has no sub-second field), so a
      // collector's unix_secs - (sysUptime - switched) gives the switched times back to the millisecond.
      w.u32(uptime_of(now_ms / 1000 * 1000, options_.boot_time_ms));
      w.u32(static_cast<std::uint32_t>(now_ms / 1000));
      w.u32(sequence_);
      w.u32(options_.observation_domain);
    }
    if (with_templates) {
      // Template set: both data templates.
      std::size_t set_start = w.size();
      w.u16(ipfix ? kIpfixTemplateSet : kV9TemplateFlowset);
      w.u16(0);
      for (int t = 0; t < 2; ++t) {
        const auto fields = t == 0 ? v4_fields : v6_fields;
        w.u16(t == 0 ? kExportTemplateIpv4 : kExportTemplateIpv6);
        w.u16(static_cast<std::uint16_t>(fields.size()));
        for (const auto& f : fields) {
          w.u16(f.ie);
          w.u16(f.length);
        }
        ++v9_count;
      }
      if (!ipfix) {
        pad_to_4(w, set_start);
      }
      w.patch_u16(set_start + 2, static_cast<std::uint16_t>(w.size() - set_start));
      if (sampled) {
        // Options template: scope = the exporting system / observation domain; the sampling rate.
        set_start = w.size();
        if (ipfix) {
          w.u16(kIpfixOptionsTemplateSet);
          w.u16(0);
          w.u16(kExportTemplateSampling);
          w.u16(5);  // field count
          w.u16(1);  // scope field count
          w.u16(ie::kObservationDomainId);
          w.u16(4);
          w.u16(ie::kSamplingInterval);
          w.u16(4);
          w.u16(ie::kSamplingAlgorithm);
          w.u16(1);
          w.u16(ie::kSamplingPacketInterval);
          w.u16(4);
          w.u16(ie::kSamplingPacketSpace);
          w.u16(4);
        } else {
          w.u16(kV9OptionsTemplateFlowset);
          w.u16(0);
          w.u16(kExportTemplateSampling);
          w.u16(4);   // option scope length (bytes)
          w.u16(16);  // option length (bytes)
          w.u16(ie::kV9ScopeSystem);
          w.u16(4);
          w.u16(ie::kSamplingInterval);
          w.u16(4);
          w.u16(ie::kSamplingAlgorithm);
          w.u16(1);
          w.u16(ie::kSamplingPacketInterval);
          w.u16(4);
          w.u16(ie::kSamplingPacketSpace);
          w.u16(4);
          pad_to_4(w, set_start);
        }
        w.patch_u16(set_start + 2, static_cast<std::uint16_t>(w.size() - set_start));
        ++v9_count;
        // Options data.
        set_start = w.size();
        w.u16(kExportTemplateSampling);
        w.u16(0);
        w.u32(options_.observation_domain);
        w.u32(options_.sampling_interval);
        w.u8(1);                                // deterministic (count-based) sampling
        w.u32(1);                               // samplingPacketInterval: 1 packet selected ...
        w.u32(options_.sampling_interval - 1);  // ... per samplingPacketSpace - 1 skipped
        if (!ipfix) {
          pad_to_4(w, set_start);
        }
        w.patch_u16(set_start + 2, static_cast<std::uint16_t>(w.size() - set_start));
        ++v9_count;
        ++data_records;
      }
      templates_sent_ = true;
      force_templates_ = false;
      datagrams_since_templates_ = 0;
      last_templates_ms_ = now_ms;
      ++counters_.template_sends;
    }
    // Data sets, one per run of same-family records.
    while (i < records.size()) {
      const FlowRecord& head = records[i];
      const bool v6 = head.src_addr.is_v6() || head.dst_addr.is_v6();
      if (!head.src_addr.is_set() && !head.dst_addr.is_set()) {
        ++counters_.unencodable;
        ++i;
        continue;
      }
      const std::size_t length = v6 ? v6_length : v4_length;
      if (w.size() + 4 + length + 3 > max) {
        break;  // datagram full
      }
      const std::size_t set_start = w.size();
      w.u16(v6 ? kExportTemplateIpv6 : kExportTemplateIpv4);
      w.u16(0);
      while (i < records.size() && w.size() + length + 3 <= max) {
        const FlowRecord& r = records[i];
        if (!r.src_addr.is_set() && !r.dst_addr.is_set()) {
          ++counters_.unencodable;
          ++i;
          continue;
        }
        if ((r.src_addr.is_v6() || r.dst_addr.is_v6()) != v6) {
          break;
        }
        tw.record(w, r, v6 ? v6_fields : v4_fields);
        ++v9_count;
        ++data_records;
        ++counters_.records;
        ++i;
      }
      if (!ipfix) {
        pad_to_4(w, set_start);
      }
      w.patch_u16(set_start + 2, static_cast<std::uint16_t>(w.size() - set_start));
    }
    if (w.size() == header_bytes) {
      break;
    }
    if (ipfix) {
      w.patch_u16(2, static_cast<std::uint16_t>(w.size()));
      sequence_ += data_records;
    } else {
      w.patch_u16(2, v9_count);
      ++sequence_;
    }
    ++datagrams_since_templates_;
    ++counters_.datagrams;
    out.push_back(w.take());
  }
  return out;
}

}  // namespace flowlab::wire
