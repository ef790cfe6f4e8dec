// The comparison rules of one expectation point (verify/rules.hpp): which sources speak to each field, the
// peer_as_src methods against the truth, and how counters are judged.
#include "labctl/verify/rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace flowlab::verify {
namespace {

using topology::PeerSrcAsMethod;

const FieldSpec kFields[] = {{"as_src", true, true},      {"as_dst", true, true},      {"as_path", true, false},
                             {"peer_as_src", true, true}, {"local_pref", true, false}, {"iface_in", false, false},
                             {"src_port", false, false}};

const Check* find(const FieldChecks& out, const std::string& name) {
  const auto it = std::find_if(out.checks.begin(), out.checks.end(), [&](const Check& c) { return c.name == name; });
  return it == out.checks.end() ? nullptr : &*it;
}

FieldContext agreeing() {
  FieldContext ctx;
  ctx.oracle = {{"as_src", "64501"},      {"as_dst", "64503"},          {"as_path", "64502 64503"},
                {"peer_as_src", "64501"}, {"peer_as_src_bgp", "64501"}, {"local_pref", "100"},
                {"iface_in", "eth1"}};
  ctx.router = {{"as_src", "64501"},
                {"as_dst", "64503"},
                {"as_path", "64502 64503"},
                {"peer_as_src_bgp", "64501"},
                {"local_pref", "100"}};
  ctx.collector = {{"as_src", "64501"},   {"as_dst", "64503"},  {"as_path", "64502_64503"}, {"peer_as_src", "64501"},
                   {"local_pref", "100"}, {"iface_in", "eth1"}, {"src_port", "4000"}};
  ctx.ingress = "r1:eth1";
  ctx.source = "198.51.100.1";
  return ctx;
}

TEST(VerifyRules, EverySourceAgreesPasses) {
  const auto out = check_fields(kFields, agreeing());
  ASSERT_NE(find(out, "as_path"), nullptr);
  EXPECT_EQ(find(out, "as_path")->outcome, Outcome::kPass);
  EXPECT_EQ(find(out, "src_port")->oracle, std::nullopt);  // only the collector speaks: still shown
  for (const auto& c : out.checks) {
    EXPECT_EQ(c.outcome, Outcome::kPass) << c.name;
  }
  EXPECT_EQ(find(out, "peer_as_src (truth)"), nullptr);
}

TEST(VerifyRules, ListedOnlyChecksTheListedFields) {
  FieldContext ctx = agreeing();
  ctx.listed_only = true;
  ctx.listed = {"as_dst"};
  const auto out = check_fields(kFields, ctx);
  ASSERT_EQ(out.checks.size(), 1U);
  EXPECT_EQ(out.checks[0].name, "as_dst");
}

TEST(VerifyRules, WithoutAViewTheBgpFieldsMustBeEmpty) {
  FieldContext ctx = agreeing();
  ctx.has_view = false;
  const auto out = check_fields(kFields, ctx);
  const Check* as_dst = find(out, "as_dst");
  ASSERT_NE(as_dst, nullptr);
  EXPECT_EQ(as_dst->oracle, "0");
  EXPECT_EQ(as_dst->router, std::nullopt);     // the RIB is not asked
  EXPECT_EQ(as_dst->outcome, Outcome::kFail);  // the collector enriched anyway
  EXPECT_EQ(find(out, "as_path")->oracle, "");
  EXPECT_EQ(find(out, "iface_in")->outcome, Outcome::kPass);  // not a BGP field
}

TEST(VerifyRules, FromRecordsTheBgpOnlyFieldsAreNotChecked) {
  FieldContext ctx = agreeing();
  ctx.from_record = true;
  ctx.expected = {{"local_pref", "200"}};
  const auto out = check_fields(kFields, ctx);
  EXPECT_EQ(find(out, "as_path"), nullptr);
  EXPECT_EQ(out.not_in_records, std::vector<std::string>{"as_path"});
  const Check* lp = find(out, "local_pref");  // an explicit value is still compared with the collector
  ASSERT_NE(lp, nullptr);
  EXPECT_EQ(lp->oracle, std::nullopt);
  EXPECT_EQ(lp->outcome, Outcome::kFail);
}

TEST(VerifyRules, InterfacesOnlyWhereTheProbeMetersTheRouter) {
  FieldContext ctx = agreeing();
  ctx.on_router = false;
  ctx.collector["iface_in"] = "eth9";
  const auto out = check_fields(kFields, ctx);
  EXPECT_EQ(find(out, "iface_in")->oracle, std::nullopt);
  EXPECT_EQ(find(out, "iface_in")->outcome, Outcome::kPass);
}

TEST(VerifyRules, PeerSrcByBgpUnderAsymmetryFailsAgainstTheTruth) {
  FieldContext ctx = agreeing();
  ctx.oracle["peer_as_src"] = "64505";  // the packets came from AS 64505; the route back leaves via 64501
  const auto out = check_fields(kFields, ctx);
  EXPECT_EQ(find(out, "peer_as_src")->outcome, Outcome::kPass);  // the bgp method's own prediction holds
  const Check* truth = find(out, "peer_as_src (truth)");
  ASSERT_NE(truth, nullptr);
  EXPECT_EQ(truth->outcome, Outcome::kFail);
  EXPECT_NE(truth->explanation.find("routing is asymmetric; use peer_src_as map"), std::string::npos);
  EXPECT_NE(truth->explanation.find("198.51.100.1"), std::string::npos);

  ctx.peer_src_diverging = true;
  const auto declared = check_fields(kFields, ctx);
  EXPECT_EQ(find(declared, "peer_as_src (truth)")->outcome, Outcome::kFlagged);
}

TEST(VerifyRules, PeerSrcByMapIsTheTruthAndNamesTheMap) {
  FieldContext ctx = agreeing();
  ctx.peer_src_method = PeerSrcAsMethod::kMap;
  ctx.collector["peer_as_src"] = "64599";
  const auto out = check_fields(kFields, ctx);
  const Check* field = find(out, "peer_as_src");
  EXPECT_EQ(field->router, std::nullopt);  // the RIB does not speak to a map
  EXPECT_EQ(field->oracle, "64501");
  EXPECT_EQ(field->outcome, Outcome::kFail);
  const Check* truth = find(out, "peer_as_src (truth)");
  ASSERT_NE(truth, nullptr);
  EXPECT_NE(truth->explanation.find("peer_src_as map"), std::string::npos);
  EXPECT_NE(truth->explanation.find("r1:eth1"), std::string::npos);
}

TEST(VerifyRules, PeerSrcByNetflowNeedsTheProbesFeed) {
  FieldContext ctx = agreeing();
  ctx.peer_src_method = PeerSrcAsMethod::kNetflow;
  ctx.from_record = false;
  EXPECT_EQ(find(check_fields(kFields, ctx), "peer_as_src")->oracle, std::nullopt);
  ctx.from_record = true;
  EXPECT_EQ(find(check_fields(kFields, ctx), "peer_as_src")->oracle, "64501");
}

// One "not provided" rule for both ends of the pipeline: a probe kind's named fields and the fields a partial
// collector kind's record lacks.
TEST(VerifyRules, NotProvidedByTheProbeIsFlaggedWithTheCollectorsValue) {
  FieldContext ctx = agreeing();
  ctx.collector["iface_in"] = "0";
  ctx.unprovided["iface_in"] = {"softflowd", "softflowd records no interface index"};
  const auto out = check_fields(kFields, ctx);
  const Check* iface = find(out, "iface_in");
  ASSERT_NE(iface, nullptr);
  EXPECT_EQ(iface->outcome, Outcome::kFlagged);  // never compared with the oracle's eth1
  EXPECT_EQ(iface->oracle, std::nullopt);
  EXPECT_EQ(iface->collector, "0");
  EXPECT_EQ(iface->explanation, "not provided by this kind: softflowd records no interface index");
  EXPECT_TRUE(out.not_provided.empty());
}

TEST(VerifyRules, FieldsAPartialCollectorLacksAreListedByKind) {
  FieldContext ctx = agreeing();
  ctx.collector.erase("as_path");
  ctx.collector.erase("as_dst");
  ctx.expected["as_dst"] = "64503";  // an explicit value is not compared either
  ctx.unprovided["iface_in"] = {"softflowd", "softflowd records no interface index"};
  ctx.collector.erase("iface_in");
  unprovided_by_record(kFields, "nfcapd", ctx);
  EXPECT_EQ(ctx.unprovided.at("iface_in").kind, "softflowd");  // the probe's entry stays
  const auto out = check_fields(kFields, ctx);
  EXPECT_EQ(find(out, "as_path"), nullptr);
  EXPECT_EQ(find(out, "as_dst"), nullptr);
  const std::map<std::string, std::vector<std::string>> want{{"nfcapd", {"as_dst", "as_path"}},
                                                             {"softflowd", {"iface_in"}}};
  EXPECT_EQ(out.not_provided, want);
  EXPECT_EQ(find(out, "as_src")->outcome, Outcome::kPass);  // what the record carries is compared
}

TEST(VerifyRules, AFieldMissingFromAFullCollectorsRecordIsStillCompared) {
  FieldContext ctx = agreeing();
  ctx.collector.erase("as_path");
  const auto out = check_fields(kFields, ctx);
  ASSERT_NE(find(out, "as_path"), nullptr);  // a check with the collector's value missing, not waved through
  EXPECT_EQ(find(out, "as_path")->collector, std::nullopt);
  EXPECT_TRUE(find(out, "as_path")->oracle.has_value());
  EXPECT_TRUE(out.not_provided.empty());
}

TEST(VerifyRules, ExactCountersAndMergedObservationsAreFlagged) {
  CounterContext c;
  c.packets_sent = 100;
  c.bytes_sent = 10000;
  c.packets = 100;
  c.bytes = 10000;
  auto checks = check_counters(c);
  ASSERT_EQ(checks.size(), 2U);
  EXPECT_EQ(checks[0].outcome, Outcome::kPass);
  c.packets = 99;
  EXPECT_EQ(check_counters(c)[0].outcome, Outcome::kFail);
  c.merged = 2;
  c.merged_reason = "both directions of r1 meter the stream";
  c.packets = 200;
  c.bytes = 20000;
  checks = check_counters(c);
  EXPECT_EQ(checks[0].outcome, Outcome::kFlagged);
  EXPECT_EQ(checks[1].explanation, c.merged_reason);
}

TEST(VerifyRules, SampledCountersWithinTheBound) {
  CounterContext c;
  c.packets_sent = 10000;
  c.bytes_sent = 10000 * 500;
  c.sampling = 10;
  c.exact = false;
  c.rows = 1;
  c.packets = 10050;  // bound: 10 + 3.29 * sqrt(9 * 10000) = 997
  c.bytes = 5025000;  // bound: 10 * 500 + 3.29 * sqrt(9 * 10000 * 500^2) = 498500
  auto checks = check_counters(c);
  ASSERT_EQ(checks.size(), 2U);
  EXPECT_EQ(checks[0].name, "packets (1:10)");
  EXPECT_EQ(checks[0].oracle, "10000 ±997");
  EXPECT_EQ(checks[0].outcome, Outcome::kPass);
  EXPECT_EQ(checks[1].name, "bytes (1:10)");
  EXPECT_EQ(checks[1].oracle, "5000000 ±498500");
  EXPECT_EQ(checks[1].outcome, Outcome::kPass);
  c.packets = 11000;  // 1000 off
  c.bytes = 5500000;  // 500000 off
  checks = check_counters(c);
  EXPECT_EQ(checks[0].outcome, Outcome::kFail);
  EXPECT_NE(checks[0].explanation.find("more than the sampling bound"), std::string::npos);
  EXPECT_EQ(checks[1].outcome, Outcome::kFail);
  c.exact = true;  // `counters: exact` compares exactly even under sampling
  EXPECT_EQ(check_counters(c).size(), 2U);
}

TEST(VerifyRules, SamplingBoundIsZStandardErrorsOfTheRenormalizedTotal) {
  // Packets: N * sqrt(n p (1 - p)) with p = 1/N is sqrt(n (N - 1)).
  EXPECT_DOUBLE_EQ(sampling_bound(100, 20000.0, 1.0), std::sqrt(20000.0 * 99.0));
  EXPECT_DOUBLE_EQ(sampling_bound(100, 20000.0), kSamplingZ * std::sqrt(20000.0 * 99.0));
  // Bytes of equal-size packets: the packet bound times the size.
  EXPECT_DOUBLE_EQ(sampling_bound(100, 20000.0 * 500.0 * 500.0), 500.0 * sampling_bound(100, 20000.0));
  EXPECT_EQ(sampling_bound(1, 20000.0), 0.0);  // 1:1 takes everything
}

TEST(VerifyRules, SettleTakesTheWorstCheck) {
  PointResult p;
  p.checks.resize(3);
  p.checks[1].outcome = Outcome::kFlagged;
  settle(p);
  EXPECT_EQ(p.outcome, Outcome::kFlagged);
  p.checks[2].outcome = Outcome::kFail;
  settle(p);
  EXPECT_EQ(p.outcome, Outcome::kFail);
}

}  // namespace
}  // namespace flowlab::verify
