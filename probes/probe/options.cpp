#include "probes/probe/options.hpp"

#include "common/duration.hpp"
#include "common/strings.hpp"
#include "probes/faults/faults.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <tuple>

namespace flowlab::probe {
namespace {

std::optional<std::uint64_t> parse_ms(std::string_view text) {
  const auto d = parse_duration(text);
  if (!d || d->count() < 0) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(d->count());
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  const auto port = parse_decimal<std::uint16_t>(text);
  return port == 0 ? std::nullopt : port;
}

std::optional<IpAddress> resolve(const std::string& host) {
  if (auto a = IpAddress::parse(host)) {
    return a;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) {
    return std::nullopt;
  }
  std::optional<IpAddress> out;
  for (addrinfo* ai = res; ai != nullptr && !out; ai = ai->ai_next) {
    if (auto endpoint = from_sockaddr(ai->ai_addr, ai->ai_addrlen)) {
      out = endpoint->address;
    }
  }
  freeaddrinfo(res);
  return out;
}

// CLI11 validator-style check of a duration string.
std::string check_duration(const std::string& text) {
  return parse_ms(text) ? std::string() : "not a duration (e.g. 500ms, 10s, 2m, 1h, or seconds): " + text;
}

}  // namespace

Result<Endpoint> parse_endpoint(std::string_view text) {
  std::string host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return fail(ErrorKind::kUsage, "collector '" + std::string(text) + "': expected [IPv6]:PORT");
    }
    host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return fail(ErrorKind::kUsage, "collector '" + std::string(text) + "': expected HOST:PORT or [IPv6]:PORT");
    }
    host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  const auto p = parse_port(port);
  if (!p) {
    return fail(ErrorKind::kUsage, "collector '" + std::string(text) + "': port must be 1..65535");
  }
  const auto address = resolve(host);
  if (!address) {
    return fail(ErrorKind::kUsage, "collector '" + std::string(text) + "': cannot resolve host '" + host + "'");
  }
  return Endpoint{*address, *p};
}

Result<Endpoint> parse_bgp_endpoint(std::string_view text, std::uint16_t default_port) {
  if (auto a = IpAddress::parse(text)) {
    return Endpoint{*a, default_port};
  }
  auto e = parse_endpoint(text);
  if (!e || !IpAddress::parse(e->address.to_string())) {
    return fail(ErrorKind::kUsage, "'" + std::string(text) + "': expected ADDR, ADDR:PORT or [IPv6]:PORT");
  }
  return e;
}

Status apply_ifindex(std::string_view spec, ProbeOptions& options) {
  const auto eq = spec.find('=');
  const std::string what = "--ifindex '" + std::string(spec) + "': ";
  if (eq == std::string_view::npos) {
    return fail(ErrorKind::kUsage, what + "expected IF=N (e.g. eth3=5)");
  }
  const std::string name(spec.substr(0, eq));
  if (name.empty() || name.size() > 15 || name.find('/') != std::string::npos) {
    return fail(ErrorKind::kUsage, what + "'" + name + "' is not an interface name");
  }
  const auto value = spec.substr(eq + 1);
  const auto index = parse_decimal<std::uint32_t>(value, 2147483647U);
  if (!index || *index == 0) {
    return fail(ErrorKind::kUsage, what + "the ifindex must be an integer in 1..2147483647");
  }
  if (!options.ifindex_overrides.emplace(name, *index).second) {
    return fail(ErrorKind::kUsage, what + name + " is given twice");
  }
  return {};
}

// --sampler IF=N[/ID]: interface IF sampled 1:N by sampler ID (default: its position + 1).
Status apply_sampler(std::string_view spec, ProbeOptions& options) {
  const std::string what = "--sampler '" + std::string(spec) + "': ";
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return fail(ErrorKind::kUsage, what + "expected IF=N or IF=N/ID (e.g. eth1=100/2)");
  }
  ProbeOptions::InterfaceSampler s;
  s.interface = std::string(spec.substr(0, eq));
  std::string_view rest = spec.substr(eq + 1);
  const auto slash = rest.find('/');
  const auto rate = parse_decimal<std::uint32_t>(rest.substr(0, slash), 1U << 30U);
  if (!rate || *rate == 0) {
    return fail(ErrorKind::kUsage, what + "the rate N must be an integer in 1..1073741824");
  }
  s.rate = *rate;
  s.id = static_cast<std::uint16_t>(options.interface_samplers.size() + 1);
  if (slash != std::string_view::npos) {
    const auto id = parse_decimal<std::uint16_t>(rest.substr(slash + 1));
    if (!id || *id == 0) {
      return fail(ErrorKind::kUsage, what + "the sampler ID must be an integer in 1..65535");
    }
    s.id = *id;
  }
  if (std::find(options.interfaces.begin(), options.interfaces.end(), s.interface) == options.interfaces.end()) {
    return fail(ErrorKind::kUsage, what + s.interface + " is not a captured interface (-i)");
  }
  for (const auto& other : options.interface_samplers) {
    if (other.interface == s.interface) {
      return fail(ErrorKind::kUsage, what + s.interface + " is given twice");
    }
  }
  options.interface_samplers.push_back(s);
  return {};
}

