// The scenario file's `expect` steps: which streams, where, which fields (and explicit field values), counters.
#include "common/strings.hpp"
#include "labctl/scenario/scenario_parser.hpp"

#include <set>
#include <sstream>

namespace flowlab::scenario::detail {

using yaml::child;
using yaml::describe;
using yaml::Entry;
using yaml::item;

namespace {

std::vector<std::string> field_names() {
  std::vector<std::string> out;
  for (const auto& f : all_fields()) {
    out.emplace_back(f.name);
  }
  return out;
}

}  // namespace

std::optional<StepAction> Parser::parse_expect(const YAML::Node& n, const std::string& path) {
  static const std::vector<std::string> kKeys{"traffic", "at", "fields", "counters", "point", "diverging", "from"};
  auto entries = map_entries(n, path, kKeys, true);
  if (!entries) {
    return std::nullopt;
  }
  ExpectStep expect;
  expect.all = true;  // default: every stream sent so far
  bool ok = true;
  for (const auto& e : *entries) {
    ok = parse_expect_key(e, child(path, e.key), expect) && ok;
  }
  if (!ok) {
    return std::nullopt;
  }
  return expect;
}

// False when the step cannot be kept (its streams or collector are unreadable).
bool Parser::parse_expect_key(const Entry& e, const std::string& path, ExpectStep& expect) {
  if (e.key == "traffic") {
    auto refs = get_stream_refs(e.value, path, &expect.all);
    if (!refs) {
      return false;
    }
    expect.streams = *refs;
  } else if (e.key == "at") {
    auto v = get_string(e.value, path);
    if (!v) {
      return false;
    }
    expect.at = *v;
  } else if (e.key == "fields") {
    parse_fields(e.value, path, expect);
  } else if (e.key == "counters") {
    expect.counters = get_enum(e.value, path, kCounterCheckNames).value_or(expect.counters);
  } else if (e.key == "point") {
    parse_point(e.value, path, expect);
  } else if (e.key == "diverging") {
    parse_diverging(e.value, path, expect);
  } else if (e.key == "from") {
    expect.from = get_enum(e.value, path, kRecordSourceNames).value_or(expect.from);
  }
  return true;
}

void Parser::parse_point(const YAML::Node& n, const std::string& path, ExpectStep& expect) {
  auto s = get_scalar(n, path, "'node' or 'node:interface'");
  if (!s) {
    return;
  }
  ObservationPoint point;
  point.mark = marks_.at(path);
  auto colon = s->find(':');
  if (colon == std::string::npos) {
    point.node = *s;
  } else if (colon == 0 || colon + 1 == s->size() || s->find(':', colon + 1) != std::string::npos) {
    error(path, "expected 'node' or 'node:interface', found '" + *s + "'");
    return;
  } else {
    point.node = s->substr(0, colon);
    point.interface = s->substr(colon + 1);
  }
  expect.point = point;
}

void Parser::parse_diverging(const YAML::Node& n, const std::string& path, ExpectStep& expect) {
  auto items = list_items(n, path);
  if (!items) {
    return;
  }
  const auto names = field_names();
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto name = get_scalar((*items)[i], item(path, i), "a field name");
    if (!name) {
      continue;
    }
    if (auto f = field_from_name(*name)) {
      expect.diverging.push_back(*f);
    } else {
      auto guess = closest_match(*name, names);
      error(item(path, i), "unknown field '" + *name + "'" +
                               (guess ? " (did you mean '" + *guess + "'?)" : " (fields: " + join(names) + ")"));
    }
  }
}

void Parser::unknown_field(const std::string& name, Mark mark, const std::string& where) {
  const auto names = field_names();
  auto guess = closest_match(name, names);
  error_at(mark, "unknown field '" + name + "' in " + where +
                     (guess ? " (did you mean '" + *guess + "'?)" : " (fields: " + join(names) + ")"));
}

void Parser::parse_fields(const YAML::Node& n, const std::string& path, ExpectStep& expect) {
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
  expect.mode = FieldsMode::kListed;
  if (n.IsSequence()) {
    parse_field_list(n, path, expect);
  } else if (n.IsMap()) {
    parse_field_map(n, path, expect);
  } else {
    error(path, "expected auto, unenriched, a list of field names or a map of field: value, found " + describe(n));
  }
}

