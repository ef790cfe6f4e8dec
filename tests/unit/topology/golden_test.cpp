// Golden derivation tests: every topology in topologies/ and tests/golden/topology/*.yaml, loaded and derived,
// must produce exactly tests/golden/topology/<name>.plan.json. UPDATE_GOLDEN=1 rewrites the files (then read
// the diff yourself).
#include "model/loader.hpp"
#include "model/plan_json.hpp"
#include "nodes/core/driver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace flowlab::topology {
namespace {

namespace fs = std::filesystem;

const fs::path kSource{FLOWLAB_SOURCE_DIR};
const fs::path kGoldenDir = kSource / "tests/golden/topology";

std::vector<fs::path> golden_inputs() {
  std::vector<fs::path> out;
  for (const auto& dir : {kSource / "topologies", kGoldenDir}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".yaml") {
        out.push_back(entry.path());
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class GoldenPlan : public testing::TestWithParam<fs::path> {};

TEST_P(GoldenPlan, MatchesGoldenJson) {
  const fs::path input = GetParam();
  auto result = load_topology_file(input, nodes::kinds());
  ASSERT_TRUE(result.ok()) << result.error_text();
  const std::string actual = to_json(*result.topology).dump(2) + "\n";
  const fs::path golden = kGoldenDir / (input.stem().string() + ".plan.json");
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(golden) << actual;
    GTEST_SKIP() << "rewrote " << golden;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " is missing; run with UPDATE_GOLDEN=1";
  EXPECT_EQ(actual, read(golden)) << "plan of " << input << " differs from " << golden;
}

TEST_P(GoldenPlan, SameFileSamePlan) {
  auto first = load_topology_file(GetParam(), nodes::kinds());
  auto second = load_topology_file(GetParam(), nodes::kinds());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(to_json(*first.topology).dump(), to_json(*second.topology).dump());
}

INSTANTIATE_TEST_SUITE_P(
    Topologies, GoldenPlan, testing::ValuesIn(golden_inputs()), [](const testing::TestParamInfo<fs::path>& param_info) {
      std::string name = param_info.param.parent_path().filename().string() + "_" + param_info.param.stem().string();
      std::replace_if(
          name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) == 0; }, '_');
      return name;
    });

}  // namespace
}  // namespace flowlab::topology
