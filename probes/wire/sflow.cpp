#include "probes/wire/sflow.hpp"

#include "probes/wire/sflow_parser.hpp"

#include <string>

namespace flowlab::wire {
namespace {

constexpr std::uint32_t kAddressUnknown = 0;
constexpr std::uint32_t kAddressIpv4 = 1;
constexpr std::uint32_t kAddressIpv6 = 2;
constexpr std::uint32_t kAsSequence = 2;

Failure<ParseError> error(ParseErrorCode code, const Reader& r, std::string context) {
  return Failure<ParseError>{ParseError{code, r.offset(), std::move(context)}};
}

// sFlow address: u32 type, then 0, 4 or 16 bytes (sFlow v5 "address" union).
bool read_address(Reader& r, IpAddress& out) {
  const std::uint32_t type = r.u32();
  if (type == kAddressIpv4) {
    out = IpAddress::v4(r.array<4>());
  } else if (type == kAddressIpv6) {
    out = IpAddress::v6(r.array<16>());
  } else if (type == kAddressUnknown) {
    out = IpAddress{};
  } else {
    return false;
  }
  return r.ok();
}

void write_address(Writer& w, const IpAddress& a) {
  if (a.is_v4()) {
    w.u32(kAddressIpv4);
  } else if (a.is_v6()) {
    w.u32(kAddressIpv6);
  } else {
    w.u32(kAddressUnknown);
    return;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    w.u8(a.bytes[i]);
  }
}

std::size_t xdr_pad(std::size_t n) { return (4 - n % 4) % 4; }

// A record or sample: u32 data_format, u32 length, body; the length is patched when the body is done.
class Framed {
 public:
  Framed(Writer& w, std::uint32_t format) : w_(w) {
    w_.u32(format);
    at_ = w_.size();
    w_.u32(0);
  }
  ~Framed() { w_.patch_u32(at_, static_cast<std::uint32_t>(w_.size() - at_ - 4)); }
  Framed(const Framed&) = delete;
  Framed& operator=(const Framed&) = delete;

