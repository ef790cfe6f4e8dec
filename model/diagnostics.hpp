// flowlab::topology diagnostics — collecting every problem of a topology file at once.
//
// DiagnosticSink gathers Diagnostics (file:line:col: error: message) from the loader, validation and
// derivation; SourceMap remembers where each YAML item was, by key path ("nodes.r1.asn", "links[0].endpoints[1]"),
// so that checks running after parsing can point at the exact value. closest_match() gives the "did you mean".
#pragma once

#include "common/strings.hpp"  // closest_match, the "did you mean"
#include "model/model.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::topology {

class DiagnosticSink {
 public:
  explicit DiagnosticSink(std::string file) : file_(std::move(file)) {}

  void error(Mark mark, std::string message);
  [[nodiscard]] bool empty() const { return diagnostics_.empty(); }
  [[nodiscard]] std::size_t size() const { return diagnostics_.size(); }
  [[nodiscard]] const std::string& file() const { return file_; }
  // All diagnostics, ordered by position in the file (stable; position-less ones last).
  [[nodiscard]] std::vector<Diagnostic> take();

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};

// Marks by key path. at() falls back to the nearest recorded ancestor ("links[0].ipv4" -> "links[0]").
class SourceMap {
 public:
  void set(const std::string& path, Mark mark) { marks_[path] = mark; }
  [[nodiscard]] bool has(const std::string& path) const { return marks_.count(path) != 0; }
  [[nodiscard]] Mark at(std::string_view path) const;

 private:
  std::map<std::string, Mark, std::less<>> marks_;
};

}  // namespace flowlab::topology
