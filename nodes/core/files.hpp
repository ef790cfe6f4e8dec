// flowlab::nodes — small file and text helpers the drivers share.
#pragma once

#include "common/files.hpp"  // read_text_file, which the drivers use with IfMissing::kEmpty
#include "common/result.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::nodes {

// Writes `text` to `path` (replacing it), mode 0644.
Status write_text_file(const std::filesystem::path& path, const std::string& text);
// Runs argv to completion (a tool's one-shot query: `pmacct -s`, `nfdump -R`); its standard output, or an error
// naming the command with its standard error when it fails or times out.
Result<std::string> tool_output(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace flowlab::nodes
