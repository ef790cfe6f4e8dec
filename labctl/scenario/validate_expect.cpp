// The scenario validator's expect steps: the collector, the probes feeding it, the observation point, counters and
// explicit field values.
#include "common/strings.hpp"
#include "labctl/scenario/validator.hpp"
#include "model/feeds.hpp"

#include <algorithm>

namespace flowlab::scenario::detail {

void Validator::check_expect(ExpectStep& e, const std::string& path) {
  resolve_stream_refs(e.streams, e.all, child(path, "traffic"), true);
  if (!resolve_collector(e.at, path, "to expect records at")) {
    return;
  }
  if (const Node* c = t_.find_node(e.at); e.from == RecordSource::kStore && c != nullptr && c->store.empty()) {
    error(marks_.has(child(path, "from")) ? child(path, "from") : path,
          "collector '" + e.at + "' has no store to read records from (give it `store: NODE`, a clickhouse node)");
    return;
  }
  const auto probes = feeding_probes(e.at);
  if (probes.empty()) {
    error(marks_.has(child(path, "at")) ? child(path, "at") : path,
          "no probe exports to collector '" + e.at + "' (directly or through tees)");
    return;
  }
  const auto observed = observed_node(e, probes, path);
  if (!observed) {
    return;
  }
  check_counters(e, probes, path);
  check_field_values(e, *observed, path);
}

bool Validator::resolve_collector(std::string& at, const std::string& path, std::string_view what) {
  const auto all_collectors = collectors();
  const std::string at_path = marks_.has(child(path, "at")) ? child(path, "at") : path;
  if (at.empty()) {
    if (all_collectors.size() == 1) {
      at = all_collectors.front();
      return true;
    }
    error(path, all_collectors.empty()
                    ? "the topology has no collector " + std::string(what)
                    : "the topology has several collectors (" + join(all_collectors) + "): say which with 'at'");
    return false;
  }
  const Node* c = t_.find_node(at);
  if (c == nullptr) {
    auto guess = closest_match(at, all_collectors);
    error(at_path, "unknown node '" + at + "'" +
                       (guess                    ? " (did you mean '" + *guess + "'?)"
                        : all_collectors.empty() ? std::string(" (the topology has no collector)")
                                                 : " (collectors: " + join(all_collectors) + ")"));
    return false;
  }
  if (c->role != Role::kCollector) {
    error(at_path, "'" + at + "' is " + a_role(c->role) + ", not a collector" +
                       (all_collectors.empty() ? "" : " (collectors: " + join(all_collectors) + ")"));
    return false;
  }
  return true;
}

std::vector<const topology::ProbeSpec*> Validator::feeding_probes(const std::string& collector) const {
  std::vector<const topology::ProbeSpec*> probes;
  for (const auto& [index, feed] : topology::collector_feeds(t_, collector)) {
    const topology::ProbeSpec* p = &t_.probes[index];
    if (std::find(probes.begin(), probes.end(), p) == probes.end()) {
      probes.push_back(p);
    }
  }
  return probes;
}

// The node whose interfaces iface_in/iface_out name at the step's observation point (the router whose interfaces
// a probe sees); "" without a point.
std::optional<std::string> Validator::observed_node(const ExpectStep& e,
                                                    const std::vector<const topology::ProbeSpec*>& probes,
                                                    const std::string& path) {
  if (!e.point) {
    return std::string();
  }
  const std::string ppath = child(path, "point");
  if (node_ref(e.point->node, ppath) == nullptr) {
    return std::nullopt;
  }
  const ObservationPoint& point = *e.point;
  bool found = false;
  std::string observed;
  std::vector<std::string> points;
  for (const auto* p : probes) {
    for (const auto& ifname : p->interfaces) {
      points.push_back(p->node + ":" + ifname);
      if (p->node == point.node && (point.interface.empty() || point.interface == ifname)) {
        found = true;
        observed = p->node;
      }
    }
    if (p->mirror) {
      points.push_back(p->mirror->node + ":" + p->mirror->interface);
      if ((p->node == point.node && point.interface.empty()) ||
          (p->mirror->node == point.node && p->mirror->interface == point.interface)) {
        found = true;
        observed = p->mirror->node;
      }
    }
    if (p->node == point.node && point.interface.empty()) {
      found = true;
      if (observed.empty()) {
        observed = p->node;
      }
    }
  }
  if (!found) {
    const std::string written = point.node + (point.interface.empty() ? std::string() : ":" + point.interface);
    error(ppath, "'" + written + "' is not an observation point of a probe exporting to '" + e.at +
                     "' (points: " + join(points) + ")");
    return std::nullopt;
  }
  return observed;
}

// Counters: default exact, unless a probe exporting here samples.
void Validator::check_counters(ExpectStep& e, const std::vector<const topology::ProbeSpec*>& probes,
                               const std::string& path) {
  std::uint32_t max_sampling = 1;
  std::uint32_t min_sampling = ~std::uint32_t{0};
  for (const auto* p : probes) {
    max_sampling = std::max(max_sampling, p->sampling);
    min_sampling = std::min(min_sampling, p->sampling);
  }
  if (!marks_.has(child(path, "counters"))) {
    e.counters = max_sampling > 1 ? CounterCheck::kSampled : CounterCheck::kExact;
  } else if (e.counters == CounterCheck::kExact && min_sampling > 1) {
    error(child(path, "counters"), "exact counters need unsampled export, but every probe exporting to '" + e.at +
                                       "' samples (1:" + std::to_string(min_sampling) + "): use sampled");
  }
}

void Validator::check_field_values(const ExpectStep& e, const std::string& observed, const std::string& path) {
  std::set<Field> asserted;
  for (const auto& f : e.fields) {
    asserted.insert(f.field);
    const std::string fpath = child(child(path, "fields"), field_name(f.field));
    if (f.expected && f.expected->type == FieldType::kInterface && !observed.empty()) {
      if (const Node* n = t_.find_node(observed)) {
        (void)interface_ref(*n, f.expected->text, fpath);
      }
    }
    if (f.expected && f.expected->type == FieldType::kMask && f.expected->number > 32) {
      bool any_v6 = std::any_of(e.streams.begin(), e.streams.end(), [&](const std::string& n) {
        const Stream* st = s_.find_stream(n);
        return st != nullptr && st->family == Family::kIpv6;
      });
      if (!any_v6) {
        error(fpath, "mask " + std::to_string(f.expected->number) + " is longer than 32 but every stream is IPv4");
      }
    }
  }
  for (std::size_t i = 0; i < e.diverging.size(); ++i) {
    const Field f = e.diverging[i];
    if (e.mode == FieldsMode::kListed && asserted.count(f) == 0) {
      error(item(child(path, "diverging"), i),
            "field '" + std::string(field_name(f)) + "' is flagged as diverging but not asserted in fields");
    } else if (e.mode == FieldsMode::kUnenriched) {
      error(item(child(path, "diverging"), i), "diverging does not apply to fields: unenriched");
    }
  }
}

}  // namespace flowlab::scenario::detail
