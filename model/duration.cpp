#include "model/duration.hpp"

#include "common/duration.hpp"

#include <cctype>

namespace flowlab::topology {

// Files must say the unit ("10s"); the common parser also takes a bare number of seconds, which the CLI allows.
std::optional<std::uint64_t> parse_duration_ms(std::string_view text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text.back())) != 0) {
    return std::nullopt;
  }
  auto ms = parse_duration(text);
  if (!ms) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(ms->count());
}

}  // namespace flowlab::topology
