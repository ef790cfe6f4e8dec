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
              return fail(ErrorKind::kConfig,
                          detail::map_error(file, line, value_col, "bad AS number '" + std::string(t.value) + "'"));
            }
            e.asn = *v;
            have_id = true;
          } else if (t.key == "ip") {
            std::optional<Prefix> p;
            if (t.value.find('/') != std::string_view::npos) {
              p = Prefix::parse(t.value, true);
            } else if (auto a = IpAddress::parse(t.value)) {
              p = Prefix{*a, static_cast<std::uint8_t>(a->max_prefix_len())};
            }
            if (!p) {
              return fail(
                  ErrorKind::kConfig,
                  detail::map_error(file, line, value_col, "bad address or prefix '" + std::string(t.value) + "'"));
            }
            e.exporter = *p;
          } else if (t.key == "in") {
            auto v = parse_decimal<std::uint32_t>(t.value);
            if (!v) {
              return fail(ErrorKind::kConfig,
                          detail::map_error(file, line, value_col, "bad ifindex '" + std::string(t.value) + "'"));
            }
            e.ifindex = *v;
          } else {
            return fail(ErrorKind::kConfig,
                        detail::map_error(file, line, t.column,
                                          "unknown key '" + std::string(t.key) + "' (expected id, ip, in)"));
          }
        }
        if (!have_id) {
          return fail(ErrorKind::kConfig, detail::map_error(file, line, 1, "missing id="));
        }
        map.entries_.push_back(e);
        return {};
      });
  if (!st.ok()) {
    return fail(st.error());
  }
  return map;
}

Result<PeerSrcAsMap> PeerSrcAsMap::load(const std::string& path) {
  auto text = detail::read_text_file(path);
  if (!text.ok()) {
    return fail(text.error());
  }
  return parse(*text, path);
}

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
