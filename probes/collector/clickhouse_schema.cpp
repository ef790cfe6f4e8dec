#include "probes/collector/clickhouse_schema.hpp"

#include "probes/collector/primitives.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <sstream>

namespace flowlab::collector {
namespace {

using P = Primitive;

// What the per-minute and per-hour tiers keep of a flow (besides the time and the counters).
constexpr std::array kTierDimensions{P::kPeerSrcIp, P::kInIface,   P::kOutIface, P::kSrcAs,    P::kDstAs,
                                     P::kPeerSrcAs, P::kPeerDstAs, P::kProto,    P::kDirection};

// Numbers UInt32, text String. Not LowCardinality(String), not even for AS paths and communities: 18.16 reads a
// LowCardinality column of an INSERT several times slower than a String one, and its tier views group it slower
// (docs/store.md, "Where ClickHouse's time per row goes").
std::string column_type(Primitive p) { return info(p).kind == ValueKind::kNumber ? "UInt32" : "String"; }

ClickHouseColumn column_of(Primitive p) { return {std::string(info(p).client_json_key), column_type(p)}; }

std::string qualified(const ClickHouseOutputConfig& c, StoreTier tier) {
  return c.database + "." + tier_table(c, tier);
}

std::string column_list(const std::vector<ClickHouseColumn>& columns) {
  std::string out;
  for (const auto& col : columns) {
    out += (out.empty() ? "" : ", ") + col.name + " " + col.type;
  }
  return out;
}

std::string dimension_names() {
  std::string out;
  for (const Primitive p : kTierDimensions) {
    out += ", ";
    out += info(p).client_json_key;
  }
  return out;
}

std::string tier_statement(const ClickHouseOutputConfig& c, StoreTier tier) {
  return "CREATE TABLE IF NOT EXISTS " + qualified(c, tier) + " (" + column_list(store_columns(tier)) +
         ") ENGINE = SummingMergeTree((packets, bytes, flows)) PARTITION BY toYYYYMMDD(time) ORDER BY (time" +
         dimension_names() + ")";
}

std::string view_statement(const ClickHouseOutputConfig& c, StoreTier tier) {
  const std::string round = tier == StoreTier::kMinute ? "toStartOfMinute" : "toStartOfHour";
  return "CREATE MATERIALIZED VIEW IF NOT EXISTS " + qualified(c, tier) + "_mv TO " + qualified(c, tier) +
         " AS SELECT " + round + "(time) AS time" + dimension_names() +
         ", sum(packets) AS packets, sum(bytes) AS bytes, sum(flows) AS flows FROM " + qualified(c, StoreTier::kRaw) +
         " GROUP BY time" + dimension_names();
}

std::string address_qualified(const ClickHouseOutputConfig& c) { return c.database + "." + address_table(c); }

std::string address_statement(const ClickHouseOutputConfig& c) {
  return "CREATE TABLE IF NOT EXISTS " + address_qualified(c) + " (" + column_list(address_index_columns()) +
         ") ENGINE = MergeTree PARTITION BY toYYYYMMDD(time) ORDER BY (addr, time, peer_ip_src)";
}

// One index row per address of a raw row (a flow from a host to itself: two equal rows).
std::string address_view_statement(const ClickHouseOutputConfig& c) {
  return "CREATE MATERIALIZED VIEW IF NOT EXISTS " + address_qualified(c) + "_mv TO " + address_qualified(c) +
         " AS SELECT addr, time, peer_ip_src FROM " + qualified(c, StoreTier::kRaw) +
         " ARRAY JOIN [ip_src, ip_dst] AS addr";
}

// "table\tname\ttype" lines -> columns per table, in the server's order.
std::map<std::string, std::vector<ClickHouseColumn>> parse_columns(const std::string& tsv) {
  std::map<std::string, std::vector<ClickHouseColumn>> out;
  std::istringstream in(tsv);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t a = line.find('\t');
    const std::size_t b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b != std::string::npos) {
      out[line.substr(0, a)].push_back({line.substr(a + 1, b - a - 1), line.substr(b + 1)});
    }
  }
  return out;
}

Status compare_columns(const std::string& table, const std::vector<ClickHouseColumn>& want,
                       const std::vector<ClickHouseColumn>& have) {
  if (have.empty()) {
    return fail(ErrorKind::kConfig, "clickhouse table " + table +
                                        " does not exist (outputs.clickhouse.create_schema "
                                        "is false: create it as docs/store.md shows)");
  }
  const auto text = [](const std::vector<ClickHouseColumn>& columns, std::size_t i) {
    return i < columns.size() ? columns[i].name + " " + columns[i].type : std::string("no column");
  };
  std::size_t i = 0;
  while (i < std::max(want.size(), have.size()) && text(want, i) == text(have, i)) {
    ++i;
  }
  if (i < std::max(want.size(), have.size())) {
    std::string message = "clickhouse table " + table + " has another schema: column " + std::to_string(i + 1);
    message += ": expected '" + text(want, i) + "', found '" + text(have, i);
    message += "' (drop it, or name another table in outputs.clickhouse.table)";
    return fail(ErrorKind::kConfig, message);
  }
  return {};
}

}  // namespace

