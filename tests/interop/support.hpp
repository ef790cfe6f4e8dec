// Interop test support: child processes (argv only, killed by PID), loopback UDP ports, the ground truth.
#pragma once

#include "common/ip.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

extern char** environ;

namespace flowlab::interop {

namespace fs = std::filesystem;

inline const std::string kTestData = FLOWLAB_TEST_DATA_DIR;
inline const std::string kFlowprobe = std::string(FLOWLAB_BINARY_DIR) + "/probes/probe/flowprobe";

// Starts argv[0] (searched in PATH) with stdout/stderr to files; returns its PID (or -1).
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

// Waits for pid to exit (up to timeout); returns its exit status, or nullopt on timeout.
inline std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (r < 0 || std::chrono::steady_clock::now() > deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// SIGTERM, then SIGKILL after a grace period: only the PID we started.
inline std::optional<int> stop(pid_t pid, std::chrono::milliseconds grace = std::chrono::milliseconds(5000)) {
  if (pid <= 0) {
    return std::nullopt;
  }
  kill(pid, SIGTERM);
  auto st = wait_exit(pid, grace);
  if (!st) {
    kill(pid, SIGKILL);
    st = wait_exit(pid, std::chrono::milliseconds(2000));
  }
  return st;
}

// Runs a command to completion; returns its exit status (-1 if it could not start or timed out).
inline int run(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(120000)) {
  const pid_t pid = spawn(argv, out_path, err_path);
  if (pid < 0) {
    return -1;
  }
  auto st = wait_exit(pid, timeout);
  if (!st) {
    stop(pid);
    return -1;
  }
  return *st;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A UDP port on the loopback that is free right now.
inline std::uint16_t free_udp_port() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
  socklen_t len = sizeof(sin);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
  close(fd);
  return ntohs(sin.sin_port);
}

// True once some socket is bound to UDP `port` (per /proc/net/udp and udp6).
inline bool udp_port_bound(std::uint16_t port) {
  char hex[8];
  std::snprintf(hex, sizeof(hex), ":%04X ", port);
  for (const char* table : {"/proc/net/udp", "/proc/net/udp6"}) {
    std::ifstream in(table);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      std::string slot;
      std::string local;
      ls >> slot >> local;
      if ((local + " ").find(hex) != std::string::npos) {
        return true;
      }
    }
  }
  return false;
}

inline bool wait_for_udp_port(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (udp_port_bound(port)) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Waits until the file contains text (a daemon's readiness line in its log).
inline bool wait_for_text(const std::string& path, const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (read_text(path).find(text) != std::string::npos) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Per-flow ground truth of synth_small.pcap.
using FlowId = std::tuple<IpAddress, IpAddress, std::uint16_t, std::uint16_t, std::uint8_t>;
struct FlowCounts {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint8_t tos = 0;
  bool operator==(const FlowCounts&) const = default;
};
using FlowTable = std::map<FlowId, FlowCounts>;

inline std::string describe(const FlowId& id) {
  return std::get<0>(id).to_string() + ":" + std::to_string(std::get<2>(id)) + " -> " + std::get<1>(id).to_string() +
         ":" + std::to_string(std::get<3>(id)) + " proto " + std::to_string(std::get<4>(id));
}

inline std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string cell;
  std::stringstream ss(line);
  while (std::getline(ss, cell, sep)) {
    out.push_back(cell);
  }
  return out;
}

inline FlowTable read_truth(bool ipv4_only) {
  FlowTable truth;
  std::ifstream in(kTestData + "/synth_small_truth.csv");
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    const auto f = split(line, ',');
    if (f.size() < 14 || (ipv4_only && f[1] != "4")) {
      continue;
    }
    const FlowId id{*IpAddress::parse(f[3]), *IpAddress::parse(f[4]), static_cast<std::uint16_t>(std::stoul(f[5])),
                    static_cast<std::uint16_t>(std::stoul(f[6])), static_cast<std::uint8_t>(std::stoul(f[2]))};
    truth[id] = FlowCounts{std::stoull(f[8]), std::stoull(f[9]), static_cast<std::uint8_t>(std::stoul(f[7]))};
  }
  return truth;
}

// Compares a decoded table with the truth, flow by flow (every difference reported).
inline void expect_tables_equal(const FlowTable& got, const FlowTable& truth, bool compare_tos = true) {
  EXPECT_EQ(got.size(), truth.size());
  for (const auto& [id, want] : truth) {
    const auto it = got.find(id);
    if (it == got.end()) {
      ADD_FAILURE() << "missing flow " << describe(id);
      continue;
    }
    EXPECT_EQ(it->second.packets, want.packets) << describe(id);
    EXPECT_EQ(it->second.bytes, want.bytes) << describe(id);
    if (compare_tos) {
      EXPECT_EQ(it->second.tos, want.tos) << describe(id);
    }
  }
  for (const auto& [id, counts] : got) {
    if (truth.find(id) == truth.end()) {
      ADD_FAILURE() << "unexpected flow " << describe(id) << " packets " << counts.packets;
    }
  }
}

inline std::uint8_t proto_number(const std::string& p) {
  if (p == "TCP" || p == "tcp") {
    return 6;
  }
  if (p == "UDP" || p == "udp") {
    return 17;
  }
  if (p == "ICMP" || p == "icmp") {
    return 1;
  }
  if (p == "ICMP6" || p == "ipv6-icmp" || p == "icmp6") {
    return 58;
  }
  return static_cast<std::uint8_t>(std::stoul(p));
}

// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "flowlab-interop-XXXXXX").string();
    path_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty() && std::getenv("FLOWLAB_KEEP_TMP") == nullptr) {
      fs::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace flowlab::interop
