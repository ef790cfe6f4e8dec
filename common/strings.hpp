// flowlab common string helpers (header-only).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flowlab {

// "a, b, c" (or with another separator).
[[nodiscard]] inline std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) {
      out += sep;
    }
    out += s;
  }
  return out;
}

}  // namespace flowlab
