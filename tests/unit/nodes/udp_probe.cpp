// udp_probe: a tiny forwarding check for the live node test (no ping on the test machines).
//   udp_probe echo ADDR PORT    bind ADDR:PORT, echo datagrams back for up to 15 s, exit 0 after the first
//   udp_probe send ADDR PORT    send a datagram every 200 ms until the echo arrives (exit 0) or 5 s pass (exit 1)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

bool make_address(const char* text, int port, sockaddr_storage& ss, socklen_t& len) {
  std::memset(&ss, 0, sizeof ss);
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  if (::inet_pton(AF_INET, text, &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&ss, &v4, sizeof v4);
    len = sizeof v4;
    return true;
  }
  if (::inet_pton(AF_INET6, text, &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&ss, &v6, sizeof v6);
    len = sizeof v6;
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: udp_probe echo|send ADDR PORT\n");
    return 2;
  }
  const std::string mode = argv[1];
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!make_address(argv[2], std::atoi(argv[3]), addr, len)) {
    std::fprintf(stderr, "udp_probe: bad address %s\n", argv[2]);
    return 2;
  }
  int fd = ::socket(addr.ss_family, SOCK_DGRAM, 0);
  if (fd < 0) {
    std::perror("socket");
    return 2;
  }
  char buf[512];
  if (mode == "echo") {
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {  // NOLINT: sockets API
      std::perror("bind");
      return 2;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 15000) <= 0) {
      return 1;
    }
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    auto n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);  // NOLINT
    if (n < 0) {
      return 1;
    }
    // Answer a few times: a reply lost while the sender retries must not fail the check.
    for (int i = 0; i < 3; ++i) {
      (void)::sendto(fd, buf, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), from_len);  // NOLINT
    }
    return 0;
  }
  if (mode == "send") {
    for (int attempt = 0; attempt < 25; ++attempt) {
      const char msg[] = "flowlab";
      (void)::sendto(fd, msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&addr), len);  // NOLINT
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 200) > 0 && ::recv(fd, buf, sizeof buf, 0) > 0) {
        return 0;
      }
    }
    return 1;
  }
  return 2;
}
