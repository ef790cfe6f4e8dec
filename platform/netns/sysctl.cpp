#include "platform/netns/sysctl.hpp"

#include "common/fd.hpp"
#include "platform/netns/namespace.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace flowlab::netns {
namespace {

SysctlList common_sysctls() {
  return {
      {"net.ipv4.conf.all.rp_filter", "0"},         {"net.ipv4.conf.default.rp_filter", "0"},
      {"net.ipv6.conf.all.accept_dad", "0"},        {"net.ipv6.conf.default.accept_dad", "0"},
      {"net.ipv6.conf.all.dad_transmits", "0"},     {"net.ipv6.conf.default.dad_transmits", "0"},
      {"net.ipv6.conf.all.keep_addr_on_down", "1"}, {"net.ipv6.conf.default.keep_addr_on_down", "1"},
  };
}

Status write_one(const std::string& ns, const std::string& key, const std::string& value) {
  const std::string what = "setting " + key + "=" + value + " in " + ns;
  auto path = sysctl_path(key);
  if (!path.ok()) {
    return fail(ErrorKind::kNetns, what + ": " + path.error().message);
  }
  Fd fd(::open(path->c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) {
    return fail(ErrorKind::kNetns, what + ": opening " + *path + ": " + std::strerror(errno));
  }
  ssize_t n = ::write(fd.get(), value.data(), value.size());
  if (n < 0 || static_cast<std::size_t>(n) != value.size()) {
    return fail(ErrorKind::kNetns, what + ": writing " + *path + ": " + (n < 0 ? std::strerror(errno) : "short write"));
  }
  return {};
}

}  // namespace

Result<std::string> sysctl_path(const std::string& key) {
  if (key.empty() || key.front() == '/' || key.front() == '.') {
    return fail(ErrorKind::kNetns, "'" + key + "' is not a sysctl key");
  }
  std::string rel = key;
  if (rel.find('/') == std::string::npos) {
    std::replace(rel.begin(), rel.end(), '.', '/');
  }
  if (rel.find("..") != std::string::npos || rel.find('\0') != std::string::npos) {
    return fail(ErrorKind::kNetns, "'" + key + "' is not a sysctl key");
  }
  return "/proc/sys/" + rel;
}

Status write_sysctls(const std::string& ns, const SysctlList& kv) {
  return run_in_namespace(ns, [&]() -> Status {
    for (const auto& [key, value] : kv) {
      FLOWLAB_TRY(write_one(ns, key, value));
    }
    return {};
  });
}

Result<std::string> read_sysctl(const std::string& ns, const std::string& key) {
  return run_in_namespace(ns, [&]() -> Result<std::string> {
    const std::string what = "reading " + key + " in " + ns;
    auto path = sysctl_path(key);
    if (!path.ok()) {
      return fail(ErrorKind::kNetns, what + ": " + path.error().message);
    }
    Fd fd(::open(path->c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      return fail(ErrorKind::kNetns, what + ": opening " + *path + ": " + std::strerror(errno));
    }
    std::string out;
    std::array<char, 256> buf{};
    for (;;) {
      ssize_t n = ::read(fd.get(), buf.data(), buf.size());
      if (n < 0) {
        return fail(ErrorKind::kNetns, what + ": reading " + *path + ": " + std::strerror(errno));
      }
      if (n == 0) {
        break;
      }
      out.append(buf.data(), static_cast<std::size_t>(n));
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
      out.pop_back();
    }
    return out;
  });
}

SysctlList router_sysctls() {
  SysctlList out = common_sysctls();
  out.insert(out.end(), {
                            {"net.ipv4.ip_forward", "1"},
                            {"net.ipv6.conf.all.forwarding", "1"},
                            {"net.ipv6.conf.default.forwarding", "1"},
                            {"net.ipv6.conf.all.accept_ra", "0"},
                            {"net.ipv6.conf.default.accept_ra", "0"},
                        });
  return out;
}

SysctlList host_sysctls() {
  SysctlList out = common_sysctls();
  out.insert(out.end(), {
                            {"net.ipv4.ip_forward", "0"},
                            {"net.ipv6.conf.all.forwarding", "0"},
                            {"net.ipv6.conf.default.forwarding", "0"},
                            {"net.ipv6.conf.all.accept_ra", "0"},
                            {"net.ipv6.conf.default.accept_ra", "0"},
                            {"net.ipv6.conf.all.router_solicitations", "0"},
                            {"net.ipv6.conf.default.router_solicitations", "0"},
                        });
  return out;
}

}  // namespace flowlab::netns
