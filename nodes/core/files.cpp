#include "nodes/core/files.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace flowlab::nodes {

Status write_text_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return fail(ErrorKind::kIo, "opening " + path.string() + " for writing: " + std::strerror(errno));
  }
  out << text;
  out.close();
  if (!out) {
    return fail(ErrorKind::kIo, "writing " + path.string() + " failed");
  }
  return {};
}

}  // namespace flowlab::nodes
