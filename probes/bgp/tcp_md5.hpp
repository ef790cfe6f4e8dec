// flowlab::bgp — TCP-MD5 signatures (RFC 2385) on a BGP socket: the key for one peer address, set with the Linux
// TCP_MD5SIG socket option. On a listening socket the kernel keeps one key per peer address and every connection
// it accepts from that address inherits it; a connection from a peer without the right key never completes (the
// kernel drops its unsigned or wrongly signed segments), so a wrong password keeps the session down.
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"
#include "common/tcp_md5_key.hpp"

#include <string_view>

namespace flowlab::bgp {

// Sets the key for `peer` on socket `fd` (a socket of the peer's family). An empty key is an error (the kernel
// would read it as "delete"); so is a key longer than kMaxTcpMd5KeyBytes.
Status set_tcp_md5(int fd, const IpAddress& peer, std::string_view key);

}  // namespace flowlab::bgp
