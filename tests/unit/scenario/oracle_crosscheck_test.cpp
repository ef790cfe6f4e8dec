// The hand-worked expectations of the shipped scenarios against the oracle (labctl/oracle), which computes
// from the topology alone: every explicit value must equal the oracle's prediction at the expectation's
// observation points, for the topology as the earlier steps left it (topology_at: links and sessions down,
// prefixes announced or withdrawn). Two independent derivations of the same numbers; a disagreement means the
// scenario or the oracle is wrong. Also: no asserted stream may cross an ambiguous (unpinned) tie.
#include "labctl/oracle/oracle.hpp"
#include "labctl/scenario/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>

namespace flowlab::scenario {
namespace {

namespace fs = std::filesystem;

std::string path_text(const std::vector<std::uint32_t>& path) {
  FieldValue v;
  v.type = FieldType::kAsPath;
  v.as_path = path;
  return v.to_string();
}

// The oracle's value of `field` in the same rendering as FieldValue::to_string(); nullopt: not predicted.
// `method`: the collector's peer_src_as method (bgp: what the routing table says; map: the truth).
std::optional<std::string> predicted(const oracle::Observation& o, Field field,
                                     topology::PeerSrcAsMethod method = topology::PeerSrcAsMethod::kBgp) {
  auto address = [](const std::optional<IpAddress>& a) { return a ? a->to_string() : std::string("0"); };
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    std::string out;
    for (const auto& s : v) {
      out += (out.empty() ? "" : " ") + s;
    }
    return out;
  };
  switch (field) {
    case Field::kAsDst:
      return std::to_string(o.as_dst);
    case Field::kAsSrc:
      return std::to_string(o.as_src);
    case Field::kAsPath:
      return path_text(o.as_path);
    case Field::kSrcAsPath:
      return path_text(o.src_as_path);
    case Field::kPeerAsDst:
      return std::to_string(o.peer_as_dst);
    case Field::kPeerAsSrc:
      return std::to_string(method == topology::PeerSrcAsMethod::kBgp ? o.peer_as_src_bgp : o.peer_as_src_truth);
    case Field::kPeerIpDst:
      return address(o.peer_ip_dst);
    case Field::kPeerIpSrc:
      return address(o.peer_ip_src);
    case Field::kNetDst:
      return o.net_dst ? o.net_dst->to_string() : "";
    case Field::kNetSrc:
      return o.net_src ? o.net_src->to_string() : "";
    case Field::kMaskDst:
      return std::to_string(o.net_dst ? o.net_dst->length : 0U);
    case Field::kMaskSrc:
      return std::to_string(o.net_src ? o.net_src->length : 0U);
    case Field::kComms:
      return sorted(o.comms);
    case Field::kLcomms:
      return sorted(o.lcomms);
    case Field::kLocalPref:
      return std::to_string(o.local_pref);
    case Field::kMed:
      return std::to_string(o.med);
    case Field::kIfaceIn:
      return o.iface_in;
    case Field::kIfaceOut:
      return o.iface_out;
  }
  return std::nullopt;
}

std::string expected_text(const FieldValue& v) {
  if (v.type == FieldType::kCommunities || v.type == FieldType::kLargeCommunities) {
    FieldValue s = v;
    std::sort(s.communities.begin(), s.communities.end());
    return s.to_string();
  }
  return v.to_string();
}

bool at_point(const ExpectStep& e, const oracle::Observation& o) {
  if (o.collector != e.at) {
    return false;
  }
  if (!e.point) {
    return true;
  }
  if (o.probe_node != e.point->node && o.metering_router != e.point->node) {
    return false;
  }
  return e.point->interface.empty() || o.observed_interface == e.point->interface;
}

std::vector<fs::path> loadable_scenarios() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(FLOWLAB_SOURCE_DIR) / "scenarios")) {
    if (e.path().extension() == ".yaml" && load_scenario_file(e.path()).ok()) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class OracleAgrees : public testing::TestWithParam<fs::path> {};

TEST_P(OracleAgrees, ExplicitValuesMatchTheOracle) {
  auto loaded = load_scenario_file(GetParam());
  ASSERT_TRUE(loaded.ok()) << loaded.error_text();
  const Scenario& s = *loaded.scenario;
  int compared = 0;
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const auto* e = std::get_if<ExpectStep>(&s.steps[i].action);
    if (e == nullptr) {
      continue;
    }
    auto oracle = oracle::Oracle::build(topology_at(s, i));
    ASSERT_TRUE(oracle.ok()) << oracle.error().message;
    for (const auto& name : e->streams) {
      SCOPED_TRACE("step " + std::to_string(i) + " " + s.steps[i].summary() + ", stream " + name);
      const Stream* st = s.find_stream(name);
      ASSERT_NE(st, nullptr);
      auto prediction = oracle->predict(oracle::Stream{st->from, st->src, st->dst});
      ASSERT_TRUE(prediction.ok()) << prediction.error().message;
      std::size_t points = 0;
      for (const auto& obs : prediction->observations) {
        if (!at_point(*e, obs)) {
          continue;
        }
        ++points;
        EXPECT_FALSE(obs.ambiguous) << "unpinned tie at " << obs.metering_router << ": " << obs.reason;
        if (e->mode == FieldsMode::kUnenriched) {
          continue;
        }
        for (const auto& f : e->fields) {
          if (!f.expected) {
            continue;
          }
          const topology::Node* collector = oracle->topology().find_node(obs.collector);
          const auto method = collector == nullptr ? topology::PeerSrcAsMethod::kBgp : collector->peer_src_as;
          EXPECT_EQ(predicted(obs, f.field, method).value_or("<none>"), expected_text(*f.expected))
              << field_name(f.field) << " at " << obs.metering_router << ":" << obs.observed_interface;
          ++compared;
        }
      }
      EXPECT_GT(points, 0U) << "the oracle sees no observation point of this expectation";
    }
  }
  EXPECT_GT(compared, 0) << "every shipped scenario states some values by hand";
  std::cout << "[ compared ] " << compared << " explicit values with the oracle\n";
}

