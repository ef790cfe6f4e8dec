// flowlab::bgp — IpAddress to and from Boost.Asio addresses, for the TCP listeners (BGP speaker, BMP station).
#pragma once

#include "common/ip.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

namespace flowlab::bgp {

// An IPv4-mapped IPv6 address becomes the IPv4 address.
inline IpAddress from_asio(const boost::asio::ip::address& a) {
  namespace ip = boost::asio::ip;
  if (a.is_v4()) {
    return IpAddress::v4(a.to_v4().to_uint());
  }
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) {
    return IpAddress::v4(ip::make_address_v4(ip::v4_mapped, v6).to_uint());
  }
  std::array<std::uint8_t, 16> b{};
  const auto bytes = v6.to_bytes();
  std::copy(bytes.begin(), bytes.end(), b.begin());
  return IpAddress::v6(b);
}

// An unset address is 0.0.0.0.
inline boost::asio::ip::address to_asio(const IpAddress& a) {
  namespace ip = boost::asio::ip;
  if (a.is_v6()) {
    ip::address_v6::bytes_type b{};
    std::copy(a.bytes.begin(), a.bytes.end(), b.begin());
    return ip::address_v6(b);
  }
  if (a.is_v4()) {
    return ip::address_v4(a.v4_host_order());
  }
  return ip::address_v4::any();
}

}  // namespace flowlab::bgp
