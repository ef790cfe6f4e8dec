// Valid scenarios: defaults, shorthands, inline topologies, the lab-name hook, and the round trip
// scenario -> to_json -> scenario YAML -> load -> the same JSON, for hand-written cases and every shipped file.
#include "labctl/scenario/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace flowlab::scenario {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kSource{FLOWLAB_SOURCE_DIR};
const fs::path kTopologies = kSource / "topologies";

Scenario load_ok(const std::string& yaml, const std::string& name = "t.yaml", const LoadOptions& options = {}) {
  auto r = load_scenario_string(yaml, name, kTopologies, options);
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.ok() ? *r.scenario : Scenario{};
}

TEST(ScenarioLoader, DefaultsAreFilledIn) {
  const Scenario s = load_ok(
      "topology: janog36.yaml\n"
      "traffic:\n"
      "  a: {from: h1, to: h3, packets: 10}\n"
      "  b: {from: h3, to: 192.0.2.66, proto: tcp, packets: 5}\n"
      "  c: {from: h1, to: r1, family: ipv6, proto: icmp, packets: 1, size: 48}\n",
      "dir/my-scenario.yaml");
  EXPECT_EQ(s.name, "my-scenario");
  EXPECT_EQ(s.lab_name(), "janog36");
  EXPECT_EQ(s.topology_file, (kTopologies / "janog36.yaml").lexically_normal().string());
  ASSERT_EQ(s.traffic.size(), 3U);
  const Stream& a = s.traffic[0];
  EXPECT_EQ(a.src.to_string(), "192.0.2.66");
  EXPECT_EQ(a.dst.to_string(), "203.0.113.2");
  EXPECT_EQ(a.to_node, "h3");
  EXPECT_EQ(a.family, Family::kIpv4);
  EXPECT_EQ(a.proto, Proto::kUdp);
  EXPECT_EQ(a.sport, kDefaultSportBase);
  EXPECT_EQ(a.dport, kDefaultDport);
  EXPECT_EQ(a.size, kDefaultSize);
  EXPECT_EQ(a.pps, kDefaultPps);
  EXPECT_EQ(a.bytes(), 10U * kDefaultSize);
  EXPECT_EQ(s.traffic[1].sport, kDefaultSportBase + 1);
  EXPECT_EQ(s.traffic[1].to_node, "h1");
  const Stream& c = s.traffic[2];
  EXPECT_EQ(c.dst.to_string(), "2001:db8:fffe::1") << "a router destination is its loopback of the family";
  EXPECT_EQ(c.family, Family::kIpv6);
  EXPECT_EQ(c.sport, 0);
  EXPECT_EQ(ip_protocol_number(c.proto, c.family), 58);
  ASSERT_TRUE(s.default_steps);
  ASSERT_EQ(s.steps.size(), 3U);
  EXPECT_EQ(s.steps[0].kind(), "converge");
  EXPECT_EQ(std::get<ConvergeStep>(s.steps[0].action).timeout, kDefaultConvergeTimeout);
  EXPECT_EQ(std::get<SendStep>(s.steps[1].action).streams, (std::vector<std::string>{"a", "b", "c"}));
  const auto& e = std::get<ExpectStep>(s.steps[2].action);
  EXPECT_EQ(e.at, "c1");
  EXPECT_EQ(e.mode, FieldsMode::kAuto);
  EXPECT_EQ(e.counters, CounterCheck::kExact);
  EXPECT_EQ(e.streams, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(ScenarioLoader, RouterDestinationUsesItsLoopback) {
  const Scenario s = load_ok("topology: janog36.yaml\ntraffic:\n  a: {from: h1, to: r1, family: ipv6, packets: 1}\n");
  ASSERT_EQ(s.traffic.size(), 1U);
  EXPECT_EQ(s.traffic[0].dst.to_string(), "2001:db8:fffe::1");
  EXPECT_EQ(s.traffic[0].src.to_string(), "2001:db8:1:100::2");
}

TEST(ScenarioLoader, AddressInsideAnAnnouncedPrefixHasNoNode) {
  const Scenario s = load_ok("topology: janog36.yaml\ntraffic:\n  a: {from: h1, to: 198.51.100.10, packets: 1}\n");
  ASSERT_EQ(s.traffic.size(), 1U);
  EXPECT_EQ(s.traffic[0].to_node, "");
  EXPECT_EQ(s.traffic[0].dst.to_string(), "198.51.100.10");
}

TEST(ScenarioLoader, ShorthandsEqualLonghands) {
  const std::string head = "topology: janog36.yaml\ntraffic:\n  a: {from: h1, to: h3, packets: 10}\n";
  const Scenario shorthand =
      load_ok(head +
                  "steps:\n"
                  "  - converge\n"
                  "  - send: a\n"
                  "  - collect\n"
                  "  - expect: {traffic: a, fields: {as_path: 65530_65533, comms: \"1:2 3:4\"}}\n"
                  "  - restart: r1\n",
              "same.yaml");
  const Scenario longhand = load_ok(head +
                                        "steps:\n"
                                        "  - converge: {timeout: 60s}\n"
                                        "  - send: [a]\n"
                                        "  - collect: {}\n"
                                        "  - expect:\n"
                                        "      traffic: [a]\n"
                                        "      at: c1\n"
                                        "      counters: exact\n"
                                        "      fields: {as_path: [65530, 65533], comms: [\"1:2\", \"3:4\"]}\n"
                                        "  - restart: {node: r1}\n",
                                    "same.yaml");
  EXPECT_EQ(to_json(shorthand).dump(1), to_json(longhand).dump(1));
}

TEST(ScenarioLoader, FieldValuesKeepTheirTypes) {
  const Scenario s = load_ok(
      "topology: janog36.yaml\n"
      "traffic:\n  a: {from: h1, to: h3, packets: 10}\n"
      "steps:\n"
      "  - send: a\n"
      "  - expect:\n"
      "      point: r1:eth3\n"
      "      fields: {as_dst: 65533, as_path: \"\", peer_ip_dst: 0, net_dst: 203.0.113.0/24, mask_dst: 24,\n"
      "               lcomms: [\"1:2:3\"], local_pref: 100, iface_out: eth3, peer_as_src: auto}\n");
  ASSERT_EQ(s.steps.size(), 2U);
  const auto& e = std::get<ExpectStep>(s.steps[1].action);
  EXPECT_EQ(e.mode, FieldsMode::kListed);
  ASSERT_TRUE(e.point.has_value());
  EXPECT_EQ(e.point->node, "r1");
  EXPECT_EQ(e.point->interface, "eth3");
  std::vector<std::string> rendered;
  for (const auto& f : e.fields) {
    rendered.push_back(std::string(field_name(f.field)) + "=" + (f.expected ? f.expected->to_string() : "auto"));
  }
  EXPECT_EQ(rendered, (std::vector<std::string>{"as_dst=65533", "as_path=", "peer_ip_dst=0", "net_dst=203.0.113.0/24",
                                                "mask_dst=24", "lcomms=1:2:3", "local_pref=100", "iface_out=eth3",
                                                "peer_as_src=auto"}));
  EXPECT_EQ(e.fields[0].mark.line, 8);
  EXPECT_EQ(e.fields[0].mark.column, 24);
}

TEST(ScenarioLoader, CountersDefaultToSampledBehindASamplingProbe) {
  const Scenario s = load_ok(
      "topology: janog36-sampled.yaml\ntraffic:\n  a: {from: h1, to: h3, packets: 10000}\n"
      "steps:\n  - send: a\n  - expect: {traffic: a, fields: [as_path]}\n");
  ASSERT_EQ(s.steps.size(), 2U);
  EXPECT_EQ(std::get<ExpectStep>(s.steps[1].action).counters, CounterCheck::kSampled);
}

TEST(ScenarioLoader, InlineTopology) {
  const Scenario s = load_ok(
      "description: inline\n"
      "topology:\n"
      "  name: inl\n"
      "  nodes:\n"
      "    r1: {asn: 64500, announce: [192.0.2.0/24]}\n"
      "    h1: {kind: host, gateway: r1}\n"
      "    c1: {kind: collector, bgp: [r1]}\n"
      "  links:\n"
      "    - endpoints: [h1:eth0, r1:eth1]\n"
      "  probes:\n"
      "    - {node: r1, interfaces: [eth1], export: c1}\n"
      "traffic:\n"
      "  a: {from: h1, to: r1, packets: 1}\n");
  EXPECT_EQ(s.topology_file, "");
  EXPECT_EQ(s.lab_name(), "inl");
  EXPECT_EQ(s.description, "inline");
  EXPECT_EQ(s.topology.source_file, "t.yaml");
  ASSERT_EQ(s.topology.nodes.size(), 3U);
  EXPECT_EQ(s.topology.nodes[0].mark.line, 5) << "marks of an inline topology are the scenario file's";
  EXPECT_EQ(to_json(s)["topology"], "inline");
}

TEST(ScenarioLoader, FlowStyleInlineTopology) {
  const Scenario s = load_ok(
      "topology: {name: fl, nodes: {r1: {asn: 64500, announce: [192.0.2.0/24]}, h1: {kind: host, gateway: r1}},\n"
      "           links: [{endpoints: [h1:eth0, r1:eth1]}]}\n"
      "traffic: {a: {from: h1, to: r1, packets: 1}}\n"
      "steps: [send: a]\n");
  EXPECT_EQ(s.lab_name(), "fl");
  EXPECT_EQ(s.traffic.size(), 1U);
}

TEST(ScenarioLoader, LabNameOverride) {
  const std::string yaml =
      "topology: janog36.yaml\nlab_name: from-file\ntraffic:\n  a: {from: h1, to: h3, packets: 1}\n";
  const Scenario from_file = load_ok(yaml);
  EXPECT_EQ(from_file.lab_name(), "from-file");
  EXPECT_EQ(from_file.topology.find_node("r1")->namespace_name, "fl-from-file-r1");
  LoadOptions options;
  options.lab_name = "t-1234";
  const Scenario overridden = load_ok(yaml, "t.yaml", options);
  EXPECT_EQ(overridden.lab_name(), "t-1234");
  EXPECT_EQ(overridden.topology.find_node("h3")->namespace_name, "fl-t-1234-h3");
  EXPECT_EQ(overridden.topology.mgmt_namespace(), "fl-t-1234-mgmt");
  options.lab_name = "Not Valid";
  auto bad = load_scenario_string(yaml, "t.yaml", kTopologies, options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error_text(),
            "t.yaml:0:0: error: lab name override: lab name 'Not Valid' must match ^[a-z][a-z0-9-]{0,15}$ (a lowercase "
            "letter, then lowercase letters, digits or '-')\n");
  Scenario s = from_file;
  EXPECT_FALSE(set_lab_name(s, "x").has_value());
  EXPECT_TRUE(set_lab_name(s, "a-name-that-is-too-long").has_value());
}

TEST(ScenarioLoader, AllErrorsAtOnce) {
  auto r = load_scenario_string(
      "topology: janog36.yaml\n"
      "traffic:\n"
      "  a: {from: r1, to: h3, packets: 10}\n"
      "  b: {from: h1, to: 10.0.0.1, packets: 0}\n"
      "steps:\n"
      "  - send: c\n"
      "  - wait: 5\n",
      "t.yaml", kTopologies);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics.size(), 5U) << r.error_text();
  for (std::size_t i = 1; i < r.diagnostics.size(); ++i) {
    EXPECT_LE(r.diagnostics[i - 1].mark.line, r.diagnostics[i].mark.line) << "ordered by position";
  }
}

TEST(ScenarioLoader, StepSummaries) {
  const Scenario s = load_ok(
      "topology: janog36.yaml\n"
      "traffic:\n  a: {from: h1, to: h3, packets: 10}\n  b: {from: h1, to: h3, dport: 1, packets: 10}\n"
      "steps:\n"
      "  - converge: {timeout: 1500ms}\n"
      "  - send: all\n"
      "  - expect: {traffic: a, point: r1:eth3, fields: [as_path]}\n"
      "  - link: {down: r1:eth1}\n"
      "  - bgp: {down: {node: r1, neighbor: c1}}\n"
      "  - withdraw: {node: r2, prefix: 192.0.2.64/26}\n"
      "  - restart: c1\n"
      "  - wait: 2s\n"
      "  - collect\n");
  std::vector<std::string> lines;
  for (const auto& step : s.steps) {
    lines.push_back(step.summary());
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"converge (timeout 1500ms)", "send all (a, b)",
                                             "expect a at c1 point r1:eth3 (fields 1 listed, counters exact)",
                                             "link down r1:eth1", "bgp down r1 -- c1", "withdraw 192.0.2.64/26 at r2",
                                             "restart c1", "wait 2s", "collect"}));
}

