// flowlab::topology::detail — the topology file's parser, shared by the loader's files (not a public interface):
// loader.cpp (the document, defaults, links, mgmt, the value readers), load_nodes.cpp (nodes and their
// role-specific keys), load_routing.cpp (bgp policies, probes).
#pragma once

#include "model/kinds.hpp"
#include "model/model.hpp"
#include "model/topology_reader.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowlab::topology::detail {

inline constexpr std::uint64_t kMaxU32 = 4294967295ULL;

class Parser : public TopologyReader {
 public:
  Parser(DiagnosticSink& sink, SourceMap& marks, KindTable kinds, KindChoice choice = {})
      : TopologyReader(sink, marks), kinds_(kinds), choice_(std::move(choice)) {}

  void parse_document(const YAML::Node& root, Topology& t);

 private:
  using Entries = std::vector<yaml::Entry>;

  std::optional<IpAddress> get_address(const YAML::Node& n, const std::string& path, Family family,
                                       std::string_view other_key);
  std::optional<Prefix> get_subnet(const YAML::Node& n, const std::string& path, Family family);
  std::optional<std::uint32_t> get_timeout(const YAML::Node& n, const std::string& path);
  // A link endpoint: "node:interface" naming a valid Linux interface that is not lo or mgmt0.
  std::optional<Endpoint> get_link_endpoint(const YAML::Node& n, const std::string& path);
  // A `kind:` value; false (with a diagnostic) when it names no known kind.
  bool check_kind(const YAML::Node& n, const std::string& path, std::string& kind);

  void parse_defaults(const YAML::Node& n, Topology& t);
  void parse_name(const YAML::Node& n, Topology& t);
  void parse_nodes(const YAML::Node& n, Topology& t);
  void parse_node(const YAML::Node& n, const std::string& path, Topology& t, Node& node);
  // Whether the role-specific key applies to the node's role (a diagnostic when it does not).
  bool key_applies(const yaml::Entry& e, const std::string& path, const Node& node);
  void parse_router_key(const yaml::Entry& e, const std::string& path, Node& node);
  void parse_collector_key(const yaml::Entry& e, const std::string& path, const Entries& entries, Node& node);
  void parse_tee_key(const yaml::Entry& e, const std::string& path, Node& node);
  void parse_listen(const YAML::Node& n, const std::string& path, Node& node);
  // `fault: NAME` (collectors, tees, probes): a seeded fault's name from probes/faults/faults.hpp, "" when invalid.
  std::string get_fault(const YAML::Node& n, const std::string& path);
  void parse_links(const YAML::Node& n, Topology& t);
  void parse_link_endpoints(const YAML::Node& n, const std::string& path, Link& link);
  void parse_bgp(const YAML::Node& n, Topology& t);
  void parse_policy(const YAML::Node& n, const std::string& path, Policy& p);
  void parse_policy_key(const yaml::Entry& e, const std::string& path, Policy& p, std::optional<Direction> direction);
  void parse_probes(const YAML::Node& n, Topology& t);
  void parse_probe_key(const yaml::Entry& e, const std::string& path, ProbeSpec& probe);
  void parse_mgmt(const YAML::Node& n, Topology& t);

  KindTable kinds_;
  KindChoice choice_;  // the run's kinds, replacing the file's
  bool default_kind_ok_ = true;
};

}  // namespace flowlab::topology::detail
