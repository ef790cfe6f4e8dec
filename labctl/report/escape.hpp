// flowlab::report escaping and number formatting — html_escape() is the one function every string from a topology,
// a scenario or a collector goes through before it lands in report.html, an SVG or junit.xml (text and attribute
// values alike).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace flowlab::report {

// & < > " ' as character references; everything else unchanged (UTF-8 passes through).
[[nodiscard]] std::string html_escape(std::string_view text);

// 1234567 -> "1,234,567" (counters in tables and tooltips).
[[nodiscard]] std::string thousands(std::uint64_t value);

// A coordinate or length for SVG: fixed one decimal, "-0.0" never appears, so output is byte-stable.
[[nodiscard]] std::string svg_number(double value);

}  // namespace flowlab::report
