#include "probes/gen/stream.hpp"

#include "common/duration.hpp"
#include "common/strings.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <set>
#include <utility>

namespace flowlab::gen {
namespace {

constexpr std::uint16_t kEphemeralBase = 49152;
constexpr std::uint16_t kEphemeralCount = 16384;

std::optional<std::uint64_t> parse_uint(std::string_view text, std::uint64_t max) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
  if (text.empty() || ec != std::errc() || ptr != end || value > max) {
    return std::nullopt;
  }
  return value;
}

using Setter = std::function<Status(StreamSpec&, std::string_view)>;

Status bad_value(std::string_view key, std::string_view value, std::string_view expected) {
  return fail(ErrorKind::kConfig, std::string(key) + ": '" + std::string(value) + "' is not " + std::string(expected));
}

template <class T>
Setter number_field(T StreamSpec::*member, std::uint64_t min, std::uint64_t max, std::string_view key) {
  return [member, min, max, key](StreamSpec& s, std::string_view v) -> Status {
    const auto n = parse_uint(v, max);
    if (!n || *n < min) {
      return bad_value(key, v, "a number " + std::to_string(min) + ".." + std::to_string(max));
    }
    s.*member = static_cast<T>(*n);
    return {};
  };
}

Setter address_field(bool source) {
  return [source](StreamSpec& s, std::string_view v) -> Status {
    const auto a = IpAddress::parse(v);
    if (!a) {
      return bad_value(source ? "src" : "dst", v, "an IPv4 or IPv6 address");
    }
    if (source) {
      s.src = *a;
    } else {
      s.dst = *a;
    }
    return {};
  };
}

Status set_family(StreamSpec& s, std::string_view v) {
  if (v == "4" || v == "ipv4" || v == "inet") {
    if (s.family == Family::kIpv6) {
      return fail(ErrorKind::kConfig, "family: '" + std::string(v) + "' contradicts proto icmpv6");
    }
    s.family = Family::kIpv4;
  } else if (v == "6" || v == "ipv6" || v == "inet6") {
    s.family = Family::kIpv6;
  } else {
    return bad_value("family", v, "4, 6, ipv4 or ipv6");
  }
  return {};
}

Status set_protocol(StreamSpec& s, std::string_view v) {
  if (v == "udp") {
    s.protocol = Protocol::kUdp;
  } else if (v == "tcp") {
    s.protocol = Protocol::kTcp;
  } else if (v == "icmp") {
    s.protocol = Protocol::kIcmp;
  } else if (v == "icmpv6" || v == "icmp6") {
    if (s.family == Family::kIpv4) {
      return fail(ErrorKind::kConfig, "proto: '" + std::string(v) + "' contradicts family 4");
    }
    s.protocol = Protocol::kIcmp;
    s.family = Family::kIpv6;
  } else {
    return bad_value("proto", v, "udp, tcp, icmp or icmpv6");
  }
  return {};
}

Status set_delay(StreamSpec& s, std::string_view v) {
  const auto d = parse_duration(v);
  if (!d || d->count() < 0) {
    return bad_value("delay", v, "a duration (250ms, 2s, or seconds)");
  }
  s.delay = *d;
  return {};
}

Status set_type(StreamSpec& s, std::string_view v) {
  const auto n = parse_uint(v, 255);
  if (!n) {
    return bad_value("type", v, "an ICMP type 0..255");
  }
  s.icmp_type = static_cast<std::uint8_t>(*n);
  return {};
}

// Every key a stream may have, in the order the help and "did you mean" list them. `family` and `proto` are
// applied first whatever their position, so "proto=icmpv6" and "family=4" contradict each other either way.
const std::vector<std::pair<std::string_view, Setter>>& fields() {
  static const std::vector<std::pair<std::string_view, Setter>> table = {
      {"name",
       [](StreamSpec& s, std::string_view v) -> Status {
         s.name = std::string(v);
         return {};
       }},
      {"family", set_family},
      {"proto", set_protocol},
      {"src", address_field(true)},
      {"dst", address_field(false)},
      {"sport", number_field(&StreamSpec::sport, 1, 65535, "sport")},
      {"dport", number_field(&StreamSpec::dport, 1, 65535, "dport")},
      {"type", set_type},
      {"code", number_field(&StreamSpec::icmp_code, 0, 255, "code")},
      {"packets", number_field(&StreamSpec::packets, 1, kMaxPackets, "packets")},
      {"size", number_field(&StreamSpec::size, 1, 65575, "size")},
      {"pps", number_field(&StreamSpec::pps, 0, kMaxPps, "pps")},
      {"tos", number_field(&StreamSpec::tos, 0, 255, "tos")},
      {"delay", set_delay},
  };
  return table;
}

std::string known_keys() {
  std::string out;
  for (const auto& [key, setter] : fields()) {
    out += (out.empty() ? "" : ", ") + std::string(key);
  }
  return out;
}

Status unknown_key(std::string_view key) {
  std::vector<std::string_view> keys;
  for (const auto& [known, setter] : fields()) {
    keys.push_back(known);
  }
  auto best = key == "protocol" ? std::optional<std::string>("proto") : closest_match(key, keys);
  std::string message = "unknown key '" + std::string(key) + "'";
  message += !best ? " (known: " + known_keys() + ")" : " (did you mean '" + *best + "'?)";
  return fail(ErrorKind::kConfig, message);
}

// Applies key/value pairs (already split) through the field table; family and proto first. Every problem is
// reported, one line each.
Status apply_pairs(StreamSpec& s, const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string problems;
  auto problem = [&](const std::string& message) { problems += (problems.empty() ? "" : "\n") + message; };
  std::set<std::string> seen;
  for (const auto& [key, value] : pairs) {
    if (!seen.insert(key).second) {
      problem("key '" + key + "' given twice");
    }
  }
  if (!problems.empty()) {
    return fail(ErrorKind::kConfig, problems);
  }
  auto setter_of = [](std::string_view key) -> const Setter* {
    for (const auto& [known, setter] : fields()) {
      if (known == key || (key == "protocol" && known == "proto")) {
        return &setter;
      }
    }
    return nullptr;
  };
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [key, value] : pairs) {
      const bool early = key == "family" || key == "proto" || key == "protocol";
      if (early != (pass == 0)) {
        continue;
      }
      const Setter* setter = setter_of(key);
      if (setter == nullptr) {
        problem(unknown_key(key).error().message);
        continue;
      }
      if (Status set = (*setter)(s, value); !set.ok()) {
        problem(set.error().message);
      }
    }
  }
  if (!problems.empty()) {
    return fail(ErrorKind::kConfig, problems);
  }
  return {};
}

