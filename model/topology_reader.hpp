// flowlab::topology YAML values — what topology and scenario files read beyond the common reader
// (common/yaml_reader.hpp): "node:interface" endpoints and BGP communities.
#pragma once

#include "common/yaml_reader.hpp"
#include "model/model.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowlab::topology {

// A lowercase letter, then lowercase letters, digits or any of `extra` (lab names: "-"; node names: none).
[[nodiscard]] inline bool name_chars_ok(std::string_view s, std::string_view extra) {
  if (s.empty() || s[0] < 'a' || s[0] > 'z') {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || extra.find(c) != std::string_view::npos;
  });
}

class TopologyReader : public yaml::YamlReader {
 public:
  using YamlReader::YamlReader;

  // "node:interface" (syntax only: what the interface may be named is the caller's rule).
  std::optional<Endpoint> get_endpoint(const YAML::Node& n, const std::string& path);
  // A community ("asn:value", each part 0..65535) or, `large`, a large community ("asn:value1:value2"); an error at
  // `path` when it is not one.
  bool check_community(const std::string& text, bool large, const std::string& path);
};

}  // namespace flowlab::topology