INSTANTIATE_TEST_SUITE_P(Scenarios, OracleAgrees, testing::ValuesIn(loadable_scenarios()),
                         [](const testing::TestParamInfo<fs::path>& param_info) {
                           std::string name = param_info.param.stem().string();
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// ------------------------------------------------------------------------------------------------------------
// topology_at on its own.

TEST(TopologyAt, LinkDownAndUp) {
  auto r = load_scenario_file(fs::path(FLOWLAB_SOURCE_DIR) / "scenarios/dualstack-failover.yaml");
  ASSERT_TRUE(r.ok()) << r.error_text();
  const Scenario& s = *r.scenario;
  std::size_t down = 0;
  std::size_t up = 0;
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    if (const auto* l = std::get_if<LinkStep>(&s.steps[i].action)) {
      (l->action == LinkAction::kDown ? down : up) = i;
    }
  }
  ASSERT_LT(down, up);
  auto count_sessions = [](const topology::Topology& t, const std::string& a, const std::string& b) {
    return std::count_if(t.sessions.begin(), t.sessions.end(), [&](const topology::BgpSession& x) {
      return (x.local_node == a && x.remote_node == b) || (x.local_node == b && x.remote_node == a);
    });
  };
  const auto before = topology_at(s, down);
  const auto during = topology_at(s, down + 1);
  const auto after = topology_at(s, up + 1);
  EXPECT_NE(before.find_node("r1")->find_interface("eth1"), nullptr);
  EXPECT_EQ(during.find_node("r1")->find_interface("eth1"), nullptr);
  EXPECT_EQ(during.find_node("u1")->find_interface("eth1"), nullptr);
  EXPECT_EQ(during.links.size(), before.links.size() - 1);
  EXPECT_EQ(count_sessions(before, "r1", "u1"), 2);
  EXPECT_EQ(count_sessions(during, "r1", "u1"), 0);
  EXPECT_EQ(count_sessions(during, "r1", "u2"), 2);
  EXPECT_EQ(during.probes[0].interfaces, (std::vector<std::string>{"eth2"}));
  for (const auto& n : during.nodes) {
    for (const auto& i : n.interfaces) {
      ASSERT_LT(i.link_index, during.links.size());
      const auto& l = during.links[i.link_index];
      EXPECT_TRUE((l.a.node == n.name && l.a.interface == i.name) || (l.b.node == n.name && l.b.interface == i.name))
          << n.name << ":" << i.name << " points at the wrong link after renumbering";
    }
  }
  EXPECT_EQ(after.links.size(), before.links.size());
  EXPECT_EQ(count_sessions(after, "r1", "u1"), 2);
}

TEST(TopologyAt, BgpSessionDownAndPrefixes) {
  auto r = load_scenario_string(
      "topology: janog36.yaml\n"
      "traffic:\n  a: {from: h1, to: h3, packets: 1}\n"
      "steps:\n"
      "  - bgp: {down: {node: r1, neighbor: c1}}\n"
      "  - withdraw: {node: r2, prefix: 192.0.2.64/26}\n"
      "  - announce: {node: t1, prefix: 203.0.113.128/25}\n"
      "  - bgp: {up: {node: r1, neighbor: c1}}\n",
      "t.yaml", fs::path(FLOWLAB_SOURCE_DIR) / "topologies");
  ASSERT_TRUE(r.ok()) << r.error_text();
  const Scenario& s = *r.scenario;
  auto collector_sessions = [](const topology::Topology& t) {
    return std::count_if(t.sessions.begin(), t.sessions.end(),
                         [](const topology::BgpSession& x) { return x.to_collector; });
  };
  EXPECT_EQ(collector_sessions(topology_at(s, 0)), 2);
  EXPECT_EQ(collector_sessions(topology_at(s, 1)), 0);
  EXPECT_EQ(collector_sessions(topology_at(s, 4)), 2);
  const auto t3 = topology_at(s, 3);
  EXPECT_EQ(t3.find_node("r2")->announce.size(), 1U);
  EXPECT_EQ(t3.find_node("t1")->announce.back().to_string(), "203.0.113.128/25");
  EXPECT_EQ(topology_at(s, 0).find_node("r2")->announce.size(), 2U);
}

}  // namespace
}  // namespace flowlab::scenario
