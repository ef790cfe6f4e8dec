// flowlab common string helpers (header-only).
#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
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

// A plain unsigned decimal — digits only: no sign, no spaces, no trailing text — not above max; nullopt otherwise
// (empty, not a number, out of range). parse_decimal<std::uint16_t>("179"), parse_decimal(text, 65535).
template <class T = std::uint64_t>
[[nodiscard]] std::optional<T> parse_decimal(std::string_view text, std::uint64_t max = std::numeric_limits<T>::max()) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v > max || v > std::numeric_limits<T>::max()) {
    return std::nullopt;
  }
  return static_cast<T>(v);
}

// The offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), or nullopt when all of `text` is UTF-8.
[[nodiscard]] std::optional<std::size_t> first_invalid_utf8(std::string_view text);

// `text` without leading and trailing blanks (spaces, tabs, line ends).
[[nodiscard]] inline std::string_view trim(std::string_view text) {
  constexpr std::string_view kBlanks = " \t\r\n";
  const auto begin = text.find_first_not_of(kBlanks);
  return begin == std::string_view::npos ? std::string_view()
                                         : text.substr(begin, text.find_last_not_of(kBlanks) + 1 - begin);
}

// `text` cut at every `sep` (empty pieces kept; "" gives one empty piece).
[[nodiscard]] inline std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  for (std::size_t pos = 0;;) {
    const auto next = text.find(sep, pos);
    out.push_back(text.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (next == std::string_view::npos) {
      return out;
    }
    pos = next + 1;
  }
}

// Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent transpositions cost 1.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);
// Whether `word` is close enough to `candidate` to be a typo of it: at most max(1, |candidate| / 3) edits, and
// fewer edits than the candidate has characters. The distance goes to *distance when given.
[[nodiscard]] bool plausible_typo(std::string_view word, std::string_view candidate, std::size_t* distance = nullptr);

// The "did you mean" of every error message: the candidate (any range of strings / string_views) closest to `word`
// among the plausible typos; the first of equally close ones wins.
template <class Range>
[[nodiscard]] std::optional<std::string> closest_match(std::string_view word, const Range& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& c : candidates) {
    std::size_t d = 0;
    if (plausible_typo(word, c, &d) && (!best || d < best_distance)) {
      best = std::string(c);
      best_distance = d;
    }
  }
  return best;
}

}  // namespace flowlab
