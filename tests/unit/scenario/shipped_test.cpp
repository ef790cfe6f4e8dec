// The shipped scenarios (scenarios/*.yaml): every file loads with zero diagnostics, except the known-pending
// ones that need topology keys which do not exist yet — those must fail only on exactly those keys. The
// hand-worked expectations of janog36-model2 and dualstack-failover are cross-checked against the derived
// topology (the peer_ip_dst values are the upstreams' link addresses).
#include "labctl/scenario/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

namespace flowlab::scenario {
namespace {

namespace fs = std::filesystem;

const fs::path kScenarios = fs::path(FLOWLAB_SOURCE_DIR) / "scenarios";

// Scenarios whose topology needs keys the topology format does not have yet: file -> (reason, the keys whose
// "unknown" diagnostics are the only ones allowed).
struct Pending {
  std::string reason;
  std::vector<std::string> keys;
};
const std::map<std::string, Pending>& pending() {
  static const std::map<std::string, Pending> kPending{};
  return kPending;
}

std::vector<fs::path> shipped() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kScenarios)) {
    if (e.path().extension() == ".yaml") {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class Shipped : public testing::TestWithParam<fs::path> {};

TEST_P(Shipped, LoadsWithZeroDiagnostics) {
  const fs::path file = GetParam();
  auto result = load_scenario_file(file);
  auto it = pending().find(file.filename().string());
  if (it == pending().end()) {
    ASSERT_TRUE(result.ok()) << result.error_text();
    EXPECT_TRUE(result.diagnostics.empty());
    EXPECT_FALSE(result.scenario->traffic.empty());
    EXPECT_FALSE(result.scenario->default_steps) << "shipped scenarios spell out their steps";
    return;
  }
  // Known pending: it must fail, and only because of the pending keys.
  EXPECT_FALSE(result.ok()) << file << " loads now: take it off the pending list (" << it->second.reason << ")";
  for (const auto& d : result.diagnostics) {
    const bool about_pending = std::any_of(it->second.keys.begin(), it->second.keys.end(), [&](const std::string& k) {
      return d.message.find("'" + k + "'") != std::string::npos;
    });
    EXPECT_TRUE(about_pending) << "unexpected diagnostic in pending " << file.filename() << ": " << d.to_string();
  }
}

TEST_P(Shipped, JsonIsStable) {
  auto a = load_scenario_file(GetParam());
  auto b = load_scenario_file(GetParam());
  if (!a.ok()) {
    GTEST_SKIP() << "pending";
  }
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(to_json(*a.scenario).dump(), to_json(*b.scenario).dump());
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Shipped, testing::ValuesIn(shipped()),
                         [](const testing::TestParamInfo<fs::path>& param_info) {
                           std::string name = param_info.param.stem().string();
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(Shipped, IncludesTheIssueList) {
  for (const char* name :
       {"janog36-model2.yaml", "janog36-model2-bird.yaml", "janog36-model1.yaml", "janog36-model3.yaml",
        "dualstack-failover.yaml", "dualstack-failover-bird.yaml", "asymmetric-peer-src.yaml", "localpref-pinning.yaml",
        "communities.yaml", "sampling.yaml", "tee-two-stage.yaml", "bgp-flap.yaml",
        // issue 16
        "janog36-model2-bmp.yaml", "bmp-restart.yaml", "sflow-v5.yaml"}) {
    EXPECT_TRUE(fs::exists(kScenarios / name)) << name;
  }
}

// ------------------------------------------------------------------------------------------------------------
// Hand-worked values against the derived topology.

const ExpectStep& expect_for(const Scenario& s, const std::string& stream, const std::string& point = "") {
  for (const auto& step : s.steps) {
    if (const auto* e = std::get_if<ExpectStep>(&step.action)) {
      if (std::find(e->streams.begin(), e->streams.end(), stream) != e->streams.end() &&
          (point.empty() || (e->point && e->point->node + ":" + e->point->interface == point))) {
        return *e;
      }
    }
  }
  static const ExpectStep kNone;
  ADD_FAILURE() << "no expect for " << stream;
  return kNone;
}

std::string explicit_value(const ExpectStep& e, Field f) {
  for (const auto& fe : e.fields) {
    if (fe.field == f && fe.expected) {
      return fe.expected->to_string();
    }
  }
  return "<none>";
}

// The address `remote` uses on the eBGP session with `local` for one family.
std::string session_address(const topology::Topology& t, const std::string& local, const std::string& remote,
                            Family family) {
  for (const auto& s : t.sessions) {
    if (s.family != family) {
      continue;
    }
    if (s.local_node == local && s.remote_node == remote) {
      return s.remote_address.to_string();
    }
    if (s.remote_node == local && s.local_node == remote) {
      return s.local_address.to_string();
    }
  }
  return "<no session>";
}

TEST(HandWorked, Janog36Model2MatchesTheSeed) {
  for (const char* file :
       {"janog36-model2.yaml", "janog36-model2-bird.yaml", "janog36-model2-frr.yaml", "janog36-model2-bmp.yaml"}) {
    SCOPED_TRACE(file);
    auto r = load_scenario_file(kScenarios / file);
    ASSERT_TRUE(r.ok()) << r.error_text();
    const Scenario& s = *r.scenario;
    const Stream* out4 = s.find_stream("out4");
    ASSERT_NE(out4, nullptr);
    EXPECT_EQ(out4->src.to_string(), "192.0.2.66");   // h1
    EXPECT_EQ(out4->dst.to_string(), "203.0.113.2");  // h3, in AS 65533
    const auto& e4 = expect_for(s, "out4");
    EXPECT_EQ(e4.at, "c1");
    EXPECT_EQ(e4.counters, CounterCheck::kExact);
    EXPECT_EQ(explicit_value(e4, Field::kAsPath), "65530_65533");
    EXPECT_EQ(explicit_value(e4, Field::kPeerAsDst), "65530");
    EXPECT_EQ(explicit_value(e4, Field::kAsDst), "65533");
    EXPECT_EQ(explicit_value(e4, Field::kPeerIpDst), session_address(s.topology, "r1", "u1", Family::kIpv4));
    const auto& e6 = expect_for(s, "out6");
    EXPECT_EQ(s.find_stream("out6")->dst.to_string(), "2001:db8:33::2");
    EXPECT_EQ(explicit_value(e6, Field::kPeerIpDst), session_address(s.topology, "r1", "u1", Family::kIpv6));
    const auto& in = expect_for(s, "in4");
    EXPECT_EQ(explicit_value(in, Field::kSrcAsPath), "65530_65533");
    EXPECT_EQ(explicit_value(in, Field::kPeerAsSrc), "65530");
  }
}

TEST(HandWorked, DualstackFailoverNextHopsAreTheUpstreams) {
  for (const char* file : {"dualstack-failover.yaml", "dualstack-failover-bird.yaml"}) {
    SCOPED_TRACE(file);
    auto r = load_scenario_file(kScenarios / file);
    ASSERT_TRUE(r.ok()) << r.error_text();
    const Scenario& s = *r.scenario;
    EXPECT_EQ(explicit_value(expect_for(s, "before4"), Field::kPeerIpDst),
              session_address(s.topology, "r1", "u1", Family::kIpv4));
    EXPECT_EQ(explicit_value(expect_for(s, "before6"), Field::kPeerIpDst),
              session_address(s.topology, "r1", "u1", Family::kIpv6));
    EXPECT_EQ(explicit_value(expect_for(s, "after4"), Field::kPeerIpDst),
              session_address(s.topology, "r1", "u2", Family::kIpv4));
    EXPECT_EQ(explicit_value(expect_for(s, "after6"), Field::kPeerIpDst),
              session_address(s.topology, "r1", "u2", Family::kIpv6));
    // The interfaces named in the expectations face the upstreams they claim.
    const auto* r1 = s.topology.find_node("r1");
    ASSERT_NE(r1, nullptr);
    EXPECT_EQ(r1->find_interface("eth1")->peer_node, "u1");
    EXPECT_EQ(r1->find_interface("eth2")->peer_node, "u2");
    // A link step sits between the two halves.
    const bool has_down = std::any_of(s.steps.begin(), s.steps.end(), [](const Step& st) {
      const auto* l = std::get_if<LinkStep>(&st.action);
      return l != nullptr && l->action == LinkAction::kDown && l->endpoint.node == "r1" &&
             l->endpoint.interface == "eth1";
    });
    EXPECT_TRUE(has_down);
  }
}

TEST(HandWorked, LocalprefPinningUsesU2BothWays) {
  auto r = load_scenario_file(kScenarios / "localpref-pinning.yaml");
  ASSERT_TRUE(r.ok()) << r.error_text();
  const Scenario& s = *r.scenario;
  EXPECT_EQ(explicit_value(expect_for(s, "out4"), Field::kPeerIpDst),
            session_address(s.topology, "r1", "u2", Family::kIpv4));
  EXPECT_EQ(s.topology.find_node("r1")->find_interface("eth2")->peer_node, "u2");
}

}  // namespace
}  // namespace flowlab::scenario
