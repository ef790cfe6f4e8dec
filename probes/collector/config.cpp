#include "probes/collector/config.hpp"

#include "common/duration.hpp"
#include "common/strings.hpp"
#include "probes/collector/primitives.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace flowlab::collector {
namespace {

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "'" + n.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "an undefined value";
  }
}

// Walks the YAML tree collecting every problem with its position.
class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  void error(const YAML::Node& at, const std::string& message) {
    const auto m = at.Mark();
    const int line = m.line >= 0 ? m.line + 1 : 1;
    const int col = m.column >= 0 ? m.column + 1 : 1;
    errors_.push_back(file_ + ":" + std::to_string(line) + ":" + std::to_string(col) + ": error: " + message);
  }
  void expected(const YAML::Node& at, const std::string& key, const std::string& what) {
    error(at, key + ": expected " + what + ", found " + describe(at));
  }

  // The map's entries with known keys; unknown / duplicate keys are reported. nullopt when `n` is not a map.
  std::optional<std::vector<std::pair<std::string, YAML::Node>>> entries(const YAML::Node& n, const std::string& key,
                                                                         const std::vector<std::string_view>& known) {
    if (n.IsNull()) {
      return std::vector<std::pair<std::string, YAML::Node>>{};
    }
    if (!n.IsMap()) {
      expected(n, key, "a map");
      return std::nullopt;
    }
    std::vector<std::pair<std::string, YAML::Node>> out;
    std::set<std::string> seen;
    const std::string where = key.empty() ? "at the top level" : "in " + key;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const YAML::Node k = it->first;
      if (!k.IsScalar()) {
        error(k, "expected a plain key " + where + ", found " + describe(k));
        continue;
      }
      const std::string& name = k.Scalar();
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        std::string msg = "unknown key '" + name + "' " + where;
        if (auto guess = closest_match(name, known)) {
          msg += " (did you mean '" + *guess + "'?)";
        } else {
          msg += " (expected one of:";
          for (auto c : known) {
            msg += " " + std::string(c);
          }
          msg += ")";
        }
        error(k, msg);
        continue;
      }
      if (!seen.insert(name).second) {
        error(k, "duplicate key '" + name + "' " + where);
        continue;
      }
      out.emplace_back(name, it->second);
    }
    return out;
  }

  std::optional<std::vector<YAML::Node>> items(const YAML::Node& n, const std::string& key) {
    if (n.IsNull()) {
      return std::vector<YAML::Node>{};
    }
    if (!n.IsSequence()) {
      expected(n, key, "a list");
      return std::nullopt;
    }
    std::vector<YAML::Node> out;
    for (const auto& item : n) {
      out.push_back(item);
    }
    return out;
  }

  std::optional<std::string> string(const YAML::Node& n, const std::string& key) {
    if (!n.IsScalar()) {
      expected(n, key, "a string");
      return std::nullopt;
    }
    return n.Scalar();
  }

  template <class T>
  std::optional<T> number(const YAML::Node& n, const std::string& key, std::uint64_t min, std::uint64_t max) {
    const std::string what = "a number " + std::to_string(min) + ".." + std::to_string(max);
    if (!n.IsScalar()) {
      expected(n, key, what);
      return std::nullopt;
    }
    const auto v = parse_decimal(n.Scalar(), max);
    if (!v || *v < min) {
      expected(n, key, what);
      return std::nullopt;
    }
    return static_cast<T>(*v);
  }

  std::optional<bool> boolean(const YAML::Node& n, const std::string& key) {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      if (s == "true" || s == "yes" || s == "on") {
        return true;
      }
      if (s == "false" || s == "no" || s == "off") {
        return false;
      }
    }
    expected(n, key, "true or false");
    return std::nullopt;
  }

  std::optional<IpAddress> address(const YAML::Node& n, const std::string& key) {
    if (n.IsScalar()) {
      if (auto a = IpAddress::parse(n.Scalar())) {
        return a;
      }
    }
    expected(n, key, "an IPv4 or IPv6 address");
    return std::nullopt;
  }

  std::optional<std::chrono::milliseconds> duration(const YAML::Node& n, const std::string& key) {
    if (n.IsScalar()) {
      if (auto d = parse_duration(n.Scalar())) {
        return d;
      }
    }
    expected(n, key, "a duration (500ms, 10s, 2m, 1h)");
    return std::nullopt;
  }

  // One of `choices`; returns the index.
  std::optional<std::size_t> choice(const YAML::Node& n, const std::string& key,
                                    const std::vector<std::string_view>& choices) {
    std::string what = "one of";
    for (auto c : choices) {
      what += " " + std::string(c);
    }
    if (n.IsScalar()) {
      auto it = std::find(choices.begin(), choices.end(), n.Scalar());
      if (it != choices.end()) {
        return static_cast<std::size_t>(it - choices.begin());
      }
      if (auto guess = closest_match(n.Scalar(), choices)) {
        what += " (did you mean '" + *guess + "'?)";
      }
    }
    expected(n, key, what);
    return std::nullopt;
  }

  void parse_root(const YAML::Node& root, CollectorConfig& c);

  [[nodiscard]] const std::vector<std::string>& errors() const { return errors_; }

 private:
  void parse_log(const YAML::Node& n, CollectorConfig& c);
  void parse_listen(const YAML::Node& n, CollectorConfig& c);
  void parse_bgp(const YAML::Node& n, BgpConfig& bgp);
  void parse_enrich(const YAML::Node& n, EnrichFileConfig& e);
  void parse_aggregates(const YAML::Node& n, CollectorConfig& c);
  void parse_outputs(const YAML::Node& n, CollectorConfig& c);
  void parse_tee(const YAML::Node& n, CollectorConfig& c);

  std::string file_;
  std::vector<std::string> errors_;
};

constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error"};

void Parser::parse_root(const YAML::Node& root, CollectorConfig& c) {
  auto top = entries(root, "",
                     {"log", "listen", "socket_buffer", "receive_batch", "stats_interval", "bgp", "enrich",
                      "aggregates", "outputs", "tee"});
  if (!top) {
    return;
  }
  std::optional<YAML::Node> outputs;  // parsed last: file outputs name aggregates
  for (const auto& [key, value] : *top) {
    if (key == "log") {
      parse_log(value, c);
    } else if (key == "listen") {
      parse_listen(value, c);
    } else if (key == "socket_buffer") {
      std::optional<std::size_t> size = value.IsScalar() ? parse_size(value.Scalar()) : std::nullopt;
      if (size && *size > 0 && *size <= (1ULL << 31)) {
        c.socket_buffer = *size;
      } else {
        expected(value, key, "a size such as 8MiB, 512KiB or 1000000 (at most 2GiB)");
      }
    } else if (key == "receive_batch") {
      if (auto v = number<std::size_t>(value, key, 1, 1024)) {
        c.receive_batch = *v;
      }
    } else if (key == "stats_interval") {
      if (auto d = duration(value, key)) {
        c.stats_interval = *d;
      }
    } else if (key == "bgp") {
      c.bgp.enabled = true;
      parse_bgp(value, c.bgp);
    } else if (key == "enrich") {
      parse_enrich(value, c.enrich);
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
  auto e = entries(n, "log", {"level"});
  if (!e) {
    return;
  }
  for (const auto& [key, value] : *e) {
    if (auto i = choice(value, "log.level", {std::begin(kLogLevels), std::end(kLogLevels)})) {
      c.log_level = std::string(kLogLevels[*i]);
    }
  }
}

void Parser::parse_listen(const YAML::Node& n, CollectorConfig& c) {
  auto list = items(n, "listen");
  if (!list) {
    return;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string where = "listen[" + std::to_string(i) + "]";
    auto e = entries((*list)[i], where, {"proto", "address", "port"});
    if (!e) {
      continue;
    }
    ListenConfig l;
    bool has_port = false;
    for (const auto& [key, value] : *e) {
      const std::string k = where + "." + key;
      if (key == "proto") {
        if (auto p = choice(value, k, {"netflow", "sflow"})) {
          l.proto = *p == 0 ? ListenProto::kNetflow : ListenProto::kSflow;
        }
      } else if (key == "address") {
        if (auto a = address(value, k)) {
          l.address = *a;
        }
      } else if (key == "port") {
        if (auto p = number<std::uint16_t>(value, k, 0, 65535)) {
          l.port = *p;
          has_port = true;
        }
      }
    }
    if (!has_port) {
      l.port = l.proto == ListenProto::kSflow ? 6343 : 2100;
    }
    c.listen.push_back(l);
  }
}

void Parser::parse_bgp(const YAML::Node& n, BgpConfig& bgp) {
  auto e = entries(n, "bgp", {"local_as", "router_id", "listen", "hold_time", "peers", "table_dump"});
  if (!e) {
    return;
  }
  for (const auto& [key, value] : *e) {
    const std::string k = "bgp." + key;
    if (key == "local_as") {
      if (auto v = number<std::uint32_t>(value, k, 1, 0xffffffffULL)) {
        bgp.local_as = *v;
      }
    } else if (key == "router_id") {
      auto a = address(value, k);
      if (a && !a->is_v4()) {
        expected(value, k, "an IPv4 address");
      } else if (a) {
        bgp.router_id = *a;
      }
    } else if (key == "hold_time") {
      if (auto v = number<std::uint16_t>(value, k, 0, 65535)) {
        if (*v == 1 || *v == 2) {
          expected(value, k, "0 or 3..65535 seconds (RFC 4271)");
        } else {
          bgp.hold_time = *v;
        }
      }
    } else if (key == "listen") {
      auto list = items(value, k);
      if (!list) {
        continue;
      }
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string where = k + "[" + std::to_string(i) + "]";
        auto le = entries((*list)[i], where, {"address", "port"});
        if (!le) {
          continue;
        }
        BgpConfig::Listen l;
        for (const auto& [lk, lv] : *le) {
          if (lk == "address") {
            if (auto a = address(lv, where + ".address")) {
              l.address = *a;
            }
          } else if (auto p = number<std::uint16_t>(lv, where + ".port", 0, 65535)) {
            l.port = *p;
          }
        }
        bgp.listen.push_back(l);
      }
    } else if (key == "peers") {
      auto list = items(value, k);
      if (!list) {
        continue;
      }
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string where = k + "[" + std::to_string(i) + "]";
        auto pe = entries((*list)[i], where, {"address", "asn", "name", "active", "port"});
        if (!pe) {
          continue;
        }
        BgpPeerConfig p;
        bool has_address = false;
        for (const auto& [pk, pv] : *pe) {
          const std::string pkey = where + "." + pk;
          if (pk == "address") {
            if (auto a = address(pv, pkey)) {
              p.address = *a;
              has_address = true;
            }
          } else if (pk == "asn") {
            if (auto v = number<std::uint32_t>(pv, pkey, 0, 0xffffffffULL)) {
              p.asn = *v;
            }
          } else if (pk == "name") {
            if (auto s = string(pv, pkey)) {
              p.name = *s;
            }
          } else if (pk == "active") {
            if (auto b = boolean(pv, pkey)) {
              p.active = *b;
            }
          } else if (pk == "port") {
            if (auto v = number<std::uint16_t>(pv, pkey, 1, 65535)) {
              p.port = *v;
            }
          }
        }
        if (!has_address && (*list)[i].IsMap()) {
          error((*list)[i], where + ": missing required key 'address'");
          continue;
        }
        for (const auto& other : bgp.peers) {
          if (other.address == p.address) {
            error((*list)[i], where + ": duplicate peer " + p.address.to_string());
          }
        }
        bgp.peers.push_back(p);
      }
    } else if (key == "table_dump") {
      auto te = entries(value, k, {"path", "interval"});
      if (!te) {
        continue;
      }
      for (const auto& [tk, tv] : *te) {
        if (tk == "path") {
          if (auto s = string(tv, k + ".path")) {
            bgp.table_dump_path = *s;
          }
        } else if (auto d = duration(tv, k + ".interval")) {
          bgp.table_dump_interval = *d;
        }
      }
    }
  }
}

