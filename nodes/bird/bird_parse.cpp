#include "nodes/bird/bird_parse.hpp"

#include "common/strings.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace flowlab::nodes::bird {
namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) {
      break;
    }
    text.remove_prefix(nl + 1);
  }
  return out;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])) != 0) {
      ++i;
    }
    std::size_t start = i;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])) == 0) {
      ++i;
    }
    if (i > start) {
      out.push_back(s.substr(start, i - start));
    }
  }
  return out;
}

// All unsigned numbers in `s`, in order ("{64510 64511}" and "(64510,100)" alike).
std::vector<std::uint32_t> numbers(std::string_view s) {
  std::vector<std::uint32_t> out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (std::isdigit(static_cast<unsigned char>(s[i])) == 0) {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0) {
      ++i;
    }
    if (auto v = parse_decimal<std::uint32_t>(s.substr(start, i - start))) {
      out.push_back(*v);
    }
  }
  return out;
}

// "(64510,100) (64510,200)" -> {"64510:100", "64510:200"}; works for large communities' three parts too.
std::vector<std::string> tuples(std::string_view s) {
  std::vector<std::string> out;
  while (true) {
    auto open = s.find('(');
    auto close = s.find(')', open == std::string_view::npos ? 0 : open);
    if (open == std::string_view::npos || close == std::string_view::npos) {
      break;
    }
    std::string joined;
    for (auto n : numbers(s.substr(open + 1, close - open - 1))) {
      joined += (joined.empty() ? "" : ":") + std::to_string(n);
    }
    out.push_back(joined);
    s.remove_prefix(close + 1);
  }
  return out;
}

std::string source_of(std::string_view type_word) {
  std::string t(type_word);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "device") {
    return "direct";
  }
  if (t.rfind("ospf", 0) == 0) {
    return "ospf";
  }
  if (t == "inherit") {
    return "kernel";
  }
  return t;  // "bgp", "static", ...
}

// One route header: "<prefix>  unicast [proto time( from X)] * (pref) ..." or, for further routes of the same
// prefix, the same without the prefix.
Status parse_header(std::string_view line, const std::optional<Prefix>& current, std::size_t line_no, RibEntry& out) {
  const bool continuation = std::isspace(static_cast<unsigned char>(line.front())) != 0;
  auto w = words(line);
  if (!continuation) {
    auto p = Prefix::parse(w.front());
    if (!p) {
      return fail(ErrorKind::kParse, "birdc show route, line " + std::to_string(line_no) + ": '" +
                                         std::string(w.front()) + "' is not a prefix");
    }
    out.prefix = *p;
  } else if (current) {
    out.prefix = *current;
  } else {
    return fail(ErrorKind::kParse, "birdc show route, line " + std::to_string(line_no) + ": route without a prefix");
  }
  auto open = line.find('[');
  auto close = line.find(']', open == std::string_view::npos ? 0 : open);
  if (open == std::string_view::npos || close == std::string_view::npos) {
    return fail(ErrorKind::kParse, "birdc show route, line " + std::to_string(line_no) + ": no [protocol ...] in '" +
                                       std::string(trim(line)) + "'");
  }
  auto inside = words(line.substr(open + 1, close - open - 1));
  if (inside.empty()) {
    return fail(ErrorKind::kParse, "birdc show route, line " + std::to_string(line_no) + ": empty [protocol ...]");
  }
  out.protocol_name = std::string(inside.front());
  for (std::size_t i = 0; i + 1 < inside.size(); ++i) {
    if (inside[i] == "from") {
      out.from = IpAddress::parse(inside[i + 1]);
    }
  }
  auto rest = trim(line.substr(close + 1));
  out.best = !rest.empty() && rest.front() == '*';
  return {};
}

