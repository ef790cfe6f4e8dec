// named_counters — named counters as one JSON object {"name": value, ...}, the way every `counters` query answer
// lists them (BGP speaker, BMP feed; probes/wire's decoder has its own for_each).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowlab::collector {

// Adds each (name, value) of `items` (bgp::Counters::items(), bmp::FeedCounters::items()) to `out`.
inline nlohmann::json named_counters(const std::vector<std::pair<std::string_view, std::uint64_t>>& items,
                                     nlohmann::json out = nlohmann::json::object()) {
  for (const auto& [name, value] : items) {
    out[std::string(name)] = value;
  }
  return out;
}

}  // namespace flowlab::collector