Status apply_timeout(std::string_view spec, ProbeOptions& options) {
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos) {
    return fail(ErrorKind::kUsage, "timeout '" + std::string(spec) + "': expected name=value (e.g. maxlife=60)");
  }
  const std::string name(spec.substr(0, eq));
  const auto value = parse_ms(spec.substr(eq + 1));
  if (!value) {
    return fail(ErrorKind::kUsage,
                "timeout '" + std::string(spec) + "': value is not a duration (10s, 2m, or seconds)");
  }
  if (name == "maxlife" || name == "active") {
    options.active_timeout_ms = *value;
  } else if (name == "general" || name == "inactive") {
    options.inactive_timeout_ms = *value;
  } else if (name == "expint") {
    options.expiry_interval_ms = *value;
  } else if (name == "tcp" || name == "tcp.rst" || name == "tcp.fin" || name == "udp" || name == "icmp") {
    return fail(ErrorKind::kUsage,
                "timeout '" + name +
                    "' is softflowd's but not flowprobe's: one inactive timeout (general) applies to every "
                    "protocol and TCP flows end at FIN/RST at once");
  } else {
    return fail(ErrorKind::kUsage, "unknown timeout '" + name + "' (known: maxlife|active, general|inactive, expint)");
  }
  if (options.active_timeout_ms == 0 || options.inactive_timeout_ms == 0) {
    return fail(ErrorKind::kUsage, "timeouts must be > 0");
  }
  return {};
}

namespace {

// What the command line gives as text (or flags) before it becomes ProbeOptions.
struct CliValues {
  std::vector<std::string> collectors;
  std::vector<std::string> timeouts;
  std::vector<std::string> ifindexes;
  std::vector<std::string> filter_words;
  std::string active;
  std::string inactive;
  std::string template_time;
  std::string counter_interval;
  std::string fib_cache;
  std::string source;
  std::string agent;
  std::vector<std::string> bgp_peers;
  std::vector<std::string> bgp_listen;
  std::string bgp_router_id;
  std::string direction = "in";
  std::string sampling_mode;  // "" = the format's default
  std::vector<std::string> samplers;
  std::string sampler_options = "domain";
  int version = 9;
  bool sflow = false;
  bool foreground = false;
  bool ip_bytes = false;
  bool ipv6 = false;
  std::vector<std::string> faults;
};

// The options in the order --help lists them: input, collectors and metering first.
void add_metering_options(CLI::App& app, ProbeOptions& o, CliValues& v) {
  // Repeatable options take one value per occurrence, so trailing BPF words are never swallowed.
  app.add_option("-i,--interface", o.interfaces, "Capture live on IF (repeatable; input ifindex = IF's ifindex)")
      ->type_name("IF")
      ->allow_extra_args(false);
  app.add_option("-r,--read", o.read_file, "Read packets from a pcap file instead (timeouts follow packet time)")
      ->type_name("FILE");
  app.add_option("-n,--collector", v.collectors, "Export to HOST:PORT or [IPv6]:PORT (repeatable)")
      ->type_name("HOST:PORT")
      ->allow_extra_args(false);
  app.add_option("-v,--export-version", v.version, "Export format: 5 (NetFlow v5), 9 (NetFlow v9), 10 (IPFIX)")
      ->check(CLI::IsMember({5, 9, 10}))
      ->default_val(9);
  app.add_flag("--sflow", v.sflow, "Export sFlow v5 instead: raw packet header samples + interface counter samples");
  app.add_option("-t,--timeout", v.timeouts,
                 "softflowd-style timeout name=value: maxlife|active, general|inactive, expint (repeatable)")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
  app.add_option("--active-timeout", v.active, "End flows older than this (default 30m)")
      ->type_name("DURATION")
      ->check(check_duration);
  app.add_option("--inactive-timeout", v.inactive, "End flows idle for this long (default 15s)")
      ->type_name("DURATION")
      ->check(check_duration);
  app.add_option("-s,--sampling", o.sampling, "1:N packet sampling (1 = every packet)")
      ->check(CLI::Range(1U, 1U << 30U))
      ->default_val(1);
  app.add_option("--sampling-mode", v.sampling_mode,
                 "count (every Nth packet) or random (probability 1/N); default: random with --sflow (sFlow v5 "
                 "section 4.2), else count")
      ->check(CLI::IsMember({"count", "random"}));
  app.add_option("--sampling-seed", o.sampling_seed, "Seed of the random sampler (reproducible runs)")->default_val(1);
  app.add_option("--sampler", v.samplers,
                 "Interface IF sampled 1:N by its own sampler ID (repeatable; default ID: position + 1; other "
                 "interfaces: -s as --sampler-id)")
      ->type_name("IF=N[/ID]")
      ->allow_extra_args(false);
  app.add_option("--sampler-id", o.sampler_id, "Sampler id of the -s sampler (options data, records)")
      ->check(CLI::Range(1, 65535))
      ->default_val(1);
  app.add_option("--sampler-options", v.sampler_options,
                 "How v9/IPFIX announce the rates: domain (34+305 per domain), ipfix-305 (per sampler id, "
                 "302/305/306), v9-34 (per sampler id, 48/34), in-record (34 in every record), none")
      ->check(CLI::IsMember({"domain", "ipfix-305", "v9-34", "in-record", "none"}))
      ->default_val("domain");
  app.add_option("-m,--max-flows", o.max_flows, "Flow cache size; when full the longest-idle flow is evicted")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30U))
      ->default_val(65536);
}

