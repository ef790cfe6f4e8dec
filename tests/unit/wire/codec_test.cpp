// Unit tests for probes/wire beyond the golden vectors: round trips through the encoders, sysUptime wrap,
// template cache policy (port in the key, expiry, caps, replacement), sampling lookups, anomalies counted.
#include "probes/wire/decoder.hpp"
#include "probes/wire/exporter.hpp"
#include "probes/wire/sflow.hpp"
#include "tests/unit/wire/fixtures.hpp"
#include "tests/unit/wire/wire_test_util.hpp"

#include <gtest/gtest.h>

namespace flowlab::wire {
namespace {

const IpAddress kExporter = *IpAddress::parse("192.0.2.250");

std::vector<FlowRecord> decode_all(Decoder& d, const std::vector<std::vector<std::byte>>& datagrams,
                                   std::uint16_t port = 2055, std::uint64_t receive_ms = test::kNowMs) {
  std::vector<FlowRecord> out;
  for (const auto& g : datagrams) {
    auto info = d.decode(g, kExporter, port, receive_ms, out);
    EXPECT_TRUE(info.ok()) << info.error().to_string();
  }
  return out;
}

// What a record looks like after a trip through a format that carries only some fields.
FlowRecord expected_after(FlowRecord r, ExportProtocol p, std::uint32_t domain, std::uint32_t sequence,
                          std::uint32_t sampling) {
  r.export_protocol = p;
  r.exporter = kExporter;
  r.observation_domain = domain;
  r.sequence = sequence;
  r.sampling_interval = sampling;
  if (p == ExportProtocol::kNetflowV5) {
    r.bgp_next_hop = {};
    r.src_peer_as = 0;
    r.dst_peer_as = 0;
    r.flow_end_reason = 0;
    r.vlan = 0;
    r.direction = FlowDirection::kUnknown;
    if (r.src_as > 0xffff) r.src_as = 23456;
    if (r.dst_as > 0xffff) r.dst_as = 23456;
  }
  if (p != ExportProtocol::kNetflowV5 && r.direction == FlowDirection::kUnknown) {
    r.direction = FlowDirection::kIngress;  // IE 61 has no "unknown": exported as ingress
  }
  if (!r.next_hop.is_set()) r.next_hop = r.src_addr.is_v4() ? IpAddress::v4(0U) : IpAddress::v6({});
  if (!r.bgp_next_hop.is_set() && p != ExportProtocol::kNetflowV5) {
    r.bgp_next_hop = r.src_addr.is_v4() ? IpAddress::v4(0U) : IpAddress::v6({});
  }
  return r;
}

struct RoundTrip {
  ExportProtocol protocol;
  std::uint32_t sampling;
};

class RoundTripTest : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(RoundTripTest, DecodeOfEncodeIsIdentity) {
  ExportOptions o;
  o.protocol = GetParam().protocol;
  o.observation_domain = 77;
  o.sampling_interval = GetParam().sampling;
  o.boot_time_ms = test::kBootMs;
  Exporter exporter(o);
  const auto records = test::sample_records();
  const auto datagrams = exporter.encode(records, test::kNowMs);
  ASSERT_EQ(datagrams.size(), 1U);
  Decoder d;
  const auto decoded = decode_all(d, datagrams);
  std::vector<FlowRecord> want;
  for (const auto& r : records) {
    if (o.protocol == ExportProtocol::kNetflowV5 && r.src_addr.is_v6()) {
      continue;
    }
    want.push_back(
        expected_after(r, o.protocol, o.protocol == ExportProtocol::kNetflowV5 ? 77U : 77U, 0, o.sampling_interval));
  }
  ASSERT_EQ(decoded.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(test::to_json(decoded[i]).dump(), test::to_json(want[i]).dump()) << i;
  }
  EXPECT_EQ(exporter.counters().v5_ipv6_skipped, o.protocol == ExportProtocol::kNetflowV5 ? 1U : 0U);
  EXPECT_EQ(d.counters().v9_count_mismatch, 0U);
}

INSTANTIATE_TEST_SUITE_P(
    Wire, RoundTripTest,
    ::testing::Values(RoundTrip{ExportProtocol::kNetflowV5, 1}, RoundTrip{ExportProtocol::kNetflowV5, 100},
                      RoundTrip{ExportProtocol::kNetflowV9, 1}, RoundTrip{ExportProtocol::kNetflowV9, 10},
                      RoundTrip{ExportProtocol::kIpfix, 1}, RoundTrip{ExportProtocol::kIpfix, 10}));

// Every way the exporter announces its samplers decodes to each record's own rate, sampler id and the source the
// rate came from (two samplers on one exporter for the keyed styles).
TEST(Exporter, SamplerAnnouncementsDecodeToEachRecordsRate) {
  struct Case {
    SamplerAnnounce announce;
    SamplingSource source;
    bool keeps_id;
  };
  for (auto p : {ExportProtocol::kNetflowV9, ExportProtocol::kIpfix}) {
    for (const Case c : {Case{SamplerAnnounce::kIpfix305, SamplingSource::kOptions, true},
                         Case{SamplerAnnounce::kV9Sampler, SamplingSource::kOptions, true},
                         Case{SamplerAnnounce::kInRecord, SamplingSource::kRecord, false},
                         Case{SamplerAnnounce::kNone, SamplingSource::kNone, false},
                         Case{SamplerAnnounce::kDomain, SamplingSource::kOptions, false}}) {
      SCOPED_TRACE(std::to_string(static_cast<int>(p)) + " " +
                   std::string(enum_name(kSamplerAnnounceNames, c.announce)));
      ExportOptions o;
      o.protocol = p;
      o.sampler_announce = c.announce;
      o.sampling_interval = 10;
      o.samplers = {{4, 10}, {9, 100}};
      Exporter exporter(o);
      auto records = test::sample_records();
      records.resize(2);
      records[0].sampler_id = 4;
      records[0].sampling_interval = 10;
      records[1].sampler_id = 9;
      records[1].sampling_interval = 100;
      Decoder d;
      const auto decoded = decode_all(d, exporter.encode(records, test::kNowMs));
      ASSERT_EQ(decoded.size(), 2U);
      EXPECT_EQ(d.counters().v9_count_mismatch, 0U);
      const bool per_record = c.announce != SamplerAnnounce::kDomain && c.announce != SamplerAnnounce::kNone;
      EXPECT_EQ(decoded[0].sampling_source, c.source);
      EXPECT_EQ(decoded[0].sampling_interval, c.announce == SamplerAnnounce::kNone ? 1U : 10U);
      EXPECT_EQ(decoded[1].sampling_interval, per_record ? 100U : c.announce == SamplerAnnounce::kNone ? 1U : 10U);
      EXPECT_EQ(decoded[1].sampler_id, c.keeps_id ? 9U : 0U);
    }
  }
}

// Options data applies to the records after it: the same sampler announced at a new rate changes the rate of the
// records that follow, not of those before.
TEST(Decoder, SamplerRateChangesForTheRecordsAfterIt) {
  Decoder d;
  std::vector<FlowRecord> out;
  for (const std::uint32_t rate : {10U, 25U}) {
    ExportOptions o;
    o.sampler_announce = SamplerAnnounce::kIpfix305;
    o.samplers = {{1, rate}};
    Exporter exporter(o);
    auto records = test::sample_records();
    records.resize(1);
    for (const auto& g : exporter.encode(records, test::kNowMs)) {
      ASSERT_TRUE(d.decode(g, kExporter, 2055, test::kNowMs, out).ok());
    }
  }
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].sampling_interval, 10U);
  EXPECT_EQ(out[1].sampling_interval, 25U);
  EXPECT_EQ(d.counters().sampling_updates, 2U);
}