// "who: line" for every line of a multi-line message.
std::string prefix_lines(const std::string& who, const std::string& message) {
  std::string out;
  std::size_t start = 0;
  while (start <= message.size()) {
    std::size_t end = message.find('\n', start);
    if (end == std::string::npos) {
      end = message.size();
    }
    out += (out.empty() ? "" : "\n") + who + message.substr(start, end - start);
    start = end + 1;
  }
  return out;
}

std::string label(const StreamSpec& s, std::size_t index) {
  return s.name.empty() ? "stream #" + std::to_string(index + 1) : "stream '" + s.name + "'";
}

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == ':';
  });
}

// Two streams the sink could not tell apart: same family, protocol, destination, ports (ICMP: identifier, type and
// code), and sources that are equal or not both known.
bool same_key(const StreamSpec& a, const StreamSpec& b) {
  const bool sources_overlap = !a.src || !b.src || *a.src == *b.src;
  return a.family == b.family && a.protocol == b.protocol && a.dst == b.dst && a.sport == b.sport &&
         flow_dport(a) == flow_dport(b) && sources_overlap;
}

}  // namespace

std::string protocol_name(Protocol protocol, Family family) {
  switch (protocol) {
    case Protocol::kUdp:
      return "udp";
    case Protocol::kTcp:
      return "tcp";
    case Protocol::kIcmp:
      return family == Family::kIpv6 ? "icmpv6" : "icmp";
  }
  return "?";
}

std::uint8_t ip_protocol(Protocol protocol, Family family) {
  switch (protocol) {
    case Protocol::kUdp:
      return 17;
    case Protocol::kTcp:
      return 6;
    case Protocol::kIcmp:
      return family == Family::kIpv6 ? 58 : 1;
  }
  return 0;
}

std::uint32_t header_bytes(Protocol protocol, Family family) {
  const std::uint32_t ip = family == Family::kIpv6 ? 40 : 20;
  return ip + (protocol == Protocol::kTcp ? 20U : 8U);
}

std::uint16_t flow_sport(const StreamSpec& s) { return s.protocol == Protocol::kIcmp ? 0 : s.sport; }

std::uint16_t flow_dport(const StreamSpec& s) {
  if (s.protocol == Protocol::kIcmp) {
    const std::uint8_t type = s.icmp_type.value_or(s.family == Family::kIpv6 ? 128 : 8);
    return static_cast<std::uint16_t>(type << 8U | s.icmp_code);
  }
  return s.dport;
}

