#include "probes/collector/sqlite_store.hpp"

#include "probes/collector/primitives.hpp"

#include <sqlite3.h>

#include <charconv>

namespace flowlab::collector {
namespace {

std::string sql_error(::sqlite3* db) { return db != nullptr ? sqlite3_errmsg(db) : "out of memory"; }

Status exec(::sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err != nullptr ? err : sql_error(db);
    sqlite3_free(err);
    return fail(ErrorKind::kIo, why + " (in: " + sql.substr(0, 80) + ")");
  }
  return {};
}

}  // namespace

std::string sql_timestamp(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return std::string(buf, n);
}

std::string SqliteStore::table_name(const std::string& aggregate) {
  std::string name = "acct_";
  for (char c : aggregate) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    name.push_back(ok ? c : '_');
  }
  return name;
}

std::string SqliteStore::schema(const AggregateSpec& spec) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + table_name(spec.name) + " (";
  for (auto p : spec.primitives) {
    sql += std::string(json_key(p)) + (info(p).kind == ValueKind::kNumber ? " INTEGER" : " TEXT") + ", ";
  }
  sql +=
      "packets INTEGER NOT NULL, bytes INTEGER NOT NULL, flows INTEGER NOT NULL, stamp_inserted TEXT NOT NULL, "
      "stamp_updated TEXT NOT NULL)";
  return sql;
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       const std::vector<AggregateSpec>& aggregates) {
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  if (sqlite3_open_v2(path.c_str(), &store->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return fail(ErrorKind::kIo, "opening " + path + ": " + sql_error(store->db_));
  }
  if (auto s = exec(store->db_, "PRAGMA journal_mode=WAL"); !s) {
    return fail(ErrorKind::kIo, path + ": " + s.error().message);
  }
  for (const auto& spec : aggregates) {
    if (auto s = exec(store->db_, schema(spec)); !s) {
      return fail(ErrorKind::kIo, path + ": " + s.error().message);
    }
    const std::string t = table_name(spec.name);
    if (auto s = exec(store->db_, "CREATE INDEX IF NOT EXISTS " + t + "_stamp ON " + t + " (stamp_inserted)"); !s) {
      return fail(ErrorKind::kIo, path + ": " + s.error().message);
    }
  }
  return store;
}

SqliteStore::~SqliteStore() {
  if (db_ != nullptr) {
    sqlite3_close(db_);
  }
}

Result<std::size_t> SqliteStore::write(const AggregateSpec& spec, std::vector<Row> all, std::time_t interval_start,
                                       std::time_t now) {
  const std::vector<Row> rows = deltas_[spec.name].take(std::move(all));
  if (rows.empty()) {
    return std::size_t{0};
  }
  std::string sql = "INSERT INTO " + table_name(spec.name) + " (";
  for (auto p : spec.primitives) {
    sql += std::string(json_key(p)) + ", ";
  }
  sql += "packets, bytes, flows, stamp_inserted, stamp_updated) VALUES (";
  for (std::size_t i = 0; i < spec.primitives.size() + 5; ++i) {
    sql += i == 0 ? "?" : ", ?";
  }
  sql += ")";
  ::sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    return fail(ErrorKind::kIo, "preparing the insert into " + table_name(spec.name) + ": " + sql_error(db_));
  }
  struct Finalizer {
    ::sqlite3_stmt* s;
    ~Finalizer() { sqlite3_finalize(s); }
  } finalizer{stmt};
  FLOWLAB_TRY(exec(db_, "BEGIN"));
  const std::string inserted = sql_timestamp(interval_start);
  const std::string updated = sql_timestamp(now);
  for (const auto& r : rows) {
    sqlite3_reset(stmt);
    int col = 1;
    for (std::size_t i = 0; i < spec.primitives.size(); ++i) {
      const std::string& v = i < r.values.size() ? r.values[i] : std::string();
      std::int64_t number = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), number);
      if (info(spec.primitives[i]).kind == ValueKind::kNumber && ec == std::errc() && ptr == v.data() + v.size()) {
        sqlite3_bind_int64(stmt, col++, number);
      } else {
        sqlite3_bind_text(stmt, col++, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
      }
    }
    sqlite3_bind_int64(stmt, col++, static_cast<std::int64_t>(r.packets));
    sqlite3_bind_int64(stmt, col++, static_cast<std::int64_t>(r.bytes));
    sqlite3_bind_int64(stmt, col++, static_cast<std::int64_t>(r.flows));
    sqlite3_bind_text(stmt, col++, inserted.c_str(), static_cast<int>(inserted.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, col, updated.c_str(), static_cast<int>(updated.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) != SQLITE_DONE) {
      const std::string why = sql_error(db_);
      (void)exec(db_, "ROLLBACK");
      return fail(ErrorKind::kIo, "inserting into " + table_name(spec.name) + ": " + why);
    }
  }
  FLOWLAB_TRY(exec(db_, "COMMIT"));
  // Move the rows from the WAL into the database file, so a copy of flows.db alone (the run directory) holds them.
  (void)sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  rows_ += rows.size();
  return rows.size();
}

}  // namespace flowlab::collector