void parse_attribute(std::string_view line, RibEntry& r) {
  auto colon = line.find(':');
  auto w = words(line);
  if (w.empty()) {
    return;
  }
  if (w[0] == "via" && w.size() >= 2) {
    if (!r.next_hop) {  // first of several ECMP hops
      r.next_hop = IpAddress::parse(w[1]);
      if (w.size() >= 4 && w[2] == "on") {
        r.interface = std::string(w[3]);
      }
    }
    return;
  }
  if (w[0] == "dev" && w.size() >= 2) {
    r.interface = std::string(w[1]);
    return;
  }
  if (colon == std::string_view::npos) {
    return;
  }
  auto key = trim(line.substr(0, colon));
  auto value = trim(line.substr(colon + 1));
  if (key == "Type") {
    auto tw = words(value);
    if (!tw.empty()) {
      r.source = source_of(tw.front());
    }
  } else if (key == "BGP.origin") {
    r.origin = value == "Incomplete" || value == "incomplete" ? "Incomplete" : std::string(value);
  } else if (key == "BGP.as_path") {
    // birdc cuts a long attribute line with "..." (a 100-AS path does not fit): the last number may be cut too.
    constexpr std::string_view kCut = "...";
    if (value.size() >= kCut.size() && value.substr(value.size() - kCut.size()) == kCut) {
      value.remove_suffix(kCut.size());
      r.as_path = numbers(value);
      if (!r.as_path.empty()) {
        r.as_path.pop_back();
      }
      r.as_path_truncated = true;
    } else {
      r.as_path = numbers(value);
    }
  } else if (key == "BGP.next_hop") {
    auto nw = words(value);
    if (!nw.empty()) {
      r.next_hop = IpAddress::parse(nw.front());  // IPv6: global first, then link-local
    }
  } else if (key == "BGP.local_pref") {
    r.local_pref = parse_decimal<std::uint32_t>(value);
  } else if (key == "BGP.med") {
    r.med = parse_decimal<std::uint32_t>(value);
  } else if (key == "BGP.community") {
    r.communities = tuples(value);
  } else if (key == "BGP.large_community") {
    r.large_communities = tuples(value);
  }
}

}  // namespace

Result<std::vector<RibEntry>> parse_show_route_all(std::string_view text,
                                                   const std::map<std::string, IpAddress>& neighbors) {
  std::vector<RibEntry> out;
  std::optional<Prefix> current;
  std::optional<IpAddress> gateway;  // the route's "via" gateway, kept apart from the BGP next hop
  std::size_t line_no = 0;
  auto finish = [&]() {
    if (out.empty()) {
      return;
    }
    auto& r = out.back();
    if (r.source == "bgp" && !r.from) {
      auto it = neighbors.find(r.protocol_name);
      if (it != neighbors.end()) {
        r.from = it->second;
      } else if (gateway) {
        r.from = gateway;
      }
    }
    gateway.reset();
  };
  for (auto line : split_lines(text)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (trim(line).empty() || line.rfind("BIRD ", 0) == 0 || line.rfind("Table ", 0) == 0) {
      continue;
    }
    if (line.front() == '\t') {
      if (out.empty()) {
        return fail(ErrorKind::kParse,
                    "birdc show route, line " + std::to_string(line_no) + ": attribute before any route");
      }
      auto w = words(line);
      if (!w.empty() && w[0] == "via" && w.size() >= 2 && !gateway) {
        gateway = IpAddress::parse(w[1]);
      }
      parse_attribute(line, out.back());
      continue;
    }
    finish();
    RibEntry r;
    FLOWLAB_TRY(parse_header(line, current, line_no, r));
    current = r.prefix;
    out.push_back(std::move(r));
  }
  finish();
  // BGP routes carry their next hop as an attribute; a gateway-only route keeps the gateway (set by "via").
  return out;
}

SessionState parse_session_state(std::string_view word) { return topology::session_state_from(word); }

Result<std::vector<BgpSessionStatus>> parse_show_protocols_all(std::string_view text) {
  std::vector<BgpSessionStatus> out;
  bool in_bgp = false;
  std::size_t line_no = 0;
  for (auto line : split_lines(text)) {
    ++line_no;
    if (trim(line).empty() || line.rfind("BIRD ", 0) == 0) {
      continue;
    }
    auto w = words(line);
    if (std::isspace(static_cast<unsigned char>(line.front())) == 0) {
      // A protocol's summary line: name, protocol, table, state, since, info.
      in_bgp = w.size() >= 2 && w[1] == "BGP";
      if (in_bgp) {
        BgpSessionStatus s;
        s.name = std::string(w[0]);
        out.push_back(std::move(s));
      }
      continue;
    }
    if (!in_bgp) {
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    auto key = trim(line.substr(0, colon));
    auto value = trim(line.substr(colon + 1));
    auto& s = out.back();
    if (key == "BGP state") {
      s.state = parse_session_state(value);
    } else if (key == "Neighbor address") {
      auto a = IpAddress::parse(words(value).empty() ? value : words(value).front());
      if (!a) {
        return fail(ErrorKind::kParse, "birdc show protocols, line " + std::to_string(line_no) +
                                           ": bad neighbor address '" + std::string(value) + "'");
      }
      s.neighbor = *a;
    } else if (key == "Neighbor AS") {
      s.neighbor_asn = parse_decimal<std::uint32_t>(value).value_or(0);
    } else if (key == "Routes") {
      auto n = numbers(value);  // "3 imported, 2 exported, 1 preferred"
      if (!n.empty() && value.find("imported") != std::string_view::npos) {
        s.prefixes_received += n.front();
      }
    }
  }
  return out;
}

}  // namespace flowlab::nodes::bird
