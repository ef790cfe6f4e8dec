#include "golden.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace flowlab::nodes::testing {

std::filesystem::path golden_path(const std::string& name) {
  return std::filesystem::path(FLOWLAB_SOURCE_DIR) / "tests" / "golden" / "nodes" / name;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void expect_golden(const std::string& name, const std::string& actual) {
  const auto path = golden_path(name);
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing; run with UPDATE_GOLDEN=1";
  EXPECT_EQ(read_file(path), actual) << "differs from " << path << " (UPDATE_GOLDEN=1 regenerates)";
}

}  // namespace flowlab::nodes::testing
