#include "probes/collector/tee_socket.hpp"

#include "common/endpoint.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace flowlab::collector::detail {
namespace {

// IPV6_HDRINCL (linux/in6.h, kernel >= 4.5); glibc's netinet/in.h does not define it.
constexpr int kIpv6HdrIncl = 36;

std::string errno_text(int err) { return std::strerror(err); }

std::string family_name(int family) { return family == AF_INET ? "AF_INET" : "AF_INET6"; }

void set_send_buffer(int fd, std::size_t bytes) {
  int value = static_cast<int>(std::min<std::size_t>(bytes, 1U << 30U));
  // SO_SNDBUFFORCE passes net.core.wmem_max when privileged; otherwise the capped SO_SNDBUF is the best we get.
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &value, sizeof(value)) != 0) {
    (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, sizeof(value));
  }
}

}  // namespace

Result<Fd> open_tee_udp(int family, std::uint16_t src_port, std::size_t buffer, const std::string& tee) {
  Fd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  const std::string what = family_name(family);
  if (!fd) {
    return fail(ErrorKind::kSocket, "tee " + tee + ": socket(" + what + ", SOCK_DGRAM): " + errno_text(errno));
  }
  set_send_buffer(fd.get(), buffer);
  if (src_port != 0) {
    const IpAddress any = family == AF_INET ? IpAddress::v4(0U) : IpAddress::v6({});
    const SocketAddress local = to_sockaddr(Endpoint{any, src_port});
    if (::bind(fd.get(), local.get(), local.length) != 0) {
      return fail(ErrorKind::kSocket,
                  "tee " + tee + ": bind(" + what + " port " + std::to_string(src_port) + "): " + errno_text(errno));
    }
  }
  return fd;
}

Result<Fd> open_tee_raw(int family, std::size_t buffer, const std::string& tee) {
  const std::string what = family_name(family);
  Fd fd(::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW));
  if (!fd) {
    int err = errno;
    std::string hint = (err == EPERM || err == EACCES) ? " (transparent mode needs root or CAP_NET_RAW)" : "";
    return fail(ErrorKind::kSocket,
                "tee " + tee + ": socket(" + what + ", SOCK_RAW, IPPROTO_RAW): " + errno_text(err) + hint);
  }
  int one = 1;
  if (family == AF_INET) {
    if (::setsockopt(fd.get(), IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) != 0) {
      return fail(ErrorKind::kSocket, "tee " + tee + ": setsockopt(IP_HDRINCL): " + errno_text(errno));
    }
  } else if (::setsockopt(fd.get(), IPPROTO_IPV6, kIpv6HdrIncl, &one, sizeof(one)) != 0 && errno != ENOPROTOOPT) {
    // IPPROTO_RAW implies header inclusion on IPv6 too; IPV6_HDRINCL (>= 4.5) just makes it explicit.
    return fail(ErrorKind::kSocket, "tee " + tee + ": setsockopt(IPV6_HDRINCL): " + errno_text(errno));
  }
  set_send_buffer(fd.get(), buffer);
  return fd;
}

}  // namespace flowlab::collector::detail
