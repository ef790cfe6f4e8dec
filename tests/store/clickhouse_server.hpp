// clickhouse_server.hpp — a real ClickHouse server for tests (the config is the lab's clickhouse kind's,
// nodes/clickhouse/clickhouse_config.hpp): started as a
// plain process with its own config in a folder of ours (data, tmp, logs all under it), listening on 127.0.0.1 only
// on a free port (HTTP interface only), ended by its PID. Never the system service.
#pragma once

#include "common/result.hpp"
#include "platform/process/process.hpp"
#include "probes/collector/clickhouse_http.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::testing {

class ClickHouseServer {
 public:
  // The server's argv prefix: {"/usr/sbin/clickhouse-server"} or {"clickhouse", "server"}; nullopt when neither is
  // installed (tests skip with that message).
  static std::optional<std::vector<std::string>> command();
  static constexpr const char* kMissing =
      "clickhouse-server is not installed (scripts/install-deps.sh installs it): store tests skipped";

  // Writes config.xml/users.xml into `dir` (created), starts the server on a free loopback port and waits until it
  // answers `SELECT 1` (or `timeout`: an error with the server's log tail).
  static Result<std::unique_ptr<ClickHouseServer>> start(const std::filesystem::path& dir,
                                                         std::chrono::seconds timeout = std::chrono::seconds(30));
  ~ClickHouseServer();
  ClickHouseServer(const ClickHouseServer&) = delete;
  ClickHouseServer& operator=(const ClickHouseServer&) = delete;

  // SIGKILL (a crash: no shutdown) and wait until it is gone.
  Status kill();
  // SIGTERM, then SIGKILL after 10 s.
  Status stop();
  // Starts it again on the same port and data (after kill/stop) and waits until it answers.
  Status restart(std::chrono::seconds timeout = std::chrono::seconds(30));
  [[nodiscard]] bool running() const;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return ref_.pid; }  // the running server's (benchmarks read its CPU time)
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  // A query's answer (TabSeparated unless the SQL says FORMAT).
  [[nodiscard]] Result<std::string> query(const std::string& sql) const;

 private:
  ClickHouseServer(std::filesystem::path dir, std::uint16_t port) : dir_(std::move(dir)), port_(port) {}
  Status launch(std::chrono::seconds timeout);

  std::filesystem::path dir_;
  std::uint16_t port_;
  process::ProcessRef ref_;
};

}  // namespace flowlab::testing