TEST(Exporter, SplitsIntoDatagramsUnderTheCapAndRefreshesTemplates) {
  for (auto p : {ExportProtocol::kNetflowV5, ExportProtocol::kNetflowV9, ExportProtocol::kIpfix}) {
    SCOPED_TRACE(static_cast<int>(p));
    ExportOptions o;
    o.protocol = p;
    o.max_datagram_bytes = 600;
    o.template_refresh_packets = 3;
    o.boot_time_ms = test::kBootMs;
    Exporter exporter(o);
    std::vector<FlowRecord> records;
    for (int i = 0; i < 100; ++i) {
      auto r = test::sample_records()[static_cast<std::size_t>(i % 3)];
      r.src_port = static_cast<std::uint16_t>(i);
      records.push_back(r);
    }
    const auto datagrams = exporter.encode(records, test::kNowMs);
    ASSERT_GT(datagrams.size(), 5U);
    for (const auto& g : datagrams) {
      EXPECT_LE(g.size(), 600U);
    }
    Decoder d;
    const auto decoded = decode_all(d, datagrams);
    const std::size_t expected = p == ExportProtocol::kNetflowV5 ? 67U : 100U;  // v5: no IPv6
    ASSERT_EQ(decoded.size(), expected);
    if (p != ExportProtocol::kNetflowV5) {
      EXPECT_EQ(exporter.counters().template_sends, (datagrams.size() + 2) / 3);
      EXPECT_EQ(d.counters().v9_template_missing + d.counters().ipfix_template_missing, 0U);
      EXPECT_EQ(d.counters().v9_count_mismatch, 0U);
    }
    // Sequence numbers: v5 counts flows, v9 datagrams, IPFIX data records.
    std::vector<FlowRecord> first;
    Decoder d2;
    auto info = d2.decode(datagrams[1], kExporter, 2055, test::kNowMs, first);
    ASSERT_TRUE(info.ok());
    if (p == ExportProtocol::kNetflowV9) {
      EXPECT_EQ(info->sequence, 1U);
    }
  }
}

