// flowlab::nodes::bird — parsers for birdc output (`show route all`, `show protocols all`).
//
// birdc prints text meant for people; these parsers read it line by line, keep what the RIB and session types
// need, and skip what they don't know. Malformed input yields an error naming the line, never a crash.
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"
#include "nodes/core/driver.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::nodes::bird {

// `birdc show route all` (any tables; "Table master4:" headers are optional). BIRD prints "from X" only when the
// sender differs from the gateway; `neighbors` (protocol name -> neighbour address, from `show protocols all`)
// fills `from` exactly, otherwise the gateway stands in for it.
Result<std::vector<RibEntry>> parse_show_route_all(std::string_view text,
                                                   const std::map<std::string, IpAddress>& neighbors = {});

// `birdc show protocols all`: BGP protocols only.
Result<std::vector<BgpSessionStatus>> parse_show_protocols_all(std::string_view text);

// "Established" -> kEstablished, "Down" -> kIdle, ...; unknown words -> kUnknown.
SessionState parse_session_state(std::string_view word);

}  // namespace flowlab::nodes::bird