// Capture details (filter, buffer, direction, ifindex mapping) and the softflowd habits accepted as no-ops.
void add_capture_options(CLI::App& app, ProbeOptions& o, CliValues& v) {
  app.add_flag("-d,--foreground", v.foreground,
               "Accepted for softflowd habit; flowprobe always runs in the foreground");
  app.add_flag("-b,--ip-bytes", v.ip_bytes, "Accepted for softflowd habit; bytes are always layer-3 (IP total length)");
  app.add_option("-f,--filter", o.filter, "BPF filter expression (trailing words work too, as in softflowd)")
      ->type_name("EXPR");
  app.add_option("filter_words", v.filter_words, "BPF filter expression words")->type_name("");
  app.add_option("-B,--buffer-size", o.buffer_size, "libpcap kernel buffer per interface, bytes")
      ->default_val(32U << 20U);
  app.add_option("-C,--snaplen", o.snaplen, "Bytes captured per packet (headers only are needed)")
      ->check(CLI::Range(64, 262144))
      ->default_val(256);
  app.add_option("--direction", v.direction, "Packets to meter on live interfaces: in, out or both")
      ->check(CLI::IsMember({"in", "out", "both"}))
      ->default_val("in");
  app.add_option("--input-ifindex", o.offline_ifindex, "Input ifindex recorded for packets read with -r")
      ->default_val(0);
  app.add_option("--ifindex", v.ifindexes,
                 "Record interface IF as ifindex N instead of the kernel's (repeatable; captures and FIB answers)")
      ->type_name("IF=N")
      ->allow_extra_args(false);
  app.add_option("--observation-domain", o.observation_domain,
                 "v9 source id / IPFIX observation domain / sFlow sub-agent id; v5: engine type<<8 | engine id")
      ->default_val(0);
  // Hidden: the seeded-fault catalogue's switch (probes/faults/faults.hpp, docs/faults.md).
  app.add_option("--fault", v.faults)
      ->check([](const std::string& name) {
        auto s = faults::enable(name);
        return s ? std::string() : s.error().message;
      })
      ->group("");
}

// Export details, sFlow and the FIB.
void add_export_options(CLI::App& app, ProbeOptions& o, CliValues& v) {
  app.add_option("--source", v.source, "Send export from this local address")->type_name("ADDR");
  app.add_option("--template-refresh-packets", o.template_refresh_packets,
                 "Resend v9/IPFIX templates every N datagrams (0 = never by count)")
      ->default_val(20);
  app.add_option("--template-refresh-time", v.template_time, "... and at least this often (default 60s)")
      ->type_name("DURATION")
      ->check(check_duration);
  app.add_option("--max-datagram", o.max_datagram_bytes, "Largest UDP payload sent")
      ->check(CLI::Range(std::size_t{512}, std::size_t{65507}))
      ->default_val(1400);
  app.add_option("--export-pcap", o.export_pcap, "Also write every export datagram (as UDP/IP frames) to FILE")
      ->type_name("FILE");
  app.add_option("--flows-json", o.flows_json, "Also write every exported flow record as a JSON line to FILE")
      ->type_name("FILE");
  app.add_option("--sflow-header-bytes", o.sflow_header_bytes, "sFlow: bytes of each sampled packet's header")
      ->check(CLI::Range(14U, 256U))
      ->default_val(128);
  app.add_option("--sflow-counter-interval", v.counter_interval, "sFlow: interface counter samples period (20s)")
      ->type_name("DURATION")
      ->check(check_duration);
  app.add_option("--agent", v.agent, "sFlow agent address (default: --source, else the export socket's address)")
      ->type_name("ADDR");
  app.add_flag("--fib", o.fib, "Look up output ifindex, IP next hop and src/dst masks in the kernel FIB (netlink)");
  app.add_option("--fib-cache", v.fib_cache, "How long a FIB answer is cached per address (default 60s)")
      ->type_name("DURATION")
      ->check(check_duration);
}

