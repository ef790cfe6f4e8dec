// flowlab::probe::ExportSink — where export datagrams go: one connected UDP socket per collector (IPv4 or IPv6,
// optionally bound to --source), plus, on request, a pcap file holding every datagram as an Ethernet/IP/UDP frame
// (--export-pcap: a loss-free copy for tshark and tests) and a JSON-lines file of the exported flow records
// (--flows-json). Send errors (e.g. ICMP port unreachable on loopback) are counted, never fatal.
#pragma once

#include "common/bytes.hpp"
#include "common/endpoint.hpp"
#include "common/fd.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "probes/probe/options.hpp"
#include "probes/wire/flow_record.hpp"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

struct pcap;
struct pcap_dumper;

namespace flowlab::probe {

struct SinkCounters {
  std::uint64_t datagrams_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t send_errors = 0;
  std::uint64_t flows_written = 0;  // --flows-json lines
};

class ExportSink {
 public:
  static Result<std::unique_ptr<ExportSink>> open(const ProbeOptions& options);
  ~ExportSink();
  ExportSink(const ExportSink&) = delete;
  ExportSink& operator=(const ExportSink&) = delete;

  // Sends one datagram to every collector (and into the export pcap, stamped now_ms).
  void send(Bytes datagram, std::uint64_t now_ms);
  // Appends records to the --flows-json file (no-op without it).
  void write_flows(std::span<const wire::FlowRecord> records);
  void flush_files();

  // The local address export leaves from (first collector's socket; --source; else 127.0.0.1).
  [[nodiscard]] const IpAddress& local_address() const { return local_address_; }
  [[nodiscard]] const SinkCounters& counters() const { return counters_; }

 private:
  struct Collector {
    Endpoint remote;
    Endpoint local;
    Fd fd;
  };
  ExportSink() = default;
  void dump(const Collector& c, Bytes datagram, std::uint64_t now_ms);

  std::vector<Collector> collectors_;
  IpAddress local_address_;
  pcap* dead_ = nullptr;
  pcap_dumper* dumper_ = nullptr;
  std::FILE* flows_ = nullptr;
  std::vector<std::byte> frame_;
  SinkCounters counters_;
};

// One UDP datagram as an Ethernet + IPv4/IPv6 + UDP frame with valid checksums (for the export pcap and tests);
// empty when the endpoints' families differ.
std::vector<std::byte> udp_frame(const Endpoint& from, const Endpoint& to, Bytes payload);

// One exported record as a JSON object (the --flows-json line, without the newline).
std::string flow_json(const wire::FlowRecord& r);

}  // namespace flowlab::probe
