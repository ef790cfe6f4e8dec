#include "probes/collector/peer_src_map.hpp"

#include "common/strings.hpp"
#include "probes/collector/agent_map.hpp"

namespace flowlab::collector {

Result<PeerSrcAsMap> PeerSrcAsMap::parse(std::string_view text, std::string_view file) {
  PeerSrcAsMap map;
  const Status st =
      detail::parse_map_lines(text, file, [&](unsigned line, const std::vector<detail::MapToken>& toks) -> Status {
        Entry e;
        e.line = line;
        bool have_id = false;
        for (const auto& t : toks) {
          const auto value_col = static_cast<unsigned>(t.column + t.key.size() + 1);
          if (t.key == "id") {
            auto v = parse_decimal<std::uint32_t>(t.value);
            if (!v) {
              return detail::map_fail(file, line, value_col, "bad AS number '" + std::string(t.value) + "'");
            }
            e.asn = *v;
            have_id = true;
          } else if (t.key == "ip") {
            auto p = detail::parse_address_or_prefix(t.value);
            if (!p) {
              return detail::map_fail(file, line, value_col, "bad address or prefix '" + std::string(t.value) + "'");
            }
            e.exporter = *p;
          } else if (t.key == "in") {
            auto v = parse_decimal<std::uint32_t>(t.value);
            if (!v) {
              return detail::map_fail(file, line, value_col, "bad ifindex '" + std::string(t.value) + "'");
            }
            e.ifindex = *v;
          } else {
            return detail::map_fail(file, line, t.column,
                                    "unknown key '" + std::string(t.key) + "' (expected id, ip, in)");
          }
        }
        if (!have_id) {
          return detail::map_fail(file, line, 1, "missing id=");
        }
        map.entries_.push_back(e);
        return {};
      });
  FLOWLAB_TRY(st);
  return map;
}

Result<PeerSrcAsMap> PeerSrcAsMap::load(const std::string& path) { return detail::load_map_file<PeerSrcAsMap>(path); }

std::optional<std::uint32_t> PeerSrcAsMap::lookup(const IpAddress& exporter, std::uint32_t input_ifindex) const {
  for (const auto& e : entries_) {
    if (e.exporter && (e.exporter->family() != exporter.family || !e.exporter->contains(exporter))) {
      continue;
    }
    if (e.ifindex && *e.ifindex != input_ifindex) {
      continue;
    }
    return e.asn;
  }
  return std::nullopt;
}

}  // namespace flowlab::collector