// The BGP feed and reporting.
void add_feed_and_report_options(CLI::App& app, ProbeOptions& o, CliValues& v) {
  app.add_option("--bgp-peer", v.bgp_peers,
                 "BGP feed: peer with the router at ADDR[:PORT] (repeatable; port 179 when not given); flows get "
                 "src/dst AS, adjacent ASes, BGP next hop and masks from its routes")
      ->type_name("ADDR[:PORT]");
  app.add_option("--bgp-listen", v.bgp_listen,
                 "BGP feed: listen on ADDR[:PORT] and accept the --bgp-peer addresses only (passive; without it "
                 "flowprobe connects to the peers)")
      ->type_name("ADDR[:PORT]");
  app.add_option("--bgp-asn", o.bgp_asn, "BGP feed: our AS (default 0: the peer's own AS, i.e. iBGP)");
  app.add_option("--bgp-router-id", v.bgp_router_id, "BGP feed: our BGP identifier (default: from the session address)")
      ->type_name("A.B.C.D");
  app.add_option("-p,--pidfile", o.pidfile, "Write the process id to FILE (removed on exit)")->type_name("FILE");
  app.add_option("--stats-file", o.stats_file,
                 "Rewrite FILE with the stats JSON on SIGUSR1, after each SIGUSR2 flush and on exit")
      ->type_name("FILE");
  app.add_flag("-6,--ipv6", v.ipv6, "Accepted for softflowd habit; IPv6 is always metered");
  app.add_flag("--json", o.json, "Print the stats as one JSON line on exit and on SIGUSR1");
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->default_val("info");
}

// The checks after CLI11's, in the order they have always run (so the first problem reported stays the same).
Status finish_input_and_export(const CliValues& v, ProbeOptions& o) {
  if (o.interfaces.empty() == o.read_file.empty()) {
    return fail(ErrorKind::kUsage, "give either -i IF (live, repeatable) or -r FILE (offline)");
  }
  for (const auto& c : v.collectors) {
    auto endpoint = parse_endpoint(c);
    FLOWLAB_TRY(endpoint);
    o.collectors.push_back(*endpoint);
  }
  if (o.collectors.empty() && o.export_pcap.empty() && o.flows_json.empty()) {
    return fail(ErrorKind::kUsage, "nowhere to export: give -n HOST:PORT (or --export-pcap / --flows-json)");
  }
  o.protocol = v.sflow ? wire::ExportProtocol::kSflowV5 : static_cast<wire::ExportProtocol>(v.version);
  return {};
}

Status finish_metering(const CliValues& v, ProbeOptions& o) {
  for (const auto& t : v.timeouts) {
    FLOWLAB_TRY(apply_timeout(t, o));
  }
  for (const auto& i : v.ifindexes) {
    FLOWLAB_TRY(apply_ifindex(i, o));
  }
  if (!v.active.empty()) {
    o.active_timeout_ms = *parse_ms(v.active);
  }
  if (!v.inactive.empty()) {
    o.inactive_timeout_ms = *parse_ms(v.inactive);
  }
  if (o.active_timeout_ms == 0 || o.inactive_timeout_ms == 0 || o.expiry_interval_ms == 0) {
    return fail(ErrorKind::kUsage, "timeouts must be > 0");
  }
  if (!v.template_time.empty()) {
    o.template_refresh_ms = *parse_ms(v.template_time);
  }
  if (!v.counter_interval.empty()) {
    o.sflow_counter_interval_ms = *parse_ms(v.counter_interval);
  }
  if (!v.fib_cache.empty()) {
    o.fib_cache_ms = *parse_ms(v.fib_cache);
  }
  // sFlow requires random sampling (sFlow v5 section 4.2: a skip drawn at random after each sample); NetFlow and
  // IPFIX count unless told, and announce the mode they use (SAMPLING_ALGORITHM 35: 1 deterministic, 2 random).
  const std::string mode = v.sampling_mode.empty() ? (v.sflow ? "random" : "count") : v.sampling_mode;
  o.sampling_mode = mode == "random" ? meter::SamplingMode::kRandom : meter::SamplingMode::kCount;
  for (const auto& s : v.samplers) {
    FLOWLAB_TRY(apply_sampler(s, o));
  }
  o.sampler_announce = find_enum(wire::kSamplerAnnounceNames, v.sampler_options).value_or(o.sampler_announce);
  o.direction = v.direction == "out" ? Direction::kOut : (v.direction == "both" ? Direction::kBoth : Direction::kIn);
  return {};
}

