// flowlab::topology durations — "10s", "2m", "500ms", "1h" as written in topology and scenario files.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace flowlab::topology {

// Milliseconds for "<digits><unit>" with unit ms, s, m or h; nullopt for anything else (no unit, sign,
// fraction, overflow).
[[nodiscard]] std::optional<std::uint64_t> parse_duration_ms(std::string_view text);

}  // namespace flowlab::topology
