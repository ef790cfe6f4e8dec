// sFlow v5 samples straight into FlowRecords. A flow sample's sampled header goes through the one packet-header
// parser (probes/packet), the same code the meter keys its flows with, so a packet gives the same 5-tuple whether
// flowprobe metered it or an sFlow agent sampled it.
#include "probes/packet/packet.hpp"
#include "probes/wire/decoder_state.hpp"
#include "probes/wire/sflow_parser.hpp"

#include <optional>

namespace flowlab::wire::detail {
namespace {

std::optional<packet::LinkType> link_type_of(std::uint32_t header_protocol) {
  switch (header_protocol) {
    case kSflowHeaderEthernet:
      return packet::LinkType::kEthernet;
    case kSflowHeaderIpv4:
      return packet::LinkType::kIpv4;
    case kSflowHeaderIpv6:
      return packet::LinkType::kIpv6;
    default:
      return std::nullopt;
  }
}

IpAddress address_of(const packet::ParsedPacket& p, const std::array<std::uint8_t, 16>& bytes) {
  if (p.ip_version == 4) {
    return IpAddress::v4(std::array<std::uint8_t, 4>{bytes[0], bytes[1], bytes[2], bytes[3]});
  }
  return IpAddress::v6(bytes);
}

// The key fields of a sampled header (addresses, protocol, ToS, ports, TCP flags, VLAN, IP length). False when the
// header is not Ethernet / IPv4 / IPv6 or holds no complete IP header.
bool parse_sampled_header(Bytes header, std::uint32_t header_protocol, FlowRecord& rec) {
  const auto link = link_type_of(header_protocol);
  packet::ParsedPacket p;
  if (!link || packet::parse_frame(*link, header, p) != packet::ParseStatus::kOk) {
    return false;
  }
  rec.src_addr = address_of(p, p.src);
  rec.dst_addr = address_of(p, p.dst);
  rec.protocol = p.protocol;
  rec.tos = p.tos;
  rec.src_port = p.src_port;
  rec.dst_port = p.dst_port;
  rec.tcp_flags = p.tcp_flags;
  rec.vlan = p.vlan;
  rec.bytes = p.l3_bytes;
  return true;
}

// The extended switch / router / gateway data of a sample, onto its record.
void apply_extended(const SflowFlowSampleView& s, FlowRecord& rec, DecodeCounters& counters) {
  if (s.has_switch && rec.vlan == 0) {
    rec.vlan = static_cast<std::uint16_t>(s.switch_data.src_vlan & 0x0fffU);
  }
  if (s.has_router) {
    rec.next_hop = s.router.next_hop;
    rec.src_mask = static_cast<std::uint8_t>(std::min<std::uint32_t>(s.router.src_mask, 128));
    rec.dst_mask = static_cast<std::uint8_t>(std::min<std::uint32_t>(s.router.dst_mask, 128));
  }
  if (!s.has_gateway) {
    return;
  }
  rec.bgp_next_hop = s.gateway.next_hop;
  rec.src_as = s.gateway.src_as;
  rec.src_peer_as = s.gateway.src_peer_as;
  s.gateway.for_each_as([&](std::uint32_t as) {
    if (rec.as_path_length < kMaxAsPath) {
      rec.as_path[rec.as_path_length++] = as;
    } else if (!rec.as_path_truncated) {
      rec.as_path_truncated = true;
      ++counters.sflow_as_path_truncated;
    }
    rec.dst_as = as;  // the last AS of the path is the origin
  });
  if (rec.as_path_length > 0) {
    rec.dst_peer_as = rec.as_path[0];
  }
}

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
    if (!parse_sampled_header(s.header, s.header_protocol, rec)) {
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
    rec.sampling_source = s.sampling_rate > 0 ? SamplingSource::kPacket : SamplingSource::kNone;
    apply_extended(s, rec, counters_);
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

}  // namespace flowlab::wire::detail
