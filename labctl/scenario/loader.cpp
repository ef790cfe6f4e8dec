#include "labctl/scenario/loader.hpp"

#include "common/strings.hpp"
#include "labctl/scenario/validate.hpp"
#include "model/diagnostics.hpp"
#include "model/duration.hpp"
#include "model/loader.hpp"
#include "model/plan_json.hpp"
#include "model/yaml_reader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace flowlab::scenario {
namespace {

using topology::DiagnosticSink;
using topology::SourceMap;
using topology::yaml::child;
using topology::yaml::describe;
using topology::yaml::Entry;
using topology::yaml::item;
using topology::yaml::mark_of;
using topology::yaml::valid_community;

constexpr std::uint64_t kMaxU32 = 4294967295ULL;
constexpr std::size_t kMaxStreamName = 32;
constexpr std::uint64_t kMaxPackets = 100'000'000ULL;
constexpr std::uint64_t kMaxPps = 10'000'000ULL;
constexpr std::uint64_t kMaxSize = 65535;
constexpr std::uint64_t kMaxDurationMs = 24ULL * 3600 * 1000;

bool stream_name_ok(std::string_view s) {
  if (s.empty() || s.size() > kMaxStreamName || s[0] < 'a' || s[0] > 'z') {
    return false;
  }
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; });
}

const std::vector<std::string>& step_kinds() {
  static const std::vector<std::string> kKinds{"converge", "send",     "expect",  "link", "bgp",
                                               "announce", "withdraw", "restart", "wait", "collect"};
  return kKinds;
}

std::vector<std::string> field_names() {
  std::vector<std::string> out;
  for (const auto& f : all_fields()) {
    out.emplace_back(f.name);
  }
  return out;
}

class Parser : public topology::yaml::YamlReader {
 public:
  using YamlReader::YamlReader;

  // Parses everything but `topology:` (the caller loads it); returns the root entries by key.
  void parse_document(const YAML::Node& root, Scenario& s, std::map<std::string, Entry>& top);
  // The key path of each parsed step ("steps[3].expect"), parallel to Scenario::steps.
  [[nodiscard]] const std::vector<std::string>& step_paths() const { return step_paths_; }

 private:
  std::optional<std::chrono::milliseconds> get_duration(const YAML::Node& n, const std::string& path);
  // A stream reference list: a name, `all`, or a list of names. Returns the names; `all` sets *all.
  std::optional<std::vector<std::string>> get_stream_refs(const YAML::Node& n, const std::string& path, bool* all);

  void parse_traffic(const YAML::Node& n, Scenario& s);
  void parse_stream(const std::string& name, const YAML::Node& n, const std::string& path, Stream& stream);
  void parse_steps(const YAML::Node& n, Scenario& s);
  std::optional<StepAction> parse_step(const std::string& kind, const YAML::Node& n, const std::string& path);
  std::optional<StepAction> parse_expect(const YAML::Node& n, const std::string& path);
  void parse_fields(const YAML::Node& n, const std::string& path, ExpectStep& expect);
  std::optional<FieldValue> parse_field_value(const FieldInfo& info, const YAML::Node& n, const std::string& path);
  std::optional<StepAction> parse_link(const YAML::Node& n, const std::string& path);
  std::optional<StepAction> parse_bgp(const YAML::Node& n, const std::string& path);
  std::optional<std::pair<std::string, Prefix>> parse_node_prefix(const YAML::Node& n, const std::string& path);

  std::vector<std::string> step_paths_;
};

std::optional<std::chrono::milliseconds> Parser::get_duration(const YAML::Node& n, const std::string& path) {
  auto s = get_scalar(n, path, "a duration like 10s, 2m or 500ms");
  if (!s) {
    return std::nullopt;
  }
  auto ms = topology::parse_duration_ms(*s);
  if (!ms) {
    error(path, "expected a duration like 10s, 2m or 500ms, found '" + *s + "'");
    return std::nullopt;
  }
  if (*ms == 0 || *ms > kMaxDurationMs) {
    error(path, "'" + *s + "' is out of range (expected 1ms..24h)");
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(*ms));
}

std::optional<std::vector<std::string>> Parser::get_stream_refs(const YAML::Node& n, const std::string& path,
                                                                bool* all) {
  *all = false;
  if (n.IsScalar()) {
    if (n.Scalar() == "all") {
      *all = true;
      return std::vector<std::string>{};
    }
    return std::vector<std::string>{n.Scalar()};
  }
  if (!n.IsSequence()) {
    error(path, "expected a stream name, a list of stream names or 'all', found " + describe(n));
    return std::nullopt;
  }
  auto items = list_items(n, path);
  if (!items) {
    return std::nullopt;
  }
  if (items->empty()) {
    error(path, "expected at least one stream name, found an empty list");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < items->size(); ++i) {
    if (auto s = get_scalar((*items)[i], item(path, i), "a stream name")) {
      out.push_back(*s);
    } else {
      ok = false;
    }
  }
  return ok ? std::optional(out) : std::nullopt;
}