TEST(ScenarioLoader, TruncationsNeverCrash) {
  // Every prefix of a real scenario either loads or fails with diagnostics that carry a position or a reason.
  std::ifstream in(kSource / "scenarios/dualstack-failover.yaml");
  std::stringstream text;
  text << in.rdbuf();
  const std::string full = text.str();
  for (std::size_t n = 0; n <= full.size(); n += 7) {
    auto r = load_scenario_string(full.substr(0, n), "cut.yaml", kSource / "scenarios");
    if (!r.ok()) {
      ASSERT_FALSE(r.diagnostics.empty()) << n;
      for (const auto& d : r.diagnostics) {
        EXPECT_FALSE(d.message.empty());
      }
    }
  }
}

TEST(ScenarioLoader, MissingFile) {
  auto r = load_scenario_file(kSource / "scenarios/does-not-exist.yaml");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1U);
  EXPECT_EQ(r.diagnostics[0].message, "cannot open the scenario file");
}

// ------------------------------------------------------------------------------------------------------------
// Round trip: the resolved JSON, written back as a scenario (JSON is YAML), loads to the same JSON.

json step_back(const std::string& kind, const json& v) {
  if (kind == "send") {
    return v["all"].get<bool>() ? json("all") : v["streams"];
  }
  if (kind == "expect") {
    json e;
    e["traffic"] = v["all"].get<bool>() ? json("all") : v["streams"];
    e["at"] = v["at"];
    e["counters"] = v["counters"];
    const std::string mode = v["fields_mode"];
    if (mode == "unenriched") {
      e["fields"] = "unenriched";
    } else {
      json fields = v["fields"];
      if (mode == "auto") {
        fields["auto"] = true;
      }
      e["fields"] = fields;
    }
    if (v.contains("point")) {
      e["point"] = v["point"];
    }
    if (v.contains("diverging")) {
      e["diverging"] = v["diverging"];
    }
    if (v.contains("from")) {
      e["from"] = v["from"];
    }
    return e;
  }
  return v;
}

