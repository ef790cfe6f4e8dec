// A run's time steps from two readings of the collector's aggregate (labctl/ui/intervals.hpp), without a lab.
#include "labctl/ui/intervals.hpp"

#include <gtest/gtest.h>

namespace flowlab::ui {
namespace {

using nlohmann::json;

// r1 (exporter 198.18.0.0 in dualstack-failover) sends h1 -> h3 out of eth1 (peer AS 65010) and out of eth2 (65020).
json table(std::uint64_t via_u1, std::uint64_t via_u2) {
  const json primitives = {"peer_src_ip", "src_as", "dst_as", "peer_dst_as", "dst_net", "dst_mask", "out_iface"};
  json rows = json::array();
  for (const auto& [peer, iface, bytes] : {std::tuple{65010, 2, via_u1}, std::tuple{65020, 3, via_u2}}) {
    if (bytes > 0) {
      rows.push_back({{"values", {"10.255.0.2", 0, 65030, peer, "203.0.113.0", 24, iface}},
                      {"bytes", bytes},
                      {"packets", bytes / 256},
                      {"flows", 1}});
    }
  }
  return {{"primitives", primitives}, {"rows", rows}};
}

RowLabels labels() {
  RowLabels l;
  static topology::Node r1;
  r1.name = "r1";
  r1.asn = 64500;
  l.exporters["10.255.0.2"] = &r1;
  l.ifnames["r1"] = {{2, "eth1"}, {3, "eth2"}};
  return l;
}

std::uint64_t bytes_of(const json& step, const std::string& group, const std::string& key) {
  for (const auto& r : step["groups"][group]) {
    if (r["key"] == key) {
      return r["bytes"].get<std::uint64_t>();
    }
  }
  return 0;
}

TEST(Intervals, DeltaKeepsWhatEachRowGained) {
  const json d = table_delta(table(256000, 512), table(256000, 0));
  ASSERT_EQ(d["rows"].size(), 1U);  // the u1 row did not change
  EXPECT_EQ(d["rows"][0]["bytes"], 512);
  EXPECT_EQ(d["rows"][0]["values"][3], 65020);
  EXPECT_EQ(d["primitives"].size(), 7U);
}

TEST(Intervals, FirstReadingAndResetCountFromZero) {
  EXPECT_EQ(table_delta(table(1024, 0), json::object())["rows"][0]["bytes"], 1024);
  // The collector restarted: its counters went down, so what it holds now is all new.
  EXPECT_EQ(table_delta(table(512, 0), table(4096, 0))["rows"][0]["bytes"], 512);
}

TEST(Intervals, StepGroupsByPeerAsAndInterfaceWithRates) {
  const json before = table(256000, 0);
  const json after = table(256000, 128000);
  const json step = interval_json(table_delta(after, before), labels(), 10, 12, "link down r1:eth1");
  EXPECT_EQ(step["event"], "link down r1:eth1");
  EXPECT_EQ(step["start"], 10);
  EXPECT_EQ(step["end"], 12);
  EXPECT_EQ(bytes_of(step, "peer_as", "AS 65020"), 128000U);
  EXPECT_EQ(bytes_of(step, "peer_as", "AS 65010"), 0U);  // none of u1's traffic in this step
  EXPECT_EQ(bytes_of(step, "interface", "r1:eth2 out"), 128000U);
  EXPECT_DOUBLE_EQ(step["total"]["bytes_per_second"].get<double>(), 64000.0);
  EXPECT_DOUBLE_EQ(step["groups"]["peer_as"][0]["bytes_per_second"].get<double>(), 64000.0);
  ASSERT_EQ(step["facts"].size(), 1U);
  EXPECT_EQ(step["facts"][0]["peer_as_dst"], 65020);
  EXPECT_EQ(step["facts"][0]["direction"], "outbound");
}

}  // namespace
}  // namespace flowlab::ui
