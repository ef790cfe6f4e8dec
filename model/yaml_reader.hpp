// flowlab::topology YAML reading — the primitives the topology and scenario loaders share.
//
// Every value read through a YamlReader either comes back typed or leaves exactly one diagnostic at the value's
// file:line:col, naming its key path ("nodes.r1.asn") and what was expected ("expected an integer, found 'x'").
// The reader also records each key path's position in the SourceMap, so checks after parsing can point at it.
// Format-specific values (addresses with a family hint, timeouts, stream references) stay in their loaders.
#pragma once

#include "common/strings.hpp"
#include "model/diagnostics.hpp"
#include "model/model.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::topology::yaml {

// Key paths: child("nodes", "r1") == "nodes.r1", item("links", 2) == "links[2]".
[[nodiscard]] std::string child(const std::string& path, std::string_view key);
[[nodiscard]] std::string item(const std::string& path, std::size_t index);
// 1-based position of a node (Mark{} when yaml-cpp has none).
[[nodiscard]] Mark mark_of(const YAML::Node& n);
// What a value is, for "found ..." ("a list", "'abc'", "the quoted string \"1\"").
[[nodiscard]] std::string describe(const YAML::Node& n);
// `parts` colon-separated decimals each <= max (communities "65000:1", large communities "65000:1:2").
[[nodiscard]] bool valid_community(std::string_view text, std::size_t parts, std::uint64_t max);

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
  // "node:interface" (syntax only: what the interface may be named is the caller's rule).
  std::optional<Endpoint> get_endpoint(const YAML::Node& n, const std::string& path);

 protected:
  // Records the value's mark under `path` (the key's mark when the value is empty).
  void note(const std::string& path, const YAML::Node& key, const YAML::Node& value);

  DiagnosticSink& sink_;
  SourceMap& marks_;
};

}  // namespace flowlab::topology::yaml