Status finish_addresses(const CliValues& v, ProbeOptions& o) {
  if (!v.source.empty()) {
    o.source = IpAddress::parse(v.source);
    if (!o.source) {
      return fail(ErrorKind::kUsage, "--source '" + v.source + "' is not an IP address");
    }
    for (const auto& c : o.collectors) {
      if (c.address.family != o.source->family) {
        return fail(ErrorKind::kUsage,
                    "--source " + v.source + " cannot reach collector " + c.to_string() + " (address family)");
      }
    }
  }
  if (!v.agent.empty()) {
    o.sflow_agent = IpAddress::parse(v.agent);
    if (!o.sflow_agent) {
      return fail(ErrorKind::kUsage, "--agent '" + v.agent + "' is not an IP address");
    }
  }
  return {};
}

Status finish_bgp(const CliValues& v, ProbeOptions& o) {
  for (const auto& [texts, option, into] : {std::tuple{&v.bgp_peers, "--bgp-peer ", &o.bgp_peers},
                                            std::tuple{&v.bgp_listen, "--bgp-listen ", &o.bgp_listen}}) {
    for (const auto& text : *texts) {
      auto e = parse_bgp_endpoint(text, 179);
      if (!e) {
        return fail(ErrorKind::kUsage, option + e.error().message);
      }
      into->push_back(*e);
    }
  }
  if (!o.bgp_listen.empty() && o.bgp_peers.empty()) {
    return fail(ErrorKind::kUsage, "--bgp-listen needs --bgp-peer (the router whose connections are accepted)");
  }
  if (!v.bgp_router_id.empty()) {
    o.bgp_router_id = IpAddress::parse(v.bgp_router_id);
    if (!o.bgp_router_id || !o.bgp_router_id->is_v4() || o.bgp_router_id->v4_host_order() == 0) {
      return fail(ErrorKind::kUsage, "--bgp-router-id '" + v.bgp_router_id + "' is not a non-zero IPv4 address");
    }
  }
  return {};
}

Status finish_filter(const CliValues& v, ProbeOptions& o) {
  if (!v.filter_words.empty()) {
    if (!o.filter.empty()) {
      return fail(ErrorKind::kUsage, "give the BPF filter either with -f or as trailing words, not both");
    }
    for (const auto& w : v.filter_words) {
      o.filter += (o.filter.empty() ? "" : " ") + w;
    }
  }
  return {};
}

}  // namespace

std::variant<ProbeOptions, ParseOutcome> parse_options(int argc, const char* const* argv) {
  ProbeOptions o;
  CliValues v;
  CLI::App app{
      "flowprobe: meter packets (live with libpcap, or from a pcap file) into flows and export them as NetFlow "
      "v5/v9, IPFIX or sFlow v5 over UDP.\nFlags follow softflowd's (-i -r -n -v -t -s -d -m -b).",
      "flowprobe"};
  app.get_formatter()->column_width(38);
  add_metering_options(app, o, v);
  add_capture_options(app, o, v);
  add_export_options(app, o, v);
  add_feed_and_report_options(app, o, v);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return ParseOutcome{0, app.help()};
  } catch (const CLI::CallForAllHelp&) {
    return ParseOutcome{0, app.help("", CLI::AppFormatMode::All)};
  } catch (const CLI::ParseError& e) {
    return ParseOutcome{2, std::string("flowprobe: ") + e.what() + "\nRun with --help for more information."};
  }
  for (auto* step : {finish_input_and_export, finish_metering, finish_addresses, finish_bgp, finish_filter}) {
    if (Status st = step(v, o); !st) {
      return ParseOutcome{2, "flowprobe: " + st.error().message};
    }
  }
  return o;
}

}  // namespace flowlab::probe
