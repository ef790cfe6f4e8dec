// flowcollector.yaml's `aggregates:` (named primitive sets with an optional filter) and `outputs:` (query socket,
// files per aggregate, SQLite, ClickHouse).
#include "common/strings.hpp"
#include "probes/collector/clickhouse_http.hpp"
#include "probes/collector/config_parser.hpp"
#include "probes/collector/primitives.hpp"

#include <algorithm>
#include <cctype>

namespace flowlab::collector::detail {

using yaml::child;
using yaml::describe;
using yaml::item;
using yaml::mark_of;

namespace {

// ClickHouse identifiers are written into SQL unquoted: letters, digits and '_', not starting with a digit.
bool sql_identifier(const std::string& s) {
  const auto word = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_'; };
  return !s.empty() && s.size() <= 64 && std::isdigit(static_cast<unsigned char>(s[0])) == 0 &&
         std::all_of(s.begin(), s.end(), word);
}

}  // namespace

void Parser::parse_aggregates(const YAML::Node& n, CollectorConfig& c) {
  auto list = list_items(n, "aggregates", true);
  for (std::size_t i = 0; list && i < list->size(); ++i) {
    const std::string where = item("aggregates", i);
    auto spec = parse_aggregate((*list)[i], where);
    if (!spec) {
      continue;
    }
    const bool duplicate = !spec->name.empty() && std::any_of(c.aggregates.begin(), c.aggregates.end(),
                                                              [&](const auto& a) { return a.name == spec->name; });
    if (duplicate) {
      error(where, "duplicate aggregate name '" + spec->name + "'");
      continue;
    }
    c.aggregates.push_back(std::move(*spec));
  }
}

// nullopt when anything about it is wrong (each problem reported).
std::optional<AggregateSpec> Parser::parse_aggregate(const YAML::Node& n, const std::string& path) {
  auto e = entries(n, path, {"name", "primitives", "filter"});
  if (!e) {
    return std::nullopt;
  }
  AggregateSpec spec;
  bool ok = true;
  bool has_primitives = false;
  for (const auto& [key, key_node, value] : *e) {
    const std::string k = child(path, key);
    if (key == "name") {
      auto s = get_string(value, k);
      if (s && !s->empty() && s->find_first_of(" \t/\\") == std::string::npos) {
        spec.name = *s;
      } else {
        if (s) {
          error(k, "expected a name without blanks or slashes, found " + describe(value));
        }
        ok = false;
      }
    } else if (key == "primitives") {
      has_primitives = true;
      ok = parse_primitives(value, k, spec) && ok;
    } else if (key == "filter") {
      auto s = get_string(value, k);
      spec.filter = s.value_or("");
      ok = s.has_value() && ok;
    }
  }
  if (spec.name.empty() && ok && n.IsMap()) {
    error(path, "missing required key 'name'");
    ok = false;
  }
  if (!has_primitives && ok && n.IsMap()) {
    error(path, "missing required key 'primitives'");
    ok = false;
  }
  if (!spec.filter.empty()) {
    if (auto f = Filter::parse(spec.filter); !f) {
      error(child(path, "filter"), f.error().message);
      ok = false;
    }
  }
  return ok ? std::optional(std::move(spec)) : std::nullopt;
}

// A list of primitive names, or pmacct's comma-separated string ("src_as, dst_as").
bool Parser::parse_primitives(const YAML::Node& n, const std::string& path, AggregateSpec& spec) {
  if (n.IsScalar()) {
    auto prims = collector::parse_primitives(n.Scalar());
    if (!prims) {
      error(path, prims.error().message);
      return false;
    }
    spec.primitives = std::move(*prims);
    return true;
  }
  if (!n.IsSequence()) {
    error(path, "expected a list of primitive names, found " + describe(n));
    return false;
  }
  bool ok = true;
  for (const auto& p : n) {
    // The item's own position, the list's key path: "aggregates[0].primitives: duplicate primitive 'src_as'".
    const std::string problem = !p.IsScalar() ? "expected a primitive name, found " + describe(p) : std::string();
    auto prim = p.IsScalar() ? parse_primitive(p.Scalar()) : Result<Primitive>(Primitive{});
    if (!problem.empty() || !prim) {
      error_at(mark_of(p), path + ": " + (problem.empty() ? prim.error().message : problem));
      ok = false;
    } else if (std::find(spec.primitives.begin(), spec.primitives.end(), *prim) != spec.primitives.end()) {
      error_at(mark_of(p), path + ": duplicate primitive '" + p.Scalar() + "'");
      ok = false;
    } else {
      spec.primitives.push_back(*prim);
    }
  }
  return ok;
}

// `socket_mode: "0660"`: octal permissions of the query socket, read and write bits only (a quoted string: YAML
// would read an unquoted 0660 as the decimal 660 or as octal, depending on the version).
void Parser::parse_socket_mode(const YAML::Node& n, const std::string& path, CollectorConfig& c) {
  auto s = get_string(n, path);
  if (!s) {
    return;
  }
  unsigned mode = 0;
  bool ok = s->size() >= 3 && s->size() <= 4;
  for (const char ch : *s) {
    ok = ok && ch >= '0' && ch <= '7';
    mode = mode * 8 + static_cast<unsigned>(ch - '0');
  }
  if (!ok || (mode & ~0666U) != 0 || (mode & 0600U) != 0600U) {
    error(path,
          "expected an octal mode of read/write bits with the owner's both set, such as \"0600\" or \"0660\", "
          "found " +
              describe(n));
    return;
  }
  c.outputs.socket_mode = mode;
}

void Parser::parse_outputs(const YAML::Node& n, CollectorConfig& c) {
  auto e = entries(n, "outputs", {"socket", "socket_mode", "files", "sqlite", "clickhouse"});
  if (!e) {
    return;
  }
  for (const auto& [key, key_node, value] : *e) {
    const std::string k = child("outputs", key);
    if (key == "socket") {
      auto s = get_string(value, k);
      if (s && s->size() >= 108) {
        error(k, "expected a Unix socket path shorter than 108 bytes, found " + describe(value));
      } else if (s) {
        c.outputs.socket = *s;
      }
    } else if (key == "socket_mode") {
      parse_socket_mode(value, k, c);
    } else if (key == "sqlite") {
      parse_sqlite(value, k, c);
    } else if (key == "files") {
      parse_file_outputs(value, k, c);
    } else if (key == "clickhouse") {
      parse_clickhouse(value, k, c);
    }
  }
}

void Parser::parse_sqlite(const YAML::Node& n, const std::string& path, CollectorConfig& c) {
  auto se = entries(n, path, {"path", "interval"});
  if (!se) {
    return;
  }
  SqliteOutputConfig sql;
  for (const auto& [sk, sk_node, sv] : *se) {
    if (sk == "path") {
      sql.path = get_string(sv, child(path, sk)).value_or(sql.path);
    } else {
      sql.interval = get_duration(sv, child(path, sk)).value_or(sql.interval);
    }
  }
  if (sql.path.empty()) {
    error(path, "missing required key 'path'");
  } else {
    c.outputs.sqlite = sql;
  }
}

void Parser::parse_clickhouse(const YAML::Node& n, const std::string& path, CollectorConfig& c) {
  auto e = entries(n, path,
                   {"url", "database", "table", "batch_rows", "flush_interval", "queue_rows", "raw_days", "minute_days",
                    "hour_days", "create_schema"});
  if (!e) {
    return;
  }
  constexpr std::uint64_t kMaxRows = 100'000'000;
  constexpr std::uint64_t kMaxDays = 36'500;
  ClickHouseOutputConfig ch;
  for (const auto& [key, key_node, value] : *e) {
    const std::string k = child(path, key);
    if (key == "url") {
      auto s = get_string(value, k);
      if (s && !parse_http_url(*s)) {
        error(k, "expected http://HOST:PORT (the server's HTTP interface), found " + describe(value));
      } else if (s) {
        ch.url = *s;
      }
    } else if (key == "database" || key == "table") {
      auto s = get_string(value, k);
      if (s && !sql_identifier(*s)) {
        error(k, "expected a name of letters, digits and '_' (not starting with a digit), found " + describe(value));
      } else if (s) {
        (key == "database" ? ch.database : ch.table) = *s;
      }
    } else if (key == "batch_rows") {
      ch.batch_rows = get_uint(value, k, 1, kMaxRows).value_or(ch.batch_rows);
    } else if (key == "queue_rows") {
      ch.queue_rows = get_uint(value, k, 1, kMaxRows).value_or(ch.queue_rows);
    } else if (key == "flush_interval") {
      auto d = get_duration(value, k);
      if (d && d->count() < 10) {
        error(k, "expected a duration of at least 10ms, found " + describe(value));
      } else {
        ch.flush_interval = d.value_or(ch.flush_interval);
      }
    } else if (key == "create_schema") {
      ch.create_schema = get_bool(value, k).value_or(ch.create_schema);
    } else {
      unsigned& days = key == "raw_days" ? ch.raw_days : key == "minute_days" ? ch.minute_days : ch.hour_days;
      days = static_cast<unsigned>(get_uint(value, k, 0, kMaxDays).value_or(days));
    }
  }
  if (ch.queue_rows < ch.batch_rows) {
    error(child(path, "queue_rows"), "expected at least batch_rows (" + std::to_string(ch.batch_rows) +
                                         ") rows, found " + std::to_string(ch.queue_rows));
    return;
  }
  c.outputs.clickhouse = ch;
}

void Parser::parse_file_outputs(const YAML::Node& n, const std::string& path, CollectorConfig& c) {
  auto list = list_items(n, path, true);
  for (std::size_t i = 0; list && i < list->size(); ++i) {
    if (auto f = parse_file_output((*list)[i], item(path, i), c)) {
      c.outputs.files.push_back(*f);
    }
  }
}

std::optional<FileOutputConfig> Parser::parse_file_output(const YAML::Node& n, const std::string& path,
                                                          const CollectorConfig& c) {
  auto fe = entries(n, path, {"aggregate", "format", "path", "interval", "append"});
  if (!fe) {
    return std::nullopt;
  }
  FileOutputConfig f;
  for (const auto& [fk, fk_node, fv] : *fe) {
    const std::string k = child(path, fk);
    if (fk == "aggregate") {
      f.aggregate = get_string(fv, k).value_or(f.aggregate);
    } else if (fk == "format") {
      f.format = get_enum(fv, k, kFileFormatNames).value_or(f.format);
    } else if (fk == "path") {
      f.path = get_string(fv, k).value_or(f.path);
    } else if (fk == "interval") {
      f.interval = get_duration(fv, k).value_or(f.interval);
    } else if (fk == "append") {
      f.append = get_bool(fv, k).value_or(f.append);
    }
  }
  if (f.path.empty() || f.aggregate.empty()) {
    error(path, "missing required key '" + std::string(f.path.empty() ? "path" : "aggregate") + "'");
    return std::nullopt;
  }
  std::vector<std::string_view> names;
  for (const auto& a : c.aggregates) {
    names.push_back(a.name);
  }
  if (std::find(names.begin(), names.end(), f.aggregate) == names.end()) {
    std::string msg = "no aggregate named '" + f.aggregate + "'";
    if (auto guess = closest_match(f.aggregate, names)) {
      msg += " (did you mean '" + *guess + "'?)";
    }
    error(child(path, "aggregate"), msg);
    return std::nullopt;
  }
  return f;
}

}  // namespace flowlab::collector::detail
