// flowlab::bgp text formats — attribute values as pmacct prints them, and the BGP table dump as JSON lines in the
// shape of pmacct's `bgp_table_dump_file` (src/bgp/bgp_logdump.c: one object per route with `timestamp`,
// `peer_ip_src`, `event_type: "dump"`, `afi`, `safi`, `ip_prefix`, `bgp_nexthop`, `as_path`, `comms`, `ecomms`,
// `lcomms`, `origin`, `local_pref`, `med` (only when non-zero), `as_path_id` when ADD-PATH is in use).
#pragma once

#include "probes/bgp/message.hpp"
#include "probes/bgp/rib.hpp"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace flowlab::bgp {

std::string origin_string(Origin origin);                                       // "i", "e", "u"
std::string communities_string(const std::vector<std::uint32_t>& list);         // "65000:1 65000:2"
std::string large_communities_string(const std::vector<LargeCommunity>& list);  // "65000:1:2"
// RFC 4360 / 5668 route targets and sites of origin as "RT:65000:100" / "SoO:192.0.2.1:7"; others in hex.
std::string ext_communities_string(const std::vector<std::uint64_t>& list);

struct DumpOptions {
  std::string peer_ip_src;  // the peer's address as pmacct prints it
  std::string timestamp;    // e.g. "2024-01-01 00:00:00"; empty = omitted
  bool add_path = false;    // print as_path_id
};

// One JSON object (no newline) for one route.
std::string table_dump_line(const RibRoute& route, const DumpOptions& options, std::uint64_t seq = 0);
// Every route of the RIB, one line each; returns the number of lines.
std::size_t write_table_dump(std::ostream& out, const Rib& rib, const DumpOptions& options);

}  // namespace flowlab::bgp
