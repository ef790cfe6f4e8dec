#include "tests/store/clickhouse_server.hpp"

#include "common/fd.hpp"
#include "nodes/clickhouse/clickhouse_config.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace flowlab::testing {
namespace fs = std::filesystem;

namespace {

// A TCP port free on 127.0.0.1 right now (the kernel's pick for port 0).
Result<std::uint16_t> free_port() {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd.get() < 0 || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return fail(ErrorKind::kSocket, "no free loopback port");
  }
  return ntohs(a.sin_port);
}

// The smallest config 18.16 runs with (nodes/clickhouse/clickhouse_config.hpp, the lab kind's too): loopback HTTP
// only, everything under `dir`.
void write_config(const fs::path& dir, std::uint16_t port) {
  nodes::clickhouse::ServerConfig config;
  config.dir = dir;
  config.listen_hosts = {"127.0.0.1"};
  config.http_port = port;
  config.networks = {"127.0.0.1"};
  std::ofstream(dir / nodes::clickhouse::kConfigFile) << nodes::clickhouse::render_config_xml(config);
  std::ofstream(dir / nodes::clickhouse::kUsersFile) << nodes::clickhouse::render_users_xml(config);
}

std::string log_tail(const fs::path& file) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace

std::optional<std::vector<std::string>> ClickHouseServer::command() { return nodes::clickhouse::server_command(); }

Result<std::unique_ptr<ClickHouseServer>> ClickHouseServer::start(const fs::path& dir, std::chrono::seconds timeout) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return fail(ErrorKind::kIo, "creating " + dir.string() + ": " + ec.message());
  }
  auto port = free_port();
  FLOWLAB_TRY(port);
  write_config(dir, *port);
  std::unique_ptr<ClickHouseServer> server(new ClickHouseServer(dir, *port));
  FLOWLAB_TRY(server->launch(timeout));
  return server;
}

Status ClickHouseServer::launch(std::chrono::seconds timeout) {
  auto argv = command();
  if (!argv) {
    return fail(ErrorKind::kNotFound, kMissing);
  }
  argv->push_back("--config-file=" + (dir_ / nodes::clickhouse::kConfigFile).string());
  process::Spec spec;
  spec.name = "clickhouse-server";
  spec.argv = *argv;
  spec.log_file = dir_ / "stdout.log";
  spec.working_dir = dir_;
  auto ref = process::start(spec);
  FLOWLAB_TRY(ref);
  ref_ = *ref;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto r = query("SELECT 1"); r && *r == "1\n") {
      return {};
    }
    if (!running()) {
      return fail(ErrorKind::kProcess, "clickhouse-server exited while starting: " + log_tail(dir_ / "server.err.log"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  (void)stop();
  return fail(ErrorKind::kTimeout, "clickhouse-server did not answer on " + url() + " within " +
                                       std::to_string(timeout.count()) + " s: " + log_tail(dir_ / "server.err.log"));
}

ClickHouseServer::~ClickHouseServer() { (void)stop(); }

bool ClickHouseServer::running() const { return ref_.pid != 0 && process::alive(ref_); }

Status ClickHouseServer::kill() {
  if (!running()) {
    return {};
  }
  ::kill(ref_.pid, SIGKILL);
  for (int i = 0; i < 500 && running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (running()) {
    return fail(ErrorKind::kProcess, "clickhouse-server (pid " + std::to_string(ref_.pid) + ") outlived SIGKILL");
  }
  return {};
}

Status ClickHouseServer::stop() { return process::stop(ref_, std::chrono::seconds(10)); }

Status ClickHouseServer::restart(std::chrono::seconds timeout) {
  FLOWLAB_TRY(stop());
  return launch(timeout);
}

Result<std::string> ClickHouseServer::query(const std::string& sql) const {
  const collector::ClickHouseHttp http(collector::HttpUrl{"127.0.0.1", port_}, std::chrono::seconds(10));
  return http.query(sql);
}

}  // namespace flowlab::testing
