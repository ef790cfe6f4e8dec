#include "common/yaml_reader.hpp"

#include "common/strings.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>

namespace flowlab {

std::string join_names(const std::vector<std::string_view>& names, std::string_view last) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i != 0) {
      out += i + 1 == names.size() ? last : std::string_view(", ");
    }
    out += names[i];
  }
  return out;
}

}  // namespace flowlab

namespace flowlab::yaml {

Mark mark_of(const YAML::Node& n) {
  const auto m = n.Mark();
  if (m.line < 0 || m.column < 0) {
    return Mark{};
  }
  return Mark{m.line + 1, m.column + 1};
}

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
      return "an empty value";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      return n.Tag() == "!" ? "the quoted string \"" + n.Scalar() + "\"" : "'" + n.Scalar() + "'";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

void YamlReader::error(const std::string& path, const std::string& message) {
  sink_.error(marks_.at(path), path.empty() ? message : path + ": " + message);
}

YAML::Node YamlReader::load(std::string_view text) {
  if (const auto bad = first_invalid_utf8(text)) {
    const std::string_view before = text.substr(0, *bad);
    YAML::Mark at;  // 0-based, as yaml-cpp reports them
    at.pos = static_cast<int>(*bad);
    at.line = static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    const auto nl = before.rfind('\n');
    at.column = static_cast<int>(nl == std::string_view::npos ? *bad : *bad - nl - 1);
    std::array<char, 8> hex{};
    std::snprintf(hex.data(), hex.size(), "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(text[*bad])));
    throw YAML::ParserException(at, std::string("byte ") + hex.data() + " is not UTF-8 (the file must be UTF-8 text)");
  }
  return YAML::Load(std::string(text));
}

void YamlReader::exception(const YAML::Exception& e) {
  if (dynamic_cast<const YAML::ParserException*>(&e) != nullptr) {
    sink_.error(Mark{e.mark.line + 1, e.mark.column + 1}, "YAML syntax error: " + e.msg);
    return;
  }
  const Mark m = e.mark.line >= 0 ? Mark{e.mark.line + 1, e.mark.column + 1} : Mark{};
  sink_.error(m, "YAML error: " + e.msg);
}

void YamlReader::note(const std::string& path, const YAML::Node& key, const YAML::Node& value) {
  Mark m = value.IsNull() ? mark_of(key) : mark_of(value);
  if (m.line == 0) {
    m = mark_of(key);
  }
  marks_.set(path, m);
}

std::optional<std::vector<Entry>> YamlReader::map_entries(const YAML::Node& map, const std::string& path,
                                                          const std::vector<std::string>& known, bool allow_null) {
  if (allow_null && map.IsNull()) {
    return std::vector<Entry>{};
  }
  if (!map.IsMap()) {
    error(path, "expected a map, found " + describe(map));
    return std::nullopt;
  }
  std::vector<Entry> out;
  std::set<std::string> seen;
  const std::string where = path.empty() ? "at the top level" : "in " + path;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      error_at(mark_of(key), "expected a plain key " + where + ", found " + describe(key));
      continue;
    }
    const std::string& k = key.Scalar();
    if (!known.empty() && std::find(known.begin(), known.end(), k) == known.end()) {
      std::string msg = "unknown key '";
      msg.append(k).append("' ").append(where);
      if (auto guess = closest_match(k, known)) {
        msg.append(" (did you mean '").append(*guess).append("'?)");
      } else {
        msg.append(" (expected one of: ").append(join(known)).append(")");
      }
      error_at(mark_of(key), msg);
      continue;
    }
    if (!seen.insert(k).second) {
      std::string msg = "duplicate key '";
      msg.append(k).append("' ").append(where);
      error_at(mark_of(key), msg);
      continue;
    }
    note(child(path, k), key, it->second);
    out.push_back(Entry{k, key, it->second});
  }
  return out;
}

void YamlReader::require(const std::vector<Entry>& entries, const std::string& path,
                         const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    bool found = std::any_of(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == k; });
    if (!found) {
      error_at(marks_.at(path),
               "missing required key '" + k + "' " + (path.empty() ? std::string("at the top level") : "in " + path));
    }
  }
}