void Parser::parse_document(const YAML::Node& root, Scenario& s, std::map<std::string, Entry>& top) {
  marks_.set("", Mark{1, 1});
  if (!root.IsMap()) {
    error_at(mark_of(root).line != 0 ? mark_of(root) : Mark{1, 1},
             "expected a map with at least 'topology' at the top level, found " + describe(root));
    return;
  }
  static const std::vector<std::string> kTop{"name", "description", "lab_name", "topology", "traffic", "steps"};
  auto entries = map_entries(root, "", kTop);
  if (!entries) {
    return;
  }
  require(*entries, "", {"topology"});
  for (const auto& e : *entries) {
    top[e.key] = e;
  }
  for (const auto& e : *entries) {
    if (e.key == "name") {
      if (auto v = get_string(e.value, "name")) {
        if (v->empty()) {
          error("name", "expected a non-empty string");
        } else {
          s.name = *v;
        }
      }
    } else if (e.key == "description") {
      if (auto v = get_string(e.value, "description")) {
        s.description = *v;
      }
    } else if (e.key == "lab_name") {
      (void)get_string(e.value, "lab_name");  // applied (and checked) after the topology is loaded
    } else if (e.key == "traffic") {
      parse_traffic(e.value, s);
    }
  }
  // Steps last: they refer to streams (checked in validation, but the order keeps diagnostics stable).
  if (auto it = top.find("steps"); it != top.end()) {
    parse_steps(it->second.value, s);
  }
}

void Parser::parse_traffic(const YAML::Node& n, Scenario& s) {
  auto entries = map_entries(n, "traffic", {}, true);
  if (!entries) {
    return;
  }
  for (const auto& e : *entries) {
    const std::string path = child("traffic", e.key);
    marks_.set(path, mark_of(e.key_node));
    Stream stream;
    stream.name = e.key;
    stream.mark = mark_of(e.key_node);
    if (!stream_name_ok(e.key)) {
      error(path, "stream name '" + e.key +
                      "' must match ^[a-z][a-z0-9_-]{0,31}$ (a lowercase letter, then lowercase letters, digits, "
                      "'_' or '-')");
    } else if (e.key == "all") {
      error(path, "stream name 'all' is reserved (send: all / traffic: all mean every stream)");
    }
    parse_stream(e.key, e.value, path, stream);
    s.traffic.push_back(std::move(stream));
  }
}

void Parser::parse_stream(const std::string& name, const YAML::Node& n, const std::string& path, Stream& stream) {
  static const std::vector<std::string> kKeys{"from",  "to",      "family", "proto", "sport",
                                              "dport", "packets", "size",   "pps",   "tos"};
  auto entries = map_entries(n, path, kKeys);
  if (!entries) {
    return;
  }
  require(*entries, path, {"from", "to", "packets"});
  bool ports_given = false;
  stream.size = kDefaultSize;
  stream.pps = kDefaultPps;
  for (const auto& e : *entries) {
    const std::string kpath = child(path, e.key);
    if (e.key == "from") {
      stream.from = get_string(e.value, kpath).value_or("");
    } else if (e.key == "to") {
      stream.to = get_string(e.value, kpath).value_or("");
    } else if (e.key == "family") {
      if (auto f = get_string(e.value, kpath)) {
        if (*f == "ipv4") {
          stream.family = Family::kIpv4;
        } else if (*f == "ipv6") {
          stream.family = Family::kIpv6;
        } else {
          error(kpath, "expected 'ipv4' or 'ipv6', found '" + *f + "'");
        }
      }
    } else if (e.key == "proto") {
      if (auto p = get_string(e.value, kpath)) {
        if (*p == "udp") {
          stream.proto = Proto::kUdp;
        } else if (*p == "tcp") {
          stream.proto = Proto::kTcp;
        } else if (*p == "icmp") {
          stream.proto = Proto::kIcmp;
        } else {
          error(kpath, "unknown protocol '" + *p + "' (expected udp, tcp or icmp)");
        }
      }
    } else if (e.key == "sport" || e.key == "dport") {
      ports_given = true;
      if (auto v = get_uint(e.value, kpath, 1, 65535)) {
        (e.key == "sport" ? stream.sport : stream.dport) = static_cast<std::uint16_t>(*v);
      }
    } else if (e.key == "packets") {
      if (auto v = get_uint(e.value, kpath, 1, kMaxPackets)) {
        stream.packets = *v;
      }
    } else if (e.key == "size") {
      if (auto v = get_uint(e.value, kpath, 1, kMaxSize)) {
        stream.size = static_cast<std::uint32_t>(*v);
      } else {
        stream.size = 0;  // no size check in validation
      }
    } else if (e.key == "pps") {
      if (auto v = get_uint(e.value, kpath, 1, kMaxPps)) {
        stream.pps = static_cast<std::uint32_t>(*v);
      }
    } else if (e.key == "tos") {
      if (auto v = get_uint(e.value, kpath, 0, 255)) {
        stream.tos = static_cast<std::uint8_t>(*v);
      }
    }
  }
  if (stream.proto == Proto::kIcmp && ports_given) {
    for (const auto& e : *entries) {
      if (e.key == "sport" || e.key == "dport") {
        error(child(path, e.key), "ports do not apply to icmp (stream '" + name + "')");
      }
    }
  }
}

