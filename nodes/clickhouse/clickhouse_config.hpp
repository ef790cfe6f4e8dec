// flowlab::nodes::clickhouse config — the smallest configuration clickhouse-server 18.16 runs with (config.xml and
// users.xml): listening on the given addresses only, data, temporary files and logs all under one folder, UTC, the
// `default` user without password allowed from the given networks. The one owner of this knowledge: the lab's
// `clickhouse` kind renders it into the node dir, the store tests (tests/store/clickhouse_server) into a temp folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::nodes::clickhouse {

inline constexpr const char* kConfigFile = "config.xml";
inline constexpr const char* kUsersFile = "users.xml";
inline constexpr const char* kServerLog = "server.log";
inline constexpr const char* kServerErrorLog = "server.err.log";
inline constexpr std::uint16_t kHttpPort = 8123;  // a lab node's ports (ClickHouse's defaults: each node has its
inline constexpr std::uint16_t kTcpPort = 9000;   // own namespace)

struct ServerConfig {
  std::filesystem::path dir;              // data/, tmp/, logs and the config files
  std::vector<std::string> listen_hosts;  // addresses the server listens on ("127.0.0.1", "10.255.0.3", "fd00::3")
  std::uint16_t http_port = 8123;
  std::uint16_t tcp_port = 0;         // the native protocol (clickhouse-client); 0: none
  std::vector<std::string> networks;  // where the `default` user may connect from ("127.0.0.1", "10.255.0.0/24")
};

// The server's argv prefix: {"/usr/sbin/clickhouse-server"} or {"/usr/bin/clickhouse", "server"} (PATH, then
// /usr/sbin and /usr/bin); nullopt when neither is installed.
[[nodiscard]] std::optional<std::vector<std::string>> server_command();
inline constexpr const char* kServerMissing =
    "clickhouse-server is not installed (scripts/install-deps.sh installs it)";

// config.xml and users.xml for `config`.
[[nodiscard]] std::string render_config_xml(const ServerConfig& config);
[[nodiscard]] std::string render_users_xml(const ServerConfig& config);

}  // namespace flowlab::nodes::clickhouse
