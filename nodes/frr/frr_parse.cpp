#include "nodes/frr/frr_parse.hpp"

#include <nlohmann/json.hpp>

#include <sstream>

namespace flowlab::nodes::frr {
namespace {

using nlohmann::json;

Result<json> parse_json(std::string_view text, const char* what) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return fail(ErrorKind::kParse, std::string(what) + ": not JSON");
  }
  if (!j.is_object()) {
    return fail(ErrorKind::kParse, std::string(what) + ": expected a JSON object");
  }
  return j;
}

std::optional<std::uint32_t> u32_of(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_unsigned()) {
    return std::nullopt;
  }
  auto v = it->get<std::uint64_t>();
  if (v > 0xffffffffULL) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(v);
}

std::string string_of(const json& obj, const char* key) {
  auto it = obj.find(key);
  return (it != obj.end() && it->is_string()) ? it->get<std::string>() : std::string{};
}

std::vector<std::string> split_spaces(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) {
    out.push_back(w);
  }
  return out;
}

// Numbers of an AS path string ("64510 {64511,64512}") in order.
std::vector<std::uint32_t> path_numbers(const std::string& s) {
  std::vector<std::uint32_t> out;
  std::uint64_t v = 0;
  bool in_number = false;
  for (char c : s + " ") {
    if (c >= '0' && c <= '9') {
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
      in_number = v <= 0xffffffffULL;
      if (!in_number) {
        v = 0xffffffffULL + 1;  // too large: dropped at the end of the number
      }
    } else {
      if (in_number) {
        out.push_back(static_cast<std::uint32_t>(v));
      }
      v = 0;
      in_number = false;
    }
  }
  return out;
}

std::vector<std::uint32_t> as_path_of(const json& path) {
  // Detail form: {"aspath": {"string": "...", "segments": [{"type": ..., "list": [..]}]}}; plain form: "path".
  auto it = path.find("aspath");
  if (it != path.end() && it->is_object()) {
    return path_numbers(string_of(*it, "string"));
  }
  return path_numbers(string_of(path, "path"));
}

bool is_unspecified(const std::optional<IpAddress>& a) { return !a || a->is_unspecified(); }

std::optional<IpAddress> next_hop_of(const json& path) {
  auto it = path.find("nexthops");
  if (it == path.end() || !it->is_array()) {
    return std::nullopt;
  }
  std::optional<IpAddress> fallback;
  for (const auto& nh : *it) {
    if (!nh.is_object()) {
      continue;
    }
    auto a = IpAddress::parse(string_of(nh, "ip"));
    if (!a) {
      continue;
    }
    const std::string scope = string_of(nh, "scope");
    if (scope == "link-local" || a->is_link_local()) {
      fallback = fallback ? fallback : a;
      continue;
    }
    return a;  // the global next hop
  }
  return fallback;
}

std::string origin_of(const std::string& o) {
  if (o == "incomplete" || o == "Incomplete" || o == "?") {
    return "Incomplete";
  }
  return o;
}

std::string source_of(const std::string& protocol) {
  if (protocol == "connected") {
    return "direct";
  }
  if (protocol == "ospf6") {
    return "ospf";
  }
  return protocol;
}

}  // namespace

