#include "probes/probe/export_sink.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

namespace flowlab::probe {
namespace {

std::uint16_t default_port(wire::ExportProtocol p) {
  switch (p) {
    case wire::ExportProtocol::kIpfix:
      return 4739;
    case wire::ExportProtocol::kSflowV5:
      return 6343;
    default:
      return 2055;
  }
}

socklen_t to_sockaddr(const Endpoint& e, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof(ss));
  if (e.address.is_v6()) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(e.port);
    std::memcpy(&sin6.sin6_addr, e.address.bytes.data(), 16);
    std::memcpy(&ss, &sin6, sizeof(sin6));
    return sizeof(sin6);
  }
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(e.port);
  std::memcpy(&sin.sin_addr, e.address.bytes.data(), 4);
  std::memcpy(&ss, &sin, sizeof(sin));
  return sizeof(sin);
}

Endpoint from_sockaddr(const sockaddr_storage& ss) {
  Endpoint e;
  if (ss.ss_family == AF_INET6) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, &ss, sizeof(sin6));
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), &sin6.sin6_addr, 16);
    e.address = IpAddress::v6(b);
    e.port = ntohs(sin6.sin6_port);
  } else {
    sockaddr_in sin{};
    std::memcpy(&sin, &ss, sizeof(sin));
    std::array<std::uint8_t, 4> b{};
    std::memcpy(b.data(), &sin.sin_addr, 4);
    e.address = IpAddress::v4(b);
    e.port = ntohs(sin.sin_port);
  }
  return e;
}

std::uint32_t sum16(Bytes b, std::uint32_t acc = 0) {
  Reader r(b);
  while (r.remaining() >= 2) {
    acc += r.u16();
  }
  if (r.remaining() == 1) {
    acc += static_cast<std::uint32_t>(r.u8()) << 8U;
  }
  return acc;
}

std::uint16_t fold(std::uint32_t acc) {
  while ((acc >> 16U) != 0) {
    acc = (acc & 0xffffU) + (acc >> 16U);
  }
  return static_cast<std::uint16_t>(~acc & 0xffffU);
}

}  // namespace

std::vector<std::byte> udp_frame(const Endpoint& from, const Endpoint& to, Bytes payload) {
  const bool v6 = to.address.is_v6();
  const std::size_t udp_len = 8 + payload.size();
  Writer w(14 + 40 + udp_len);
  w.zeros(12);  // loopback frames carry zero MACs
  w.u16(v6 ? 0x86dd : 0x0800);
  const std::size_t ip_at = w.size();
  const std::size_t addr_len = v6 ? 16 : 4;
  if (v6) {
    w.u32(0x60000000U);
    w.u16(static_cast<std::uint16_t>(udp_len));
    w.u8(17);
    w.u8(64);
  } else {
    w.u8(0x45);
    w.u8(0);
    w.u16(static_cast<std::uint16_t>(20 + udp_len));
    w.u16(0);
    w.u16(0x4000);  // DF
    w.u8(64);
    w.u8(17);
    w.u16(0);
  }
  w.bytes(std::span<const std::uint8_t>(from.address.bytes.data(), addr_len));
  w.bytes(std::span<const std::uint8_t>(to.address.bytes.data(), addr_len));
  const std::size_t udp_at = w.size();
  w.u16(from.port);
  w.u16(to.port);
  w.u16(static_cast<std::uint16_t>(udp_len));
  w.u16(0);
  w.bytes(payload);
  if (!v6) {
    w.patch_u16(ip_at + 10, fold(sum16(w.view().subspan(ip_at, 20))));
  }
  // UDP checksum over the pseudo-header (addresses, protocol, length) and the datagram.
  std::uint32_t acc = sum16(w.view().subspan(udp_at - 2 * addr_len, 2 * addr_len));
  acc += 17U + static_cast<std::uint32_t>(udp_len & 0xffffU) + static_cast<std::uint32_t>(udp_len >> 16U);
  acc = sum16(w.view().subspan(udp_at), acc);
  std::uint16_t check = fold(acc);
  w.patch_u16(udp_at + 6, check == 0 ? 0xffff : check);
  return w.take();
}

std::string flow_json(const wire::FlowRecord& r) {
  nlohmann::json j;
  j["src"] = r.src_addr.to_string();
  j["dst"] = r.dst_addr.to_string();
  j["sport"] = r.src_port;
  j["dport"] = r.dst_port;
  j["proto"] = r.protocol;
  j["tos"] = r.tos;
  j["tcp_flags"] = r.tcp_flags;
  j["vlan"] = r.vlan;
  j["packets"] = r.packets;
  j["bytes"] = r.bytes;
  j["first_ms"] = r.first_ms;
  j["last_ms"] = r.last_ms;
  j["iface_in"] = r.input_ifindex;
  j["iface_out"] = r.output_ifindex;
  j["next_hop"] = r.next_hop.to_string();
  j["mask_src"] = r.src_mask;
  j["mask_dst"] = r.dst_mask;
  // The BGP feed's fields (--bgp-peer), only when set: a record without them keeps its old shape.
  if (r.src_as != 0 || r.dst_as != 0 || r.src_peer_as != 0 || r.dst_peer_as != 0 || r.bgp_next_hop.is_set()) {
    j["src_as"] = r.src_as;
    j["dst_as"] = r.dst_as;
    j["src_peer_as"] = r.src_peer_as;
    j["dst_peer_as"] = r.dst_peer_as;
    j["bgp_next_hop"] = r.bgp_next_hop.is_set() ? r.bgp_next_hop.to_string() : "";
  }
  j["sampling_interval"] = r.sampling_interval;
  j["end_reason"] = r.flow_end_reason;
  j["direction"] = wire::to_string(r.direction);
  return j.dump();
}

