// flowcollector.yaml's `sampling:` — configured rates for exporters that announce none (defaults) and rates forced
// whatever the exporter says (overrides); probes/collector/sampling.hpp applies them.
#include "probes/collector/config_parser.hpp"

namespace flowlab::collector::detail {

using yaml::child;
using yaml::item;

void Parser::parse_sampling(const YAML::Node& n, SamplingConfig& s) {
  auto e = entries(n, "sampling", {"defaults", "overrides"});
  if (!e) {
    return;
  }
  for (const auto& [key, key_node, value] : *e) {
    parse_sampling_rules(value, child("sampling", key), key == "defaults" ? s.defaults : s.overrides);
  }
}

// A list of {exporter, interface, rate}: exporter and interface optional (any), rate 1..2^32-1 required.
void Parser::parse_sampling_rules(const YAML::Node& n, const std::string& path, std::vector<SamplingRule>& out) {
  auto list = list_items(n, path, true);
  for (std::size_t i = 0; list && i < list->size(); ++i) {
    const std::string where = item(path, i);
    auto e = entries((*list)[i], where, {"exporter", "interface", "rate"});
    if (!e) {
      continue;
    }
    require(*e, where, {"rate"});
    SamplingRule rule;
    for (const auto& [key, key_node, value] : *e) {
      const std::string k = child(where, key);
      if (key == "exporter") {
        rule.exporter = get_address(value, k);
      } else if (key == "interface") {
        if (auto v = get_uint(value, k, 0, 0xffffffffULL)) {
          rule.interface = static_cast<std::uint32_t>(*v);
        }
      } else if (key == "rate") {
        rule.rate = static_cast<std::uint32_t>(get_uint(value, k, 1, 0xffffffffULL).value_or(1));
      }
    }
    out.push_back(rule);
  }
}

}  // namespace flowlab::collector::detail