void Parser::parse_steps(const YAML::Node& n, Scenario& s) {
  auto items = list_items(n, "steps");
  if (!items) {
    return;
  }
  if (items->empty()) {
    error("steps", "expected at least one step, found an empty list (leave steps out for the default timeline)");
  }
  for (std::size_t i = 0; i < items->size(); ++i) {
    const std::string path = item("steps", i);
    const YAML::Node& step = (*items)[i];
    if (step.IsScalar() && std::find(step_kinds().begin(), step_kinds().end(), step.Scalar()) != step_kinds().end()) {
      // "- converge" / "- collect" without a value: the same as an empty value.
      const std::string kind = step.Scalar();
      if (auto action = parse_step(kind, YAML::Node(YAML::NodeType::Null), child(path, kind))) {
        s.steps.push_back(Step{std::move(*action), mark_of(step)});
        step_paths_.push_back(child(path, kind));
      }
      continue;
    }
    if (!step.IsMap()) {
      error(path, "expected a step (a map with one key: " + join(step_kinds()) + "), found " + describe(step));
      continue;
    }
    auto entries = map_entries(step, path, step_kinds());
    if (!entries) {
      continue;
    }
    if (entries->size() > 1) {
      error_at(mark_of((*entries)[1].key_node), "a step has exactly one kind, found '" + (*entries)[0].key + "' and '" +
                                                    (*entries)[1].key + "' in one item (start a new '- ' item)");
      continue;
    }
    if (entries->empty()) {
      if (step.size() == 0) {
        error(path, "expected a step (a map with one key: " + join(step_kinds()) + "), found an empty map");
      }
      continue;
    }
    const Entry& e = entries->front();
    if (auto action = parse_step(e.key, e.value, child(path, e.key))) {
      s.steps.push_back(Step{std::move(*action), mark_of(e.key_node)});
      step_paths_.push_back(child(path, e.key));
    }
  }
}

std::optional<StepAction> Parser::parse_step(const std::string& kind, const YAML::Node& n, const std::string& path) {
  if (kind == "converge") {
    auto entries = map_entries(n, path, {"timeout"}, true);
    if (!entries) {
      return std::nullopt;
    }
    ConvergeStep c;
    for (const auto& e : *entries) {
      if (auto d = get_duration(e.value, child(path, e.key))) {
        c.timeout = *d;
      } else {
        return std::nullopt;
      }
    }
    return c;
  }
  if (kind == "send") {
    if (n.IsNull()) {
      error(path, "expected a stream name, a list of stream names or 'all', found an empty value");
      return std::nullopt;
    }
    SendStep send;
    auto refs = get_stream_refs(n, path, &send.all);
    if (!refs) {
      return std::nullopt;
    }
    send.streams = *refs;
    return send;
  }
  if (kind == "expect") {
    return parse_expect(n, path);
  }
  if (kind == "link") {
    return parse_link(n, path);
  }
  if (kind == "bgp") {
    return parse_bgp(n, path);
  }
  if (kind == "announce" || kind == "withdraw") {
    auto np = parse_node_prefix(n, path);
    if (!np) {
      return std::nullopt;
    }
    if (kind == "announce") {
      return AnnounceStep{np->first, np->second};
    }
    return WithdrawStep{np->first, np->second};
  }
  if (kind == "restart") {
    if (n.IsScalar()) {
      return RestartStep{n.Scalar()};
    }
    auto entries = map_entries(n, path, {"node"});
    if (!entries) {
      return std::nullopt;
    }
    require(*entries, path, {"node"});
    if (entries->empty()) {
      return std::nullopt;
    }
    auto node = get_string(entries->front().value, child(path, "node"));
    if (!node) {
      return std::nullopt;
    }
    return RestartStep{*node};
  }
  if (kind == "wait") {
    if (!n.IsScalar()) {
      error(path, "wait takes only a duration like 5s (found " + describe(n) +
                      "); where something can be polled, use converge or expect instead");
      return std::nullopt;
    }
    if (auto d = get_duration(n, path)) {
      return WaitStep{*d};
    }
    return std::nullopt;
  }
  // collect
  if (!n.IsNull() && !(n.IsMap() && n.size() == 0)) {
    error(path, "collect takes no arguments (write 'collect: {}'), found " + describe(n));
    return std::nullopt;
  }
  return CollectStep{};
}

