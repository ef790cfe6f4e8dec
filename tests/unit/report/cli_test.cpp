// The verbs as users call them: `labctl report` re-renders a copied run directory to the verdict.txt the run wrote
// and refuses broken directories with exit 2; `labctl graph` prints DOT (the golden) and SVG, also for a scenario
// file with an inline topology.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kSource{FLOWLAB_SOURCE_DIR};
const fs::path kLabctl = fs::path(FLOWLAB_BINARY_DIR) / "labctl/cli/labctl";

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Ran {
  int code = -1;
  std::string out;
};

// Runs labctl with fixed arguments (paths made here, no user strings), standard error discarded.
Ran labctl(const std::vector<std::string>& args) {
  std::string cmd = "'" + kLabctl.string() + "'";
  for (const auto& a : args) {
    cmd += " '" + a + "'";
  }
  cmd += " 2>/dev/null";
  Ran r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    return r;
  }
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) {
    r.out.append(buf.data(), n);
  }
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class LabctlVerbs : public testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kLabctl)) {
      GTEST_SKIP() << kLabctl << " not built";
    }
    dir_ = fs::temp_directory_path() / ("flowlab-report-cli-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy_file(kSource / "tests/unit/report/data/janog36-model2.verdict.json", dir_ / "verdict.json");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(LabctlVerbs, ReportRoundTripsTheRunsVerdictTxt) {
  const std::string expected = read(kSource / "tests/unit/report/data/janog36-model2.verdict.txt");
  const auto text = labctl({"report", "--text", dir_.string()});
  EXPECT_EQ(text.code, 0);
  EXPECT_EQ(text.out, expected);
  EXPECT_FALSE(fs::exists(dir_ / "report.html")) << "--text alone writes nothing";
  const auto both = labctl({"report", dir_.string()});
  EXPECT_EQ(both.code, 0);
  EXPECT_EQ(read(dir_ / "verdict.txt"), expected);
  const std::string html = read(dir_ / "report.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0U);
  EXPECT_NE(html.find("class=\"band outbound\""), std::string::npos);
  const auto to_stdout = labctl({"report", "--html", "-", dir_.string()});
  EXPECT_EQ(to_stdout.out, html);
}

TEST_F(LabctlVerbs, ReportRefusesWhatIsNoRunDirectory) {
  EXPECT_EQ(labctl({"report", (dir_ / "missing").string()}).code, 2);
  fs::create_directories(dir_ / "empty");
  EXPECT_EQ(labctl({"report", (dir_ / "empty").string()}).code, 2);
  std::ofstream(dir_ / "verdict.json") << "{\"steps\": [";
  EXPECT_EQ(labctl({"report", dir_.string()}).code, 2);
  std::ofstream(dir_ / "verdict.json") << "{\"scenario\": 7}";
  EXPECT_EQ(labctl({"report", dir_.string()}).code, 2);
}

TEST_F(LabctlVerbs, GraphDotSvgAndScenarioFiles) {
  const auto dot = labctl({"graph", (kSource / "topologies/janog36.yaml").string()});
  EXPECT_EQ(dot.code, 0);
  EXPECT_EQ(dot.out, read(kSource / "tests/golden/report/janog36.dot"));
  const fs::path svg = dir_ / "tee.svg";
  EXPECT_EQ(labctl({"graph", (kSource / "scenarios/tee-two-stage.yaml").string(), "-o", svg.string()}).code, 0);
  const std::string s = read(svg);
  EXPECT_EQ(s.rfind("<?xml", 0), 0U);
  for (const char* node : {"r1", "s1", "s2", "c1", "c2", "c3"}) {
    EXPECT_NE(s.find("id=\"node-" + std::string(node) + "\""), std::string::npos) << node;
  }
  EXPECT_NE(s.find("class=\"node tee\""), std::string::npos);
  EXPECT_NE(labctl({"graph", "--format", "png", (kSource / "topologies/janog36.yaml").string()}).code, 0);
  EXPECT_EQ(labctl({"graph", (kSource / "tests/unit/report/data/janog36-model2.verdict.txt").string()}).code, 2);
}

}  // namespace
