// flowlab::nodes::frr — parsers for FRR's JSON output (vtysh `show ... json`), with nlohmann::json.
//
// Unknown members are ignored, missing optional members leave the field empty; input that is not JSON or has
// the wrong shape yields an error, never an exception.
#pragma once

#include "common/result.hpp"
#include "nodes/core/driver.hpp"

#include <string_view>
#include <vector>

namespace flowlab::nodes::frr {

// `show bgp ipv4 unicast json detail` / `show bgp ipv6 unicast json detail` (also the plain, non-detail form).
Result<std::vector<RibEntry>> parse_show_bgp_json(std::string_view text);

// `show ip route json` / `show ipv6 route json`: routes of protocols other than BGP (connected, static, ospf,
// kernel); BGP routes come from parse_show_bgp_json with their attributes. Link-local prefixes are skipped; zebra's
// route metric is not a MED and is not reported.
Result<std::vector<RibEntry>> parse_show_route_json(std::string_view text);

// vtysh prints one JSON document per `-c` command, back to back; this splits them (braces counted outside
// strings). Text outside any document is skipped; an unterminated last document is returned as it is.
std::vector<std::string_view> split_json_documents(std::string_view text);

// `show bgp neighbors json`.
Result<std::vector<BgpSessionStatus>> parse_show_bgp_neighbors_json(std::string_view text);

}  // namespace flowlab::nodes::frr
