// labctl matrix without a lab: a verdict folded into field families, the table's forms, lab names and the kind
// checks (labctl/matrix/matrix.hpp).
#include "labctl/matrix/matrix.hpp"

#include <gtest/gtest.h>

namespace flowlab::matrix {
namespace {

using verify::Check;
using verify::Outcome;

Check check(std::string name, Outcome outcome, std::optional<std::string> oracle, std::optional<std::string> collector,
            std::string explanation = "") {
  Check c;
  c.name = std::move(name);
  c.outcome = outcome;
  c.oracle = std::move(oracle);
  c.collector = std::move(collector);
  c.explanation = std::move(explanation);
  return c;
}

const FamilyResult& at(const Combination& c, Family f) { return c.families[static_cast<std::size_t>(f)]; }

// One expect point as a third-party pipeline leaves it: a wrong AS path, interfaces the probe does not provide,
// BGP attributes the collector's records lack, exact counters.
report::RunRecord sample_run() {
  verify::PointResult p;
  p.stream = "out4";
  p.point = "r1:eth3 out";
  p.checks = {check("as_dst", Outcome::kPass, "65533", "65533"),
              check("as_path", Outcome::kFail, "65530_65533", "65530", "collector reported as_path 65530"),
              check("iface_out", Outcome::kFlagged, std::nullopt, "0",
                    "not provided by this kind: softflowd records no interface index"),
              check("packets", Outcome::kPass, "1000", "1000"),
              check("peer_as_src (truth)", Outcome::kFlagged, "64602", "64603", "declared diverging")};
  p.note = "not provided by kind nfcapd: comms, lcomms";
  p.outcome = Outcome::kFail;
  report::StepRecord step;
  step.kind = "expect";
  step.points.push_back(p);
  verify::PointResult none;
  none.stream = "in4";
  none.point = "r1:eth3 in";
  none.outcome = Outcome::kFail;
  none.note = "no record for stream in4";
  step.points.push_back(none);
  report::RunRecord run;
  run.scenario = "janog36-model2";
  run.steps.push_back(step);
  run.outcome = Outcome::kFail;
  return run;
}

TEST(Matrix, ChecksFallIntoTheirFamilies) {
  EXPECT_EQ(family_of("as_path"), Family::kAsPath);
  EXPECT_EQ(family_of("src_as_path"), Family::kAsPath);
  EXPECT_EQ(family_of("peer_as_src (truth)"), Family::kPeer);
  EXPECT_EQ(family_of("packets (1:10)"), Family::kCounters);
  EXPECT_EQ(family_of("lcomms"), Family::kCommunities);
  EXPECT_EQ(family_of("iface_in"), Family::kInterfaces);
  EXPECT_EQ(family_of("record"), Family::kFlow);
}

TEST(Matrix, AFailNamesTheFieldAndBothValues) {
  Combination c;
  fold_run(sample_run(), c);
  EXPECT_EQ(at(c, Family::kAs).cell, Cell::kPass);
  ASSERT_EQ(at(c, Family::kAsPath).cell, Cell::kFail);
  ASSERT_FALSE(at(c, Family::kAsPath).details.empty());
  const std::string& why = at(c, Family::kAsPath).details.front();
  EXPECT_NE(why.find("FAIL as_path: collector 65530, oracle 65530_65533 (out4 at r1:eth3 out)"), std::string::npos)
      << why;
  EXPECT_EQ(at(c, Family::kFlow).cell, Cell::kFail);  // the point without a record
  EXPECT_NE(at(c, Family::kFlow).details.front().find("no record for stream in4"), std::string::npos);
  EXPECT_TRUE(failed(Matrix{{}, {}, {c}, 0}));
}

TEST(Matrix, NotProvidedIsNotApplicableWithTheReason) {
  Combination c;
  fold_run(sample_run(), c);
  EXPECT_EQ(at(c, Family::kInterfaces).cell, Cell::kNotApplicable);
  EXPECT_EQ(at(c, Family::kInterfaces).details.front(),
            "n/a iface_out: not provided by this kind: softflowd records no interface index");
  EXPECT_EQ(at(c, Family::kCommunities).cell, Cell::kNotApplicable);
  EXPECT_EQ(at(c, Family::kCommunities).details, (std::vector<std::string>{"n/a comms: not provided by kind nfcapd",
                                                                           "n/a lcomms: not provided by kind nfcapd"}));
  EXPECT_EQ(at(c, Family::kPeer).cell, Cell::kFlagged);  // a declared divergence stays visible
  EXPECT_EQ(at(c, Family::kCounters).cell, Cell::kPass);
}

TEST(Matrix, ARunThatCouldNotCompleteIsAnError) {
  report::RunRecord run = sample_run();
  run.runtime_error = true;
  run.error = "nfacctd did not start";
  Combination c;
  fold_run(run, c);
  for (const auto& r : c.families) {
    EXPECT_EQ(r.cell, Cell::kError);
  }
  EXPECT_EQ(c.reason, "nfacctd did not start");
}

TEST(Matrix, TheFormsShowTheSameCells) {
  Matrix m;
  m.probes = {"softflowd", "fprobe"};
  m.collectors = {"nfcapd"};
  Combination ran;
  ran.scenario = "janog36-model2";
  ran.probe = "softflowd";
  ran.collector = "nfcapd";
  fold_run(sample_run(), ran);
  Combination na;
  na.scenario = "janog36-model2";
  na.probe = "fprobe";
  na.collector = "nfcapd";
  not_applicable(na, "probes[0].format: fprobe cannot export ipfix (it exports v5)");
  m.combinations = {ran, na};
  const std::string text = matrix_text(m);
  EXPECT_NE(text.find("AS path"), std::string::npos);
  EXPECT_NE(text.find("fprobe cannot export ipfix"), std::string::npos);
  EXPECT_NE(text.find("AS path: FAIL as_path: collector 65530, oracle 65530_65533"), std::string::npos);
  EXPECT_NE(text.find("FAIL: 2 combinations (1 run, 1 n/a)"), std::string::npos) << text;
  const auto j = matrix_json(m);
  EXPECT_EQ(j["combinations"][0]["families"]["AS path"]["cell"], "FAIL");
  EXPECT_EQ(j["combinations"][1]["families"]["AS path"]["cell"], "n/a");
  EXPECT_EQ(j["combinations"][1]["runnable"], false);
  const std::string html = matrix_html(m);
  EXPECT_NE(html.find("<span class=\"badge FAIL\">FAIL</span>"), std::string::npos);
  EXPECT_NE(html.find("fprobe cannot export ipfix"), std::string::npos);
}

TEST(Matrix, LabNamesAndKindChecks) {
  EXPECT_EQ(lab_name("mx", 1, "sof", "nfa"), "mx1-sofnfa");
  MatrixOptions o;
  o.scenarios = {"a.yaml"};
  o.probes = {"softflowd"};
  o.collectors = {"nfacctd"};
  EXPECT_EQ(check_options(o), "");
  o.collectors = {"nfacct"};
  const std::string why = check_options(o);
  EXPECT_NE(why.find("--collectors"), std::string::npos) << why;
  EXPECT_NE(why.find("nfcapd"), std::string::npos) << why;  // the known kinds are listed
  o.collectors = {"nfacctd"};
  o.probes = {"bird"};
  EXPECT_NE(check_options(o).find("--probes"), std::string::npos);
  o.probes = {"softflowd"};
  o.lab_prefix = "much-too-long-prefix";
  EXPECT_NE(check_options(o).find("at most 16 bytes"), std::string::npos);
}

}  // namespace
}  // namespace flowlab::matrix
