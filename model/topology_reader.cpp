#include "model/topology_reader.hpp"

#include "common/strings.hpp"

namespace flowlab::topology {

namespace {

constexpr std::uint64_t kMaxU32 = 4294967295ULL;

// `parts` colon-separated decimals each <= max (communities "65000:1", large communities "65000:1:2").
bool valid_community(std::string_view text, std::size_t parts, std::uint64_t max) {
  std::size_t count = 0;
  while (true) {
    auto colon = text.find(':');
    auto part = text.substr(0, colon);
    if (!parse_decimal(part, max)) {
      return false;
    }
    ++count;
    if (colon == std::string_view::npos) {
      break;
    }
    text = text.substr(colon + 1);
  }
  return count == parts;
}

}  // namespace

std::optional<Endpoint> TopologyReader::get_endpoint(const YAML::Node& n, const std::string& path) {
  auto s = get_scalar(n, path, "'node:interface'");
  if (!s) {
    return std::nullopt;
  }
  auto colon = s->find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s->size() ||
      s->find(':', colon + 1) != std::string::npos) {
    error(path, "expected 'node:interface', found '" + *s + "'");
    return std::nullopt;
  }
  return Endpoint{s->substr(0, colon), s->substr(colon + 1), marks_.at(path)};
}

bool TopologyReader::check_community(const std::string& text, bool large, const std::string& path) {
  if (large ? valid_community(text, 3, kMaxU32) : valid_community(text, 2, 65535)) {
    return true;
  }
  error(path, large
                  ? "expected a large community 'asn:value1:value2' with each part 0..4294967295, found '" + text + "'"
                  : "expected a community 'asn:value' with both parts 0..65535, found '" + text + "'");
  return false;
}

}  // namespace flowlab::topology