void Parser::parse_enrich(const YAML::Node& n, EnrichFileConfig& en) {
  auto e = entries(n, "enrich", {"as", "net", "peer_src_as", "peer_src_as_map", "agent_map", "renormalize"});
  if (!e) {
    return;
  }
  constexpr AsSource kSources[] = {AsSource::kBgp, AsSource::kNetflow, AsSource::kLongest};
  for (const auto& [key, value] : *e) {
    const std::string k = "enrich." + key;
    if (key == "as" || key == "net") {
      if (auto i = choice(value, k, {"bgp", "netflow", "longest"})) {
        (key == "as" ? en.as_source : en.net_source) = kSources[*i];
      }
    } else if (key == "peer_src_as") {
      constexpr PeerSrcAsMethod kMethods[] = {PeerSrcAsMethod::kBgp, PeerSrcAsMethod::kMap, PeerSrcAsMethod::kNetflow};
      if (auto i = choice(value, k, {"bgp", "map", "netflow"})) {
        en.peer_src_as = kMethods[*i];
      }
    } else if (key == "peer_src_as_map" || key == "agent_map") {
      if (auto s = string(value, k)) {
        (key == "agent_map" ? en.agent_map : en.peer_src_as_map) = *s;
      }
    } else if (key == "renormalize") {
      if (auto b = boolean(value, k)) {
        en.renormalize = *b;
      }
    }
  }
}

