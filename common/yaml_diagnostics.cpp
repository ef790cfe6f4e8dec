#include "common/yaml_diagnostics.hpp"

#include <algorithm>
#include <limits>

namespace flowlab {

std::string Diagnostic::to_string() const {
  return file + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column) + ": error: " + message;
}

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

}  // namespace flowlab

namespace flowlab::yaml {

std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string item(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

}  // namespace flowlab::yaml
