// Golden-file comparison for the node tests: UPDATE_GOLDEN=1 rewrites the file instead of comparing.
#pragma once

#include <filesystem>
#include <string>

namespace flowlab::nodes::testing {

// tests/golden/nodes/<name>
std::filesystem::path golden_path(const std::string& name);

std::string read_file(const std::filesystem::path& path);

// Compares `actual` with the golden file (gtest assertions); with UPDATE_GOLDEN=1 writes it instead.
void expect_golden(const std::string& name, const std::string& actual);

}  // namespace flowlab::nodes::testing