void Parser::parse_aggregates(const YAML::Node& n, CollectorConfig& c) {
  auto list = items(n, "aggregates");
  if (!list) {
    return;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string where = "aggregates[" + std::to_string(i) + "]";
    auto e = entries((*list)[i], where, {"name", "primitives", "filter"});
    if (!e) {
      continue;
    }
    AggregateSpec spec;
    bool ok = true;
    bool has_primitives = false;
    YAML::Node filter_node;
    for (const auto& [key, value] : *e) {
      const std::string k = where + "." + key;
      if (key == "name") {
        auto s = string(value, k);
        if (s && !s->empty() && s->find_first_of(" \t/\\") == std::string::npos) {
          spec.name = *s;
        } else {
          if (s) {
            expected(value, k, "a name without blanks or slashes");
          }
          ok = false;
        }
      } else if (key == "primitives") {
        has_primitives = true;
        std::string joined;
        if (value.IsSequence()) {
          for (const auto& p : value) {
            if (!p.IsScalar()) {
              expected(p, k, "a primitive name");
              ok = false;
              continue;
            }
            auto prim = parse_primitive(p.Scalar());
            if (!prim) {
              error(p, k + ": " + prim.error().message);
              ok = false;
              continue;
            }
            if (std::find(spec.primitives.begin(), spec.primitives.end(), *prim) != spec.primitives.end()) {
              error(p, k + ": duplicate primitive '" + p.Scalar() + "'");
              ok = false;
              continue;
            }
            spec.primitives.push_back(*prim);
          }
        } else if (value.IsScalar()) {
          auto prims = parse_primitives(value.Scalar());
          if (!prims) {
            error(value, k + ": " + prims.error().message);
            ok = false;
          } else {
            spec.primitives = std::move(*prims);
          }
        } else {
          expected(value, k, "a list of primitive names");
          ok = false;
        }
      } else if (key == "filter") {
        if (auto s = string(value, k)) {
          spec.filter = *s;
          filter_node = value;
        } else {
          ok = false;
        }
      }
    }
    if (spec.name.empty() && ok && (*list)[i].IsMap()) {
      error((*list)[i], where + ": missing required key 'name'");
      ok = false;
    }
    if (!has_primitives && ok && (*list)[i].IsMap()) {
      error((*list)[i], where + ": missing required key 'primitives'");
      ok = false;
    }
    if (!spec.filter.empty()) {
      auto f = Filter::parse(spec.filter);
      if (!f) {
        error(filter_node, where + ".filter: " + f.error().message);
        ok = false;
      }
    }
    for (const auto& other : c.aggregates) {
      if (!spec.name.empty() && other.name == spec.name) {
        error((*list)[i], where + ": duplicate aggregate name '" + spec.name + "'");
        ok = false;
      }
    }
    if (ok) {
      c.aggregates.push_back(std::move(spec));
    }
  }
}

void Parser::parse_outputs(const YAML::Node& n, CollectorConfig& c) {
  auto e = entries(n, "outputs", {"socket", "files", "sqlite"});
  if (!e) {
    return;
  }
  for (const auto& [key, value] : *e) {
    const std::string k = "outputs." + key;
    if (key == "socket") {
      if (auto s = string(value, k)) {
        if (s->size() >= 108) {
          expected(value, k, "a Unix socket path shorter than 108 bytes");
        } else {
          c.outputs.socket = *s;
        }
      }
    } else if (key == "sqlite") {
      auto se = entries(value, k, {"path", "interval"});
      if (!se) {
        continue;
      }
      SqliteOutputConfig sql;
      for (const auto& [sk, sv] : *se) {
        if (sk == "path") {
          if (auto s = string(sv, k + ".path")) {
            sql.path = *s;
          }
        } else if (auto d = duration(sv, k + ".interval")) {
          sql.interval = *d;
        }
      }
      if (sql.path.empty()) {
        error(value, k + ": missing required key 'path'");
      } else {
        c.outputs.sqlite = sql;
      }
    } else if (key == "files") {
      auto list = items(value, k);
      if (!list) {
        continue;
      }
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string where = k + "[" + std::to_string(i) + "]";
        auto fe = entries((*list)[i], where, {"aggregate", "format", "path", "interval", "append"});
        if (!fe) {
          continue;
        }
        FileOutputConfig f;
        YAML::Node aggregate_node = (*list)[i];
        for (const auto& [fk, fv] : *fe) {
          const std::string fkey = where + "." + fk;
          if (fk == "aggregate") {
            if (auto s = string(fv, fkey)) {
              f.aggregate = *s;
              aggregate_node = fv;
            }
          } else if (fk == "format") {
            if (auto idx = choice(fv, fkey, {"json", "csv"})) {
              f.format = *idx == 0 ? FileFormat::kJson : FileFormat::kCsv;
            }
          } else if (fk == "path") {
            if (auto s = string(fv, fkey)) {
              f.path = *s;
            }
          } else if (fk == "interval") {
            if (auto d = duration(fv, fkey)) {
              f.interval = *d;
            }
          } else if (fk == "append") {
            if (auto b = boolean(fv, fkey)) {
              f.append = *b;
            }
          }
        }
        if (f.path.empty() || f.aggregate.empty()) {
          error((*list)[i],
                where + ": missing required key '" + std::string(f.path.empty() ? "path" : "aggregate") + "'");
          continue;
        }
        const bool known = std::any_of(c.aggregates.begin(), c.aggregates.end(),
                                       [&](const AggregateSpec& a) { return a.name == f.aggregate; });
        if (!known) {
          std::vector<std::string_view> names;
          for (const auto& a : c.aggregates) {
            names.push_back(a.name);
          }
          std::string msg = where + ".aggregate: no aggregate named '" + f.aggregate + "'";
          if (auto guess = closest_match(f.aggregate, names)) {
            msg += " (did you mean '" + *guess + "'?)";
          }
          error(aggregate_node, msg);
          continue;
        }
        c.outputs.files.push_back(f);
      }
    }
  }
}