Result<std::unique_ptr<ExportSink>> ExportSink::open(const ProbeOptions& options) {
  std::unique_ptr<ExportSink> sink(new ExportSink());
  for (const Endpoint& remote : options.collectors) {
    Collector c;
    c.remote = remote;
    const int family = remote.address.is_v6() ? AF_INET6 : AF_INET;
    c.fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      return fail(ErrorKind::kSocket,
                  "opening UDP socket for collector " + remote.to_string() + ": " + std::strerror(errno));
    }
    const int sndbuf = 4 << 20;
    (void)::setsockopt(c.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    sockaddr_storage ss{};
    if (options.source) {
      const socklen_t len = to_sockaddr(Endpoint{*options.source, 0}, ss);
      if (::bind(c.fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
        const std::string why = std::strerror(errno);
        ::close(c.fd);
        return fail(ErrorKind::kSocket, "binding export socket to " + options.source->to_string() + ": " + why);
      }
    }
    const socklen_t len = to_sockaddr(remote, ss);
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
      const std::string why = std::strerror(errno);
      ::close(c.fd);
      return fail(ErrorKind::kSocket, "connecting export socket to " + remote.to_string() + ": " + why);
    }
    sockaddr_storage local{};
    socklen_t local_len = sizeof(local);
    if (::getsockname(c.fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
      c.local = from_sockaddr(local);
    }
    sink->collectors_.push_back(c);
  }
  if (!sink->collectors_.empty()) {
    sink->local_address_ = sink->collectors_.front().local.address;
  } else if (options.source) {
    sink->local_address_ = *options.source;
  } else {
    sink->local_address_ = IpAddress::v4(0x7f000001U);
  }
  if (!options.export_pcap.empty()) {
    sink->dead_ = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_MICRO);
    sink->dumper_ = sink->dead_ == nullptr ? nullptr : pcap_dump_open(sink->dead_, options.export_pcap.c_str());
    if (sink->dumper_ == nullptr) {
      return fail(ErrorKind::kPcap, "opening export pcap " + options.export_pcap + ": " +
                                        (sink->dead_ != nullptr ? pcap_geterr(sink->dead_) : "pcap_open_dead failed"));
    }
    if (sink->collectors_.empty()) {  // nothing sent: frame the copy as going to the format's usual port
      Collector c;
      c.remote = Endpoint{IpAddress::v4(0x7f000001U), default_port(options.protocol)};
      c.local = Endpoint{sink->local_address_, 50000};
      sink->collectors_.push_back(c);
    }
  }
  if (!options.flows_json.empty()) {
    sink->flows_ = std::fopen(options.flows_json.c_str(), "w");
    if (sink->flows_ == nullptr) {
      return fail(ErrorKind::kIo, "opening --flows-json file " + options.flows_json + ": " + std::strerror(errno));
    }
  }
  return sink;
}

ExportSink::~ExportSink() {
  for (const Collector& c : collectors_) {
    if (c.fd >= 0) {
      ::close(c.fd);
    }
  }
  if (dumper_ != nullptr) {
    pcap_dump_close(dumper_);
  }
  if (dead_ != nullptr) {
    pcap_close(dead_);
  }
  if (flows_ != nullptr) {
    std::fclose(flows_);
  }
}

void ExportSink::dump(const Collector& c, Bytes datagram, std::uint64_t now_ms) {
  const std::vector<std::byte> frame = udp_frame(c.local, c.remote, datagram);
  pcap_pkthdr hdr{};
  hdr.ts.tv_sec = static_cast<time_t>(now_ms / 1000U);
  hdr.ts.tv_usec = static_cast<suseconds_t>((now_ms % 1000U) * 1000U);
  hdr.caplen = static_cast<bpf_u_int32>(frame.size());
  hdr.len = hdr.caplen;
  pcap_dump(reinterpret_cast<u_char*>(dumper_), &hdr, reinterpret_cast<const u_char*>(frame.data()));
}

void ExportSink::send(Bytes datagram, std::uint64_t now_ms) {
  for (const Collector& c : collectors_) {
    if (c.fd >= 0) {
      ssize_t n = ::send(c.fd, datagram.data(), datagram.size(), 0);
      if (n < 0 && errno == ECONNREFUSED) {
        // A connected UDP socket reports an earlier ICMP port unreachable on the next send, which then does not
        // go out: the error is consumed, so send once more (collectors that start late still get everything).
        n = ::send(c.fd, datagram.data(), datagram.size(), 0);
      }
      if (n == static_cast<ssize_t>(datagram.size())) {
        ++counters_.datagrams_sent;
        counters_.bytes_sent += datagram.size();
      } else {
        ++counters_.send_errors;
      }
    }
    if (dumper_ != nullptr) {
      dump(c, datagram, now_ms);
    }
  }
}

void ExportSink::write_flows(std::span<const wire::FlowRecord> records) {
  if (flows_ == nullptr) {
    return;
  }
  for (const auto& r : records) {
    const std::string line = flow_json(r);
    std::fputs(line.c_str(), flows_);
    std::fputc('\n', flows_);
    ++counters_.flows_written;
  }
}

void ExportSink::flush_files() {
  if (dumper_ != nullptr) {
    pcap_dump_flush(dumper_);
  }
  if (flows_ != nullptr) {
    std::fflush(flows_);
  }
}

}  // namespace flowlab::probe
