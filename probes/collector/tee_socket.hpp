// The tee's sending sockets (internal to flowlab_tee): one UDP socket per (family, source port), one raw socket per
// family in transparent mode. Errors name the tee, the call and the family.
#pragma once

#include "common/fd.hpp"
#include "common/result.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace flowlab::collector::detail {

// A non-blocking UDP socket of `family` (AF_INET / AF_INET6) with SO_SNDBUF `buffer`, bound to src_port (0: any).
Result<Fd> open_tee_udp(int family, std::uint16_t src_port, std::size_t buffer, const std::string& tee);

// A non-blocking raw socket that takes our IP header (IP_HDRINCL / IPV6_HDRINCL); needs CAP_NET_RAW.
Result<Fd> open_tee_raw(int family, std::size_t buffer, const std::string& tee);

}  // namespace flowlab::collector::detail
