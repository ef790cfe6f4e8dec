// flowcollector's sampling rules (probes/collector/sampling.hpp) through the real receive path: datagrams built by
// the repository's Exporter (and one by hand for SAMPLER_ID 48 / samplerRandomInterval 50, which flowprobe does
// not send) go through Collector::on_datagram — decoder, SamplingTable, enrichment, aggregation — and the
// aggregate {in_iface, sampling_rate} says which rate each record used and what it was renormalized to.
#include "common/bytes.hpp"
#include "probes/collector/collector.hpp"
#include "probes/wire/exporter.hpp"
#include "probes/wire/ie.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace flowlab::collector {
namespace {

using wire::SamplerAnnounce;

constexpr std::uint64_t kNowMs = 1'700'000'002'000ULL;
const IpAddress kRouter = *IpAddress::parse("192.0.2.1");
const IpAddress kOther = *IpAddress::parse("192.0.2.2");
constexpr std::uint16_t kPort = 40000;

// One flow of 3 packets / 300 bytes arriving on `ifindex`, carrying `sampler_id` (0: none).
wire::FlowRecord flow(std::uint32_t ifindex, std::uint16_t sampler_id = 0, std::uint32_t rate = 1) {
  wire::FlowRecord r;
  r.src_addr = *IpAddress::parse("198.51.100.7");
  r.dst_addr = *IpAddress::parse("203.0.113." + std::to_string(ifindex));
  r.protocol = 17;
  r.src_port = 5000;
  r.dst_port = 5001;
  r.packets = 3;
  r.bytes = 300;
  r.first_ms = kNowMs - 1000;
  r.last_ms = kNowMs - 500;
  r.input_ifindex = ifindex;
  r.output_ifindex = 9;
  r.sampler_id = sampler_id;
  r.sampling_interval = rate;
  return r;
}

std::vector<std::vector<std::byte>> encode(wire::ExportProtocol protocol, SamplerAnnounce announce,
                                           std::vector<wire::SamplerSpec> samplers,
                                           const std::vector<wire::FlowRecord>& records) {
  wire::ExportOptions o;
  o.protocol = protocol;
  o.observation_domain = 7;
  o.sampler_announce = announce;
  o.samplers = std::move(samplers);
  wire::Exporter exporter(o);
  return exporter.encode(records, kNowMs);
}

struct Row {
  std::uint64_t rate = 0;  // the sampling_rate field: the rate the records used
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
};

class Sampling : public ::testing::Test {
 protected:
  void make(const std::string& sampling_yaml = "") {
    auto config = parse_config("aggregates:\n  - {name: s, primitives: [in_iface, sampling_rate]}\n" + sampling_yaml,
                               "sampling.yaml");
    ASSERT_TRUE(config.ok()) << config.error().message;
    auto c = Collector::create(io_, *config);
    ASSERT_TRUE(c.ok()) << c.error().message;
    collector_ = std::move(*c);
  }
  void receive(const std::vector<std::vector<std::byte>>& datagrams, const IpAddress& from = kRouter) {
    for (const auto& d : datagrams) {
      collector_->on_datagram(d, from, kPort, kNowMs);
    }
  }
  // in_iface -> its row, the aggregate cleared after (the next receive starts from zero).
  std::map<std::uint64_t, Row> rows() {
    auto table = collector_->handle_query({{"cmd", "table"}, {"aggregate", "s"}});
    EXPECT_TRUE(table.value("ok", false)) << table.dump();
    std::map<std::uint64_t, Row> out;
    for (const auto& row : table["rows"]) {
      const auto iface = std::stoull(row["values"][0].get<std::string>());
      out[iface] = Row{std::stoull(row["values"][1].get<std::string>()), row["packets"].get<std::uint64_t>(),
                       row["bytes"].get<std::uint64_t>()};
    }
    collector_->handle_query({{"cmd", "clear"}, {"aggregate", "s"}});
    return out;
  }
  nlohmann::json sampling_counts() { return collector_->counters_json()["sampling"]; }