std::string scenario_yaml_of(const json& j) {
  nlohmann::ordered_json out;  // streams keep their order (default ports depend on it)
  out["name"] = j["name"];
  out["description"] = j["description"];
  out["lab_name"] = j["lab"];
  out["topology"] = j["topology"];
  nlohmann::ordered_json traffic = nlohmann::ordered_json::object();
  for (const auto& st : j["traffic"]) {
    nlohmann::ordered_json s{{"from", st["from"]},   {"to", st["to"]},           {"family", st["family"]},
                             {"proto", st["proto"]}, {"packets", st["packets"]}, {"size", st["size"]},
                             {"pps", st["pps"]},     {"tos", st["tos"]}};
    if (st.contains("sport")) {
      s["sport"] = st["sport"];
      s["dport"] = st["dport"];
    }
    traffic[st["name"].get<std::string>()] = s;
  }
  out["traffic"] = traffic;
  if (!j["default_steps"].get<bool>()) {
    json steps = json::array();
    for (const auto& step : j["steps"]) {
      for (const auto& [kind, v] : step.items()) {
        steps.push_back(json{{kind, step_back(kind, v)}});
      }
    }
    out["steps"] = steps;
  }
  // nlohmann writes numbers as JSON numbers; YAML reads them as plain scalars, as the loader wants. Strings
  // are quoted, which the loader reads as strings ("64500" would not be an integer: none are written so).
  return out.dump(1);
}