TEST(Exporter, TemplatesOnlyWhenDueByTime) {
  ExportOptions o;
  o.protocol = ExportProtocol::kIpfix;
  o.template_refresh_packets = 0;
  o.template_refresh_ms = 1000;
  Exporter e(o);
  EXPECT_EQ(e.encode({}, 0).size(), 1U);     // first call: templates only
  EXPECT_EQ(e.encode({}, 500).size(), 0U);   // nothing due
  EXPECT_EQ(e.encode({}, 1000).size(), 1U);  // refresh by time
  e.force_template_refresh();
  EXPECT_EQ(e.encode({}, 1001).size(), 1U);
  EXPECT_EQ(e.counters().template_sends, 3U);
}

// A v9 data record whose flow started before the 32-bit sysUptime wrapped must not be 49.7 days off.
TEST(Decoder, V9UptimeWrap) {
  Writer w;
  w.u16(9);
  w.u16(2);
  w.u32(10);  // sysUptime: wrapped 10 ms ago
  w.u32(1700000000);
  w.u32(0);
  w.u32(0);
  w.u16(0);  // template flowset
  w.u16(20);
  w.u16(256);
  w.u16(3);
  w.u16(8);
  w.u16(4);
  w.u16(22);
  w.u16(4);
  w.u16(21);
  w.u16(4);
  w.u16(256);
  w.u16(16);
  w.u32(0xc0000201);
  w.u32(0xfffffc18);  // FIRST_SWITCHED: 1000 ms before the wrap
  w.u32(5);           // LAST_SWITCHED: 5 ms after it
  Decoder d;
  std::vector<FlowRecord> out;
  auto info = d.decode(w.view(), kExporter, 2055, 0, out);
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].first_ms, 1700000000000ULL - 1010);
  EXPECT_EQ(out[0].last_ms, 1700000000000ULL - 5);
}

TEST(Decoder, V9ExporterTimesAcrossWrapRoundTrip) {
  // Boot so long ago that sysUptime wrapped between the flow's start and the export.
  ExportOptions o;
  o.protocol = ExportProtocol::kNetflowV9;
  o.boot_time_ms = test::kNowMs - (1ULL << 32U) - 5000;  // uptime at export: 5000 after the wrap
  Exporter e(o);
  auto r = test::sample_records()[0];
  r.first_ms = test::kNowMs - 20000;  // before the wrap
  r.last_ms = test::kNowMs - 1000;    // after it
  Decoder d;
  const auto out = decode_all(d, e.encode(std::span<const FlowRecord>(&r, 1), test::kNowMs));
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].first_ms, r.first_ms);
  EXPECT_EQ(out[0].last_ms, r.last_ms);
}

// The v9 header has whole seconds only: switched times must still come back to the millisecond.
TEST(Exporter, V9TimesExactWithSubSecondExportTime) {
  ExportOptions o;
  o.protocol = ExportProtocol::kNetflowV9;
  o.boot_time_ms = test::kBootMs + 123;
  Exporter e(o);
  const auto records = test::sample_records();
  Decoder d;
  const auto out = decode_all(d, e.encode(records, test::kNowMs + 737));
  ASSERT_EQ(out.size(), records.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].first_ms, records[i].first_ms) << i;
    EXPECT_EQ(out[i].last_ms, records[i].last_ms) << i;
  }
}

