// Golden: the third-party export captures in tests/data decode to exactly the flows nfdump printed for them
// (per flow: addresses, ports, protocol, packets, bytes; compared as sorted multisets).
#include "probes/wire/decoder.hpp"
#include "tests/unit/wire/wire_test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <sstream>

namespace flowlab::wire {
namespace {

std::string utc(std::uint64_t ms) {
  const auto t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string key(const std::string& ts, const std::string& te, const IpAddress& sa, const IpAddress& da, unsigned sp,
                unsigned dp, unsigned proto, std::uint64_t packets, std::uint64_t bytes) {
  std::ostringstream s;
  s << ts << ',' << te << ',' << sa.to_string() << ',' << da.to_string() << ',' << sp << ',' << dp << ',' << proto
    << ',' << packets << ',' << bytes;
  return s.str();
}

unsigned proto_number(const std::string& name) {
  if (name == "TCP") return 6;
  if (name == "UDP") return 17;
  if (name == "ICMP") return 1;
  if (name == "ICMP6") return 58;
  return static_cast<unsigned>(std::stoul(name));
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) {
    out.push_back(field);
  }
  return out;
}

// nfdump -o csv: header line "ts,te,td,sa,da,sp,dp,pr,...,ipkt,ibyt,..." then one line per flow, then "Summary".
std::vector<std::string> nfdump_flows(const std::string& path, bool times) {
  std::vector<std::string> out;
  std::istringstream in(test::read_file(path));
  std::string line;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    if (line.rfind("ts,", 0) == 0 && header.empty()) {
      header = split(line);
      continue;
    }
    if (line.rfind("Summary", 0) == 0) {
      break;
    }
    if (header.empty() || line.empty()) {
      continue;
    }
    auto f = split(line);
    auto col = [&](const char* name) {
      auto it = std::find(header.begin(), header.end(), name);
      return f.at(static_cast<std::size_t>(it - header.begin()));
    };
    auto sa = IpAddress::parse(col("sa"));
    auto da = IpAddress::parse(col("da"));
    if (!sa || !da) {
      ADD_FAILURE() << "bad address in " << line;
      continue;
    }
    out.push_back(key(times ? col("ts") : "", times ? col("te") : "", *sa, *da,
                      static_cast<unsigned>(std::stoul(col("sp"))), static_cast<unsigned>(std::stoul(col("dp"))),
                      proto_number(col("pr")), std::stoull(col("ipkt")), std::stoull(col("ibyt"))));
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Capture {
  const char* name;
  // nfdump's times are not a ground truth for softflowd's v9 (one 1-packet flow printed at 1970-01-01, as
  // First == 0) and IPFIX (start and end swapped): compare times only where nfdump is right.
  bool compare_times;
};

class CaptureTest : public ::testing::TestWithParam<Capture> {};

TEST_P(CaptureTest, DecodesToWhatNfdumpPrinted) {
  const std::string base = std::string(FLOWLAB_TEST_DATA_DIR) + "/" + GetParam().name;
  std::string error;
  auto datagrams = test::read_udp_payloads(base + ".pcap", &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_FALSE(datagrams.empty());

  Decoder decoder;
  std::vector<FlowRecord> records;
  for (const auto& d : datagrams) {
    auto info = decoder.decode(d.payload, d.src, d.src_port, d.ts_ms, records);
    ASSERT_TRUE(info.ok()) << info.error().to_string();
  }
  std::vector<std::string> ours;
  for (const auto& r : records) {
    const bool times = GetParam().compare_times;
    ours.push_back(key(times ? utc(r.first_ms) : "", times ? utc(r.last_ms) : "", r.src_addr, r.dst_addr, r.src_port,
                       r.dst_port, r.protocol, r.packets, r.bytes));
    EXPECT_EQ(r.sampling_interval, 1U);
    EXPECT_NE(r.first_ms, 0U);
    EXPECT_LE(r.first_ms, r.last_ms);
  }
  std::sort(ours.begin(), ours.end());
  const auto theirs = nfdump_flows(base + ".nfdump.csv", GetParam().compare_times);
  ASSERT_FALSE(theirs.empty());
  EXPECT_EQ(ours, theirs);
  const auto& c = decoder.counters();
  EXPECT_EQ(c.datagrams_bad, 0U);
  EXPECT_EQ(c.v9_template_missing + c.ipfix_template_missing, 0U);
  EXPECT_EQ(c.v9_padding_bad + c.ipfix_padding_bad + c.field_length_bad, 0U) << test::to_json(c).dump();
  RecordProperty("counters", test::to_json(c).dump());
}

INSTANTIATE_TEST_SUITE_P(ThirdPartyCaptures, CaptureTest,
                         ::testing::Values(Capture{"export_softflowd_v5", true}, Capture{"export_softflowd_v9", false},
                                           Capture{"export_softflowd_ipfix", false}, Capture{"export_pmacctd_v5", true},
                                           Capture{"export_pmacctd_v9", true}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace flowlab::wire