void Parser::parse_field_list(const YAML::Node& n, const std::string& path, ExpectStep& expect) {
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
      unknown_field(*name, marks_.at(item(path, i)), path);
    } else if (!seen.insert(*f).second) {
      error(item(path, i), "field '" + *name + "' is listed twice");
    } else {
      expect.fields.push_back(FieldExpectation{*f, std::nullopt, marks_.at(item(path, i))});
    }
  }
}

void Parser::parse_field_map(const YAML::Node& n, const std::string& path, ExpectStep& expect) {
  std::vector<std::string> known = field_names();
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
  bool ok = false;
  switch (info.type) {
    case FieldType::kAsn:
    case FieldType::kUint32:
    case FieldType::kMask: {
      auto x = get_uint(n, path, 0, info.type == FieldType::kMask ? 128 : kMaxU32);
      v.number = static_cast<std::uint32_t>(x.value_or(0));
      ok = x.has_value();
      break;
    }
    case FieldType::kAsPath:
      ok = parse_as_path(n, path, v);
      break;
    case FieldType::kAddress: {
      auto s = get_scalar(n, path, "an IP address (or 0 for none)");
      auto a = s && *s != "0" ? IpAddress::parse(*s) : std::nullopt;
      if (s && *s != "0" && !a) {
        error(path, "expected an IP address (or 0 for none), found '" + *s + "'");
      }
      v.address = a.value_or(IpAddress{});  // "0": unset, none
      ok = s && (*s == "0" || a);
      break;
    }
    case FieldType::kPrefix: {
      auto p = get_prefix(n, path);
      v.prefix = p.value_or(Prefix{});
      ok = p.has_value();
      break;
    }
    case FieldType::kCommunities:
    case FieldType::kLargeCommunities:
      ok = parse_communities(n, path, info.type == FieldType::kLargeCommunities, v);
      break;
    case FieldType::kInterface: {
      auto s = get_scalar(n, path, "an interface name");
      v.text = s.value_or("");
      ok = s.has_value();
      break;
    }
  }
  return ok ? std::optional(v) : std::nullopt;
}

bool Parser::parse_as_path(const YAML::Node& n, const std::string& path, FieldValue& v) {
  const std::string expected = "an AS path: a list of AS numbers or \"64520_64510\" (\"\" or [] when empty)";
  if (n.IsSequence()) {
    auto items = list_items(n, path);
    bool ok = items.has_value();
    for (std::size_t i = 0; items && i < items->size(); ++i) {
      if (auto x = get_uint((*items)[i], item(path, i), 1, kMaxU32)) {
        v.as_path.push_back(static_cast<std::uint32_t>(*x));
      } else {
        ok = false;
      }
    }
    return ok;
  }
  if (!n.IsScalar()) {
    error(path, "expected " + expected + ", found " + describe(n));
    return false;
  }
  std::string_view text = n.Scalar();
  while (!text.empty()) {
    auto cut = text.find_first_of("_ ");
    auto asn = parse_decimal(text.substr(0, cut), kMaxU32);
    text = cut == std::string_view::npos ? std::string_view{} : text.substr(cut + 1);
    if (!asn || *asn == 0 || (cut != std::string_view::npos && text.empty())) {
      error(path, "expected " + expected + ", found '" + n.Scalar() + "'");
      return false;
    }
    v.as_path.push_back(static_cast<std::uint32_t>(*asn));
  }
  return true;
}

bool Parser::parse_communities(const YAML::Node& n, const std::string& path, bool large, FieldValue& v) {
  std::vector<std::pair<std::string, std::string>> items;  // value, path
  if (n.IsSequence()) {
    auto list = list_items(n, path);
    if (!list) {
      return false;
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto s = get_string((*list)[i], item(path, i));
      if (!s) {
        return false;
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
    return false;
  }
  bool ok = true;
  for (const auto& [c, cpath] : items) {
    if (check_community(c, large, cpath)) {
      v.communities.push_back(c);
    } else {
      ok = false;
    }
  }
  return ok;
}

}  // namespace flowlab::scenario::detail
