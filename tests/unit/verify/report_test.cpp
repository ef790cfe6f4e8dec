// Reports render what the runner recorded: the verdict table names every source, JUnit counts failures.
#include "labctl/report/report.hpp"

#include <gtest/gtest.h>

namespace flowlab::report {
namespace {

RunRecord sample() {
  RunRecord run;
  run.scenario = "janog36-model2";
  run.lab = "sc1";
  StepRecord step;
  step.kind = "expect";
  step.summary = "expect out4 at c1";
  verify::PointResult p;
  p.stream = "out4";
  p.point = "r1:eth3 out";
  p.exporter = "r1 198.19.128.1";
  p.collector = "c1";
  p.checks.push_back(verify::compare("as_path", "65530_65533", "65530_65533", "65530_65533", std::nullopt));
  p.checks.push_back(verify::compare("peer_as_dst", "65530", "65530", "0", std::nullopt));
  p.outcome = verify::Outcome::kFail;
  step.points.push_back(p);
  step.outcome = verify::Outcome::kFail;
  run.steps.push_back(step);
  run.outcome = verify::Outcome::kFail;
  return run;
}

TEST(Report, VerdictTableShowsEverySource) {
  const std::string t = verdict_table(sample());
  EXPECT_NE(t.find("FIELD"), std::string::npos);
  EXPECT_NE(t.find("ORACLE"), std::string::npos);
  EXPECT_NE(t.find("COLLECTOR"), std::string::npos);
  EXPECT_NE(t.find("peer_as_dst"), std::string::npos);
  EXPECT_NE(t.find("FAIL peer_as_dst: collector reported peer_as_dst 0"), std::string::npos) << t;
  EXPECT_NE(t.find("FAIL: 2 checks, 1 failed"), std::string::npos) << t;
}

TEST(Report, VerdictJsonCarriesChecks) {
  const auto j = verdict_json(sample());
  EXPECT_EQ(j["outcome"], "FAIL");
  EXPECT_EQ(j["steps"][0]["points"][0]["checks"][1]["field"], "peer_as_dst");
  EXPECT_EQ(j["steps"][0]["points"][0]["checks"][1]["collector"], "0");
  EXPECT_TRUE(j["steps"][0]["points"][0]["checks"][0]["expected"].is_null());
}

TEST(Report, JunitCountsFailures) {
  const std::string x = junit_xml({sample()});
  EXPECT_NE(x.find("tests=\"1\" failures=\"1\""), std::string::npos) << x;
  EXPECT_NE(x.find("<failure message=\"peer_as_dst: collector reported"), std::string::npos) << x;
}

}  // namespace
}  // namespace flowlab::report
