#include "nodes/frr/frr_parse.hpp"

namespace flowlab::nodes::frr {

Result<std::vector<RibEntry>> parse_show_bgp_json(std::string_view /*text*/) { return std::vector<RibEntry>{}; }
Result<std::vector<RibEntry>> parse_show_route_json(std::string_view /*text*/) { return std::vector<RibEntry>{}; }
Result<std::vector<BgpSessionStatus>> parse_show_bgp_neighbors_json(std::string_view /*text*/) {
  return std::vector<BgpSessionStatus>{};
}

}  // namespace flowlab::nodes::frr
