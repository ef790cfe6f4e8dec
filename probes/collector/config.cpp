#include "probes/collector/config.hpp"

#include "common/duration.hpp"
#include "common/strings.hpp"
#include "probes/collector/config_parser.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

namespace flowlab::collector {
namespace detail {

using yaml::child;
using yaml::describe;
using yaml::item;

namespace {

constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error"};
// `--listen PROTO@...` also takes ipfix (the netflow listener decodes v5, v9 and IPFIX).
constexpr EnumName<ListenProto> kListenSpecProtos[] = {
    {"netflow", ListenProto::kNetflow}, {"ipfix", ListenProto::kNetflow}, {"sflow", ListenProto::kSflow}};
// enrich: as / net, peer_src_as (probes/collector/enrich.hpp's enums).
constexpr EnumName<AsSource> kAsSourceNames[] = {
    {"bgp", AsSource::kBgp}, {"netflow", AsSource::kNetflow}, {"longest", AsSource::kLongest}};
constexpr EnumName<ViewSource> kViewSourceNames[] = {{"bgp", ViewSource::kBgp}, {"bmp", ViewSource::kBmp}};
constexpr EnumName<PeerSrcAsMethod> kPeerSrcAsNames[] = {
    {"bgp", PeerSrcAsMethod::kBgp}, {"map", PeerSrcAsMethod::kMap}, {"netflow", PeerSrcAsMethod::kNetflow}};
// tee[].balance (probes/collector/tee.hpp's enum).
constexpr EnumName<TeeBalance> kTeeBalanceNames[] = {
    {"all", TeeBalance::kAll}, {"hash-agent", TeeBalance::kHashAgent}, {"rr", TeeBalance::kRoundRobin}};

}  // namespace

std::optional<IpAddress> Parser::get_address(const YAML::Node& n, const std::string& path) {
  if (n.IsScalar()) {
    if (auto a = IpAddress::parse(n.Scalar())) {
      return a;
    }
  }
  error(path, "expected an IPv4 or IPv6 address, found " + describe(n));
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> Parser::get_duration(const YAML::Node& n, const std::string& path) {
  if (n.IsScalar()) {
    if (auto d = parse_duration(n.Scalar())) {
      return d;
    }
  }
  error(path, "expected a duration (500ms, 10s, 2m, 1h), found " + describe(n));
  return std::nullopt;
}

std::optional<std::size_t> Parser::get_size(const YAML::Node& n, const std::string& path, std::size_t max,
                                            const std::string& what) {
  std::optional<std::size_t> size = n.IsScalar() ? parse_size(n.Scalar()) : std::nullopt;
  if (size && *size > 0 && *size <= max) {
    return size;
  }
  error(path, "expected " + what + ", found " + describe(n));
  return std::nullopt;
}

void Parser::parse_root(const YAML::Node& root, CollectorConfig& c) {
  auto top = map_entries(root, "",
                         {"log", "listen", "socket_buffer", "receive_batch", "workers", "stats_interval", "bgp", "bmp",
                          "enrich", "sampling", "aggregates", "outputs", "tee"});
  if (!top) {
    return;
  }
  std::optional<YAML::Node> outputs;  // parsed last: file outputs name aggregates
  for (const auto& [key, key_node, value] : *top) {
    if (key == "log") {
      parse_log(value, c);
    } else if (key == "listen") {
      parse_listen(value, c);
    } else if (key == "socket_buffer") {
      c.socket_buffer =
          get_size(value, key, std::size_t{1} << 31U, "a size such as 8MiB, 512KiB or 1000000 (at most 2GiB)")
              .value_or(c.socket_buffer);
    } else if (key == "receive_batch") {
      c.receive_batch = get_uint(value, key, 1, 1024).value_or(c.receive_batch);
    } else if (key == "workers") {
      if (value.IsScalar() && value.Scalar() == "auto") {
        c.workers = 0;
      } else if (auto n = get_uint(value, key, 1, 256)) {
        c.workers = *n;
      }
    } else if (key == "stats_interval") {
      c.stats_interval = get_duration(value, key).value_or(c.stats_interval);
    } else if (key == "bgp") {
      c.bgp.enabled = true;
      parse_bgp(value, c.bgp);
    } else if (key == "bmp") {
      c.bmp.enabled = true;
      parse_bmp(value, c.bmp);
    } else if (key == "enrich") {
      parse_enrich(value, c.enrich);
      if (c.enrich.source == ViewSource::kBmp && !root["bmp"]) {
        error("enrich.source", "expected a `bmp:` section for source bmp (the BMP station that feeds the view)");
      }
    } else if (key == "sampling") {
      parse_sampling(value, c.sampling);
    } else if (key == "aggregates") {
      parse_aggregates(value, c);
    } else if (key == "outputs") {
      outputs = value;
    } else if (key == "tee") {
      parse_tee(value, c);
    }
  }
  if (outputs) {
    parse_outputs(*outputs, c);
  }
}

void Parser::parse_log(const YAML::Node& n, CollectorConfig& c) {
  if (auto e = entries(n, "log", {"level"})) {
    for (const auto& entry : *e) {
      if (auto i = get_choice(entry.value, "log.level", {std::begin(kLogLevels), std::end(kLogLevels)})) {
        c.log_level = std::string(kLogLevels[*i]);
      }
    }
  }
}

void Parser::parse_listen(const YAML::Node& n, CollectorConfig& c) {
  auto list = list_items(n, "listen", true);
  for (std::size_t i = 0; list && i < list->size(); ++i) {
    const std::string where = item("listen", i);
    auto e = entries((*list)[i], where, {"proto", "address", "port"});
    if (!e) {
      continue;
    }
    ListenConfig l;
    std::optional<std::uint16_t> port;
    for (const auto& entry : *e) {
      const std::string k = child(where, entry.key);
      if (entry.key == "proto") {
        l.proto = get_enum(entry.value, k, kListenProtoNames).value_or(l.proto);
      } else if (entry.key == "address") {
        l.address = get_address(entry.value, k).value_or(l.address);
      } else if (entry.key == "port") {
        if (auto p = get_uint(entry.value, k, 0, 65535)) {
          port = static_cast<std::uint16_t>(*p);
        }
      }
    }
    l.port = port.value_or(l.proto == ListenProto::kSflow ? 6343 : 2100);
    c.listen.push_back(l);
  }
}

void Parser::parse_enrich(const YAML::Node& n, EnrichFileConfig& en) {
  auto e = entries(n, "enrich", {"source", "as", "net", "peer_src_as", "peer_src_as_map", "agent_map", "renormalize"});
  if (!e) {
    return;
  }
  for (const auto& [key, key_node, value] : *e) {
    const std::string k = child("enrich", key);
    if (key == "source") {
      en.source = get_enum(value, k, kViewSourceNames).value_or(en.source);
    } else if (key == "as" || key == "net") {
      auto& source = key == "as" ? en.as_source : en.net_source;
      source = get_enum(value, k, kAsSourceNames).value_or(source);
    } else if (key == "peer_src_as") {
      en.peer_src_as = get_enum(value, k, kPeerSrcAsNames).value_or(en.peer_src_as);
    } else if (key == "peer_src_as_map" || key == "agent_map") {
      if (auto s = get_string(value, k)) {
        (key == "agent_map" ? en.agent_map : en.peer_src_as_map) = *s;
      }
    } else if (key == "renormalize") {
      en.renormalize = get_bool(value, k).value_or(en.renormalize);
    }
  }
}

void Parser::parse_tee(const YAML::Node& n, CollectorConfig& c) {
  auto list = list_items(n, "tee", true);
  for (std::size_t i = 0; list && i < list->size(); ++i) {
    const std::string where = item("tee", i);
    auto e = entries((*list)[i], where, {"name", "receivers", "balance", "transparent", "send_wait", "socket_buffer"});
    if (!e) {
      continue;
    }
    TeeConfig t;
    t.name = "tee" + std::to_string(i + 1);
    for (const auto& [key, key_node, value] : *e) {
      const std::string k = child(where, key);
      if (key == "name") {
        t.name = get_string(value, k).value_or(t.name);
      } else if (key == "receivers") {
        t.receivers = get_string(value, k).value_or(t.receivers);
      } else if (key == "balance") {
        t.balance = get_enum(value, k, kTeeBalanceNames).value_or(t.balance);
      } else if (key == "transparent") {
        t.transparent = get_bool(value, k).value_or(t.transparent);
      } else if (key == "send_wait") {
        t.send_wait = get_duration(value, k).value_or(t.send_wait);
      } else if (key == "socket_buffer") {
        t.socket_buffer = get_size(value, k, std::numeric_limits<std::size_t>::max(), "a size such as 4MiB")
                              .value_or(t.socket_buffer);
      }
    }
    if (t.receivers.empty() && (*list)[i].IsMap()) {
      error(where, "missing required key 'receivers'");
      continue;
    }
    c.tee.push_back(std::move(t));
  }
}

}  // namespace detail

std::string_view to_string(ListenProto proto) { return enum_name(kListenProtoNames, proto); }

std::optional<std::size_t> parse_size(std::string_view text) {
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr == text.data()) {
    return std::nullopt;
  }
  std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
  while (!unit.empty() && unit.front() == ' ') {
    unit.remove_prefix(1);
  }
  std::uint64_t mult = 1;
  if (unit.empty() || unit == "B") {
    mult = 1;
  } else if (unit == "K" || unit == "KiB" || unit == "k") {
    mult = 1024;
  } else if (unit == "KB" || unit == "kB") {
    mult = 1000;
  } else if (unit == "M" || unit == "MiB") {
    mult = 1024ULL * 1024;
  } else if (unit == "MB") {
    mult = 1000ULL * 1000;
  } else if (unit == "G" || unit == "GiB") {
    mult = 1024ULL * 1024 * 1024;
  } else if (unit == "GB") {
    mult = 1000ULL * 1000 * 1000;
  } else {
    return std::nullopt;
  }
  if (value > std::numeric_limits<std::uint64_t>::max() / mult) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(value * mult);
}

Result<ListenConfig> parse_listen_spec(std::string_view text) {
  ListenConfig l;
  const std::string original(text);
  if (auto at = text.find('@'); at != std::string_view::npos) {
    const auto proto = text.substr(0, at);
    const auto known = find_enum(detail::kListenSpecProtos, proto);
    if (!known) {
      return fail(ErrorKind::kUsage, "--listen " + original + ": unknown protocol '" + std::string(proto) +
                                         "' (expected netflow or sflow)");
    }
    l.proto = *known;
    text.remove_prefix(at + 1);
  }
  std::string_view port_text = text;
  if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
    std::string_view host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    auto a = IpAddress::parse(host);
    if (!a) {
      return fail(ErrorKind::kUsage, "--listen " + original + ": '" + std::string(host) + "' is not an IP address");
    }
    l.address = *a;
  }
  const auto port = parse_decimal<std::uint16_t>(port_text);
  if (!port) {
    return fail(ErrorKind::kUsage, "--listen " + original + ": expected [netflow@|sflow@]ADDRESS:PORT or a port");
  }
  l.port = *port;
  return l;
}

