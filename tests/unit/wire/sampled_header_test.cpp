// One packet, one 5-tuple: the same frames through the meter's parser (what flowprobe keys its flows with) and
// through the sFlow decoder (a flow sample's sampled_header) must give the same key fields. The sFlow path once had
// a parser of its own that skipped AH / Mobility / HIP / Shim6 headers, QinQ 0x9100 tags and SCTP ports.
#include "probes/meter/packet.hpp"
#include "probes/wire/decoder.hpp"
#include "probes/wire/sflow.hpp"
#include "tests/unit/meter/frames.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace flowlab::wire {
namespace {

using meter::test::build_frame;
using meter::test::FrameSpec;

struct Case {
  std::string name;
  std::vector<std::byte> frame;
};

// Outer tag's TPID replaced (build_frame writes 0x8100 for every tag).
std::vector<std::byte> with_outer_tpid(std::vector<std::byte> frame, std::uint16_t tpid) {
  frame[12] = static_cast<std::byte>(tpid >> 8U);
  frame[13] = static_cast<std::byte>(tpid & 0xffU);
  return frame;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  FrameSpec qinq;
  qinq.vlans = {0x0123, 0x0456};
  out.push_back({"ipv4_tcp_qinq_9100", with_outer_tpid(build_frame(qinq), 0x9100)});
  out.push_back({"ipv4_tcp_qinq_88a8", with_outer_tpid(build_frame(qinq), 0x88a8)});
  FrameSpec single_9100;
  single_9100.vlans = {0x0042};
  single_9100.protocol = 17;
  out.push_back({"ipv4_udp_9100", with_outer_tpid(build_frame(single_9100), 0x9100)});
  for (std::uint8_t ext : {std::uint8_t{51}, std::uint8_t{135}, std::uint8_t{139}, std::uint8_t{140}}) {
    FrameSpec v6;
    v6.ip_version = 6;
    v6.src = meter::test::v6(1);
    v6.dst = meter::test::v6(2);
    v6.tos = 0x28;
    v6.ipv6_ext = {0, ext};
    v6.protocol = ext == 135 ? 17 : 6;
    out.push_back({"ipv6_ext_" + std::to_string(ext), build_frame(v6)});
  }
  FrameSpec sctp;
  sctp.protocol = 132;
  sctp.payload = 12;
  std::vector<std::byte> sctp_frame = build_frame(sctp);  // build_frame writes no SCTP header: ports by hand
  constexpr std::size_t kSctpAt = 14 + 20;
  for (std::size_t i = 0; i < 4; ++i) {
    sctp_frame[kSctpAt + i] =
        std::array<std::byte, 4>{std::byte{0x13}, std::byte{0x88}, std::byte{0x17}, std::byte{0x70}}[i];
  }
  out.push_back({"ipv4_sctp", sctp_frame});
  FrameSpec icmp6;
  icmp6.ip_version = 6;
  icmp6.src = meter::test::v6(3);
  icmp6.dst = meter::test::v6(4);
  icmp6.protocol = 58;
  icmp6.icmp_type = 128;
  out.push_back({"ipv6_icmp_echo", build_frame(icmp6)});
  FrameSpec fragment;
  fragment.ip_version = 6;
  fragment.ipv6_ext = {44};
  fragment.fragment_offset = 8;
  out.push_back({"ipv6_later_fragment", build_frame(fragment)});
  return out;
}

// The frame as one sFlow flow sample, decoded by the Decoder into one FlowRecord.
FlowRecord through_sflow(const std::vector<std::byte>& frame) {
  SflowDatagram d;
  d.agent = *IpAddress::parse("192.0.2.1");
  SflowFlowSample s;
  s.frame_length = static_cast<std::uint32_t>(frame.size() + 4);
  s.header = frame;
  d.flow_samples.push_back(s);
  Decoder decoder;
  std::vector<FlowRecord> out;
  auto info = decoder.decode(encode_sflow(d), d.agent, 6343, 0, out);
  EXPECT_TRUE(info.ok());
  EXPECT_EQ(out.size(), 1U);
  return out.empty() ? FlowRecord{} : out.front();
}

TEST(SampledHeader, SflowDecoderAndMeterGiveTheSameKey) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    meter::ParsedPacket p;
    ASSERT_EQ(meter::parse_frame(meter::LinkType::kEthernet, Bytes(c.frame.data(), c.frame.size()), p),
              meter::ParseStatus::kOk);
    const FlowRecord r = through_sflow(c.frame);
    const std::size_t width = p.ip_version == 4 ? 4 : 16;
    if (r.src_addr.size() != width) {
      ADD_FAILURE() << "no IPv" << int{p.ip_version} << " record from the sFlow path";
      continue;
    }
    EXPECT_TRUE(
        std::equal(p.src.begin(), p.src.begin() + static_cast<std::ptrdiff_t>(width), r.src_addr.bytes.begin()));
    EXPECT_TRUE(
        std::equal(p.dst.begin(), p.dst.begin() + static_cast<std::ptrdiff_t>(width), r.dst_addr.bytes.begin()));
    EXPECT_EQ(r.protocol, p.protocol);
    EXPECT_EQ(r.tos, p.tos);
    EXPECT_EQ(r.src_port, p.src_port);
    EXPECT_EQ(r.dst_port, p.dst_port);
    EXPECT_EQ(r.tcp_flags, p.tcp_flags);
    EXPECT_EQ(r.vlan, p.vlan);
    EXPECT_EQ(r.bytes, p.l3_bytes);
  }
}

// The frames above are not degenerate: the meter sees ports behind every extension header and the outer VLAN.
TEST(SampledHeader, CasesCarryPortsAndVlans) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    meter::ParsedPacket p;
    ASSERT_EQ(meter::parse_frame(meter::LinkType::kEthernet, Bytes(c.frame.data(), c.frame.size()), p),
              meter::ParseStatus::kOk);
    if (c.name.find("fragment") == std::string::npos) {
      EXPECT_NE(p.dst_port, 0);
    }
    if (c.name.find("qinq") != std::string::npos || c.name.find("9100") != std::string::npos) {
      EXPECT_NE(p.vlan, 0);
    }
  }
}

}  // namespace
}  // namespace flowlab::wire
