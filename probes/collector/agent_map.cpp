#include "probes/collector/agent_map.hpp"

#include <fstream>
#include <sstream>

namespace flowlab::collector {

namespace detail {

std::string map_error(std::string_view file, unsigned line, unsigned column, const std::string& what) {
  return std::string(file) + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: " + what;
}

Status parse_map_lines(std::string_view text, std::string_view file,
                       const std::function<Status(unsigned, const std::vector<MapToken>&)>& on_line) {
  unsigned line_no = 0;
  std::size_t pos = 0;
  std::vector<MapToken> tokens;
  while (pos <= text.size()) {
    const std::size_t eol = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, eol - pos);
    ++line_no;
    pos = eol + 1;
    if (const std::size_t c = line.find_first_of("!#"); c != std::string_view::npos) {
      line = line.substr(0, c);
    }
    tokens.clear();
    std::size_t i = 0;
    while (i < line.size()) {
      if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
        ++i;
        continue;
      }
      const std::size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
        ++i;
      }
      const std::string_view tok = line.substr(start, i - start);
      const auto column = static_cast<unsigned>(start + 1);
      const std::size_t eq = tok.find('=');
      if (eq == std::string_view::npos) {
        return map_fail(file, line_no, column, "expected key=value, got '" + std::string(tok) + "'");
      }
      if (eq == 0) {
        return map_fail(file, line_no, column, "empty key");
      }
      if (eq + 1 == tok.size()) {
        return map_fail(file, line_no, column, "empty value for '" + std::string(tok.substr(0, eq)) + "'");
      }
      tokens.push_back(MapToken{tok.substr(0, eq), tok.substr(eq + 1), column});
    }
    if (!tokens.empty()) {
      FLOWLAB_TRY(on_line(line_no, tokens));
    }
    if (eol == text.size()) {
      break;
    }
  }
  return {};
}

Failure<Error> map_fail(std::string_view file, unsigned line, unsigned column, const std::string& what) {
  return fail(ErrorKind::kConfig, map_error(file, line, column, what));
}

std::optional<Prefix> parse_address_or_prefix(std::string_view text) {
  if (text.find('/') != std::string_view::npos) {
    return Prefix::parse(text, true);
  }
  auto a = IpAddress::parse(text);
  if (!a) {
    return std::nullopt;
  }
  return Prefix{*a, static_cast<std::uint8_t>(a->max_prefix_len())};
}

}  // namespace detail

Result<AgentMap> AgentMap::parse(std::string_view text, std::string_view file) {
  AgentMap map;
  const Status st =
      detail::parse_map_lines(text, file, [&](unsigned line, const std::vector<detail::MapToken>& toks) -> Status {
        Entry e;
        e.line = line;
        bool have_bgp = false;
        bool have_ip = false;
        for (const auto& t : toks) {
          if (t.key == "bgp_ip") {
            auto a = IpAddress::parse(t.value);
            if (!a) {
              return detail::map_fail(file, line, static_cast<unsigned>(t.column + 7),
                                      "bad address '" + std::string(t.value) + "'");
            }
            e.bgp_ip = *a;
            have_bgp = true;
          } else if (t.key == "ip") {
            auto p = detail::parse_address_or_prefix(t.value);
            if (!p) {
              return detail::map_fail(file, line, static_cast<unsigned>(t.column + 3),
                                      "bad address or prefix '" + std::string(t.value) + "'");
            }
            e.exporter = *p;
            have_ip = true;
          } else if (t.key == "bgp_port") {
            // pmacct: BGP sessions behind NAT; we key peers by address only.
          } else {
            return detail::map_fail(file, line, t.column,
                                    "unknown key '" + std::string(t.key) + "' (expected bgp_ip, ip, bgp_port)");
          }
        }
        if (!have_bgp || !have_ip) {
          return detail::map_fail(file, line, 1, have_bgp ? "missing ip=" : "missing bgp_ip=");
        }
        map.entries_.push_back(e);
        return {};
      });
  FLOWLAB_TRY(st);
  return map;
}

Result<AgentMap> AgentMap::load(const std::string& path) { return detail::load_map_file<AgentMap>(path); }

std::optional<IpAddress> AgentMap::lookup(const IpAddress& exporter) const {
  for (const auto& e : entries_) {
    if (e.exporter.family() == exporter.family && e.exporter.contains(exporter)) {
      return e.bgp_ip;
    }
  }
  return std::nullopt;
}

}  // namespace flowlab::collector
