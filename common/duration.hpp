// flowlab::parse_duration — "500ms", "10s", "2m", "1h", or a bare number of seconds.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace flowlab {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace flowlab
