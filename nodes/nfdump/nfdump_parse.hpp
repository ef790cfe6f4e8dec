// flowlab::nodes::nfdump — reading nfdump's flow records back (`nfdump -o json`, src/output/output_json.c).
#pragma once

#include "common/result.hpp"
#include "nodes/core/driver.hpp"

#include <string>
#include <vector>

namespace flowlab::nodes::nfdump {

// `nfdump -o json` (one JSON array) as rows named as DESIGN.md section 6 names them: src4_addr/src6_addr ->
// src_host, input_snmp -> iface_in, src_as -> as_src, prev_as -> peer_as_src, next_as -> peer_as_dst,
// bgp4_next_hop -> peer_ip_dst, ip4_router -> peer_ip_src, in_packets/in_bytes -> counters (one flow per record).
// A field is present only when the record carries its extension; a mask of 0 (nfdump's value when the exporter sent
// none) is left out, with the net derived from it.
Result<std::vector<FlowRow>> parse_flows_json(const std::string& text);

}  // namespace flowlab::nodes::nfdump
