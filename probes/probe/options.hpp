// flowlab::probe options — flowprobe's command line, parsed (CLI11) into one typed struct.
//
// Flags follow softflowd's where it has them (-i, -r, -n, -v, -t, -s, -d, -m, -b), so its users' habits carry
// over; every option also has a long form. parse_options() never exits the process: it returns the options, or
// a ParseOutcome saying "help was printed" / "bad input" with the message and the exit code (0 / 2).
#pragma once

#include "common/endpoint.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "probes/meter/sampler.hpp"
#include "probes/wire/exporter.hpp"
#include "probes/wire/flow_record.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace flowlab::probe {

enum class Direction : std::uint8_t { kIn, kOut, kBoth };

struct ProbeOptions {
  // Input: live interfaces or one capture file.
  std::vector<std::string> interfaces;
  std::string read_file;
  std::string filter;  // BPF expression
  std::size_t buffer_size = 32U << 20U;
  int snaplen = 256;
  Direction direction = Direction::kIn;
  std::uint32_t offline_ifindex = 0;  // input ifindex of packets read with -r
  // --ifindex IF=N (repeatable): record interface IF as ifindex N instead of the kernel's — in captures and in FIB
  // answers alike (like pmacctd's pcap_interfaces_map).
  std::map<std::string, std::uint32_t> ifindex_overrides;

  // Metering.
  std::uint64_t active_timeout_ms = 1800ULL * 1000ULL;
  std::uint64_t inactive_timeout_ms = 15ULL * 1000ULL;
  std::uint64_t expiry_interval_ms = 1000;
  std::size_t max_flows = 65536;
  std::uint32_t sampling = 1;
  meter::SamplingMode sampling_mode = meter::SamplingMode::kCount;
  std::uint64_t sampling_seed = 1;
  // --sampler IF=N[/ID] (repeatable): interface IF is sampled 1:N by its own sampler ID (default: its position + 1;
  // the -s sampler is --sampler-id). With any of them every interface samples on its own and each record carries
  // its interface's rate and sampler id.
  struct InterfaceSampler {
    std::string interface;
    std::uint32_t rate = 1;
    std::uint16_t id = 0;
  };
  std::vector<InterfaceSampler> interface_samplers;
  std::uint16_t sampler_id = 1;  // --sampler-id: the -s sampler's id
  // --sampler-options: how v9/IPFIX export announces the rates (probes/wire/exporter.hpp SamplerAnnounce).
  wire::SamplerAnnounce sampler_announce = wire::SamplerAnnounce::kDomain;

  // Export.
  std::vector<Endpoint> collectors;
  wire::ExportProtocol protocol = wire::ExportProtocol::kNetflowV9;
  std::uint32_t observation_domain = 0;
  std::optional<IpAddress> source;  // bind export sockets to this address
  std::uint32_t template_refresh_packets = 20;
  std::uint64_t template_refresh_ms = 60000;
  std::size_t max_datagram_bytes = 1400;
  std::string export_pcap;  // also write every export datagram into this pcap file
  std::string flows_json;   // also write every exported record as a JSON line

  // sFlow.
  std::uint32_t sflow_header_bytes = 128;
  std::uint64_t sflow_counter_interval_ms = 20000;
  std::optional<IpAddress> sflow_agent;

  // FIB (output ifindex, next hop, masks).
  bool fib = false;
  std::uint64_t fib_cache_ms = 60000;

  // BGP feed (model 1): iBGP with the router the probe runs on; every exported flow gets src/dst AS, the adjacent
  // ASes, the BGP next hop and src/dst masks from the longest-prefix match of its addresses (docs/flowprobe.md).
  std::vector<Endpoint> bgp_peers;   // --bgp-peer ADDR[:PORT] (repeatable): the router's session address(es)
  std::vector<Endpoint> bgp_listen;  // --bgp-listen ADDR[:PORT]: passive; without it flowprobe connects to the peers
  std::uint32_t bgp_asn = 0;         // --bgp-asn: our AS (0: answer with the peer's AS, i.e. iBGP)
  std::optional<IpAddress> bgp_router_id;  // --bgp-router-id (IPv4); default the first IPv4 listen/peer address + 1
  [[nodiscard]] bool bgp() const { return !bgp_peers.empty(); }

  // Reporting.
  bool json = false;
  std::string pidfile;
  std::string stats_file;  // stats JSON, rewritten atomically on SIGUSR1, after each SIGUSR2 flush and on exit
  std::string log_level = "info";
};

// What parse_options returns when it does not return options: help/version text (exit 0) or an error (exit 2).
struct ParseOutcome {
  int exit_code = 0;
  std::string message;
};

std::variant<ProbeOptions, ParseOutcome> parse_options(int argc, const char* const* argv);

// "192.0.2.1:2055", "[2001:db8::1]:2055", "localhost:2055" (resolved numerically first, then by getaddrinfo).
Result<Endpoint> parse_endpoint(std::string_view text);

// "ADDR", "ADDR:PORT", "[IPv6]:PORT" (numeric addresses only) with `default_port` when none is given.
Result<Endpoint> parse_bgp_endpoint(std::string_view text, std::uint16_t default_port);

// Applies one "--ifindex IF=N" (N in 1..2^31-1; IF a valid interface name, given once).
Status apply_ifindex(std::string_view spec, ProbeOptions& options);

// Applies one softflowd-style "-t name=value" timeout ("maxlife=60", "general=15s", "expint=1").
Status apply_timeout(std::string_view spec, ProbeOptions& options);

}  // namespace flowlab::probe
