// flowlab::scenario::detail — the scenario validator (validate.hpp), shared by its files (not a public interface):
// validate.cpp (streams, stream references, steps, the timeline's state) and validate_expect.cpp (expect steps).
#pragma once

#include "common/yaml_diagnostics.hpp"
#include "labctl/scenario/model.hpp"
#include "model/kinds.hpp"

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace flowlab::scenario::detail {

using topology::Node;
using topology::Role;
using topology::Topology;
using yaml::child;
using yaml::item;

// "a router", "a host", "a collector", "a tee".
[[nodiscard]] inline std::string a_role(Role role) { return "a " + std::string(topology::role_name(role)); }

class Validator {
 public:
  Validator(Scenario& s, std::span<const std::string> step_paths, const SourceMap& marks, DiagnosticSink& sink)
      : s_(s), t_(s.topology), step_paths_(step_paths), marks_(marks), sink_(sink) {
    for (const auto& n : t_.nodes) {
      node_names_.push_back(n.name);
    }
  }

  void run();

  // Shared by the validator's files.

  void error(const std::string& path, const std::string& message) {
    sink_.error(marks_.at(path), path.empty() ? message : path + ": " + message);
  }

  const Node* node_ref(const std::string& name, const std::string& path);
  const topology::Interface* interface_ref(const Node& node, const std::string& ifname, const std::string& path);
  void check_stream(Stream& st, std::size_t index);
  // The destination: an address (inside the lab) or a node with an address of the family; false on an error.
  bool resolve_address_destination(Stream& st, const IpAddress& addr, const std::string& path, bool family_given);
  bool resolve_node_destination(Stream& st, const std::string& path, bool family_given);
  void check_stream_size(const Stream& st, const std::string& path, const Node& src, const topology::Interface& iface);
  void check_unique_tuples();
  void default_steps();
  void check_step(Step& step, const std::string& path);
  void resolve_stream_refs(std::vector<std::string>& names, bool all, const std::string& path, bool must_be_sent);
  void check_expect(ExpectStep& e, const std::string& path);
  // validate_expect.cpp: the collector `at` (defaulted when there is one), the probes exporting to it (directly or
  // through tees), the observation point (nullopt: an error; "": no point), counters, field values.
  // `at` (an expect step's or `collect:`'s, at `path`): the only collector when empty, else a known collector.
  bool resolve_collector(std::string& at, const std::string& path, std::string_view what);
  std::vector<const topology::ProbeSpec*> feeding_probes(const std::string& collector) const;
  std::optional<std::string> observed_node(const ExpectStep& e, const std::vector<const topology::ProbeSpec*>& probes,
                                           const std::string& path);
  void check_counters(ExpectStep& e, const std::vector<const topology::ProbeSpec*>& probes, const std::string& path);
  void check_field_values(const ExpectStep& e, const std::string& observed, const std::string& path);
  void check_link(const LinkStep& l, const std::string& path);
  void check_bgp(const BgpStep& b, const std::string& path);
  void check_bmp(const BmpStep& b, const std::string& path);
  void check_origin(const std::string& node, const Prefix& prefix, bool announce, const std::string& path);
  void check_restart(const RestartStep& r, const std::string& path);
  std::vector<std::string> collectors() const;
  std::vector<std::string> bgp_neighbours(const std::string& node) const;

 private:
  Scenario& s_;
  const Topology& t_;
  std::span<const std::string> step_paths_;
  const SourceMap& marks_;
  DiagnosticSink& sink_;
  std::vector<std::string> node_names_;
  std::set<std::string> sent_;                                   // streams sent by earlier steps
  std::set<std::pair<std::string, std::string>> down_links_;     // (node, interface), both ends
  std::set<std::pair<std::string, std::string>> down_sessions_;  // (smaller, larger) node names
  std::set<std::pair<std::string, std::string>> down_bmp_;       // (router, station)
  std::map<std::string, std::vector<Prefix>> originated_;        // per router, as the timeline goes
};

}  // namespace flowlab::scenario::detail
