#include "labctl/report/escape.hpp"

#include <cmath>
#include <cstdio>

namespace flowlab::report {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string thousands(std::uint64_t value) {
  const std::string d = std::to_string(value);
  std::string out;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i != 0 && (d.size() - i) % 3 == 0) {
      out += ',';
    }
    out += d[i];
  }
  return out;
}

std::string svg_number(double value) {
  double rounded = std::round(value * 10.0) / 10.0;
  if (rounded == 0.0 || !std::isfinite(rounded)) {
    rounded = 0.0;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", rounded);
  return buf;
}

}  // namespace flowlab::report