std::optional<StepAction> Parser::parse_expect(const YAML::Node& n, const std::string& path) {
  static const std::vector<std::string> kKeys{"traffic", "at", "fields", "counters", "point", "diverging"};
  auto entries = map_entries(n, path, kKeys, true);
  if (!entries) {
    return std::nullopt;
  }
  ExpectStep expect;
  expect.all = true;  // default: every stream sent so far
  bool ok = true;
  for (const auto& e : *entries) {
    const std::string kpath = child(path, e.key);
    if (e.key == "traffic") {
      auto refs = get_stream_refs(e.value, kpath, &expect.all);
      if (refs) {
        expect.streams = *refs;
      } else {
        ok = false;
      }
    } else if (e.key == "at") {
      if (auto v = get_string(e.value, kpath)) {
        expect.at = *v;
      } else {
        ok = false;
      }
    } else if (e.key == "fields") {
      parse_fields(e.value, kpath, expect);
    } else if (e.key == "counters") {
      if (auto v = get_string(e.value, kpath)) {
        if (*v == "exact") {
          expect.counters = CounterCheck::kExact;
        } else if (*v == "sampled") {
          expect.counters = CounterCheck::kSampled;
        } else if (*v == "none") {
          expect.counters = CounterCheck::kNone;
        } else {
          error(kpath, "expected exact, sampled or none, found '" + *v + "'");
        }
      }
    } else if (e.key == "point") {
      auto s = get_scalar(e.value, kpath, "'node' or 'node:interface'");
      if (!s) {
        continue;
      }
      ObservationPoint point;
      point.mark = marks_.at(kpath);
      auto colon = s->find(':');
      if (colon == std::string::npos) {
        point.node = *s;
      } else if (colon == 0 || colon + 1 == s->size() || s->find(':', colon + 1) != std::string::npos) {
        error(kpath, "expected 'node' or 'node:interface', found '" + *s + "'");
        continue;
      } else {
        point.node = s->substr(0, colon);
        point.interface = s->substr(colon + 1);
      }
      expect.point = point;
    } else if (e.key == "diverging") {
      auto items = list_items(e.value, kpath);
      if (!items) {
        continue;
      }
      const auto names = field_names();
      for (std::size_t i = 0; i < items->size(); ++i) {
        auto name = get_scalar((*items)[i], item(kpath, i), "a field name");
        if (!name) {
          continue;
        }
        if (auto f = field_from_name(*name)) {
          expect.diverging.push_back(*f);
        } else {
          auto guess = closest_match(*name, names);
          error(item(kpath, i), "unknown field '" + *name + "'" +
                                    (guess ? " (did you mean '" + *guess + "'?)" : " (fields: " + join(names) + ")"));
        }
      }
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return expect;
}

void Parser::parse_fields(const YAML::Node& n, const std::string& path, ExpectStep& expect) {
  const auto names = field_names();
  if (n.IsScalar()) {
    if (n.Scalar() == "auto") {
      expect.mode = FieldsMode::kAuto;
    } else if (n.Scalar() == "unenriched") {
      expect.mode = FieldsMode::kUnenriched;
    } else {
      error(path,
            "expected auto, unenriched, a list of field names or a map of field: value, found '" + n.Scalar() + "'");
    }
    return;
  }
  auto unknown = [&](const std::string& name, Mark m) {
    auto guess = closest_match(name, names);
    error_at(m, "unknown field '" + name + "' in " + path +
                    (guess ? " (did you mean '" + *guess + "'?)" : " (fields: " + join(names) + ")"));
  };
  expect.mode = FieldsMode::kListed;
  if (n.IsSequence()) {
    auto items = list_items(n, path);
    if (!items) {
      return;
    }
    if (items->empty()) {
      error(path, "expected at least one field name, found an empty list");
    }
    std::set<Field> seen;
    for (std::size_t i = 0; i < items->size(); ++i) {
      auto name = get_scalar((*items)[i], item(path, i), "a field name");
      if (!name) {
        continue;
      }
      auto f = field_from_name(*name);
      if (!f) {
        unknown(*name, marks_.at(item(path, i)));
      } else if (!seen.insert(*f).second) {
        error(item(path, i), "field '" + *name + "' is listed twice");
      } else {
        expect.fields.push_back(FieldExpectation{*f, std::nullopt, marks_.at(item(path, i))});
      }
    }
    return;
  }
  if (!n.IsMap()) {
    error(path, "expected auto, unenriched, a list of field names or a map of field: value, found " + describe(n));
    return;
  }
  std::vector<std::string> known = names;
  known.emplace_back("auto");
  auto entries = map_entries(n, path, known);
  if (!entries) {
    return;
  }
  for (const auto& e : *entries) {
    const std::string kpath = child(path, e.key);
    if (e.key == "auto") {
      if (e.value.IsScalar() && e.value.Scalar() == "true") {
        expect.mode = FieldsMode::kAuto;
      } else {
        error(kpath, "expected true (every field the oracle predicts, plus the explicit values here), found " +
                         describe(e.value));
      }
      continue;
    }
    const FieldInfo& info = field_info(*field_from_name(e.key));
    FieldExpectation fe{info.field, std::nullopt, marks_.at(kpath)};
    if (e.value.IsScalar() && e.value.Scalar() == "auto") {
      expect.fields.push_back(fe);
      continue;
    }
    if (auto v = parse_field_value(info, e.value, kpath)) {
      fe.expected = std::move(*v);
      expect.fields.push_back(std::move(fe));
    }
  }
  if (expect.mode == FieldsMode::kListed && expect.fields.empty() && entries->empty() && n.size() == 0) {
    error(path, "expected at least one field, found an empty map (use fields: auto)");
  }
}

std::optional<FieldValue> Parser::parse_field_value(const FieldInfo& info, const YAML::Node& n,
                                                    const std::string& path) {
  FieldValue v;
  v.type = info.type;
  const std::string fname(info.name);
  switch (info.type) {
    case FieldType::kAsn:
    case FieldType::kUint32: {
      auto x = get_uint(n, path, 0, kMaxU32);
      if (!x) {
        return std::nullopt;
      }
      v.number = static_cast<std::uint32_t>(*x);
      return v;
    }
    case FieldType::kMask: {
      auto x = get_uint(n, path, 0, 128);
      if (!x) {
        return std::nullopt;
      }
      v.number = static_cast<std::uint32_t>(*x);
      return v;
    }
    case FieldType::kAsPath: {
      const std::string expected = "an AS path: a list of AS numbers or \"64520_64510\" (\"\" or [] when empty)";
      if (n.IsSequence()) {
        auto items = list_items(n, path);
        if (!items) {
          return std::nullopt;
        }
        bool ok = true;
        for (std::size_t i = 0; i < items->size(); ++i) {
          if (auto x = get_uint((*items)[i], item(path, i), 1, kMaxU32)) {
            v.as_path.push_back(static_cast<std::uint32_t>(*x));
          } else {
            ok = false;
          }
        }
        return ok ? std::optional(v) : std::nullopt;
      }
      if (!n.IsScalar()) {
        error(path, "expected " + expected + ", found " + describe(n));
        return std::nullopt;
      }
      std::string_view text = n.Scalar();
      while (!text.empty()) {
        auto cut = text.find_first_of("_ ");
        auto part = text.substr(0, cut);
        auto asn = parse_decimal(part, kMaxU32);
        if (!asn || *asn == 0) {
          error(path, "expected " + expected + ", found '" + n.Scalar() + "'");
          return std::nullopt;
        }
        v.as_path.push_back(static_cast<std::uint32_t>(*asn));
        text = cut == std::string_view::npos ? std::string_view{} : text.substr(cut + 1);
        if (cut != std::string_view::npos && text.empty()) {
          error(path, "expected " + expected + ", found '" + n.Scalar() + "'");
          return std::nullopt;
        }
      }
      return v;
    }
    case FieldType::kAddress: {
      auto s = get_scalar(n, path, "an IP address (or 0 for none)");
      if (!s) {
        return std::nullopt;
      }
      if (*s == "0") {
        return v;  // unset address: none
      }
      auto a = IpAddress::parse(*s);
      if (!a) {
        error(path, "expected an IP address (or 0 for none), found '" + *s + "'");
        return std::nullopt;
      }
      v.address = *a;
      return v;
    }
    case FieldType::kPrefix: {
      auto p = get_prefix(n, path);
      if (!p) {
        return std::nullopt;
      }
      v.prefix = *p;
      return v;
    }
    case FieldType::kCommunities:
    case FieldType::kLargeCommunities: {
      const bool large = info.type == FieldType::kLargeCommunities;
      std::vector<std::pair<std::string, std::string>> items;  // value, path
      if (n.IsSequence()) {
        auto list = list_items(n, path);
        if (!list) {
          return std::nullopt;
        }
        for (std::size_t i = 0; i < list->size(); ++i) {
          auto s = get_string((*list)[i], item(path, i));
          if (!s) {
            return std::nullopt;
          }
          items.emplace_back(*s, item(path, i));
        }
      } else if (n.IsScalar()) {
        std::istringstream words(n.Scalar());
        for (std::string w; words >> w;) {
          items.emplace_back(w, path);
        }
      } else {
        error(path, "expected a list of communities, found " + describe(n));
        return std::nullopt;
      }
      bool ok = true;
      for (const auto& [c, cpath] : items) {
        if (large ? valid_community(c, 3, kMaxU32) : valid_community(c, 2, 65535)) {
          v.communities.push_back(c);
        } else {
          ok = false;
          error(cpath,
                large ? "expected a large community 'asn:value1:value2' with each part 0..4294967295, found '" + c + "'"
                      : "expected a community 'asn:value' with both parts 0..65535, found '" + c + "'");
        }
      }
      return ok ? std::optional(v) : std::nullopt;
    }
    case FieldType::kInterface: {
      auto s = get_scalar(n, path, "an interface name");
      if (!s) {
        return std::nullopt;
      }
      v.text = *s;
      return v;
    }
  }
  return std::nullopt;
}

std::optional<StepAction> Parser::parse_link(const YAML::Node& n, const std::string& path) {
  auto entries = map_entries(n, path, {"down", "up"});
  if (!entries) {
    return std::nullopt;
  }
  if (entries->size() != 1) {
    if (entries->empty() && n.size() == 0) {
      error(path, "expected one of 'down: node:interface' or 'up: node:interface'");
    } else if (entries->size() > 1) {
      error(child(path, "up"), "a link step takes either down or up, not both");
    }
    return std::nullopt;
  }
  const Entry& e = entries->front();
  auto ep = get_endpoint(e.value, child(path, e.key));
  if (!ep) {
    return std::nullopt;
  }
  return LinkStep{e.key == "up" ? LinkAction::kUp : LinkAction::kDown, *ep};
}

std::optional<StepAction> Parser::parse_bgp(const YAML::Node& n, const std::string& path) {
  auto entries = map_entries(n, path, {"down", "up"});
  if (!entries) {
    return std::nullopt;
  }
  if (entries->size() != 1) {
    if (entries->empty() && n.size() == 0) {
      error(path, "expected one of 'down: {node, neighbor}' or 'up: {node, neighbor}'");
    } else if (entries->size() > 1) {
      error(child(path, "up"), "a bgp step takes either down or up, not both");
    }
    return std::nullopt;
  }
  const Entry& e = entries->front();
  const std::string spath = child(path, e.key);
  auto session = map_entries(e.value, spath, {"node", "neighbor"});
  if (!session) {
    return std::nullopt;
  }
  require(*session, spath, {"node", "neighbor"});
  BgpStep step;
  step.action = e.key == "up" ? LinkAction::kUp : LinkAction::kDown;
  for (const auto& se : *session) {
    auto v = get_string(se.value, child(spath, se.key));
    if (!v) {
      return std::nullopt;
    }
    (se.key == "node" ? step.node : step.neighbor) = *v;
  }
  if (step.node.empty() || step.neighbor.empty()) {
    return std::nullopt;
  }
  return step;
}

std::optional<std::pair<std::string, Prefix>> Parser::parse_node_prefix(const YAML::Node& n, const std::string& path) {
  auto entries = map_entries(n, path, {"node", "prefix"});
  if (!entries) {
    return std::nullopt;
  }
  require(*entries, path, {"node", "prefix"});
  std::optional<std::string> node;
  std::optional<Prefix> prefix;
  for (const auto& e : *entries) {
    if (e.key == "node") {
      node = get_string(e.value, child(path, e.key));
    } else {
      prefix = get_prefix(e.value, child(path, e.key));
    }
  }
  if (!node || !prefix) {
    return std::nullopt;
  }
  return std::pair{*node, *prefix};
}

// The inline topology's text: the scenario file with everything outside the mapping blanked, so the topology
// loader's line:col point into the scenario file unchanged.
std::string inline_topology_text(std::string_view yaml, const YAML::Node& value, int end_line) {
  const auto start = value.Mark();
  std::string out;
  int line = 0;
  std::size_t pos = 0;
  while (pos <= yaml.size()) {
    auto nl = yaml.find('\n', pos);
    std::string_view text = yaml.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (line == start.line) {
      const auto col = static_cast<std::size_t>(start.column);
      out.append(std::min(col, text.size()), ' ');
      if (col < text.size()) {
        out.append(text.substr(col));
      }
    } else if (line > start.line && (end_line < 0 || line < end_line)) {
      out.append(text);
    }
    out += '\n';
    if (nl == std::string_view::npos) {
      break;
    }
    pos = nl + 1;
    ++line;
  }
  return out;
}

std::string file_stem(const std::string& file) {
  auto stem = std::filesystem::path(file).stem().string();
  return stem.empty() ? std::string("scenario") : stem;
}

void load_topology(Parser& parser, std::string_view yaml, const std::string& file_name,
                   const std::filesystem::path& base_dir, const std::map<std::string, Entry>& top,
                   std::vector<Diagnostic>& topology_diagnostics, Scenario& s, bool& topology_ok) {
  topology_ok = false;
  auto it = top.find("topology");
  if (it == top.end()) {
    return;
  }
  const YAML::Node& value = it->second.value;
  topology::LoadResult loaded;
  if (value.IsScalar()) {
    std::filesystem::path path(value.Scalar());
    if (value.Scalar().empty()) {
      parser.error("topology", "expected a topology file path or an inline topology map, found an empty string");
      return;
    }
    if (path.is_relative()) {
      path = base_dir / path;
    }
    path = path.lexically_normal();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      parser.error("topology", "cannot open the topology file '" + path.string() + "'");
      return;
    }
    s.topology_file = path.string();
    loaded = topology::load_topology_file(path);
    if (!loaded.ok()) {
      topology_diagnostics = loaded.diagnostics;
      parser.error("topology", "the topology file '" + path.string() + "' has " +
                                   std::to_string(loaded.diagnostics.size()) +
                                   (loaded.diagnostics.size() == 1 ? " error" : " errors") + " (listed above)");
      return;
    }
  } else if (value.IsMap()) {
    // The mapping ends where the next top-level key starts.
    int end_line = -1;
    const int start_line = value.Mark().line;
    for (const auto& [key, entry] : top) {
      const int l = entry.key_node.Mark().line;
      if (l > start_line && (end_line < 0 || l < end_line)) {
        end_line = l;
      }
    }
    loaded = topology::load_topology_string(inline_topology_text(yaml, value, end_line), file_name);
    if (!loaded.ok()) {
      // Already in this file at the right lines; only "the top level" of the topology is this key.
      const std::string kTopLevel = " at the top level";
      for (const auto& d : loaded.diagnostics) {
        std::string message = d.message;
        Mark mark = d.mark;
        if (auto pos = message.find(kTopLevel); pos != std::string::npos) {
          message.replace(pos, kTopLevel.size(), " in the inline topology");
          mark = mark_of(it->second.key_node);
        }
        parser.error_at(mark, message);
      }
      return;
    }
  } else {
    parser.error("topology", "expected a topology file path or an inline topology map, found " +
                                 std::string(value.IsNull() ? "an empty value" : "a list"));
    return;
  }
  s.topology = std::move(*loaded.topology);
  if (s.topology_file.empty()) {
    s.topology.source_file = file_name;
  }
  topology_ok = true;
}

}  // namespace

