#include "nodes/bird/bird_parse.hpp"

namespace flowlab::nodes::bird {

Result<std::vector<RibEntry>> parse_show_route_all(std::string_view /*text*/) { return std::vector<RibEntry>{}; }
Result<std::vector<BgpSessionStatus>> parse_show_protocols_all(std::string_view /*text*/) {
  return std::vector<BgpSessionStatus>{};
}
SessionState parse_session_state(std::string_view /*word*/) { return SessionState::kUnknown; }

}  // namespace flowlab::nodes::bird
