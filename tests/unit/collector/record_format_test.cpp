// pmacct output formats, checked against real pmacct 1.7.7: softflowd's v9 capture replayed to nfacctd (no BGP,
// memory plugin, every non-BGP-only primitive), then `pmacct -s`, `-O csv`, `-O json` saved under data/. Our core
// decodes the same capture (exporter 127.0.0.1, as in the replay) and must print the same lines.
#include "probes/collector/record_format.hpp"

#include "probes/wire/decoder.hpp"
#include "tests/unit/wire/wire_test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>

namespace flowlab::collector {
namespace {

constexpr char kPrimitives[] =
    "src_host, dst_host, src_port, dst_port, proto, tos, src_as, dst_as, src_net, dst_net, src_mask, dst_mask, "
    "in_iface, out_iface, tcpflags, peer_src_ip, peer_dst_ip, peer_src_as, peer_dst_as, as_path, src_as_path, "
    "std_comm, lrg_comm, local_pref, med, sampling_rate, timestamp_start, timestamp_end, export_proto_seqno";

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    out.push_back(l);
  }
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class PmacctFormats : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    const auto datagrams =
        wire::test::read_udp_payloads(std::string(FLOWLAB_TEST_DATA_DIR) + "/export_softflowd_v9.pcap", &error);
    ASSERT_FALSE(datagrams.empty()) << error;
    wire::Decoder decoder;
    std::vector<wire::FlowRecord> records;
    for (const auto& d : datagrams) {
      (void)decoder.decode(d.payload, *IpAddress::parse("127.0.0.1"), d.src_port, d.ts_ms, records);
    }
    spec_ = AggregateSpec{"m", *parse_primitives(kPrimitives), ""};
    auto agg = Aggregate::create(spec_);
    ASSERT_TRUE(agg.ok());
    BgpTables tables;
    Enricher enricher(tables, EnrichConfig{});
    for (auto r : records) {
      // pmacct's v9 times are whole seconds: unix_secs - (sysUptime - switched) / 1000 in integer arithmetic,
      // i.e. our millisecond time rounded up to the second (docs/enrichment.md).
      r.first_ms = (r.first_ms + 999U) / 1000U * 1000U;
      r.last_ms = (r.last_ms + 999U) / 1000U * 1000U;
      agg->add(enricher.enrich(r));
    }
    rows_ = agg->rows();
  }
  static std::string golden(const char* ext) {
    return read(std::string(FLOWLAB_SOURCE_DIR) + "/tests/unit/collector/data/softflowd_v9.pmacct_s." + ext);
  }
  AggregateSpec spec_;
  std::vector<Row> rows_;
};

TEST_F(PmacctFormats, TableEqualsPmacctS) {
  const auto ours = lines(format_table(spec_, rows_));
  const auto theirs = lines(golden("txt"));
  ASSERT_EQ(ours.size(), theirs.size());
  EXPECT_EQ(ours.front(), theirs.front());  // header
  EXPECT_EQ(ours.back(), theirs.back());    // For a total of: N entries
  EXPECT_EQ(sorted({ours.begin() + 1, ours.end()}), sorted({theirs.begin() + 1, theirs.end()}));
}

TEST_F(PmacctFormats, CsvEqualsPmacctClientCsv) {
  const auto ours = lines(format_csv(spec_, rows_, FormatOptions{Style::kClient}));
  const auto theirs = lines(golden("csv"));
  ASSERT_FALSE(ours.empty());
  EXPECT_EQ(ours.front(), theirs.front());
  EXPECT_EQ(sorted(ours), sorted(theirs));
}

TEST_F(PmacctFormats, JsonEqualsPmacctClientJson) {
  EXPECT_EQ(sorted(lines(format_json_lines(spec_, rows_, FormatOptions{Style::kClient}))),
            sorted(lines(golden("json"))));
}

TEST(RecordFormat, PrintPluginJsonAndCsv) {
  const AggregateSpec spec{"x", *parse_primitives("src_as_path, dst_as, peer_dst_ip, in_iface, timestamp_start"), ""};
  const Row row{{"65001_65002", "65002", "", "3", "2023-11-14T22:13:20.000000Z"}, 12, 840, 2};
  // Print plugin (print_output: json): event_type first, as_path_src, keys in the plugin's order, "YYYY-MM-DD
  // HH:MM:SS".
  EXPECT_EQ(format_json_line(spec, row),
            R"({"event_type": "purge", "as_dst": 65002, "peer_ip_dst": "", "as_path_src": "65001_65002", )"
            R"("iface_in": 3, "timestamp_start": "2023-11-14 22:13:20.000000", "packets": 12, "bytes": 840})");
  EXPECT_EQ(format_json_line(spec, row, {Style::kClient, true}),
            R"({"as_dst": 65002, "peer_ip_dst": "", "src_as_path": "65001_65002", "iface_in": 3, )"
            R"("timestamp_start": "2023-11-14T22:13:20.000000Z", "packets": 12, "flows": 2, "bytes": 840})");
  EXPECT_EQ(format_csv(spec, {row}),
            "DST_AS,SRC_AS_PATH,PEER_DST_IP,IN_IFACE,TIMESTAMP_START,PACKETS,BYTES\n"
            "65002,65001_65002,,3,2023-11-14 22:13:20.000000,12,840\n");
  const std::string table = format_table(spec, {row});
  EXPECT_NE(table.find("^$"), std::string::npos - 1);  // (the source path is not empty here)
  EXPECT_EQ(table.substr(table.size() - 27), "\nFor a total of: 1 entries\n");
}

std::string fmt_micros(std::uint64_t ms) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), ".%06uZ", static_cast<unsigned>(ms % 1000U) * 1000U);
  return buf.data();
}

// pmacct_timestamp writes its digits by hand from std::chrono's calendar: the same text as gmtime_r + printf (strftime
// and printf, the reference here) on the epoch, leap days, the last four-digit year's end, beyond it, and
// 200,000 random instants.
TEST(RecordFormat, TimestampEqualsGmtimePrintf) {
  const auto reference = [](std::uint64_t ms) {  // strftime's calendar, printf's digits
    const auto secs = static_cast<std::time_t>(ms / 1000U);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::array<char, 64> date{};
    const std::size_t n = std::strftime(date.data(), date.size(), "%Y-%m-%dT%H:%M:%S", &tm);
    return std::string(date.data(), n) + fmt_micros(ms);
  };
  EXPECT_EQ(pmacct_timestamp(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(pmacct_timestamp(1'709'164'799'999ULL), "2024-02-28T23:59:59.999000Z");
  EXPECT_EQ(pmacct_timestamp(1'709'164'800'001ULL), "2024-02-29T00:00:00.001000Z");
  std::vector<std::uint64_t> cases{951'782'400'000ULL, 253'402'300'799'999ULL, 253'402'300'800'000ULL,
                                   4'102'444'800'000ULL};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200'000; ++i) {
    cases.push_back(rng() % 253'402'300'800'000ULL);
  }
  for (const std::uint64_t ms : cases) {
    ASSERT_EQ(pmacct_timestamp(ms), reference(ms)) << ms;
  }
}

}  // namespace
}  // namespace flowlab::collector
