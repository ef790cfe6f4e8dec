// flowlab::bgp — IpAddress to and from Boost.Asio addresses, and the listening socket, for the TCP listeners (BGP
// speaker, BMP station).
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>

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

// A listening TCP socket on address:port (reuse_address; IPv6 only for an IPv6 address). `what` names the
// listener in the error ("bgp listen on 0.0.0.0 port 179: Address already in use").
inline Result<std::unique_ptr<boost::asio::ip::tcp::acceptor>> open_listener(boost::asio::io_context& io,
                                                                             const IpAddress& address,
                                                                             std::uint16_t port,
                                                                             const std::string& what) {
  namespace asio = boost::asio;
  auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io);
  const asio::ip::tcp::endpoint ep(to_asio(address), port);
  boost::system::error_code ec;
  acceptor->open(ep.protocol(), ec);
  if (!ec) {
    acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec && ep.address().is_v6()) {
    acceptor->set_option(asio::ip::v6_only(true), ec);
  }
  if (!ec) {
    acceptor->bind(ep, ec);
  }
  if (!ec) {
    acceptor->listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return fail(ErrorKind::kSocket, what + " listen on " + ep.address().to_string() + " port " + std::to_string(port) +
                                        ": " + ec.message());
  }
  return acceptor;
}

}  // namespace flowlab::bgp