  boost::asio::io_context io_;
  std::unique_ptr<Collector> collector_;
};

// IPFIX options data keyed by selectorId 302 (samplingPacketInterval/Space 305/306), two samplers on one
// exporter: each record is renormalized by its own sampler's rate.
TEST_F(Sampling, IpfixOptionsBySelectorIdTwoSamplers) {
  make();
  receive(encode(wire::ExportProtocol::kIpfix, SamplerAnnounce::kIpfix305, {{1, 10}, {2, 100}},
                 {flow(1, 1), flow(2, 2), flow(1, 1)}));
  auto r = rows();
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[1].rate, 10U);
  EXPECT_EQ(r[1].packets, 60U);  // 2 flows x 3 packets x 10
  EXPECT_EQ(r[1].bytes, 6000U);
  EXPECT_EQ(r[2].rate, 100U);
  EXPECT_EQ(r[2].packets, 300U);
  EXPECT_EQ(sampling_counts()["options"], 3);
  EXPECT_EQ(collector_->counters_json()["collector"]["records_no_sampling_rate"], 0);
}

// NetFlow v9 options data with SAMPLER_ID 48 and SAMPLING_INTERVAL 34 (Cisco), data records carrying 48.
TEST_F(Sampling, V9OptionsBySamplerId34) {
  make();
  receive(encode(wire::ExportProtocol::kNetflowV9, SamplerAnnounce::kV9Sampler, {{5, 20}, {6, 1000}},
                 {flow(1, 5), flow(2, 6)}));
  auto r = rows();
  EXPECT_EQ(r[1].rate, 20U);
  EXPECT_EQ(r[1].packets, 60U);
  EXPECT_EQ(r[2].rate, 1000U);
  EXPECT_EQ(r[2].packets, 3000U);
}

// A v9 datagram as Cisco IOS sends it, built by hand: options template 300 (scope system; FLOW_SAMPLER_ID 48,
// FLOW_SAMPLER_MODE 49, FLOW_SAMPLER_RANDOM_INTERVAL 50), its record for sampler 3 at 1:50, then data template
// 301 (addresses, counters, input interface, FLOW_SAMPLER_ID 48) and one record of sampler 3.
std::vector<std::byte> cisco_v9_random_interval() {
  Writer w(512);
  w.u16(9);
  w.u16(4);  // count: 2 templates + 1 options record + 1 data record
  w.u32(1000);
  w.u32(static_cast<std::uint32_t>(kNowMs / 1000));
  w.u32(1);
  w.u32(0);
  const auto fields = [&w](std::initializer_list<std::pair<int, int>> specs) {
    for (const auto& [type, length] : specs) {
      w.u16(static_cast<std::uint16_t>(type));
      w.u16(static_cast<std::uint16_t>(length));
    }
  };
  w.u16(1);  // options template flowset
  w.u16(28);
  w.u16(300);
  w.u16(4);   // scope length
  w.u16(12);  // option length
  fields({{wire::ie::kV9ScopeSystem, 4},
          {wire::ie::kSamplerId, 1},
          {wire::ie::kSamplerMode, 1},
          {wire::ie::kSamplerRandomInterval, 4}});
  w.u16(0);       // padding
  w.u16(300);     // options data
  w.u16(4 + 12);  // 4 + 10 bytes of record + 2 padding
  w.u32(0);       // scope: system
  w.u8(3);        // sampler 3
  w.u8(2);        // random
  w.u32(50);      // 1:50
  w.u16(0);
  w.u16(0);  // template flowset
  w.u16(4 + 4 + 6 * 4);
  w.u16(301);
  w.u16(6);
  fields({{wire::ie::kSourceIpv4Address, 4},
          {wire::ie::kDestinationIpv4Address, 4},
          {wire::ie::kPacketDeltaCount, 4},
          {wire::ie::kOctetDeltaCount, 4},
          {wire::ie::kIngressInterface, 2},
          {wire::ie::kSamplerId, 1}});
  w.u16(301);  // data
  w.u16(4 + 19 + 1);
  w.u32(0xc6336407);  // 198.51.100.7
  w.u32(0xcb007105);  // 203.0.113.5
  w.u32(3);
  w.u32(300);
  w.u16(4);
  w.u8(3);
  w.u8(0);  // padding
  return w.take();
}

TEST_F(Sampling, V9SamplerRandomInterval50) {
  make();
  receive({cisco_v9_random_interval()});
  EXPECT_EQ(collector_->counters().decode_errors, 0U);
  auto r = rows();
  ASSERT_EQ(r.count(4), 1U);
  EXPECT_EQ(r[4].rate, 50U);
  EXPECT_EQ(r[4].packets, 150U);
}

