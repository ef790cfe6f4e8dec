// clickhouse_schema.hpp — the ClickHouse store's tables (docs/store.md): the raw table TABLE (MergeTree,
// partitioned by day, ordered by time and exporter, one column per primitive named by its `pmacct -s -O json` key),
// and two tiers TABLE_minute / TABLE_hour (SummingMergeTree over the traffic dimensions) fed by the materialized
// views TABLE_minute_mv / TABLE_hour_mv, and the address index TABLE_addr fed by TABLE_addr_mv. Retention drops
// whole day partitions.
#pragma once

#include "common/result.hpp"
#include "probes/collector/clickhouse_http.hpp"
#include "probes/collector/config.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace flowlab::collector {

struct ClickHouseColumn {
  std::string name;
  std::string type;
  bool operator==(const ClickHouseColumn&) const = default;
};

enum class StoreTier : std::uint8_t { kRaw, kMinute, kHour };

// The columns of a tier's table, in order: `time`, the primitives (all of them for kRaw; the traffic dimensions for
// the aggregate tiers), `packets`, `bytes`, `flows`.
std::vector<ClickHouseColumn> store_columns(StoreTier tier);
// "flows", "flows_minute", "flows_hour" (without the database).
std::string tier_table(const ClickHouseOutputConfig& config, StoreTier tier);
// The address index TABLE_addr: each raw row's two addresses (ip_src, ip_dst) as two rows (addr, time, peer_ip_src),
// ordered by (addr, time, peer_ip_src) and partitioned by day like the raw table, filled by the view TABLE_addr_mv.
// A lookup by address reads the index's few rows of it, then only the raw table's granules at those (time, exporter)
// — the raw table's primary key — instead of both address columns of every row.
std::vector<ClickHouseColumn> address_index_columns();
std::string address_table(const ClickHouseOutputConfig& config);  // "flows_addr" (without the database)
// The condition on the raw table that restricts it, by its primary key, to the rows the index holds for `address`
// (as the stored text, e.g. "192.0.2.10"): `(time, peer_ip_src) IN (SELECT time, peer_ip_src FROM DB.TABLE_addr
// WHERE addr = '...')`. It keeps every row with `address` as ip_src or ip_dst and a few others of the same second and
// exporter: AND it with the exact condition (`ip_src = '...' OR ip_dst = '...'`).
std::string address_index_filter(const ClickHouseOutputConfig& config, const std::string& address);
// `text` as an SQL string literal: quoted, `'` and `\` escaped.
std::string sql_quoted(const std::string& text);

// CREATE ... IF NOT EXISTS for the database and the four tables, then for the three views.
std::vector<std::string> table_statements(const ClickHouseOutputConfig& config);
std::vector<std::string> view_statements(const ClickHouseOutputConfig& config);

// Creates the tables that are missing, checks that the four have exactly store_columns() (a table made by another
// version or by hand fails here, naming the first difference), then creates the views that are missing. With
// create_schema false it only checks (and a missing table is an error).
Status ensure_schema(const ClickHouseHttp& http, const ClickHouseOutputConfig& config);

// Drops each tier's day partitions older than its retention (raw_days, minute_days, hour_days; 0 keeps all); the
// address index goes with the raw table (raw_days).
// Returns how many partitions were dropped.
Result<std::size_t> drop_expired_partitions(const ClickHouseHttp& http, const ClickHouseOutputConfig& config);

}  // namespace flowlab::collector
