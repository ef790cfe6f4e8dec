// Invalid scenarios: one file per case in invalid/, each ending in "# expect: line:col: error: message" lines
// that list every diagnostic in order (diagnostics from another file are prefixed with its base name; the
// directory of the cases reads ${DIR}). PRINT_DIAGNOSTICS=1 prints what the loader says, ready to paste.
#include "labctl/scenario/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace flowlab::scenario {
namespace {

namespace fs = std::filesystem;

const fs::path kInvalid = fs::path(FLOWLAB_SOURCE_DIR) / "tests/unit/scenario/invalid";
constexpr std::string_view kExpectPrefix = "# expect: ";

std::vector<fs::path> cases() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kInvalid)) {
    if (e.path().extension() == ".yaml") {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> expected_of(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(kExpectPrefix, 0) == 0) {
      out.push_back(line.substr(kExpectPrefix.size()));
    }
  }
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

std::vector<std::string> actual_of(const LoadResult& r, const fs::path& file) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) {
    std::string s = d.to_string();
    if (d.file == file.string()) {
      s = s.substr(d.file.size() + 1);
    } else {
      s = fs::path(d.file).filename().string() + s.substr(d.file.size());
    }
    out.push_back(replace_all(s, kInvalid.lexically_normal().string(), "${DIR}"));
  }
  return out;
}

class InvalidScenario : public testing::TestWithParam<fs::path> {};

TEST_P(InvalidScenario, ReportsExactDiagnostics) {
  const fs::path file = GetParam();
  auto result = load_scenario_file(file);
  EXPECT_FALSE(result.ok());
  const auto actual = actual_of(result, file);
  if (std::getenv("PRINT_DIAGNOSTICS") != nullptr) {
    std::cout << "CASE " << file.filename().string() << "\n";
    for (const auto& s : actual) {
      std::cout << kExpectPrefix << s << "\n";
    }
  }
  const auto expected = expected_of(file);
  ASSERT_FALSE(expected.empty()) << file << " has no '# expect: ' lines";
  EXPECT_EQ(actual, expected);
}

INSTANTIATE_TEST_SUITE_P(Cases, InvalidScenario, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<fs::path>& param_info) {
                           std::string name = param_info.param.stem().string();
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(InvalidScenario, HasAtLeastThirtyCases) { EXPECT_GE(cases().size(), 30U); }

}  // namespace
}  // namespace flowlab::scenario
