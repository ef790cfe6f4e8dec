#include "labctl/topology/diagnostics.hpp"

#include <algorithm>
#include <limits>

namespace flowlab::topology {

void DiagnosticSink::error(Mark mark, std::string message) {
  diagnostics_.push_back(Diagnostic{file_, mark, std::move(message)});
}

std::vector<Diagnostic> DiagnosticSink::take() {
  auto key = [](const Diagnostic& d) {
    // Position-less diagnostics (line 0) sort after everything else.
    return std::pair{d.mark.line == 0 ? std::numeric_limits<int>::max() : d.mark.line, d.mark.column};
  };
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  return std::move(diagnostics_);
}

Mark SourceMap::at(std::string_view path) const {
  while (true) {
    if (auto it = marks_.find(path); it != marks_.end()) {
      return it->second;
    }
    auto cut = path.find_last_of(".[");
    if (cut == std::string_view::npos || cut == 0) {
      return Mark{};
    }
    path = path.substr(0, cut);
  }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) {
    d[i][0] = i;
  }
  for (std::size_t j = 0; j <= m; ++j) {
    d[0][j] = j;
  }
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::optional<std::string> closest_match(std::string_view word, std::span<const std::string> candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& c : candidates) {
    std::size_t dist = edit_distance(word, c);
    std::size_t allowed = std::max<std::size_t>(1, c.size() / 3);
    if (dist <= allowed && dist < c.size() && (!best || dist < best_distance)) {
      best = c;
      best_distance = dist;
    }
  }
  return best;
}

}  // namespace flowlab::topology