std::uint16_t default_sport(std::string_view name) {
  std::uint32_t h = 2166136261U;
  for (char c : name) {
    h = (h ^ static_cast<std::uint8_t>(c)) * 16777619U;
  }
  return static_cast<std::uint16_t>(kEphemeralBase + h % kEphemeralCount);
}

Result<StreamSpec> parse_stream_option(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) {
      comma = text.size();
    }
    const std::string_view item = text.substr(pos, comma - pos);
    if (!item.empty()) {
      const auto eq = item.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        return fail(ErrorKind::kConfig,
                    "stream '" + std::string(text) + "': '" + std::string(item) + "' is not key=value");
      }
      pairs.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
    }
    pos = comma + 1;
  }
  if (pairs.empty()) {
    return fail(ErrorKind::kConfig,
                "empty stream (expected key=value,... e.g. name=web,dst=198.51.100.10,proto=udp,dport=53)");
  }
  StreamSpec s;
  if (Status applied = apply_pairs(s, pairs); !applied.ok()) {
    std::string who = "stream '" + std::string(text) + "'";
    for (const auto& [key, value] : pairs) {
      if (key == "name") {
        who = "stream '" + value + "'";
      }
    }
    return fail(ErrorKind::kConfig, prefix_lines(who + ": ", applied.error().message));
  }
  return s;
}

Result<std::vector<StreamSpec>> parse_spec_json(std::string_view text, std::string_view origin,
                                                std::vector<StreamSpec>* valid) {
  const std::string where(origin);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return fail(ErrorKind::kConfig, where + ": not JSON: " + e.what());
  }
  if (!doc.is_object() || !doc.contains("streams") || !doc["streams"].is_array()) {
    return fail(ErrorKind::kConfig, where + ": expected an object {\"streams\": [ ... ]}");
  }
  for (const auto& [key, value] : doc.items()) {
    if (key != "streams") {
      return fail(ErrorKind::kConfig, where + ": unknown top-level key '" + std::string(key) + "' (known: streams)");
    }
  }
  std::vector<StreamSpec> out;
  std::string errors;
  std::size_t index = 0;
  for (const auto& item : doc["streams"]) {
    const std::string at = where + ": streams[" + std::to_string(index) + "]";
    ++index;
    if (!item.is_object()) {
      errors += (errors.empty() ? "" : "\n") + at + ": expected an object";
      continue;
    }
    std::vector<std::pair<std::string, std::string>> pairs;
    std::string bad;
    for (const auto& [key, value] : item.items()) {
      if (value.is_string()) {
        pairs.emplace_back(key, value.get<std::string>());
      } else if (value.is_number_unsigned()) {
        pairs.emplace_back(key, std::to_string(value.get<std::uint64_t>()));
      } else if (value.is_number_integer()) {
        bad = key + ": " + value.dump() + " is negative";
      } else if (value.is_number_float() && key == "delay") {
        // Seconds with a fraction: exact to the millisecond.
        pairs.emplace_back(key, std::to_string(static_cast<std::int64_t>(value.get<double>() * 1000.0)) + "ms");
      } else {
        bad = key + ": expected a string or a whole number, got " + value.dump();
      }
    }
    StreamSpec s;
    Status applied = bad.empty() ? apply_pairs(s, pairs) : Status(fail(ErrorKind::kConfig, bad));
    if (!applied.ok()) {
      std::string name;
      if (item.contains("name") && item["name"].is_string()) {
        name = " (" + item["name"].get<std::string>() + ")";
      }
      errors += (errors.empty() ? "" : "\n") + prefix_lines(at + name + ": ", applied.error().message);
      continue;
    }
    out.push_back(std::move(s));
  }
  if (!errors.empty()) {
    if (valid != nullptr) {
      *valid = std::move(out);
    }
    return fail(ErrorKind::kConfig, errors);
  }
  return out;
}