TEST(Decoder, TemplateKeyPortPolicyAndMissingTemplate) {
  ExportOptions o;
  o.protocol = ExportProtocol::kIpfix;
  Exporter e(o);
  const auto records = test::sample_records();
  const auto first = e.encode(records, test::kNowMs);       // with templates
  const auto second = e.encode(records, test::kNowMs + 1);  // data only
  {
    Decoder d;  // port counts: data from another port has no template
    decode_all(d, first, 2055);
    std::vector<FlowRecord> out;
    ASSERT_TRUE(d.decode(second[0], kExporter, 2056, test::kNowMs, out).ok());
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(d.counters().ipfix_template_missing, 3U);  // sets: IPv4, IPv6, IPv4
  }
  {
    DecoderOptions opts;
    opts.template_key_includes_port = false;
    Decoder d(opts);
    decode_all(d, first, 2055);
    std::vector<FlowRecord> out;
    ASSERT_TRUE(d.decode(second[0], kExporter, 2056, test::kNowMs, out).ok());
    EXPECT_EQ(out.size(), 3U);
  }
}

TEST(Decoder, TemplatesExpire) {
  DecoderOptions opts;
  opts.template_expiry_ms = 1000;
  Decoder d(opts);
  ExportOptions o;
  o.protocol = ExportProtocol::kNetflowV9;
  Exporter e(o);
  const auto records = test::sample_records();
  decode_all(d, e.encode(records, test::kNowMs), 2055, test::kNowMs);
  EXPECT_EQ(d.template_count(), 2U);
  std::vector<FlowRecord> out;
  ASSERT_TRUE(d.decode(e.encode(records, test::kNowMs)[0], kExporter, 2055, test::kNowMs + 5000, out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.counters().templates_expired, 2U);
  EXPECT_EQ(d.counters().v9_template_missing, 3U);  // sets: IPv4, IPv6, IPv4
}

TEST(Decoder, TemplateCapAndReplacement) {
  DecoderOptions opts;
  opts.max_templates_per_source = 1;
  Decoder d(opts);
  ExportOptions o;
  o.protocol = ExportProtocol::kIpfix;
  Exporter e(o);
  decode_all(d, e.encode(test::sample_records(), test::kNowMs));
  EXPECT_EQ(d.template_count(), 1U);
  EXPECT_EQ(d.counters().template_cap_exceeded, 1U);
}

TEST(Decoder, UnsupportedAndEmpty) {
  Decoder d;
  std::vector<FlowRecord> out;
  EXPECT_FALSE(d.decode({}, kExporter, 1, 0, out).ok());
  const auto junk = from_hex("00 07 00 00");
  auto r = d.decode(junk, kExporter, 1, 0, out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ParseErrorCode::kUnsupportedVersion);
  EXPECT_EQ(d.counters().unsupported_version, 2U);
  EXPECT_EQ(d.counters().datagrams_bad, 2U);
}

TEST(Decoder, V9NonZeroPaddingIsCounted) {
  auto datagrams =
      test::load_hex_datagrams(std::string(FLOWLAB_SOURCE_DIR) + "/tests/golden/wire/v9_options_padding_wrap.hex");
  ASSERT_EQ(datagrams.size(), 2U);
  // The last data flowset of the first datagram ends with 2 bytes of padding.
  datagrams[0].back() = std::byte{0x5a};
  Decoder d;
  const auto out = decode_all(d, datagrams);
  EXPECT_EQ(out.size(), 3U);
  EXPECT_EQ(d.counters().v9_padding_bad, 1U);
}

TEST(Sflow, ModelRoundTrip) {
  const auto model = test::sample_sflow();
  const auto bytes = encode_sflow(model);
  auto back = decode_sflow(bytes);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_TRUE(*back == model);
}

TEST(Sflow, DecoderRecordsFromRawHeaders) {
  const auto bytes = encode_sflow(test::sample_sflow());
  Decoder d;
  std::vector<FlowRecord> out;
  auto info = d.decode(bytes, *IpAddress::parse("10.0.0.1"), 6343, test::kNowMs, out);
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  ASSERT_EQ(out.size(), 2U);
  const auto& a = out[0];
  EXPECT_EQ(a.src_addr.to_string(), "192.0.2.1");
  EXPECT_EQ(a.dst_addr.to_string(), "198.51.100.10");
  EXPECT_EQ(a.src_port, 40000);
  EXPECT_EQ(a.dst_port, 443);
  EXPECT_EQ(a.protocol, 6);
  EXPECT_EQ(a.tos, 0x20);
  EXPECT_EQ(a.tcp_flags, 0x18);
  EXPECT_EQ(a.vlan, 100);
  EXPECT_EQ(a.bytes, 1500U);
  EXPECT_EQ(a.packets, 1U);
  EXPECT_EQ(a.sampling_interval, 256U);
  EXPECT_EQ(a.exporter.to_string(), "192.0.2.254");  // the agent
  EXPECT_EQ(a.src_as, 64496U);
  EXPECT_EQ(a.src_peer_as, 64497U);
  EXPECT_EQ(a.dst_peer_as, 64510U);
  EXPECT_EQ(a.dst_as, 64530U);
  EXPECT_EQ(a.as_path_length, 3);
  EXPECT_EQ(a.dst_mask, 22);
  EXPECT_EQ(a.next_hop.to_string(), "203.0.113.1");
  EXPECT_EQ(a.bgp_next_hop.to_string(), "203.0.113.2");
  const auto& b = out[1];
  EXPECT_EQ(b.src_addr.to_string(), "2001:db8:1::1");
  EXPECT_EQ(b.tos, 0xb8);
  EXPECT_EQ(b.bytes, 120U);
  EXPECT_EQ(b.dst_port, 53);
  EXPECT_EQ(b.sampling_interval, 1000U);
  ASSERT_EQ(d.sflow_counters().size(), 2U);
  EXPECT_EQ(d.sflow_counters()[0].counters.in_octets, 123456789U);
  EXPECT_EQ(info->counter_sample_count, 2U);
}

TEST(Sflow, LongAsPathIsCutAndFlagged) {
  auto model = test::sample_sflow();
  model.flow_samples[0].gateway->dst_as_path.assign(40, 65000);
  model.flow_samples[0].gateway->dst_as_path.back() = 65001;
  Decoder d;
  std::vector<FlowRecord> out;
  ASSERT_TRUE(d.decode(encode_sflow(model), kExporter, 6343, 0, out).ok());
  EXPECT_EQ(out[0].as_path_length, kMaxAsPath);
  EXPECT_TRUE(out[0].as_path_truncated);
  EXPECT_EQ(out[0].dst_as, 65001U);
  EXPECT_EQ(d.counters().sflow_as_path_truncated, 1U);
}

}  // namespace
}  // namespace flowlab::wire