std::optional<std::vector<YAML::Node>> YamlReader::list_items(const YAML::Node& n, const std::string& path,
                                                              bool allow_null) {
  if (allow_null && n.IsNull()) {
    return std::vector<YAML::Node>{};
  }
  if (!n.IsSequence()) {
    error(path, "expected a list, found " + describe(n));
    return std::nullopt;
  }
  std::vector<YAML::Node> out;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const YAML::Node v = n[i];
    marks_.set(item(path, i), mark_of(v).line != 0 ? mark_of(v) : marks_.at(path));
    out.push_back(v);
  }
  return out;
}

std::optional<std::string> YamlReader::get_scalar(const YAML::Node& n, const std::string& path,
                                                  std::string_view expected) {
  if (!n.IsScalar()) {
    error(path, "expected " + std::string(expected) + ", found " + describe(n));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<std::uint64_t> YamlReader::get_uint(const YAML::Node& n, const std::string& path, std::uint64_t lo,
                                                  std::uint64_t hi) {
  if (!n.IsScalar() || n.Tag() == "!") {
    error(path, "expected an integer, found " + describe(n));
    return std::nullopt;
  }
  const std::string& s = n.Scalar();
  bool digits = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    error(path, "expected an integer, found " + describe(n));
    return std::nullopt;
  }
  auto v = parse_decimal(s, ~std::uint64_t{0});
  if (!v || *v < lo || *v > hi) {
    error(path, s + " is out of range (expected " + std::to_string(lo) + ".." + std::to_string(hi) + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> YamlReader::get_bool(const YAML::Node& n, const std::string& path) {
  if (n.IsScalar() && n.Tag() != "!") {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") {
      return true;
    }
    if (s == "false" || s == "False" || s == "FALSE") {
      return false;
    }
  }
  error(path, "expected a bool (true or false), found " + describe(n));
  return std::nullopt;
}

std::optional<std::size_t> YamlReader::get_choice(const YAML::Node& n, const std::string& path,
                                                  const std::vector<std::string_view>& names) {
  std::string message = (names.size() == 1 ? "expected " : "expected one of ") + join_names(names);
  message += ", found " + describe(n);
  if (n.IsScalar()) {
    auto it = std::find(names.begin(), names.end(), n.Scalar());
    if (it != names.end()) {
      return static_cast<std::size_t>(it - names.begin());
    }
    if (auto guess = closest_match(n.Scalar(), names)) {
      message += " (did you mean '" + *guess + "'?)";
    }
  }
  error(path, message);
  return std::nullopt;
}

std::optional<Prefix> YamlReader::get_prefix(const YAML::Node& n, const std::string& path, Family family) {
  const std::string expected = family == Family::kIpv4   ? "an IPv4 prefix like 192.0.2.0/24"
                               : family == Family::kIpv6 ? "an IPv6 prefix like 2001:db8::/48"
                                                         : "a prefix like 192.0.2.0/24 or 2001:db8::/48";
  auto s = get_scalar(n, path, expected);
  if (!s) {
    return std::nullopt;
  }
  auto loose = s->find('/') == std::string::npos ? std::nullopt : Prefix::parse(*s, false);
  if (!loose) {
    error(path, "expected " + expected + ", found '" + *s + "'");
    return std::nullopt;
  }
  if (family != Family::kNone && loose->family() != family) {
    error(path, "expected " + expected + ", found the " + (loose->address.is_v4() ? "IPv4" : "IPv6") + " prefix '" +
                    *s + "'");
    return std::nullopt;
  }
  if (loose->canonical() != *loose) {
    error(path, "'" + *s + "' has host bits set (did you mean " + loose->canonical().to_string() + "?)");
    return std::nullopt;
  }
  return loose;
}

std::optional<std::vector<Prefix>> YamlReader::get_prefix_list(const YAML::Node& n, const std::string& path) {
  auto items = list_items(n, path);
  if (!items) {
    return std::nullopt;
  }
  std::vector<Prefix> out;
  for (std::size_t i = 0; i < items->size(); ++i) {
    if (auto p = get_prefix((*items)[i], item(path, i), Family::kNone)) {
      out.push_back(*p);
    }
  }
  return out;
}

std::optional<std::vector<std::string>> YamlReader::get_string_list(const YAML::Node& n, const std::string& path) {
  auto items = list_items(n, path);
  if (!items) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < items->size(); ++i) {
    if (auto s = get_string((*items)[i], item(path, i))) {
      out.push_back(*s);
    } else {
      ok = false;
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return out;
}

}  // namespace flowlab::yaml
