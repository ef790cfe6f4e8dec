// flowlab YAML reading — the primitives every YAML loader shares (topology, scenario, flowcollector.yaml).
//
// Every value read through a YamlReader either comes back typed or leaves exactly one diagnostic at the value's
// file:line:col, naming its key path ("nodes.r1.asn") and what was expected ("expected an integer, found 'x'").
// The reader also records each key path's position in the SourceMap, so checks after parsing can point at it.
// Format-specific values (addresses with a family hint, timeouts, stream references) stay in their loaders.
#pragma once

#include "common/enum_names.hpp"
#include "common/ip.hpp"
#include "common/yaml_diagnostics.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::yaml {

// 1-based position of a node (Mark{} when yaml-cpp has none).
[[nodiscard]] Mark mark_of(const YAML::Node& n);
// What a value is, for "found ..." ("a list", "'abc'", "the quoted string \"1\"").
[[nodiscard]] std::string describe(const YAML::Node& n);

struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class YamlReader {
 public:
  YamlReader(DiagnosticSink& sink, SourceMap& marks) : sink_(sink), marks_(marks) {}

  // A diagnostic at the recorded position of `path`, prefixed by the path.
  void error(const std::string& path, const std::string& message);
  void error_at(Mark mark, std::string message) { sink_.error(mark, std::move(message)); }
  // Parses `text`; throws YAML::Exception (pass it to exception()), also for text that is not UTF-8, at its first
  // bad byte (JSON outputs and verdicts carry the strings a file holds, so they must be text).
  YAML::Node load(std::string_view text);
  // yaml-cpp's exception as a diagnostic: "YAML syntax error: ..." (a parser error) or "YAML error: ...".
  void exception(const YAML::Exception& e);

  // The entries of a map, in file order. Unknown keys (when `known` is not empty) get a "did you mean", duplicates
  // an error; both are left out. allow_null: an empty value (all entries commented out) is an empty map.
  std::optional<std::vector<Entry>> map_entries(const YAML::Node& map, const std::string& path,
                                                const std::vector<std::string>& known, bool allow_null = false);
  // The items of a list; allow_null: an empty value is an empty list.
  std::optional<std::vector<YAML::Node>> list_items(const YAML::Node& n, const std::string& path,
                                                    bool allow_null = false);
  void require(const std::vector<Entry>& entries, const std::string& path, const std::vector<std::string>& keys);

  std::optional<std::string> get_scalar(const YAML::Node& n, const std::string& path, std::string_view expected);
  std::optional<std::string> get_string(const YAML::Node& n, const std::string& path) {
    return get_scalar(n, path, "a string");
  }
  std::optional<std::vector<std::string>> get_string_list(const YAML::Node& n, const std::string& path);
  // An unquoted decimal in lo..hi.
  std::optional<std::uint64_t> get_uint(const YAML::Node& n, const std::string& path, std::uint64_t lo,
                                        std::uint64_t hi);
  std::optional<bool> get_bool(const YAML::Node& n, const std::string& path);
  // "address/length" with host bits clear; Family::kNone accepts either family.
  std::optional<Prefix> get_prefix(const YAML::Node& n, const std::string& path, Family family = Family::kNone);
  // A list of prefixes (either family); nullopt when the value is not a list (bad items are reported and left out).
  std::optional<std::vector<Prefix>> get_prefix_list(const YAML::Node& n, const std::string& path);
  // One of the table's names (enum tables: yaml_enum.hpp); else `path: expected one of a, b, c, found 'x'`
  // with a "did you mean" when one is close.
  template <class Table>
  std::optional<EnumOf<Table>> get_enum(const YAML::Node& n, const std::string& path, const Table& table) {
    auto index = get_choice(n, path, enum_names(table));
    if (!index) {
      return std::nullopt;
    }
    return std::next(std::begin(table), static_cast<std::ptrdiff_t>(*index))->value;
  }
  // The index of the scalar in `names`, with get_enum's diagnostic when it is none of them.
  std::optional<std::size_t> get_choice(const YAML::Node& n, const std::string& path,
                                        const std::vector<std::string_view>& names);

 protected:
  // Records the value's mark under `path` (the key's mark when the value is empty).
  void note(const std::string& path, const YAML::Node& key, const YAML::Node& value);

  DiagnosticSink& sink_;
  SourceMap& marks_;
};

}  // namespace flowlab::yaml
