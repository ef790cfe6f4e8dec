// flowlab::topology YAML values — what topology and scenario files read beyond the common reader
// (common/yaml_reader.hpp): "node:interface" endpoints and BGP communities.
#pragma once

#include "common/yaml_reader.hpp"
#include "model/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowlab::topology {

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
