#include "common/duration.hpp"

#include <charconv>
#include <cstdint>

namespace flowlab {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr == text.data() || value > 1'000'000'000ULL) {
    return std::nullopt;
  }
  std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
  std::uint64_t ms = 0;
  if (unit == "ms") {
    ms = value;
  } else if (unit.empty() || unit == "s") {
    ms = value * 1000;
  } else if (unit == "m") {
    ms = value * 60'000;
  } else if (unit == "h") {
    ms = value * 3'600'000;
  } else {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

}  // namespace flowlab
