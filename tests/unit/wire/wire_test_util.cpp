#include "tests/unit/wire/wire_test_util.hpp"

#include <pcap/pcap.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace flowlab::wire::test {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

bool update_golden() {
  const char* v = std::getenv("UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

std::vector<std::vector<std::byte>> load_hex_datagrams(const std::string& path) {
  std::vector<std::vector<std::byte>> out;
  std::istringstream in(read_file(path));
  std::string line;
  std::string current;
  bool started = false;
  while (std::getline(in, line)) {
    if (line.rfind("--- datagram", 0) == 0) {
      if (started) {
        out.push_back(from_hex(current));
      }
      current.clear();
      started = true;
      continue;
    }
    auto hash = line.find('#');
    if (hash != std::string::npos) {
      line.resize(hash);
    }
    current += line;
    current += ' ';
  }
  if (started) {
    out.push_back(from_hex(current));
  }
  return out;
}

void save_hex_datagrams(const std::string& path, const std::string& comment,
                        const std::vector<std::vector<std::byte>>& datagrams) {
  std::string text;
  std::istringstream c(comment);
  std::string line;
  while (std::getline(c, line)) {
    text += "# " + line + "\n";
  }
  for (const auto& d : datagrams) {
    text += "--- datagram (" + std::to_string(d.size()) + " bytes)\n";
    for (std::size_t i = 0; i < d.size(); i += 16) {
      text += to_hex(Bytes(d).subspan(i, std::min<std::size_t>(16, d.size() - i))) + "\n";
    }
  }
  write_file(path, text);
}

nlohmann::json to_json(const FlowRecord& r) {
  nlohmann::json j;
  j["src_addr"] = r.src_addr.to_string();
  j["dst_addr"] = r.dst_addr.to_string();
  j["src_port"] = r.src_port;
  j["dst_port"] = r.dst_port;
  j["protocol"] = r.protocol;
  j["tos"] = r.tos;
  j["tcp_flags"] = r.tcp_flags;
  j["vlan"] = r.vlan;
  j["input_ifindex"] = r.input_ifindex;
  j["output_ifindex"] = r.output_ifindex;
  j["packets"] = r.packets;
  j["bytes"] = r.bytes;
  j["flows"] = r.flows;
  j["first_ms"] = r.first_ms;
  j["last_ms"] = r.last_ms;
  j["next_hop"] = r.next_hop.to_string();
  j["bgp_next_hop"] = r.bgp_next_hop.to_string();
  j["src_mask"] = r.src_mask;
  j["dst_mask"] = r.dst_mask;
  j["src_as"] = r.src_as;
  j["dst_as"] = r.dst_as;
  j["src_peer_as"] = r.src_peer_as;
  j["dst_peer_as"] = r.dst_peer_as;
  nlohmann::json path = nlohmann::json::array();
  for (std::size_t i = 0; i < r.as_path_length; ++i) {
    path.push_back(r.as_path[i]);
  }
  j["as_path"] = path;
  j["as_path_truncated"] = r.as_path_truncated;
  j["sampling_interval"] = r.sampling_interval;
  j["sampler_id"] = r.sampler_id;
  j["flow_end_reason"] = r.flow_end_reason;
  j["direction"] = to_string(r.direction);
  j["export_protocol"] = static_cast<int>(r.export_protocol);
  j["exporter"] = r.exporter.to_string();
  j["observation_domain"] = r.observation_domain;
  j["sequence"] = r.sequence;
  return j;
}

nlohmann::json to_json(const DecodeCounters& c) {
  nlohmann::json j = nlohmann::json::object();
  c.for_each([&](std::string_view name, std::uint64_t value) {
    if (value != 0) {
      j[std::string(name)] = value;
    }
  });
  return j;
}

namespace {

constexpr int kLinkNull = 0;
constexpr int kLinkEthernet = 1;
constexpr int kLinkRaw = 101;
constexpr int kLinkLinuxSll = 113;
constexpr int kLinkLoop = 108;

bool parse_frame(Bytes frame, int link, UdpPayload& out) {
  Reader r(frame);
  std::uint16_t ether_type = 0;
  switch (link) {
    case kLinkEthernet:
      r.skip(12);
      ether_type = r.u16();
      while (ether_type == 0x8100 && r.ok()) {
        r.skip(2);
        ether_type = r.u16();
      }
      break;
    case kLinkLinuxSll:
      r.skip(14);
      ether_type = r.u16();
      break;
    case kLinkNull:
    case kLinkLoop: {
      auto family = r.array<4>();
      ether_type = (family[0] == 2 || family[3] == 2) ? 0x0800 : 0x86dd;
      break;
    }
    case kLinkRaw: {
      Bytes rest = r.peek_rest();
      ether_type = !rest.empty() && (std::to_integer<unsigned>(rest[0]) >> 4U) == 6 ? 0x86dd : 0x0800;
      break;
    }
    default:
      return false;
  }
  std::uint8_t proto = 0;
  if (ether_type == 0x0800) {
    const std::uint8_t vihl = r.u8();
    r.skip(8);
    proto = r.u8();
    r.skip(2);
    out.src = IpAddress::v4(r.array<4>());
    r.skip(4);
    r.skip((vihl & 0x0fU) * 4U - 20U);
  } else if (ether_type == 0x86dd) {
    r.skip(6);
    proto = r.u8();
    r.skip(1);
    out.src = IpAddress::v6(r.array<16>());
    r.skip(16);
  } else {
    return false;
  }
  if (proto != 17) {
    return false;
  }
  out.src_port = r.u16();
  out.dst_port = r.u16();
  const std::uint16_t length = r.u16();
  r.skip(2);
  if (!r.ok() || length < 8) {
    return false;
  }
  Bytes payload = r.bytes(std::min<std::size_t>(length - 8U, r.remaining()));
  out.payload.assign(payload.begin(), payload.end());
  return r.ok();
}

}  // namespace

std::vector<UdpPayload> read_udp_payloads(const std::string& path, std::string* error) {
  std::vector<UdpPayload> out;
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pcap = pcap_open_offline(path.c_str(), errbuf);
  if (pcap == nullptr) {
    if (error != nullptr) {
      *error = errbuf;
    }
    return out;
  }
  const int link = pcap_datalink(pcap);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(pcap, &header, &data) == 1) {
    UdpPayload p;
    p.ts_ms =
        static_cast<std::uint64_t>(header->ts.tv_sec) * 1000U + static_cast<std::uint64_t>(header->ts.tv_usec) / 1000U;
    Bytes frame = std::as_bytes(std::span<const u_char>(data, header->caplen));
    if (parse_frame(frame, link, p)) {
      out.push_back(std::move(p));
    }
  }
  pcap_close(pcap);
  return out;
}

bool write_udp_pcap(const std::string& path, const std::vector<std::vector<std::byte>>& datagrams,
                    std::uint16_t dst_port) {
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
  if (dead == nullptr) {
    return false;
  }
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  if (dumper == nullptr) {
    pcap_close(dead);
    return false;
  }
  long usec = 0;
  for (const auto& d : datagrams) {
    Writer w;
    w.zeros(12);
    w.u16(0x0800);
    const std::size_t ip_start = w.size();
    w.u8(0x45);
    w.u8(0);
    w.u16(static_cast<std::uint16_t>(20 + 8 + d.size()));
    w.u16(0);
    w.u16(0x4000);
    w.u8(64);
    w.u8(17);
    w.u16(0);  // checksum, below
    w.u32(0x7f000001);
    w.u32(0x7f000001);
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < 20; i += 2) {
      sum += static_cast<std::uint32_t>(std::to_integer<unsigned>(w.buffer()[ip_start + i]) << 8U |
                                        std::to_integer<unsigned>(w.buffer()[ip_start + i + 1]));
    }
    while (sum > 0xffff) {
      sum = (sum & 0xffffU) + (sum >> 16U);
    }
    w.patch_u16(ip_start + 10, static_cast<std::uint16_t>(~sum & 0xffffU));
    w.u16(40000);
    w.u16(dst_port);
    w.u16(static_cast<std::uint16_t>(8 + d.size()));
    w.u16(0);  // no UDP checksum (allowed for IPv4)
    w.bytes(Bytes(d));
    pcap_pkthdr h{};
    h.ts.tv_sec = 1700000000;
    h.ts.tv_usec = usec++;
    h.caplen = static_cast<bpf_u_int32>(w.size());
    h.len = h.caplen;
    pcap_dump(reinterpret_cast<u_char*>(dumper), &h,  // NOLINT: libpcap's C API
              reinterpret_cast<const u_char*>(w.buffer().data()));
    (void)0;
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
  return true;
}

}  // namespace flowlab::wire::test
