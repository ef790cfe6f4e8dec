// outputs.hpp — what flowcollector writes on a timer and on SIGUSR1: JSON-lines / CSV files per aggregate (the
// pmacct print plugin's key and header names, via record_format) and the SQLite store (sqlite_store.hpp).
//
// Aggregates keep their counters for the query socket (like pmacct's memory plugin); file and SQLite outputs
// write one row per aggregate key per interval (like pmacct's print and SQL plugins), so each output remembers
// what it wrote before and writes the difference (IntervalDelta). A `clear` between two writes starts over.
#pragma once

#include "common/result.hpp"
#include "probes/collector/aggregate.hpp"
#include "probes/collector/config.hpp"

#include <cstdint>
#include <ctime>
#include <string>
#include <unordered_map>
#include <vector>

namespace flowlab::collector {

// The rows that changed since the last take(), with the counters added since then.
class IntervalDelta {
 public:
  std::vector<Row> take(const std::vector<Row>& current);
  void reset() { last_.clear(); }

 private:
  struct Counts {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::uint64_t flows = 0;
  };
  std::unordered_map<std::string, Counts> last_;
};

// strftime escapes of `pattern` (UTC) expanded at time `t`; "%peer" replaced first by `peer` (':' -> '_').
std::string expand_path(const std::string& pattern, std::time_t t, const std::string& peer = "");

class FileOutput {
 public:
  explicit FileOutput(FileOutputConfig config) : config_(std::move(config)) {}
  // Appends (or writes, append: false) the rows changed since the last write to the file named for `now` (`all`:
  // the aggregate's current rows).
  // CSV files get a header line when created. Returns the number of rows written.
  Result<std::size_t> write(const AggregateSpec& spec, std::vector<Row> rows, std::time_t now);
  [[nodiscard]] const FileOutputConfig& config() const { return config_; }
  [[nodiscard]] std::uint64_t writes() const { return writes_; }
  [[nodiscard]] std::uint64_t rows_written() const { return rows_; }

 private:
  FileOutputConfig config_;
  IntervalDelta delta_;
  std::uint64_t writes_ = 0;
  std::uint64_t rows_ = 0;
};

}  // namespace flowlab::collector