namespace {

using Problem = std::function<void(const std::string&)>;

// Name, destination, family and source; false when the stream's family is unknown (nothing further to check).
bool check_addresses(StreamSpec& s, std::set<std::string>& names, const Problem& problem) {
  if (!valid_name(s.name)) {
    problem(s.name.empty() ? "name is missing" : "name must be 1..64 of [A-Za-z0-9_.:-]");
  } else if (!names.insert(s.name).second) {
    problem("name is used by another stream");
  }
  if (!s.dst.is_set()) {
    problem("dst is missing");
    return false;
  }
  if (s.dst.is_unspecified()) {
    problem("dst " + s.dst.to_string() + " is the unspecified address");
  }
  if (s.dst.is_v6() && s.dst.is_link_local()) {
    problem("dst " + s.dst.to_string() + " is link-local (needs a scope; use a global address)");
  }
  const Family dst_family = s.dst.family;
  if (s.family != Family::kNone && s.family != dst_family) {
    problem("family " + std::to_string(static_cast<int>(s.family)) + " does not match dst " + s.dst.to_string());
    return false;
  }
  s.family = dst_family;
  if (s.src && s.src->family != s.family) {
    problem("src " + s.src->to_string() + " and dst " + s.dst.to_string() + " are of different families");
  }
  if (s.src && s.src->is_unspecified()) {
    problem("src " + s.src->to_string() + " is the unspecified address (leave src out to use the route's)");
  }
  return true;
}

// Ports or ICMP type/code, packet count and size.
void check_transport(StreamSpec& s, const Problem& problem) {
  if (s.protocol == Protocol::kIcmp) {
    if (s.dport != 0) {
      problem("dport does not apply to " + protocol_name(s.protocol, s.family) + " (use type and code)");
    }
    if (!s.icmp_type) {
      s.icmp_type = s.family == Family::kIpv6 ? 128 : 8;
    }
  } else {
    if (s.icmp_type || s.icmp_code != 0) {
      problem("type and code apply to icmp only");
    }
    if (s.dport == 0) {
      problem("dport is missing (required for " + protocol_name(s.protocol, s.family) + ")");
    }
  }
  if (s.packets == 0) {
    problem("packets is missing (an exact count 1.." + std::to_string(kMaxPackets) + ")");
  }
  const std::uint32_t minimum = header_bytes(s.protocol, s.family);
  const std::uint32_t maximum = s.family == Family::kIpv6 ? 65535U + 40U : 65535U;
  if (s.size < minimum) {
    problem("size " + std::to_string(s.size) + " is below the " + std::to_string(minimum) + " bytes of the " +
            (s.family == Family::kIpv6 ? "IPv6" : "IPv4") + " and " + protocol_name(s.protocol, s.family) + " headers");
  } else if (s.size > maximum) {
    problem("size " + std::to_string(s.size) + " is above the IP maximum " + std::to_string(maximum));
  }
}

// Distinguishable 5-tuples, also when other streams have problems (every problem at once): a derived source port
// moves on (deterministically) past a clash; an explicit one is an error.
void separate_keys(std::vector<StreamSpec>& streams, const std::vector<bool>& keyed,
                   const std::vector<bool>& derived_sport, std::vector<std::string>& errors) {
  for (std::size_t i = 0; i < streams.size(); ++i) {
    if (!keyed[i]) {
      continue;
    }
    for (std::size_t attempt = 0; attempt < kEphemeralCount; ++attempt) {
      std::size_t clash = 0;
      while (clash < i && !(keyed[clash] && same_key(streams[clash], streams[i]))) {
        ++clash;
      }
      if (clash == i) {
        break;
      }
      if (!derived_sport[i]) {
        errors.push_back(label(streams[i], i) + ": same addresses, protocol and ports as " +
                         label(streams[clash], clash) + " (the sink could not tell them apart; set sport)");
        break;
      }
      const auto next = static_cast<std::uint32_t>(streams[i].sport) + 1U;
      streams[i].sport = static_cast<std::uint16_t>(next >= 65536U ? kEphemeralBase : next);
    }
  }
}

}  // namespace

Status finalize_streams(std::vector<StreamSpec>& streams) {
  std::vector<std::string> errors;
  std::vector<bool> derived_sport(streams.size(), false);
  std::vector<bool> keyed(streams.size(), false);  // addresses and ports known: takes part in the 5-tuple check
  std::set<std::string> names;
  for (std::size_t i = 0; i < streams.size(); ++i) {
    StreamSpec& s = streams[i];
    const std::string who = label(s, i);
    const Problem problem = [&](const std::string& what) {
      errors.push_back(who + ": ");
      errors.back() += what;
    };
    if (!check_addresses(s, names, problem)) {
      continue;
    }
    check_transport(s, problem);
    if (s.sport == 0) {
      s.sport = default_sport(s.name);
      derived_sport[i] = true;
    }
    keyed[i] = s.protocol == Protocol::kIcmp || s.dport != 0;
  }
  separate_keys(streams, keyed, derived_sport, errors);
  if (!errors.empty()) {
    std::string all;
    for (const auto& e : errors) {
      all += (all.empty() ? "" : "\n") + e;
    }
    return fail(ErrorKind::kConfig, all);
  }
  return {};
}

}  // namespace flowlab::gen
