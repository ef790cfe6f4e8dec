#include "common/files.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace flowlab {

Result<std::string> read_text_file(const std::filesystem::path& path, IfMissing missing) {
  std::error_code ec;
  if (missing == IfMissing::kEmpty && !std::filesystem::exists(path, ec)) {
    return std::string();
  }
  if (std::filesystem::is_directory(path, ec)) {
    return fail(ErrorKind::kIo, "cannot read " + path.string() + ": it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorKind::kIo, "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return fail(ErrorKind::kIo, "reading " + path.string() + ": " + std::strerror(errno));
  }
  return text.str();
}

}  // namespace flowlab