std::string LoadResult::error_text() const {
  std::string out;
  for (const auto& d : diagnostics) {
    out += d.to_string() + "\n";
  }
  return out;
}

LoadResult load_scenario_string(std::string_view yaml, const std::string& file_name,
                                const std::filesystem::path& base_dir, const LoadOptions& options) {
  Scenario s;
  s.source_file = file_name;
  s.name = file_stem(file_name);
  DiagnosticSink sink(file_name);
  SourceMap marks;
  Parser parser(sink, marks);
  std::vector<Diagnostic> topology_diagnostics;
  bool topology_ok = false;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    std::map<std::string, Entry> top;
    parser.parse_document(root, s, top);
    load_topology(parser, yaml, file_name, base_dir, top, topology_diagnostics, s, topology_ok);
    if (topology_ok) {
      std::optional<std::string> lab = options.lab_name;
      std::string lab_path = "lab_name";
      if (!lab) {
        if (auto it = top.find("lab_name"); it != top.end() && it->second.value.IsScalar()) {
          lab = it->second.value.Scalar();
        }
      }
      if (lab) {
        if (auto err = set_lab_name(s, *lab)) {
          if (options.lab_name) {
            sink.error(Mark{}, "lab name override: " + *err);
          } else {
            parser.error(lab_path, *err);
          }
        }
      }
    }
  } catch (const YAML::ParserException& e) {
    sink.error(Mark{e.mark.line + 1, e.mark.column + 1}, "YAML syntax error: " + e.msg);
    LoadResult out;
    out.diagnostics = sink.take();
    return out;
  } catch (const YAML::Exception& e) {
    Mark m = e.mark.line >= 0 ? Mark{e.mark.line + 1, e.mark.column + 1} : Mark{};
    sink.error(m, "YAML error: " + e.msg);
    LoadResult out;
    out.diagnostics = sink.take();
    return out;
  }
  if (topology_ok) {
    validate_scenario(s, parser.step_paths(), marks, sink);
  }
  LoadResult out;
  out.diagnostics = std::move(topology_diagnostics);
  auto own = sink.take();
  out.diagnostics.insert(out.diagnostics.end(), own.begin(), own.end());
  if (out.diagnostics.empty()) {
    out.scenario = std::move(s);
  }
  return out;
}