Result<CollectorConfig> parse_config(std::string_view yaml, const std::string& file) {
  DiagnosticSink sink(file);
  SourceMap marks;
  detail::Parser parser(sink, marks);
  CollectorConfig c;
  c.source_file = file;
  try {
    const YAML::Node root = parser.load(yaml);
    if (!root.IsNull()) {
      parser.parse_root(root, c);
    }
  } catch (const YAML::Exception& e) {
    parser.exception(e);
  }
  if (!sink.empty()) {
    std::string text;
    for (const auto& d : sink.take()) {
      text += (text.empty() ? "" : "\n") + d.to_string();
    }
    return fail(ErrorKind::kConfig, text);
  }
  return c;
}

Result<CollectorConfig> load_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    return fail(ErrorKind::kConfig, file.string() + ": error: cannot open the config file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), file.string());
}

Status apply_overrides(CollectorConfig& config, const CliOverrides& overrides) {
  if (!overrides.listen.empty()) {
    config.listen.clear();
    for (const auto& spec : overrides.listen) {
      auto l = parse_listen_spec(spec);
      if (!l) {
        return fail(l.error());
      }
      config.listen.push_back(*l);
    }
  }
  if (overrides.socket) {
    config.outputs.socket = *overrides.socket;
  }
  if (overrides.log_level) {
    if (std::find(std::begin(detail::kLogLevels), std::end(detail::kLogLevels), *overrides.log_level) ==
        std::end(detail::kLogLevels)) {
      return fail(ErrorKind::kUsage,
                  "--log-level " + *overrides.log_level + ": expected trace, debug, info, warn or error");
    }
    config.log_level = *overrides.log_level;
  }
  if (overrides.json) {
    config.json_stats = true;
  }
  return {};
}

AggregateSpec default_aggregate() { return AggregateSpec{"default", {Primitive::kSrcHost}, ""}; }

bool apply_default_aggregate(CollectorConfig& config) {
  if (!config.aggregates.empty() || !config.tee.empty()) {
    return false;
  }
  config.aggregates.push_back(default_aggregate());
  return true;
}

}  // namespace flowlab::collector
