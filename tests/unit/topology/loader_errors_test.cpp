// Invalid topologies: each case asserts every diagnostic, its exact message and its line:col.
#include "model/loader.hpp"
#include "nodes/core/driver.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

namespace flowlab::topology {
namespace {

struct ErrorCase {
  const char* name;
  const char* yaml;
  std::vector<std::string> expected;  // "line:col: error: message", in order
};

const std::vector<ErrorCase>& error_cases() {
  static const std::vector<ErrorCase> kCases{
#include "cases.inc"
  };
  return kCases;
}

std::vector<std::string> actual_of(const LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) {
    std::string s = d.to_string();
    out.push_back(s.substr(s.find(':') + 1));  // drop the file name: "t.yaml:"
  }
  return out;
}

class InvalidTopology : public testing::TestWithParam<ErrorCase> {};

TEST_P(InvalidTopology, ReportsExactDiagnostics) {
  const ErrorCase& c = GetParam();
  auto result = load_topology_string(c.yaml, nodes::kinds(), "t.yaml");
  EXPECT_FALSE(result.topology.has_value());
  for (const auto& d : result.diagnostics) {
    EXPECT_EQ(d.file, "t.yaml");
  }
  if (std::getenv("PRINT_DIAGNOSTICS") != nullptr) {
    std::cout << "CASE " << c.name << "\n";
    for (const auto& s : actual_of(result)) {
      std::cout << "  \"" << s << "\"\n";
    }
  }
  EXPECT_EQ(actual_of(result), c.expected);
}

INSTANTIATE_TEST_SUITE_P(Cases, InvalidTopology, testing::ValuesIn(error_cases()),
                         [](const testing::TestParamInfo<ErrorCase>& param_info) { return param_info.param.name; });

TEST(InvalidTopology, HasAtLeastThirtyCases) { EXPECT_GE(error_cases().size(), 30U); }

}  // namespace
}  // namespace flowlab::topology
