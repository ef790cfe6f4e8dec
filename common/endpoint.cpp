#include "common/endpoint.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace flowlab {

std::string Endpoint::to_string() const {
  return address.is_v6() ? "[" + address.to_string() + "]:" + std::to_string(port)
                         : address.to_string() + ":" + std::to_string(port);
}

int socket_family(const IpAddress& address) { return address.is_v6() ? AF_INET6 : AF_INET; }

SocketAddress to_sockaddr(const Endpoint& endpoint) {
  SocketAddress out;
  if (endpoint.address.is_v6()) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(endpoint.port);
    std::memcpy(&sin6.sin6_addr, endpoint.address.bytes.data(), 16);
    std::memcpy(&out.storage, &sin6, sizeof(sin6));
    out.length = sizeof(sin6);
  } else {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(endpoint.port);
    std::memcpy(&sin.sin_addr, endpoint.address.bytes.data(), 4);  // an unset address is all zeros: 0.0.0.0
    std::memcpy(&out.storage, &sin, sizeof(sin));
    out.length = sizeof(sin);
  }
  return out;
}

std::optional<Endpoint> from_sockaddr(const sockaddr* address, socklen_t length) {
  if (address == nullptr || length < static_cast<socklen_t>(sizeof(sa_family_t))) {
    return std::nullopt;
  }
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in sin{};
    std::memcpy(&sin, address, sizeof(sin));
    std::array<std::uint8_t, 4> b{};
    std::memcpy(b.data(), &sin.sin_addr, 4);
    return Endpoint{IpAddress::v4(b), ntohs(sin.sin_port)};
  }
  if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, address, sizeof(sin6));
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), &sin6.sin6_addr, 16);
    return Endpoint{IpAddress::v6(b), ntohs(sin6.sin6_port)};
  }
  return std::nullopt;
}

IpAddress unmap_v4(const IpAddress& address) {
  static constexpr std::array<std::uint8_t, 12> kMapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!address.is_v6() || !std::equal(kMapped.begin(), kMapped.end(), address.bytes.begin())) {
    return address;
  }
  return IpAddress::v4(
      std::array<std::uint8_t, 4>{address.bytes[12], address.bytes[13], address.bytes[14], address.bytes[15]});
}

}  // namespace flowlab
