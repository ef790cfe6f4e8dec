// flowlab common file reading: the one whole-file reader.
#pragma once

#include "common/result.hpp"

#include <filesystem>
#include <string>

namespace flowlab {

// What reading a file that does not exist means to the caller.
enum class IfMissing {
  kError,  // an error naming the file (a configured map file that is not there)
  kEmpty,  // "" (a daemon's log or PID file that was not written yet)
};

// The whole file, bytes as they are; an error naming the file and the reason when it cannot be read.
Result<std::string> read_text_file(const std::filesystem::path& path, IfMissing missing = IfMissing::kError);

}  // namespace flowlab
