#include "tests/lab/lab_fixture.hpp"

#include "common/ip.hpp"
#include "platform/netns/namespace.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace flowlab::labtest {
namespace fs = std::filesystem;

bool is_root() { return ::geteuid() == 0; }

std::string describe(const process::Output& out) { return "stdout:\n" + out.out + "\nstderr:\n" + out.err; }

std::string unique_lab(const std::string& stem) { return stem + std::to_string(::getpid() % 10000); }

process::Output labctl(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{FLOWLAB_LABCTL, "--rundir", kRunDir};
  argv.insert(argv.end(), args.begin(), args.end());
  auto out = process::run(argv, process::RunOptions{.timeout = timeout});
  if (!out.ok()) {
    process::Output o;
    o.err = out.error().to_string();
    return o;
  }
  return *out;
}

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::vector<std::string> leftovers(const std::string& lab) {
  std::vector<std::string> out;
  const std::string ns_prefix = "fl-" + lab + "-";
  for (const auto& ns : netns::list_namespaces(ns_prefix)) {
    if (ns.find('-', ns_prefix.size()) == std::string::npos) {
      out.push_back("namespace " + ns);
    }
  }
  const std::string lab_dir = std::string(kRunDir) + "/" + lab + "/";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string pid = entry.path().filename().string();
    if (pid.empty() || !std::all_of(pid.begin(), pid.end(), ::isdigit)) {
      continue;
    }
    std::string cmdline = read_file(entry.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(lab_dir) != std::string::npos) {
      out.push_back("process " + pid + ": " + cmdline);
    }
  }
  std::istringstream mounts(read_file("/proc/self/mountinfo"));
  for (std::string line; std::getline(mounts, line);) {
    if (line.find(ns_prefix) != std::string::npos || line.find(lab_dir) != std::string::npos) {
      out.push_back("mount " + line);
    }
  }
  if (fs::exists(fs::path(kRunDir) / lab)) {
    out.push_back("run dir " + (fs::path(kRunDir) / lab).string());
  }
  return out;
}

std::string topology_path(const std::string& name) {
  return std::string(FLOWLAB_SOURCE_DIR) + "/topologies/" + name + ".yaml";
}

std::string udp_roundtrip(const std::string& from_ns, const std::string& to_ns, const std::string& dst,
                          std::uint16_t port, const std::string& payload) {
  auto addr = IpAddress::parse(dst);
  if (!addr) {
    return "";
  }
  const int family = addr->is_v4() ? AF_INET : AF_INET6;
  // The receiving socket is opened inside to_ns and stays there.
  auto rx = netns::run_in_namespace(to_ns, [&]() -> Result<int> {
    int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      return fail(ErrorKind::kSocket, "socket()");
    }
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (family == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);  // NOLINT: sockaddr API
      sin->sin_family = AF_INET;
      sin->sin_port = htons(port);
      len = sizeof(sockaddr_in);
    } else {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);  // NOLINT: sockaddr API
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(port);
      len = sizeof(sockaddr_in6);
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {  // NOLINT: sockaddr API
      ::close(fd);
      return fail(ErrorKind::kSocket, "bind()");
    }
    timeval tv{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  });
  if (!rx.ok()) {
    return "";
  }
  auto sent = netns::run_in_namespace(from_ns, [&]() -> Result<int> {
    int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (family == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);  // NOLINT: sockaddr API
      sin->sin_family = AF_INET;
      sin->sin_port = htons(port);
      std::copy_n(addr->bytes.begin(), 4, reinterpret_cast<std::uint8_t*>(&sin->sin_addr));  // NOLINT
      len = sizeof(sockaddr_in);
    } else {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);  // NOLINT: sockaddr API
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(port);
      std::copy_n(addr->bytes.begin(), 16, sin6->sin6_addr.s6_addr);
      len = sizeof(sockaddr_in6);
    }
    auto n = ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&ss), len);  // NOLINT
    ::close(fd);
    return static_cast<int>(n);
  });
  std::string received;
  if (sent.ok() && *sent > 0) {
    char buf[2048];
    auto n = ::recv(*rx, buf, sizeof buf, 0);
    if (n > 0) {
      received.assign(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(*rx);
  return received;
}

}  // namespace flowlab::labtest
