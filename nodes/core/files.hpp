// flowlab::nodes — small file helpers the drivers share.
#pragma once

#include "common/result.hpp"

#include <filesystem>
#include <string>

namespace flowlab::nodes {

// Writes `text` to `path` (replacing it), mode 0644.
Status write_text_file(const std::filesystem::path& path, const std::string& text);

}  // namespace flowlab::nodes
