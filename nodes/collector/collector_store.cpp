// The collector's records read back from its store (`store: NODE`, flowcollector outputs.clickhouse): the raw
// table regrouped by the aggregate `full`'s primitives (what records() reads live), or a tier, over a time range.
#include "common/poll.hpp"
#include "nodes/collector/collector_config.hpp"
#include "nodes/collector/collector_driver.hpp"
#include "probes/collector/clickhouse_schema.hpp"
#include "probes/collector/primitives.hpp"

#include <cstdlib>
#include <sstream>

namespace flowlab::nodes::collector {
namespace {

constexpr auto kStoreWait = std::chrono::seconds(30);

// Waits until the collector's store counters say every record produced was inserted (nothing queued); a dropped
// row fails: the store then cannot hold the records the aggregate does.
Status await_store(const NodeContext& ctx) {
  const auto socket = ctx.dir / kSocketFile;
  FLOWLAB_TRY(query(socket, {{"cmd", "flush"}}));
  nlohmann::json c;
  const auto taken = poll_for_ok(
      [&]() -> Result<bool> {
        auto j = query(socket, {{"cmd", "counters"}});
        FLOWLAB_TRY(j);
        c = j->value("store", nlohmann::json::object()).value("clickhouse", nlohmann::json::object());
        if (c.empty()) {
          return fail(ErrorKind::kConfig,
                      "collector " + ctx.node->name + " stores nothing (its outputs have no clickhouse)");
        }
        const auto produced = c.value("rows_produced", std::uint64_t{0});
        const auto dropped = c.value("rows_dropped", std::uint64_t{0});
        if (dropped != 0) {
          return fail(ErrorKind::kVerify, "collector " + ctx.node->name + ": its store dropped " +
                                              std::to_string(dropped) + " of " + std::to_string(produced) + " rows");
        }
        return c.value("rows_inserted", std::uint64_t{0}) == produced && c.value("rows_queued", std::uint64_t{0}) == 0;
      },
      kStoreWait, std::chrono::milliseconds(100));
  FLOWLAB_TRY(taken);
  if (*taken) {
    return {};
  }
  return fail(ErrorKind::kTimeout, "collector " + ctx.node->name + ": the store did not take every record within " +
                                       std::to_string(kStoreWait.count()) + " s (counters " + c.dump() + ")");
}

// A store column (a primitive's `pmacct -s -O json` key, or `time`) and the field name records() gives it.
struct StoredField {
  std::string column;
  std::string field;
};

StoredField field_of_column(const std::string& column) {
  for (const auto& i : ::flowlab::collector::all_primitives()) {
    if (i.client_json_key == column) {
      return {column, field_of_primitive(std::string(i.name))};
    }
  }
  return {column, column};
}

// What a query groups by: the raw tier regrouped by the aggregate `full`'s primitives; a tier by its time and
// dimensions (store_columns without the counters).
Result<std::vector<StoredField>> stored_fields(const topology::Node& node, ::flowlab::collector::StoreTier tier) {
  std::vector<StoredField> out;
  if (tier == ::flowlab::collector::StoreTier::kRaw) {
    auto primitives = ::flowlab::collector::parse_primitives(full_primitives(node));
    FLOWLAB_TRY(primitives);
    for (const auto p : *primitives) {
      out.push_back(field_of_column(std::string(::flowlab::collector::info(p).client_json_key)));
    }
    return out;
  }
  for (const auto& c : ::flowlab::collector::store_columns(tier)) {
    if (c.name != "packets" && c.name != "bytes" && c.name != "flows") {
      out.push_back(field_of_column(c.name));
    }
  }
  return out;
}

std::string stored_sql(const StoredQuery& q, const std::vector<StoredField>& fields) {
  std::string columns;
  for (const auto& f : fields) {
    columns += (columns.empty() ? "" : ", ") + f.column;
  }
  ::flowlab::collector::ClickHouseOutputConfig store;
  store.database = kStoreDatabase;
  store.table = kStoreTable;
  // An address restricts the raw table by its primary key through the address index (docs/store.md), then exactly.
  using ::flowlab::collector::sql_quoted;
  std::vector<std::string> where;
  if (q.pair) {
    where.push_back(::flowlab::collector::address_index_filter(store, q.pair->src.to_string()));
    where.push_back("ip_src = " + sql_quoted(q.pair->src.to_string()));
    where.push_back("ip_dst = " + sql_quoted(q.pair->dst.to_string()));
  }
  if (q.host) {
    const std::string host = sql_quoted(q.host->to_string());
    where.push_back(::flowlab::collector::address_index_filter(store, q.host->to_string()));
    where.push_back("(ip_src = " + host + " OR ip_dst = " + host + ")");
  }
  if (q.since) {
    where.push_back("time >= toDateTime(" + std::to_string(*q.since) + ")");
  }
  if (q.until) {
    where.push_back("time < toDateTime(" + std::to_string(*q.until) + ")");
  }
  const std::string table = store.database + "." + ::flowlab::collector::tier_table(store, q.tier);
  std::string sql =
      "SELECT " + columns + ", sum(packets) AS packets, sum(bytes) AS bytes, sum(flows) AS flows FROM " + table;
  for (std::size_t i = 0; i < where.size(); ++i) {
    sql += (i == 0 ? " WHERE " : " AND ") + where[i];
  }
  const std::string sort = q.sort == "packets" || q.sort == "flows" ? q.sort : "bytes";
  sql += " GROUP BY " + columns + " ORDER BY " + (q.tier == ::flowlab::collector::StoreTier::kRaw ? "" : "time, ") +
         sort + " DESC, " + columns;
  if (q.top) {
    sql += " LIMIT " + std::to_string(*q.top);
  }
  return sql + " FORMAT JSONEachRow";
}

// A JSONEachRow value as records() prints it: strings as they are, numbers as text (UInt64 sums come quoted).
std::string text_of(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }
std::uint64_t count_of(const nlohmann::json& v) {
  return v.is_string() ? std::strtoull(v.get<std::string>().c_str(), nullptr, 10) : v.get<std::uint64_t>();
}

Result<std::vector<FlowRow>> parse_rows(const std::string& text, const std::vector<StoredField>& fields,
                                        const std::string& store, bool column_names) {
  std::vector<FlowRow> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return fail(ErrorKind::kParse, "store " + store + ": not a JSON row: " + line);
    }
    FlowRow r;
    for (const auto& f : fields) {
      r.fields[column_names ? f.column : f.field] = text_of(j.value(f.column, nlohmann::json("")));
    }
    r.packets = count_of(j.value("packets", nlohmann::json(0)));
    r.bytes = count_of(j.value("bytes", nlohmann::json(0)));
    r.flows = count_of(j.value("flows", nlohmann::json(0)));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

Result<std::vector<FlowRow>> CollectorDriver::stored_records(const NodeContext& ctx, const StoredQuery& q) const {
  const topology::Node* store = ctx.topology->find_node(ctx.node->store);
  const NodeDriver* driver = store == nullptr ? nullptr : find_driver(store->kind);
  if (driver == nullptr) {
    return fail(ErrorKind::kConfig, "collector " + ctx.node->name + " has no store node (`store:` on the node)");
  }
  if (q.settle) {
    FLOWLAB_TRY(await_store(ctx));
  }
  auto fields = stored_fields(*ctx.node, q.tier);
  FLOWLAB_TRY(fields);
  const NodeContext store_ctx{ctx.topology, store, ctx.dir.parent_path() / store->name};
  auto text = driver->store_query(store_ctx, stored_sql(q, *fields));
  FLOWLAB_TRY(text);
  return parse_rows(*text, *fields, store->name, q.column_names);
}

}  // namespace flowlab::nodes::collector
