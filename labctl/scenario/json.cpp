// to_json(Scenario): the resolved scenario for `labctl validate --json` and the run directory.
#include "labctl/scenario/loader.hpp"

#include <string>

namespace flowlab::scenario {
namespace {

using nlohmann::json;

std::string duration_text(std::chrono::milliseconds ms) {
  const auto n = ms.count();
  if (n % 3'600'000 == 0) {
    return std::to_string(n / 3'600'000) + "h";
  }
  if (n % 60'000 == 0) {
    return std::to_string(n / 60'000) + "m";
  }
  if (n % 1000 == 0) {
    return std::to_string(n / 1000) + "s";
  }
  return std::to_string(n) + "ms";
}

json field_value_json(const FieldValue& v) {
  switch (v.type) {
    case FieldType::kAsn:
    case FieldType::kMask:
    case FieldType::kUint32:
      return v.number;
    case FieldType::kAsPath:
    case FieldType::kAddress:
    case FieldType::kPrefix:
    case FieldType::kInterface:
      return v.to_string();
    case FieldType::kCommunities:
    case FieldType::kLargeCommunities:
      return v.communities;
  }
  return nullptr;
}

struct StepJson {
  json operator()(const ConvergeStep& c) const { return json{{"timeout", duration_text(c.timeout)}}; }
  json operator()(const SendStep& s) const { return json{{"streams", s.streams}, {"all", s.all}}; }
  json operator()(const ExpectStep& e) const {
    json j{{"streams", e.streams},
           {"all", e.all},
           {"at", e.at},
           {"fields_mode", enum_name(kFieldsModeNames, e.mode)},
           {"counters", counter_check_name(e.counters)}};
    if (e.from == RecordSource::kStore) {
      j["from"] = "store";
    }
    json fields = json::object();
    for (const auto& f : e.fields) {
      fields[std::string(field_name(f.field))] = f.expected ? field_value_json(*f.expected) : json("auto");
    }
    j["fields"] = fields;
    if (e.point) {
      j["point"] = e.point->node + (e.point->interface.empty() ? std::string() : ":" + e.point->interface);
    }
    if (!e.diverging.empty()) {
      json d = json::array();
      for (auto f : e.diverging) {
        d.push_back(field_name(f));
      }
      j["diverging"] = d;
    }
    return j;
  }
  json operator()(const LinkStep& l) const {
    return json{{enum_name(kLinkActionNames, l.action), l.endpoint.node + ":" + l.endpoint.interface}};
  }
  json operator()(const BgpStep& b) const {
    return json{{enum_name(kLinkActionNames, b.action), json{{"node", b.node}, {"neighbor", b.neighbor}}}};
  }
  json operator()(const BmpStep& b) const {
    return json{{enum_name(kLinkActionNames, b.action), json{{"node", b.node}, {"station", b.station}}}};
  }
  json operator()(const AnnounceStep& a) const { return json{{"node", a.node}, {"prefix", a.prefix.to_string()}}; }
  json operator()(const WithdrawStep& w) const { return json{{"node", w.node}, {"prefix", w.prefix.to_string()}}; }
  json operator()(const RestartStep& r) const { return json{{"node", r.node}}; }
  json operator()(const WaitStep& w) const { return duration_text(w.duration); }
  json operator()(const CollectStep&) const { return json::object(); }
};

}  // namespace

nlohmann::json to_json(const Scenario& scenario) {
  json j;
  j["name"] = scenario.name;
  j["description"] = scenario.description;
  j["lab"] = scenario.topology.name;
  j["topology"] = scenario.topology_file.empty() ? json("inline") : json(scenario.topology_file);
  j["default_steps"] = scenario.default_steps;
  json traffic = json::array();
  for (const auto& st : scenario.traffic) {
    json t{{"name", st.name},
           {"from", st.from},
           {"to", st.to},
           {"src", st.src.to_string()},
           {"dst", st.dst.to_string()},
           {"family", enum_name(kFamilyNames, st.family)},
           {"proto", proto_name(st.proto)},
           {"packets", st.packets},
           {"size", st.size},
           {"bytes", st.bytes()},
           {"pps", st.pps},
           {"tos", st.tos}};
    if (!st.to_node.empty()) {
      t["to_node"] = st.to_node;
    }
    if (st.proto != Proto::kIcmp) {
      t["sport"] = st.sport;
      t["dport"] = st.dport;
    }
    traffic.push_back(std::move(t));
  }
  j["traffic"] = traffic;
  json steps = json::array();
  for (const auto& step : scenario.steps) {
    steps.push_back(json{{std::string(step.kind()), std::visit(StepJson{}, step.action)}});
  }
  j["steps"] = steps;
  return j;
}

}  // namespace flowlab::scenario