 private:
  Writer& w_;
  std::size_t at_ = 0;
};

Result<void, ParseError> parse_flow_record(std::uint32_t format, Reader& body, detail::SflowFlowSampleView& s,
                                           detail::SflowVisitor& visitor) {
  switch (format) {
    case kSflowRecordRawHeader: {
      s.header_protocol = body.u32();
      s.frame_length = body.u32();
      s.stripped = body.u32();
      const std::uint32_t length = body.u32();
      s.header = body.bytes(length);
      body.skip(xdr_pad(length));
      if (!body.ok()) {
        return error(ParseErrorCode::kBadSample, body, "sflow sampled_header length");
      }
      s.has_header = true;
      return {};
    }
    case kSflowRecordExtendedSwitch:
      s.switch_data.src_vlan = body.u32();
      s.switch_data.src_priority = body.u32();
      s.switch_data.dst_vlan = body.u32();
      s.switch_data.dst_priority = body.u32();
      if (!body.ok()) {
        return error(ParseErrorCode::kBadSample, body, "sflow extended_switch");
      }
      s.has_switch = true;
      return {};
    case kSflowRecordExtendedRouter:
      if (!read_address(body, s.router.next_hop)) {
        return error(ParseErrorCode::kBadAddress, body, "sflow extended_router next hop");
      }
      s.router.src_mask = body.u32();
      s.router.dst_mask = body.u32();
      if (!body.ok()) {
        return error(ParseErrorCode::kBadSample, body, "sflow extended_router");
      }
      s.has_router = true;
      return {};
    case kSflowRecordExtendedGateway: {
      auto& g = s.gateway;
      if (!read_address(body, g.next_hop)) {
        return error(ParseErrorCode::kBadAddress, body, "sflow extended_gateway next hop");
      }
      g.as = body.u32();
      g.src_as = body.u32();
      g.src_peer_as = body.u32();
      g.segment_count = body.u32();
      const std::size_t segments_start = body.remaining();
      Bytes all = body.peek_rest();
      for (std::uint32_t i = 0; i < g.segment_count && body.ok(); ++i) {
        body.u32();  // type
        const std::uint32_t n = body.u32();
        if (n > body.remaining() / 4) {
          return error(ParseErrorCode::kBadSample, body, "sflow extended_gateway AS path segment length");
        }
        body.skip(static_cast<std::size_t>(n) * 4);
      }
      if (!body.ok()) {
        return error(ParseErrorCode::kBadSample, body, "sflow extended_gateway AS path");
      }
      g.segments = all.first(segments_start - body.remaining());
      g.community_count = body.u32();
      if (g.community_count > body.remaining() / 4) {
        return error(ParseErrorCode::kBadSample, body, "sflow extended_gateway communities");
      }
      g.communities = body.bytes(static_cast<std::size_t>(g.community_count) * 4);
      g.local_pref = body.u32();
      if (!body.ok()) {
        return error(ParseErrorCode::kBadSample, body, "sflow extended_gateway");
      }
      s.has_gateway = true;
      return {};
    }
    default:
      visitor.on_unknown_record();
      return {};
  }
}

void parse_if_counters(Reader& body, SflowInterfaceCounters& c) {
  c.if_index = body.u32();
  c.if_type = body.u32();
  c.if_speed = body.u64();
  c.if_direction = body.u32();
  c.if_status = body.u32();
  c.in_octets = body.u64();
  c.in_ucast_pkts = body.u32();
  c.in_multicast_pkts = body.u32();
  c.in_broadcast_pkts = body.u32();
  c.in_discards = body.u32();
  c.in_errors = body.u32();
  c.in_unknown_protos = body.u32();
  c.out_octets = body.u64();
  c.out_ucast_pkts = body.u32();
  c.out_multicast_pkts = body.u32();
  c.out_broadcast_pkts = body.u32();
  c.out_discards = body.u32();
  c.out_errors = body.u32();
  c.promiscuous_mode = body.u32();
}

// Model builder for decode_sflow().
class ModelVisitor final : public detail::SflowVisitor {
 public:
  explicit ModelVisitor(SflowDatagram& d) : d_(d) {}
  void on_header(const detail::SflowHeaderView& h) override {
    d_.agent = h.agent;
    d_.sub_agent_id = h.sub_agent_id;
    d_.sequence = h.sequence;
    d_.uptime_ms = h.uptime_ms;
  }
  void on_flow_sample(const detail::SflowFlowSampleView& v) override {
    SflowFlowSample s;
    s.expanded = v.expanded;
    s.sequence = v.sequence;
    s.source_id_type = v.source_id_type;
    s.source_id_index = v.source_id_index;
    s.sampling_rate = v.sampling_rate;
    s.sample_pool = v.sample_pool;
    s.drops = v.drops;
    s.input = v.input;
    s.output = v.output;
    s.header_protocol = v.header_protocol;
    s.frame_length = v.frame_length;
    s.stripped = v.stripped;
    s.header.assign(v.header.begin(), v.header.end());
    if (v.has_switch) {
      s.switch_data = v.switch_data;
    }
    if (v.has_router) {
      s.router = v.router;
    }
    if (v.has_gateway) {
      SflowExtendedGateway g;
      g.next_hop = v.gateway.next_hop;
      g.as = v.gateway.as;
      g.src_as = v.gateway.src_as;
      g.src_peer_as = v.gateway.src_peer_as;
      v.gateway.for_each_as([&](std::uint32_t as) { g.dst_as_path.push_back(as); });
      Reader c(v.gateway.communities);
      for (std::uint32_t i = 0; i < v.gateway.community_count; ++i) {
        g.communities.push_back(c.u32());
      }
      g.local_pref = v.gateway.local_pref;
      s.gateway = std::move(g);
    }
    d_.flow_samples.push_back(std::move(s));
  }
  void on_counter_sample(const SflowCounterSample& s) override { d_.counter_samples.push_back(s); }