void Parser::parse_tee(const YAML::Node& n, CollectorConfig& c) {
  auto list = items(n, "tee");
  if (!list) {
    return;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string where = "tee[" + std::to_string(i) + "]";
    auto e = entries((*list)[i], where, {"name", "receivers", "balance", "transparent", "send_wait", "socket_buffer"});
    if (!e) {
      continue;
    }
    TeeConfig t;
    t.name = "tee" + std::to_string(i + 1);
    for (const auto& [key, value] : *e) {
      const std::string k = where + "." + key;
      if (key == "name") {
        if (auto s = string(value, k)) {
          t.name = *s;
        }
      } else if (key == "receivers") {
        if (auto s = string(value, k)) {
          t.receivers = *s;
        }
      } else if (key == "balance") {
        if (auto idx = choice(value, k, {"all", "hash-agent", "rr"})) {
          constexpr TeeBalance kBalances[] = {TeeBalance::kAll, TeeBalance::kHashAgent, TeeBalance::kRoundRobin};
          t.balance = kBalances[*idx];
        }
      } else if (key == "transparent") {
        if (auto b = boolean(value, k)) {
          t.transparent = *b;
        }
      } else if (key == "send_wait") {
        if (auto d = duration(value, k)) {
          t.send_wait = *d;
        }
      } else if (key == "socket_buffer") {
        std::optional<std::size_t> size = value.IsScalar() ? parse_size(value.Scalar()) : std::nullopt;
        if (size && *size > 0) {
          t.socket_buffer = *size;
        } else {
          expected(value, k, "a size such as 4MiB");
        }
      }
    }
    if (t.receivers.empty() && (*list)[i].IsMap()) {
      error((*list)[i], where + ": missing required key 'receivers'");
      continue;
    }
    c.tee.push_back(std::move(t));
  }
}

}  // namespace

std::string_view to_string(ListenProto proto) { return proto == ListenProto::kSflow ? "sflow" : "netflow"; }

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
    if (proto == "netflow" || proto == "ipfix") {
      l.proto = ListenProto::kNetflow;
    } else if (proto == "sflow") {
      l.proto = ListenProto::kSflow;
    } else {
      return fail(ErrorKind::kUsage, "--listen " + original + ": unknown protocol '" + std::string(proto) +
                                         "' (expected netflow or sflow)");
    }
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
  Parser parser(file);
  CollectorConfig c;
  c.source_file = file;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsNull()) {
      parser.parse_root(root, c);
    }
  } catch (const YAML::Exception& e) {
    const int line = e.mark.line >= 0 ? e.mark.line + 1 : 1;
    const int col = e.mark.column >= 0 ? e.mark.column + 1 : 1;
    return fail(ErrorKind::kConfig,
                file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": error: YAML syntax error: " + e.msg);
  }
  if (!parser.errors().empty()) {
    std::string text;
    for (const auto& e : parser.errors()) {
      text += (text.empty() ? "" : "\n") + e;
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
    if (std::find(std::begin(kLogLevels), std::end(kLogLevels), *overrides.log_level) == std::end(kLogLevels)) {
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