namespace flowlab::wire {
namespace {

// Reduced-size encoding with odd widths (3, 5, 6, 7 bytes; RFC 7011 section 6.2), on both decoding paths.
TEST(Decoder, ReducedSizeOddWidths) {
  for (bool variable : {false, true}) {
    SCOPED_TRACE(variable ? "generic path (template has a variable-length field)" : "direct path");
    Writer w;
    w.u16(10);
    w.u16(0);
    w.u32(1700000000);
    w.u32(0);
    w.u32(1);
    const std::size_t set_start = w.size();
    w.u16(2);
    w.u16(0);
    w.u16(400);
    w.u16(variable ? 5 : 4);
    for (auto [ie, len] : {std::pair{8, 4}, std::pair{1, 3}, std::pair{2, 5}, std::pair{10, 6}}) {
      w.u16(static_cast<std::uint16_t>(ie));
      w.u16(static_cast<std::uint16_t>(len));
    }
    if (variable) {
      w.u16(82);
      w.u16(0xffff);
    }
    w.patch_u16(set_start + 2, static_cast<std::uint16_t>(w.size() - set_start));
    const std::size_t data_start = w.size();
    w.u16(400);
    w.u16(0);
    w.u32(0xc0000201);
    w.u24(0x0186a0);        // 100000 octets in 3 bytes
    w.uint(1234567890, 5);  // packets in 5 bytes
    w.uint(7, 6);           // ingressInterface in 6 bytes
    if (variable) {
      w.u8(0);
    }
    w.patch_u16(data_start + 2, static_cast<std::uint16_t>(w.size() - data_start));
    w.patch_u16(2, static_cast<std::uint16_t>(w.size()));
    Decoder d;
    std::vector<FlowRecord> out;
    auto info = d.decode(w.view(), IpAddress::v4(1U), 4739, 0, out);
    ASSERT_TRUE(info.ok()) << info.error().to_string();
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out[0].bytes, 100000U);
    EXPECT_EQ(out[0].packets, 1234567890U);
    EXPECT_EQ(out[0].input_ifindex, 7U);
  }
}

}  // namespace
}  // namespace flowlab::wire