std::vector<ClickHouseColumn> store_columns(StoreTier tier) {
  std::vector<ClickHouseColumn> out{{"time", "DateTime"}};
  if (tier == StoreTier::kRaw) {
    for (const auto& i : all_primitives()) {
      out.push_back(column_of(i.primitive));
    }
  } else {
    for (const Primitive p : kTierDimensions) {
      out.push_back(column_of(p));
    }
  }
  for (const char* counter : {"packets", "bytes", "flows"}) {
    out.push_back({counter, "UInt64"});
  }
  return out;
}

std::vector<ClickHouseColumn> address_index_columns() {
  return {{"addr", "String"}, {"time", "DateTime"}, column_of(P::kPeerSrcIp)};
}

std::string address_table(const ClickHouseOutputConfig& config) { return config.table + "_addr"; }

std::string sql_quoted(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out + "'";
}

std::string address_index_filter(const ClickHouseOutputConfig& config, const std::string& address) {
  return "(time, peer_ip_src) IN (SELECT time, peer_ip_src FROM " + address_qualified(config) +
         " WHERE addr = " + sql_quoted(address) + ")";
}

std::string tier_table(const ClickHouseOutputConfig& config, StoreTier tier) {
  switch (tier) {
    case StoreTier::kMinute:
      return config.table + "_minute";
    case StoreTier::kHour:
      return config.table + "_hour";
    default:
      return config.table;
  }
}

std::vector<std::string> table_statements(const ClickHouseOutputConfig& c) {
  return {"CREATE DATABASE IF NOT EXISTS " + c.database,
          "CREATE TABLE IF NOT EXISTS " + qualified(c, StoreTier::kRaw) + " (" +
              column_list(store_columns(StoreTier::kRaw)) +
              ") ENGINE = MergeTree PARTITION BY toYYYYMMDD(time) ORDER BY (time, peer_ip_src)",
          tier_statement(c, StoreTier::kMinute), tier_statement(c, StoreTier::kHour), address_statement(c)};
}

std::vector<std::string> view_statements(const ClickHouseOutputConfig& c) {
  return {view_statement(c, StoreTier::kMinute), view_statement(c, StoreTier::kHour), address_view_statement(c)};
}

namespace {

Status run_statements(const ClickHouseHttp& http, const std::vector<std::string>& statements) {
  for (const auto& statement : statements) {
    if (auto r = http.post("/", statement); !r) {
      return fail(r.error());
    }
  }
  return {};
}

}  // namespace

Status ensure_schema(const ClickHouseHttp& http, const ClickHouseOutputConfig& config) {
  if (config.create_schema) {
    FLOWLAB_TRY(run_statements(http, table_statements(config)));
  }
  auto described = http.query("SELECT table, name, type FROM system.columns WHERE database = '" + config.database +
                              "' FORMAT TabSeparated");
  if (!described) {
    return fail(described.error());
  }
  const auto tables = parse_columns(*described);
  for (const StoreTier tier : {StoreTier::kRaw, StoreTier::kMinute, StoreTier::kHour}) {
    const auto it = tables.find(tier_table(config, tier));
    FLOWLAB_TRY(compare_columns(qualified(config, tier), store_columns(tier),
                                it == tables.end() ? std::vector<ClickHouseColumn>{} : it->second));
  }
  const auto index = tables.find(address_table(config));
  FLOWLAB_TRY(compare_columns(address_qualified(config), address_index_columns(),
                              index == tables.end() ? std::vector<ClickHouseColumn>{} : index->second));
  return config.create_schema ? run_statements(http, view_statements(config)) : Status{};
}

Result<std::size_t> drop_expired_partitions(const ClickHouseHttp& http, const ClickHouseOutputConfig& config) {
  std::size_t dropped = 0;
  const std::array<std::pair<std::string, unsigned>, 4> tables{
      {{tier_table(config, StoreTier::kRaw), config.raw_days},
       {address_table(config), config.raw_days},
       {tier_table(config, StoreTier::kMinute), config.minute_days},
       {tier_table(config, StoreTier::kHour), config.hour_days}}};
  for (const auto& [table, days] : tables) {
    if (days == 0) {
      continue;
    }
    auto parts =
        http.query("SELECT DISTINCT partition FROM system.parts WHERE database = '" + config.database +
                   "' AND table = '" + table + "' AND active AND toUInt32OrZero(partition) < toYYYYMMDD(now() - " +
                   std::to_string(std::uint64_t{days} * 86400U) + ") FORMAT TabSeparated");
    if (!parts) {
      return fail(parts.error());
    }
    std::istringstream in(*parts);
    std::string partition;
    while (std::getline(in, partition)) {
      if (partition.empty() || !std::all_of(partition.begin(), partition.end(), ::isdigit)) {
        continue;
      }
      std::string statement = "ALTER TABLE " + config.database + "." + table;
      statement += " DROP PARTITION " + partition;
      auto r = http.query(statement);
      if (!r) {
        return fail(r.error());
      }
      ++dropped;
    }
  }
  return dropped;
}

}  // namespace flowlab::collector
