// sqlite_store.hpp — flowcollector's embedded default store: one SQLite table per aggregate, one row per aggregate
// key per interval, in the spirit of pmacct's SQL plugins.
//
// Schema (docs/flowcollector.md): table `acct_<aggregate>` with one column per primitive, named by its print
// plugin key (`as_src`, `ip_dst`, `as_path`, ...; INTEGER for numbers, TEXT otherwise), then `packets`, `bytes`,
// `flows` (INTEGER) and `stamp_inserted` (the interval's start) and `stamp_updated` (the write time), both TEXT
// "YYYY-MM-DD HH:MM:SS" UTC as pmacct writes them. Each write runs in one transaction. WAL journal.
#pragma once

#include "common/result.hpp"
#include "probes/collector/aggregate.hpp"
#include "probes/collector/outputs.hpp"

#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct sqlite3;

namespace flowlab::collector {

class SqliteStore {
 public:
  // Opens (creates) the database and the tables of `aggregates`.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                   const std::vector<AggregateSpec>& aggregates);
  ~SqliteStore();
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // The CREATE TABLE statement of one aggregate.
  static std::string schema(const AggregateSpec& spec);
  static std::string table_name(const std::string& aggregate);  // "acct_" + name ([A-Za-z0-9_] kept, others '_')

  // Writes the rows of an aggregate (`all`: its current rows) changed since the last write, stamped with
  // [interval_start, now].
  Result<std::size_t> write(const AggregateSpec& spec, std::vector<Row> all, std::time_t interval_start,
                            std::time_t now);
  [[nodiscard]] std::uint64_t rows_written() const { return rows_; }

 private:
  SqliteStore() = default;
  ::sqlite3* db_ = nullptr;
  std::map<std::string, IntervalDelta> deltas_;
  std::uint64_t rows_ = 0;
};

// "2026-01-02 03:04:05" (UTC).
std::string sql_timestamp(std::time_t t);

}  // namespace flowlab::collector
