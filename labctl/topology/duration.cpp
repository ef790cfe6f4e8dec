#include "labctl/topology/duration.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace flowlab::topology {

std::optional<std::uint64_t> parse_duration_ms(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    ++digits;
  }
  if (digits == 0 || digits > 12) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc() || ptr != text.data() + digits) {
    return std::nullopt;
  }
  constexpr std::array<std::pair<std::string_view, std::uint64_t>, 4> kUnits{
      {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}}};
  auto unit = text.substr(digits);
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) {
      return value * factor;
    }
  }
  return std::nullopt;
}

}  // namespace flowlab::topology