void expect_round_trip(const Scenario& s) {
  const json first = to_json(s);
  const std::string yaml = scenario_yaml_of(first);
  auto again = load_scenario_string(yaml, s.source_file.empty() ? "t.yaml" : s.source_file, kTopologies);
  ASSERT_TRUE(again.ok()) << again.error_text() << "\n" << yaml;
  json second = to_json(*again.scenario);
  EXPECT_EQ(first.dump(1), second.dump(1));
}

TEST(ScenarioRoundTrip, HandWritten) {
  expect_round_trip(load_ok("topology: janog36.yaml\ntraffic:\n  a: {from: h1, to: h3, packets: 10, tos: 184}\n"));
  expect_round_trip(load_ok(
      "topology: janog36.yaml\n"
      "traffic:\n  a: {from: h1, to: h3, packets: 10}\n  b: {from: h3, to: h1, family: ipv6, proto: icmp, packets: 3}\n"
      "steps:\n"
      "  - converge: {timeout: 1500ms}\n"
      "  - send: all\n"
      "  - expect: {traffic: a, point: r1:eth3, fields: [as_path, peer_as_dst], diverging: [as_path]}\n"
      "  - bgp: {down: {node: r1, neighbor: c1}}\n"
      "  - send: b\n"
      "  - expect: {traffic: b, fields: unenriched, counters: none}\n"
      "  - bgp: {up: {node: r1, neighbor: c1}}\n"
      "  - link: {down: r1:eth1}\n"
      "  - link: {up: r1:eth1}\n"
      "  - withdraw: {node: r2, prefix: 192.0.2.64/26}\n"
      "  - announce: {node: r2, prefix: 192.0.2.64/26}\n"
      "  - restart: c1\n"
      "  - wait: 2s\n"
      "  - collect: {}\n"));
}

TEST(ScenarioRoundTrip, EveryShippedScenario) {
  int tried = 0;
  for (const auto& entry : fs::directory_iterator(kSource / "scenarios")) {
    auto r = load_scenario_file(entry.path());
    if (!r.ok()) {
      continue;  // the known-pending ones (shipped_test.cpp checks them)
    }
    if (to_json(*r.scenario)["topology"] == "inline") {
      continue;  // an inline topology is not in the JSON, so the written-back file could not reload it
    }
    SCOPED_TRACE(entry.path().string());
    expect_round_trip(*r.scenario);
    ++tried;
  }
  EXPECT_GE(tried, 10);
}

}  // namespace
}  // namespace flowlab::scenario