Result<std::vector<RibEntry>> parse_show_bgp_json(std::string_view text) {
  auto parsed = parse_json(text, "show bgp json");
  FLOWLAB_TRY(parsed);
  const json& j = *parsed;
  std::vector<RibEntry> out;
  auto routes = j.find("routes");
  if (routes == j.end()) {
    return out;  // no BGP instance for this family
  }
  if (!routes->is_object()) {
    return fail(ErrorKind::kParse, "show bgp json: \"routes\" is not an object");
  }
  const auto default_local_pref = u32_of(j, "defaultLocPrf");
  for (const auto& [prefix_text, paths] : routes->items()) {
    auto prefix = Prefix::parse(prefix_text);
    if (!prefix) {
      return fail(ErrorKind::kParse, "show bgp json: route key '" + prefix_text + "' is not a prefix");
    }
    if (!paths.is_array()) {
      return fail(ErrorKind::kParse, "show bgp json: paths of " + prefix_text + " are not an array");
    }
    for (const auto& path : paths) {
      // The detail form starts each list with a summary object (prefix, advertisedTo); paths have nexthops.
      if (!path.is_object() || !path.contains("nexthops")) {
        continue;
      }
      RibEntry r;
      r.prefix = *prefix;
      r.source = "bgp";
      auto best = path.find("bestpath");
      r.best = best != path.end() &&
               ((best->is_boolean() && best->get<bool>()) || (best->is_object() && best->value("overall", false)));
      r.as_path = as_path_of(path);
      r.next_hop = next_hop_of(path);
      if (is_unspecified(r.next_hop)) {
        r.next_hop.reset();  // locally originated
      }
      std::string peer_id;
      if (auto peer = path.find("peer"); peer != path.end() && peer->is_object()) {
        peer_id = string_of(*peer, "peerId");
      } else {
        peer_id = string_of(path, "peerId");
      }
      r.from = IpAddress::parse(peer_id);
      if (is_unspecified(r.from)) {
        r.from.reset();
        r.protocol_name = "local";
      } else {
        r.protocol_name = peer_id;
      }
      r.local_pref = u32_of(path, "locPrf");
      if (!r.local_pref) {
        r.local_pref = u32_of(path, "localpref");
      }
      if (!r.local_pref) {
        r.local_pref = default_local_pref;
      }
      r.med = u32_of(path, "metric");
      if (!r.med) {
        r.med = u32_of(path, "med");
      }
      r.origin = origin_of(string_of(path, "origin"));
      if (auto c = path.find("community"); c != path.end() && c->is_object()) {
        r.communities = split_spaces(string_of(*c, "string"));
      }
      if (auto c = path.find("largeCommunity"); c != path.end() && c->is_object()) {
        r.large_communities = split_spaces(string_of(*c, "string"));
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

Result<std::vector<RibEntry>> parse_show_route_json(std::string_view text) {
  auto parsed = parse_json(text, "show route json");
  FLOWLAB_TRY(parsed);
  std::vector<RibEntry> out;
  for (const auto& [prefix_text, routes] : parsed->items()) {
    auto prefix = Prefix::parse(prefix_text);
    if (!prefix) {
      return fail(ErrorKind::kParse, "show route json: key '" + prefix_text + "' is not a prefix");
    }
    if (!routes.is_array()) {
      return fail(ErrorKind::kParse, "show route json: routes of " + prefix_text + " are not an array");
    }
    if (prefix->address.is_link_local()) {
      continue;  // fe80::/64 on every interface; BIRD does not list these either
    }
    for (const auto& route : routes) {
      if (!route.is_object()) {
        continue;
      }
      const std::string protocol = string_of(route, "protocol");
      if (protocol == "bgp" || protocol.empty()) {
        continue;  // BGP paths come from show bgp, with their attributes
      }
      RibEntry r;
      r.prefix = *prefix;
      r.source = source_of(protocol);
      r.protocol_name = protocol;
      r.best = route.value("selected", false);
      if (auto nhs = route.find("nexthops"); nhs != route.end() && nhs->is_array() && !nhs->empty()) {
        const auto& nh = nhs->front();
        if (nh.is_object()) {
          r.next_hop = IpAddress::parse(string_of(nh, "ip"));
          r.interface = string_of(nh, "interfaceName");
        }
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<std::string_view> split_json_documents(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"' && depth > 0) {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (depth == 0) {
        start = i;
      }
      ++depth;
    } else if ((c == '}' || c == ']') && depth > 0) {
      if (--depth == 0) {
        out.push_back(text.substr(start, i - start + 1));
      }
    }
  }
  if (depth > 0) {
    out.push_back(text.substr(start));
  }
  return out;
}

Result<std::vector<BgpSessionStatus>> parse_show_bgp_neighbors_json(std::string_view text) {
  auto parsed = parse_json(text, "show bgp neighbors json");
  FLOWLAB_TRY(parsed);
  std::vector<BgpSessionStatus> out;
  for (const auto& [key, n] : parsed->items()) {
    auto addr = IpAddress::parse(key);
    if (!addr || !n.is_object()) {
      continue;  // e.g. an unnumbered interface peer or a non-neighbour member
    }
    BgpSessionStatus s;
    s.neighbor = *addr;
    s.neighbor_asn = u32_of(n, "remoteAs").value_or(0);
    s.state = topology::session_state_from(string_of(n, "bgpState"));
    s.name = string_of(n, "nbrDesc");
    if (s.name.empty()) {
      s.name = key;
    } else {
      s.name = split_spaces(s.name).front();  // "r3_v4 eBGP with r3 over eth2" -> "r3_v4"
    }
    if (auto afs = n.find("addressFamilyInfo"); afs != n.end() && afs->is_object()) {
      for (const auto& [af, info] : afs->items()) {
        if (info.is_object()) {
          s.prefixes_received += u32_of(info, "acceptedPrefixCounter").value_or(0);
        }
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace flowlab::nodes::frr