 private:
  SflowDatagram& d_;
};

// A sample's sequence number and source id (compact: type in the top 8 bits of one u32; expanded: two u32).
struct SampleSource {
  std::uint32_t sequence = 0;
  std::uint32_t type = 0;
  std::uint32_t index = 0;
};

SampleSource read_source(Reader& body, bool expanded) {
  SampleSource s;
  s.sequence = body.u32();
  if (expanded) {
    s.type = body.u32();
    s.index = body.u32();
  } else {
    const std::uint32_t source = body.u32();
    s.type = source >> 24U;
    s.index = source & 0xffffffU;
  }
  return s;
}

void write_source(Writer& w, bool expanded, std::uint32_t sequence, std::uint32_t type, std::uint32_t index) {
  w.u32(sequence);
  if (expanded) {
    w.u32(type);
    w.u32(index);
  } else {
    w.u32((type << 24U) | (index & 0xffffffU));
  }
}

// The records of sample number `sample`: u32 count, then (u32 format, u32 length, body) each; fn(format, body).
template <class Fn>
Result<void, ParseError> for_each_record(Reader& body, const char* what, std::uint32_t sample, Fn&& fn) {
  const std::uint32_t records = body.u32();
  if (!body.ok()) {
    return error(ParseErrorCode::kBadSample, body, std::string("sflow ") + what + " sample " + std::to_string(sample));
  }
  for (std::uint32_t k = 0; k < records; ++k) {
    const std::uint32_t record_format = body.u32();
    const std::uint32_t record_length = body.u32();
    Reader record = body.sub(record_length);
    if (!body.ok()) {
      return error(ParseErrorCode::kBadSample, body, std::string("sflow ") + what + " record " + std::to_string(k));
    }
    if (auto status = fn(record_format, record); !status.ok()) {
      return status;
    }
  }
  return {};
}

Result<void, ParseError> parse_flow_sample(Reader& body, const SampleSource& source, bool expanded, std::uint32_t i,
                                           detail::SflowVisitor& visitor) {
  detail::SflowFlowSampleView s;
  s.expanded = expanded;
  s.sequence = source.sequence;
  s.source_id_type = source.type;
  s.source_id_index = source.index;
  s.sampling_rate = body.u32();
  s.sample_pool = body.u32();
  s.drops = body.u32();
  if (expanded) {
    body.u32();  // input format (0 = ifIndex)
    s.input = body.u32();
    body.u32();  // output format
    s.output = body.u32();
  } else {
    s.input = body.u32() & 0x3fffffffU;  // top 2 bits: format
    s.output = body.u32() & 0x3fffffffU;
  }
  auto status = for_each_record(body, "flow", i, [&](std::uint32_t format, Reader& record) -> Result<void, ParseError> {
    if ((format >> 12U) != 0) {
      visitor.on_unknown_record();
      return {};
    }
    return parse_flow_record(format & 0xfffU, record, s, visitor);
  });
  if (status.ok()) {
    visitor.on_flow_sample(s);
  }
  return status;
}

Result<void, ParseError> parse_counter_sample(Reader& body, const SampleSource& source, bool expanded, std::uint32_t i,
                                              detail::SflowVisitor& visitor) {
  SflowCounterSample c;
  c.expanded = expanded;
  c.sequence = source.sequence;
  c.source_id_type = source.type;
  c.source_id_index = source.index;
  auto status =
      for_each_record(body, "counter", i, [&](std::uint32_t format, Reader& record) -> Result<void, ParseError> {
        if (format != kSflowCounterGenericInterface) {
          visitor.on_unknown_record();
          return {};
        }
        parse_if_counters(record, c.counters);
        if (!record.ok()) {
          return error(ParseErrorCode::kBadSample, record, "sflow if_counters");
        }
        return {};
      });
  if (status.ok()) {
    visitor.on_counter_sample(c);
  }
  return status;
}

}  // namespace

namespace detail {

Result<void, ParseError> parse_sflow(Bytes datagram, SflowVisitor& visitor, std::size_t max_samples) {
  Reader r(datagram);
  SflowHeaderView h;
  if (r.u32() != 5) {
    return error(ParseErrorCode::kUnsupportedVersion, r, "sflow version");
  }
  if (!read_address(r, h.agent)) {
    return error(r.ok() ? ParseErrorCode::kBadAddress : ParseErrorCode::kTruncated, r, "sflow agent address");
  }
  h.sub_agent_id = r.u32();
  h.sequence = r.u32();
  h.uptime_ms = r.u32();
  h.sample_count = r.u32();
  if (!r.ok()) {
    return error(ParseErrorCode::kTruncated, r, "sflow datagram header");
  }
  if (h.sample_count > max_samples) {
    return error(ParseErrorCode::kCapExceeded, r, "sflow sample count " + std::to_string(h.sample_count));
  }
  visitor.on_header(h);
  for (std::uint32_t i = 0; i < h.sample_count; ++i) {
    const std::uint32_t format = r.u32();
    const std::uint32_t length = r.u32();
    Reader body = r.sub(length);
    if (!r.ok()) {
      return error(ParseErrorCode::kTruncated, r, "sflow sample " + std::to_string(i));
    }
    const std::uint32_t enterprise = format >> 12U;
    const std::uint32_t kind = format & 0xfffU;
    if (enterprise != 0 || kind < kSflowFlowSample || kind > kSflowExpandedCounterSample) {
      visitor.on_unknown_sample();
      continue;
    }
    const bool expanded = kind == kSflowExpandedFlowSample || kind == kSflowExpandedCounterSample;
    const SampleSource source = read_source(body, expanded);
    auto status = kind == kSflowFlowSample || kind == kSflowExpandedFlowSample
                      ? parse_flow_sample(body, source, expanded, i, visitor)
                      : parse_counter_sample(body, source, expanded, i, visitor);
    if (!status.ok()) {
      return status;
    }
  }
  return {};
}

}  // namespace detail

namespace {

void encode_gateway(Writer& w, const SflowExtendedGateway& g) {
  Framed record(w, kSflowRecordExtendedGateway);
  write_address(w, g.next_hop);
  w.u32(g.as);
  w.u32(g.src_as);
  w.u32(g.src_peer_as);
  if (g.dst_as_path.empty()) {
    w.u32(0);
  } else {
    w.u32(1);
    w.u32(kAsSequence);
    w.u32(static_cast<std::uint32_t>(g.dst_as_path.size()));
    for (auto as : g.dst_as_path) {
      w.u32(as);
    }
  }
  w.u32(static_cast<std::uint32_t>(g.communities.size()));
  for (auto c : g.communities) {
    w.u32(c);
  }
  w.u32(g.local_pref);
}

void encode_flow_sample(Writer& w, const SflowFlowSample& s) {
  Framed sample(w, s.expanded ? kSflowExpandedFlowSample : kSflowFlowSample);
  write_source(w, s.expanded, s.sequence, s.source_id_type, s.source_id_index);
  w.u32(s.sampling_rate);
  w.u32(s.sample_pool);
  w.u32(s.drops);
  if (s.expanded) {
    w.u32(0);
    w.u32(s.input);
    w.u32(0);
    w.u32(s.output);
  } else {
    w.u32(s.input & 0x3fffffffU);
    w.u32(s.output & 0x3fffffffU);
  }
  const std::uint32_t records = 1U + (s.switch_data ? 1U : 0U) + (s.router ? 1U : 0U) + (s.gateway ? 1U : 0U);
  w.u32(records);
  {
    Framed record(w, kSflowRecordRawHeader);
    w.u32(s.header_protocol);
    w.u32(s.frame_length);
    w.u32(s.stripped);
    w.u32(static_cast<std::uint32_t>(s.header.size()));
    w.bytes(Bytes(s.header.data(), s.header.size()));
    w.zeros(xdr_pad(s.header.size()));
  }
  if (s.switch_data) {
    Framed record(w, kSflowRecordExtendedSwitch);
    w.u32(s.switch_data->src_vlan);
    w.u32(s.switch_data->src_priority);
    w.u32(s.switch_data->dst_vlan);
    w.u32(s.switch_data->dst_priority);
  }
  if (s.router) {
    Framed record(w, kSflowRecordExtendedRouter);
    write_address(w, s.router->next_hop);
    w.u32(s.router->src_mask);
    w.u32(s.router->dst_mask);
  }
  if (s.gateway) {
    encode_gateway(w, *s.gateway);
  }
}

void encode_counter_sample(Writer& w, const SflowCounterSample& s) {
  Framed sample(w, s.expanded ? kSflowExpandedCounterSample : kSflowCounterSample);
  write_source(w, s.expanded, s.sequence, s.source_id_type, s.source_id_index);
  w.u32(1);
  Framed record(w, kSflowCounterGenericInterface);
  const auto& c = s.counters;
  w.u32(c.if_index);
  w.u32(c.if_type);
  w.u64(c.if_speed);
  w.u32(c.if_direction);
  w.u32(c.if_status);
  w.u64(c.in_octets);
  w.u32(c.in_ucast_pkts);
  w.u32(c.in_multicast_pkts);
  w.u32(c.in_broadcast_pkts);
  w.u32(c.in_discards);
  w.u32(c.in_errors);
  w.u32(c.in_unknown_protos);
  w.u64(c.out_octets);
  w.u32(c.out_ucast_pkts);
  w.u32(c.out_multicast_pkts);
  w.u32(c.out_broadcast_pkts);
  w.u32(c.out_discards);
  w.u32(c.out_errors);
  w.u32(c.promiscuous_mode);
}

}  // namespace

std::vector<std::byte> encode_sflow(const SflowDatagram& d) {
  Writer w(1400);
  w.u32(5);
  write_address(w, d.agent);
  w.u32(d.sub_agent_id);
  w.u32(d.sequence);
  w.u32(d.uptime_ms);
  w.u32(static_cast<std::uint32_t>(d.flow_samples.size() + d.counter_samples.size()));
  for (const auto& s : d.flow_samples) {
    encode_flow_sample(w, s);
  }
  for (const auto& s : d.counter_samples) {
    encode_counter_sample(w, s);
  }
  return w.take();
}

Result<SflowDatagram, ParseError> decode_sflow(Bytes datagram) {
  SflowDatagram d;
  ModelVisitor visitor(d);
  auto status = detail::parse_sflow(datagram, visitor, 1U << 16U);
  if (!status.ok()) {
    return Failure<ParseError>{status.error()};
  }
  return d;
}

}  // namespace flowlab::wire
