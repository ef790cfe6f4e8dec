#include "nodes/core/files.hpp"

#include "common/strings.hpp"
#include "platform/process/process.hpp"

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

Result<std::string> tool_output(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  process::RunOptions options;
  options.timeout = timeout;
  auto out = process::run(argv, options);
  FLOWLAB_TRY(out);
  if (!out->success()) {
    return fail(ErrorKind::kProcess,
                join(argv, " ") + ": " + (out->timed_out ? std::string("timed out") : std::string(trim(out->err))));
  }
  return out->out;
}

}  // namespace flowlab::nodes
