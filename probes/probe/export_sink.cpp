#include "probes/probe/export_sink.hpp"

#include "common/inet.hpp"

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

}  // namespace

std::vector<std::byte> udp_frame(const Endpoint& from, const Endpoint& to, Bytes payload) {
  Writer w(14 + kMaxIpUdpHeaderBytes + payload.size());
  w.zeros(12);  // loopback frames carry zero MACs
  w.u16(to.address.is_v6() ? 0x86dd : 0x0800);
  if (!write_ip_udp_headers(w, from, to, payload.size(), InternetSum().add(payload), {.dont_fragment = true})) {
    return {};
  }
  w.bytes(payload);
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
  if (r.sampler_id != 0) {
    j["sampler_id"] = r.sampler_id;  // --sampler: which sampler metered it
  }
  j["end_reason"] = r.flow_end_reason;
  j["direction"] = wire::to_string(r.direction);
  return j.dump();
}

Result<std::unique_ptr<ExportSink>> ExportSink::open(const ProbeOptions& options) {
  std::unique_ptr<ExportSink> sink(new ExportSink());
  for (const Endpoint& remote : options.collectors) {
    Collector c;
    c.remote = remote;
    c.fd.reset(::socket(socket_family(remote.address), SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!c.fd) {
      return fail(ErrorKind::kSocket,
                  "opening UDP socket for collector " + remote.to_string() + ": " + std::strerror(errno));
    }
    const int sndbuf = 4 << 20;
    (void)::setsockopt(c.fd.get(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    if (options.source) {
      const SocketAddress source = to_sockaddr(Endpoint{*options.source, 0});
      if (::bind(c.fd.get(), source.get(), source.length) != 0) {
        return fail(ErrorKind::kSocket,
                    "binding export socket to " + options.source->to_string() + ": " + std::strerror(errno));
      }
    }
    const SocketAddress to = to_sockaddr(remote);
    if (::connect(c.fd.get(), to.get(), to.length) != 0) {
      return fail(ErrorKind::kSocket,
                  "connecting export socket to " + remote.to_string() + ": " + std::strerror(errno));
    }
    SocketAddress local;
    local.length = sizeof(local.storage);
    if (::getsockname(c.fd.get(), local.get(), &local.length) == 0) {
      c.local = from_sockaddr(local).value_or(Endpoint{});
    }
    sink->collectors_.push_back(std::move(c));
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
      // The usual loopback address of the local address's family, so the frame has one family.
      const IpAddress loopback = sink->local_address_.is_v6() ? *IpAddress::parse("::1") : IpAddress::v4(0x7f000001U);
      c.remote = Endpoint{loopback, default_port(options.protocol)};
      c.local = Endpoint{sink->local_address_, 50000};
      sink->collectors_.push_back(std::move(c));
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
  if (frame.empty()) {
    return;
  }
  pcap_pkthdr hdr{};
  hdr.ts.tv_sec = static_cast<time_t>(now_ms / 1000U);
  hdr.ts.tv_usec = static_cast<suseconds_t>((now_ms % 1000U) * 1000U);
  hdr.caplen = static_cast<bpf_u_int32>(frame.size());
  hdr.len = hdr.caplen;
  pcap_dump(reinterpret_cast<u_char*>(dumper_), &hdr, reinterpret_cast<const u_char*>(frame.data()));
}

void ExportSink::send(Bytes datagram, std::uint64_t now_ms) {
  for (const Collector& c : collectors_) {
    if (c.fd) {
      ssize_t n = ::send(c.fd.get(), datagram.data(), datagram.size(), 0);
      if (n < 0 && errno == ECONNREFUSED) {
        // A connected UDP socket reports an earlier ICMP port unreachable on the next send, which then does not
        // go out: the error is consumed, so send once more (collectors that start late still get everything).
        n = ::send(c.fd.get(), datagram.data(), datagram.size(), 0);
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
