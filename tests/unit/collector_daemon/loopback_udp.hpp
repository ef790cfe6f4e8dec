// Test helper: datagrams to a collector's receiver on 127.0.0.1 (the collector_daemon tests).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace flowlab::collector::testing {

inline void send_udp(std::uint16_t port, const std::vector<std::vector<std::byte>>& datagrams) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (const auto& d : datagrams) {
    ASSERT_EQ(::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)),  // NOLINT
              static_cast<ssize_t>(d.size()));
  }
  ::close(fd);
}

}  // namespace flowlab::collector::testing
