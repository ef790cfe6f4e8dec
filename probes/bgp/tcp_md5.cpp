// TCP_MD5SIG (RFC 2385) for the BGP speaker's listening and connecting sockets.
#include "probes/bgp/tcp_md5.hpp"

#include "common/endpoint.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace flowlab::bgp {

Status set_tcp_md5(int fd, const IpAddress& peer, std::string_view key) {
  if (key.empty() || key.size() > kMaxTcpMd5KeyBytes) {
    return fail(ErrorKind::kConfig,
                "TCP-MD5 key for " + peer.to_string() + " must be 1.." + std::to_string(kMaxTcpMd5KeyBytes) + " bytes");
  }
  tcp_md5sig sig{};
  const SocketAddress address = to_sockaddr(Endpoint{peer, 0});
  std::memcpy(&sig.tcpm_addr, &address.storage, sizeof(sig.tcpm_addr));
  sig.tcpm_keylen = static_cast<std::uint16_t>(key.size());
  std::memcpy(sig.tcpm_key, key.data(), key.size());
  if (::setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig)) != 0) {
    const int e = errno;
    return fail(ErrorKind::kSocket, "TCP-MD5 key for " + peer.to_string() +
                                        ": setsockopt(TCP_MD5SIG): " + std::strerror(e) +
                                        (e == ENOPROTOOPT ? " (kernel without CONFIG_TCP_MD5SIG)" : ""));
  }
  return {};
}

}  // namespace flowlab::bgp
