// flowlab YAML diagnostics — collecting every problem of a file at once, each at its file:line:col.
//
// DiagnosticSink gathers Diagnostics (`file:line:col: error: message`) from a loader and the checks that run after
// it; SourceMap remembers where each YAML item was, by key path ("nodes.r1.asn", "links[0].endpoints[1]"), so that
// checks running after parsing can point at the exact value. The reader that fills both is yaml_reader.hpp.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab {

// A position in a source file, 1-based (0 = unknown / derived).
struct Mark {
  int line = 0;
  int column = 0;
};

struct Diagnostic {
  std::string file;
  Mark mark;
  std::string message;  // "unknown key 'anounce' in node 'r1' (did you mean 'announce'?)"

  // "file:line:col: error: message"
  [[nodiscard]] std::string to_string() const;
};

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

}  // namespace flowlab

namespace flowlab::yaml {

// Key paths: child("nodes", "r1") == "nodes.r1", item("links", 2) == "links[2]".
[[nodiscard]] std::string child(const std::string& path, std::string_view key);
[[nodiscard]] std::string item(const std::string& path, std::size_t index);

}  // namespace flowlab::yaml