LoadResult load_scenario_file(const std::filesystem::path& file, const LoadOptions& options) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    LoadResult out;
    out.diagnostics.push_back(Diagnostic{file.string(), Mark{}, "cannot open the scenario file"});
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_scenario_string(text.str(), file.string(), file.parent_path().empty() ? "." : file.parent_path(),
                              options);
}

bool is_scenario_file(const std::filesystem::path& file) {
  try {
    const YAML::Node doc = YAML::LoadFile(file.string());
    return doc.IsMap() && doc["topology"];
  } catch (const YAML::Exception&) {
    return false;
  }
}

namespace {

using nlohmann::json;

std::string duration_text(std::chrono::milliseconds ms) {
  const auto n = ms.count();
  if (n % 3'600'000 == 0) {
    return std::to_string(n / 3'600'000) + "h";
  }
  if (n % 60'000 == 0) {
    return std::to_string(n / 60'000) + "m";
  }
  if (n % 1000 == 0) {
    return std::to_string(n / 1000) + "s";
  }
  return std::to_string(n) + "ms";
}

json field_value_json(const FieldValue& v) {
  switch (v.type) {
    case FieldType::kAsn:
    case FieldType::kMask:
    case FieldType::kUint32:
      return v.number;
    case FieldType::kAsPath:
    case FieldType::kAddress:
    case FieldType::kPrefix:
    case FieldType::kInterface:
      return v.to_string();
    case FieldType::kCommunities:
    case FieldType::kLargeCommunities:
      return v.communities;
  }
  return nullptr;
}

std::string_view fields_mode_name(FieldsMode m) {
  switch (m) {
    case FieldsMode::kAuto:
      return "auto";
    case FieldsMode::kListed:
      return "listed";
    case FieldsMode::kUnenriched:
      return "unenriched";
  }
  return "?";
}

struct StepJson {
  json operator()(const ConvergeStep& c) const { return json{{"timeout", duration_text(c.timeout)}}; }
  json operator()(const SendStep& s) const { return json{{"streams", s.streams}, {"all", s.all}}; }
  json operator()(const ExpectStep& e) const {
    json j{{"streams", e.streams},
           {"all", e.all},
           {"at", e.at},
           {"fields_mode", fields_mode_name(e.mode)},
           {"counters", counter_check_name(e.counters)}};
    json fields = json::object();
    for (const auto& f : e.fields) {
      fields[std::string(field_name(f.field))] = f.expected ? field_value_json(*f.expected) : json("auto");
    }
    j["fields"] = fields;
    if (e.point) {
      j["point"] = e.point->node + (e.point->interface.empty() ? std::string() : ":" + e.point->interface);
    }
    if (!e.diverging.empty()) {
      json d = json::array();
      for (auto f : e.diverging) {
        d.push_back(field_name(f));
      }
      j["diverging"] = d;
    }
    return j;
  }
  json operator()(const LinkStep& l) const {
    return json{{l.action == LinkAction::kDown ? "down" : "up", l.endpoint.node + ":" + l.endpoint.interface}};
  }
  json operator()(const BgpStep& b) const {
    return json{{b.action == LinkAction::kDown ? "down" : "up", json{{"node", b.node}, {"neighbor", b.neighbor}}}};
  }
  json operator()(const AnnounceStep& a) const { return json{{"node", a.node}, {"prefix", a.prefix.to_string()}}; }
  json operator()(const WithdrawStep& w) const { return json{{"node", w.node}, {"prefix", w.prefix.to_string()}}; }
  json operator()(const RestartStep& r) const { return json{{"node", r.node}}; }
  json operator()(const WaitStep& w) const { return duration_text(w.duration); }
  json operator()(const CollectStep&) const { return json::object(); }
};

}  // namespace

nlohmann::json to_json(const Scenario& scenario) {
  json j;
  j["name"] = scenario.name;
  j["description"] = scenario.description;
  j["lab"] = scenario.topology.name;
  j["topology"] = scenario.topology_file.empty() ? json("inline") : json(scenario.topology_file);
  j["default_steps"] = scenario.default_steps;
  json traffic = json::array();
  for (const auto& st : scenario.traffic) {
    json t{{"name", st.name},
           {"from", st.from},
           {"to", st.to},
           {"src", st.src.to_string()},
           {"dst", st.dst.to_string()},
           {"family", st.family == Family::kIpv6 ? "ipv6" : "ipv4"},
           {"proto", proto_name(st.proto)},
           {"packets", st.packets},
           {"size", st.size},
           {"bytes", st.bytes()},
           {"pps", st.pps},
           {"tos", st.tos}};
    if (!st.to_node.empty()) {
      t["to_node"] = st.to_node;
    }
    if (st.proto != Proto::kIcmp) {
      t["sport"] = st.sport;
      t["dport"] = st.dport;
    }
    traffic.push_back(std::move(t));
  }
  j["traffic"] = traffic;
  json steps = json::array();
  for (const auto& step : scenario.steps) {
    steps.push_back(json{{std::string(step.kind()), std::visit(StepJson{}, step.action)}});
  }
  j["steps"] = steps;
  return j;
}

}  // namespace flowlab::scenario
