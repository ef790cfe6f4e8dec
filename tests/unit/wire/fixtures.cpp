#include "tests/unit/wire/fixtures.hpp"

#include "common/bytes.hpp"

namespace flowlab::wire::test {

std::vector<FlowRecord> sample_records() {
  std::vector<FlowRecord> out;
  FlowRecord a;
  a.src_addr = *IpAddress::parse("192.0.2.1");
  a.dst_addr = *IpAddress::parse("198.51.100.10");
  a.src_port = 40000;
  a.dst_port = 443;
  a.protocol = 6;
  a.tos = 0x20;
  a.tcp_flags = 0x1b;
  a.input_ifindex = 2;
  a.output_ifindex = 3;
  a.packets = 100;
  a.bytes = 52000;
  a.first_ms = 1699999990000ULL;
  a.last_ms = 1699999999500ULL;
  a.next_hop = *IpAddress::parse("203.0.113.1");
  a.bgp_next_hop = *IpAddress::parse("203.0.113.2");
  a.src_mask = 24;
  a.dst_mask = 24;
  a.src_as = 64500;
  a.dst_as = 64510;
  a.src_peer_as = 64501;
  a.dst_peer_as = 64502;
  a.flow_end_reason = 3;
  a.direction = FlowDirection::kIngress;
  a.vlan = 100;
  out.push_back(a);

  FlowRecord b;
  b.src_addr = *IpAddress::parse("2001:db8:1::1");
  b.dst_addr = *IpAddress::parse("2001:db8:2::2");
  b.src_port = 5353;
  b.dst_port = 53;
  b.protocol = 17;
  b.tos = 0xb8;
  b.input_ifindex = 4;
  b.output_ifindex = 5;
  b.packets = 2;
  b.bytes = 200;
  b.first_ms = 1699999998000ULL;
  b.last_ms = 1699999998100ULL;
  b.next_hop = *IpAddress::parse("2001:db8::ff");
  b.bgp_next_hop = *IpAddress::parse("2001:db8::fe");
  b.src_mask = 48;
  b.dst_mask = 48;
  b.src_as = 64500;
  b.dst_as = 4200000001U;
  b.flow_end_reason = 1;
  b.direction = FlowDirection::kEgress;
  out.push_back(b);

  FlowRecord c;
  c.src_addr = *IpAddress::parse("192.0.2.3");
  c.dst_addr = *IpAddress::parse("198.51.100.3");
  c.dst_port = 0x0800;  // ICMP echo request
  c.protocol = 1;
  c.input_ifindex = 2;
  c.packets = 1;
  c.bytes = 84;
  c.first_ms = 1699999999900ULL;
  c.last_ms = 1699999999900ULL;
  c.src_as = 4200000000U;
  c.flow_end_reason = 2;
  out.push_back(c);
  return out;
}

std::vector<std::byte> ipv4_tcp_frame() {
  Writer w;
  w.bytes(from_hex("02 00 00 00 00 02 02 00 00 00 00 01"));  // dst, src MAC
  w.u16(0x8100);
  w.u16(100);  // VLAN 100, priority 0
  w.u16(0x0800);
  w.bytes(from_hex("45 20 05 dc 12 34 40 00 40 06 00 00"));  // v4, tos 0x20, total 1500, DF, ttl 64, TCP
  w.bytes(from_hex("c0 00 02 01 c6 33 64 0a"));              // 192.0.2.1 -> 198.51.100.10
  w.u16(40000);
  w.u16(443);
  w.u32(1);
  w.u32(2);
  w.u8(0x50);
  w.u8(0x18);  // PSH ACK
  w.u16(0xffff);
  w.u32(0);
  return w.take();
}

std::vector<std::byte> ipv6_udp_frame() {
  Writer w;
  w.bytes(from_hex("02 00 00 00 00 02 02 00 00 00 00 01 86 dd"));
  w.bytes(from_hex("6b 80 00 00 00 50 11 40"));  // tc 0xb8, payload 80, UDP, hop 64
  w.bytes(from_hex("20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 01"));
  w.bytes(from_hex("20 01 0d b8 00 02 00 00 00 00 00 00 00 00 00 02"));
  w.u16(5353);
  w.u16(53);
  w.u16(80);
  w.u16(0);
  return w.take();
}

SflowDatagram sample_sflow() {
  SflowDatagram d;
  d.agent = *IpAddress::parse("192.0.2.254");
  d.sub_agent_id = 1;
  d.sequence = 10;
  d.uptime_ms = 123456;

  SflowFlowSample a;
  a.sequence = 1;
  a.source_id_index = 5;
  a.sampling_rate = 256;
  a.sample_pool = 25600;
  a.input = 5;
  a.output = 6;
  a.header = ipv4_tcp_frame();
  a.frame_length = 1500 + 18 + 4;
  a.stripped = 4;
  a.router = SflowExtendedRouter{*IpAddress::parse("203.0.113.1"), 24, 22};
  SflowExtendedGateway g;
  g.next_hop = *IpAddress::parse("203.0.113.2");
  g.as = 64500;
  g.src_as = 64496;
  g.src_peer_as = 64497;
  g.dst_as_path = {64510, 64520, 64530};
  g.communities = {0xfbf40064U};  // 64500:100
  g.local_pref = 100;
  a.gateway = g;
  d.flow_samples.push_back(a);

  SflowFlowSample b;
  b.expanded = true;
  b.sequence = 2;
  b.source_id_index = 7;
  b.sampling_rate = 1000;
  b.sample_pool = 7000;
  b.drops = 1;
  b.input = 7;
  b.output = 8;
  b.header = ipv6_udp_frame();
  b.frame_length = 14 + 40 + 80 + 4;
  b.stripped = 4;
  d.flow_samples.push_back(b);

  SflowCounterSample c;
  c.sequence = 3;
  c.source_id_index = 5;
  c.counters.if_index = 5;
  c.counters.if_speed = 10000000000ULL;
  c.counters.in_octets = 123456789;
  c.counters.in_ucast_pkts = 1000;
  c.counters.out_octets = 987654321;
  c.counters.out_ucast_pkts = 2000;
  d.counter_samples.push_back(c);
  SflowCounterSample e = c;
  e.expanded = true;
  e.sequence = 4;
  e.source_id_index = 7;
  e.counters.if_index = 7;
  e.counters.in_errors = 3;
  d.counter_samples.push_back(e);
  return d;
}

std::vector<std::vector<std::byte>> encode_case(const std::string& name) {
  const auto records = sample_records();
  if (name == "sflow_samples") {
    return {encode_sflow(sample_sflow())};
  }
  ExportOptions o;
  o.boot_time_ms = kBootMs;
  if (name == "exporter_v5") {
    o.protocol = ExportProtocol::kNetflowV5;
    o.observation_domain = 0x0102;
    o.sampling_interval = 10;
  } else if (name == "exporter_v9") {
    o.protocol = ExportProtocol::kNetflowV9;
    o.observation_domain = 42;
    o.sampling_interval = 10;
  } else if (name == "exporter_ipfix") {
    o.protocol = ExportProtocol::kIpfix;
    o.observation_domain = 7;
    o.sampling_interval = 10;
  } else {
    return {};
  }
  Exporter exporter(o);
  auto out = exporter.encode(records, kNowMs);
  // A second batch one second later: no templates (not due), sequence numbers advance.
  auto more = exporter.encode(std::span<const FlowRecord>(records).first(1), kNowMs + 1000);
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

}  // namespace flowlab::wire::test
