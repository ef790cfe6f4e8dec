// flowlab::Endpoint — an IP address and a transport port, and its one conversion to and from the sockets API.
//
// to_sockaddr() gives a sockaddr_in for IPv4 and an unset address (0.0.0.0), a sockaddr_in6 for IPv6;
// from_sockaddr() reads a sockaddr_in / sockaddr_in6 back (nullopt for any other family or a short length).
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack socket reports for an IPv4 peer) stays IPv6
// unless the caller asks for unmap_v4().
#pragma once

#include "common/ip.hpp"

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>

namespace flowlab {

struct Endpoint {
  IpAddress address;
  std::uint16_t port = 0;

  [[nodiscard]] std::string to_string() const;  // "192.0.2.1:2055", "[2001:db8::1]:2055"
  bool operator==(const Endpoint&) const = default;
};

// A sockaddr_storage with the length the sockets API wants beside it.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  [[nodiscard]] int family() const { return storage.ss_family; }
  [[nodiscard]] const sockaddr* get() const {
    return reinterpret_cast<const sockaddr*>(&storage);  // NOLINT(*-reinterpret-cast): the sockets API
  }
  [[nodiscard]] sockaddr* get() {
    return reinterpret_cast<sockaddr*>(&storage);  // NOLINT(*-reinterpret-cast): the sockets API
  }
};

// AF_INET6 for an IPv6 address, AF_INET otherwise.
[[nodiscard]] int socket_family(const IpAddress& address);

[[nodiscard]] SocketAddress to_sockaddr(const Endpoint& endpoint);
[[nodiscard]] std::optional<Endpoint> from_sockaddr(const sockaddr* address, socklen_t length);
[[nodiscard]] inline std::optional<Endpoint> from_sockaddr(const SocketAddress& address) {
  return from_sockaddr(address.get(), address.length);
}

// ::ffff:a.b.c.d as a.b.c.d; any other address unchanged.
[[nodiscard]] IpAddress unmap_v4(const IpAddress& address);

}  // namespace flowlab
