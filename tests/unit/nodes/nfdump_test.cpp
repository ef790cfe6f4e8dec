// The nfdump collector kinds (nodes/nfdump): the readers of nfdump's output on captures of the real tools
// (tests/data/nfdump_*_softflowd_v9.*: nfcapd 1.7.1 fed export_softflowd_v9.pcap).
#include "nodes/core/files.hpp"
#include "nodes/nfdump/nfdump_parse.hpp"

#include <gtest/gtest.h>

namespace flowlab::nodes::nfdump {
namespace {

std::string data(const std::string& name) {
  auto text = read_text_file(std::string(FLOWLAB_TEST_DATA_DIR) + "/" + name);
  EXPECT_TRUE(text.ok());
  EXPECT_FALSE(text->empty()) << name;
  return *text;
}

TEST(NfdumpParse, FlowsOfRealNfdump) {
  auto rows = parse_flows_json(data("nfdump_softflowd_v9.json"));
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 3U);
  const FlowRow& first = rows->front();
  EXPECT_EQ(first.fields.at("src_host"), "198.18.0.2");
  EXPECT_EQ(first.fields.at("dst_host"), "198.19.0.3");
  EXPECT_EQ(first.fields.at("src_port"), "1024");
  EXPECT_EQ(first.fields.at("dst_port"), "443");
  EXPECT_EQ(first.fields.at("proto"), "17");
  EXPECT_EQ(first.fields.at("iface_in"), "0");
  EXPECT_EQ(first.fields.at("peer_ip_src"), "127.0.0.1");
  EXPECT_EQ(first.packets, 2U);
  EXPECT_EQ(first.bytes, 681U);
  EXPECT_EQ(first.flows, 1U);
  // softflowd sends no AS numbers, masks or BGP next hop: those fields are absent (not provided), not "0".
  for (const char* absent : {"as_src", "as_dst", "mask_src", "net_src", "peer_ip_dst", "peer_as_src", "as_path"}) {
    EXPECT_EQ(first.fields.count(absent), 0U) << absent;
  }
}

TEST(NfdumpParse, MasksAndAsWhenExported) {
  const std::string record = R"([{"type": "FLOW", "src4_addr": "192.0.2.1", "dst4_addr": "203.0.113.2",
    "in_packets": 10, "in_bytes": 5120, "src_mask": 24, "dst_mask": 0, "src_net": "192.0.2.0", "dst_net": "",
    "src_as": 0, "dst_as": 65533, "next_as": 65530, "prev_as": 0, "bgp4_next_hop": "198.18.0.7"}])";
  auto rows = parse_flows_json(record);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1U);
  const auto& f = rows->front().fields;
  EXPECT_EQ(f.at("mask_src"), "24");
  EXPECT_EQ(f.at("net_src"), "192.0.2.0");
  EXPECT_EQ(f.count("mask_dst"), 0U);
  EXPECT_EQ(f.at("as_src"), "0");
  EXPECT_EQ(f.at("as_dst"), "65533");
  EXPECT_EQ(f.at("peer_as_dst"), "65530");
  EXPECT_EQ(f.at("peer_ip_dst"), "198.18.0.7");
  EXPECT_TRUE(parse_flows_json("").ok());
  EXPECT_FALSE(parse_flows_json("[{\"type\": ").ok());
}

}  // namespace
}  // namespace flowlab::nodes::nfdump
