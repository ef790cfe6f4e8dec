// clickhouse_schema.hpp — the ClickHouse store's tables (docs/store.md): the raw table TABLE (MergeTree,
// partitioned by day, ordered by time and exporter, one column per primitive named by its `pmacct -s -O json` key),
// and two tiers TABLE_minute / TABLE_hour (SummingMergeTree over the traffic dimensions) fed by the materialized
// views TABLE_minute_mv / TABLE_hour_mv. Retention drops whole day partitions.
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
// CREATE ... IF NOT EXISTS for the database and the three tables, then for the two views.
std::vector<std::string> table_statements(const ClickHouseOutputConfig& config);
std::vector<std::string> view_statements(const ClickHouseOutputConfig& config);

// Creates the tables that are missing, checks that the three have exactly store_columns() (a table made by another
// version or by hand fails here, naming the first difference), then creates the views that are missing. With
// create_schema false it only checks (and a missing table is an error).
Status ensure_schema(const ClickHouseHttp& http, const ClickHouseOutputConfig& config);

// Drops each tier's day partitions older than its retention (raw_days, minute_days, hour_days; 0 keeps all).
// Returns how many partitions were dropped.
Result<std::size_t> drop_expired_partitions(const ClickHouseHttp& http, const ClickHouseOutputConfig& config);

}  // namespace flowlab::collector
