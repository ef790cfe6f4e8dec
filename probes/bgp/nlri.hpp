// flowlab::bgp::detail NLRI — prefix lists (RFC 4271 §4.3, with path ids per RFC 7911 §3); the MP_REACH/MP_UNREACH
// attributes that carry them for other families (RFC 4760) are rows of the attribute table (attributes.hpp).
// Internal to probes/bgp.
#pragma once

#include "probes/bgp/message.hpp"

#include <string>
#include <vector>

namespace flowlab::bgp::detail {

// Reads one NLRI list until r is empty. Host bits past the length are cleared. False with `why` on a bad prefix.
bool parse_nlri_list(Reader& r, Family family, bool add_path, std::vector<Nlri>& out, std::string& why);
void write_nlri_list(Writer& w, const std::vector<Nlri>& list, bool add_path);

}  // namespace flowlab::bgp::detail