// The rate in the data record itself (samplingInterval 34 in every record, no options data).
TEST_F(Sampling, RateInTheRecord) {
  make();
  receive(encode(wire::ExportProtocol::kIpfix, SamplerAnnounce::kInRecord, {}, {flow(1, 0, 64), flow(2, 0, 4)}));
  auto r = rows();
  EXPECT_EQ(r[1].rate, 64U);
  EXPECT_EQ(r[1].packets, 192U);
  EXPECT_EQ(r[2].rate, 4U);
  EXPECT_EQ(sampling_counts()["record"], 2);
}

// New options data applies to the records after it: the exporter's sampler 1 goes from 1:10 to 1:40 mid-run.
TEST_F(Sampling, RateChangesMidRun) {
  make();
  receive(encode(wire::ExportProtocol::kIpfix, SamplerAnnounce::kIpfix305, {{1, 10}}, {flow(1, 1)}));
  EXPECT_EQ(rows()[1].packets, 30U);
  receive(encode(wire::ExportProtocol::kIpfix, SamplerAnnounce::kIpfix305, {{1, 40}}, {flow(1, 1)}));
  auto r = rows();
  EXPECT_EQ(r[1].rate, 40U);
  EXPECT_EQ(r[1].packets, 120U);
}

// Exporters that announce nothing: the configured default for the exporter, the more specific one for its
// interface 2; an exporter with no rule stays at 1 and is counted as having no known rate.
TEST_F(Sampling, ConfiguredDefaultsPerExporterAndInterface) {
  make(
      "sampling:\n  defaults:\n    - {exporter: 192.0.2.1, rate: 50}\n"
      "    - {exporter: 192.0.2.1, interface: 2, rate: 500}\n");
  receive(encode(wire::ExportProtocol::kIpfix, SamplerAnnounce::kNone, {}, {flow(1), flow(2)}));
  auto r = rows();
  EXPECT_EQ(r[1].rate, 50U);
  EXPECT_EQ(r[1].packets, 150U);
  EXPECT_EQ(r[2].rate, 500U);
  EXPECT_EQ(r[2].packets, 1500U);
  EXPECT_EQ(sampling_counts()["default"], 2);
  EXPECT_EQ(collector_->counters_json()["collector"]["records_no_sampling_rate"], 0);

  receive(encode(wire::ExportProtocol::kIpfix, SamplerAnnounce::kNone, {}, {flow(1)}), kOther);
  r = rows();
  EXPECT_EQ(r[1].rate, 1U);
  EXPECT_EQ(r[1].packets, 3U);
  EXPECT_EQ(collector_->counters_json()["collector"]["records_no_sampling_rate"], 1);
  EXPECT_EQ(collector_->stats_json()["records_no_sampling_rate"], 1);
  EXPECT_EQ(sampling_counts()["none"], 1);
}

// A default never beats what the exporter announced; an override always does (nfcapd -s -N).
TEST_F(Sampling, OverrideBeatsTheExporterDefaultDoesNot) {
  make("sampling:\n  defaults: [{rate: 3}]\n  overrides: [{exporter: 192.0.2.1, interface: 2, rate: 7}]\n");
  receive(encode(wire::ExportProtocol::kIpfix, SamplerAnnounce::kIpfix305, {{1, 10}}, {flow(1, 1), flow(2, 1)}));
  auto r = rows();
  EXPECT_EQ(r[1].rate, 10U);  // announced: the default does not apply
  EXPECT_EQ(r[1].packets, 30U);
  EXPECT_EQ(r[2].rate, 7U);  // forced
  EXPECT_EQ(r[2].packets, 21U);
  EXPECT_EQ(sampling_counts()["override"], 1);
  EXPECT_EQ(sampling_counts()["options"], 1);
}

// enrich.renormalize: false keeps the counters as exported; the rate used is still reported.
TEST_F(Sampling, RenormalizeOffStillReportsTheRate) {
  make("enrich: {renormalize: false}\n");
  receive(encode(wire::ExportProtocol::kIpfix, SamplerAnnounce::kIpfix305, {{1, 10}}, {flow(1, 1)}));
  auto r = rows();
  EXPECT_EQ(r[1].rate, 10U);
  EXPECT_EQ(r[1].packets, 3U);
}

}  // namespace
}  // namespace flowlab::collector
