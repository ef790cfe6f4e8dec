// The summary: the JSON fields labctl reads (null where a side cannot know), and the table printed from it.
#include "probes/gen/summary.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace flowlab::gen {
namespace {

std::vector<StreamSpec> specs() {
  std::vector<StreamSpec> v;
  for (const char* text : {"name=web,dst=198.51.100.10,proto=tcp,dport=443,packets=1000,size=512,pps=5000",
                           "name=ping6,src=2001:db8::1,dst=2001:db8::2,proto=icmp,packets=3,size=64"}) {
    v.push_back(parse_stream_option(text).value_or(StreamSpec{}));
  }
  EXPECT_TRUE(finalize_streams(v).ok());
  return v;
}

TEST(GenSummary, SenderJson) {
  const auto streams = specs();
  std::vector<StreamCounters> counters(2);
  counters[0] = {IpAddress::parse("192.0.2.1"), 1000, 512000, 1'000'000'000, 1'199'800'000};
  const auto j = streams_json(Mode::kSend, streams, counters);
  ASSERT_EQ(j.size(), 2U);
  EXPECT_EQ(j[0]["name"], "web");
  EXPECT_EQ(j[0]["family"], 4);
  EXPECT_EQ(j[0]["proto"], "tcp");
  EXPECT_EQ(j[0]["src"], "192.0.2.1");  // resolved
  EXPECT_EQ(j[0]["dst"], "198.51.100.10");
  EXPECT_EQ(j[0]["sport"], streams[0].sport);
  EXPECT_EQ(j[0]["dport"], 443);
  EXPECT_EQ(j[0]["packets_sent"], 1000);
  EXPECT_EQ(j[0]["bytes_sent"], 512000);
  EXPECT_TRUE(j[0]["packets_received"].is_null());
  EXPECT_TRUE(j[0]["bytes_received"].is_null());
  EXPECT_EQ(j[0]["first_ns"], 1'000'000'000);
  EXPECT_EQ(j[0]["last_ns"], 1'199'800'000);
  EXPECT_NEAR(j[0]["pps_achieved"].get<double>(), 5000.0, 1e-6);
  // ICMP: NetFlow's ports plus the ICMP fields; nothing sent yet -> null times.
  EXPECT_EQ(j[1]["proto"], "icmpv6");
  EXPECT_EQ(j[1]["family"], 6);
  EXPECT_EQ(j[1]["sport"], 0);
  EXPECT_EQ(j[1]["dport"], 128 << 8);
  EXPECT_EQ(j[1]["icmp_type"], 128);
  EXPECT_EQ(j[1]["icmp_id"], streams[1].sport);
  EXPECT_TRUE(j[1]["first_ns"].is_null());
  EXPECT_TRUE(j[1]["pps_achieved"].is_null());
}

TEST(GenSummary, SinkJsonAndTable) {
  const auto streams = specs();
  std::vector<StreamCounters> counters(2);
  counters[0] = {IpAddress::parse("192.0.2.1"), 999, 511488, 5, 6};
  const auto j = streams_json(Mode::kSink, streams, counters);
  EXPECT_TRUE(j[0]["packets_sent"].is_null());
  EXPECT_EQ(j[0]["packets_received"], 999);
  EXPECT_EQ(j[0]["bytes_received"], 511488);
  EXPECT_EQ(j[0]["packets_expected"], 1000);
  EXPECT_EQ(j[0]["bytes_expected"], 512000);
  EXPECT_FALSE(j[0].contains("pps_achieved"));
  nlohmann::json summary{{"mode", "sink"}, {"complete", false}, {"kernel_drops", 0}, {"streams", j}};
  const std::string table = summary_text(summary);
  EXPECT_NE(table.find("received"), std::string::npos) << table;
  EXPECT_NE(table.find("web"), std::string::npos);
  EXPECT_NE(table.find("511488"), std::string::npos);
  EXPECT_NE(table.find("complete: false"), std::string::npos) << table;
  std::printf("%s", table.c_str());
}

}  // namespace
}  // namespace flowlab::gen
