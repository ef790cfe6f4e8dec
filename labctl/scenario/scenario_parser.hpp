// flowlab::scenario::detail — the scenario file's parser, shared by the loader's files (not a public interface):
// loader.cpp (the document, traffic, the topology, the public entry points), load_steps.cpp (the timeline),
// load_expect.cpp (expect steps and their field values).
#pragma once

#include "labctl/scenario/model.hpp"
#include "model/topology_reader.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace flowlab::scenario::detail {

inline constexpr std::uint64_t kMaxU32 = 4294967295ULL;

class Parser : public topology::TopologyReader {
 public:
  using TopologyReader::TopologyReader;

  // Parses everything but `topology:` (the caller loads it); returns the root entries by key.
  void parse_document(const YAML::Node& root, Scenario& s, std::map<std::string, yaml::Entry>& top);
  // The key path of each parsed step ("steps[3].expect"), parallel to Scenario::steps.
  [[nodiscard]] const std::vector<std::string>& step_paths() const { return step_paths_; }

  // One step kind: its name (the step's key) and its parser.
  using StepParser = std::optional<StepAction> (Parser::*)(const YAML::Node& n, const std::string& path);
  struct StepKind {
    std::string_view name;
    StepParser parse;
  };

 private:
  std::optional<std::chrono::milliseconds> get_duration(const YAML::Node& n, const std::string& path);
  // A stream reference list: a name, `all`, or a list of names. Returns the names; `all` sets *all.
  std::optional<std::vector<std::string>> get_stream_refs(const YAML::Node& n, const std::string& path, bool* all);
  // The one `down:` or `up:` entry of a link or bgp step (`step`), whose value is `what`.
  std::optional<yaml::Entry> get_down_or_up(const YAML::Node& n, const std::string& path, std::string_view step,
                                            std::string_view what);

  void parse_traffic(const YAML::Node& n, Scenario& s);
  // `kinds: {collector: KIND, probe: KIND}`: the kinds this scenario runs (each checked against the kind table).
  void parse_kinds(const YAML::Node& n, Scenario& s);
  // `collect: {interval: DURATION, at: COLLECTOR}`: time steps of the run (the collector is resolved by the validator).
  void parse_collect_options(const YAML::Node& n, Scenario& s);
  void parse_stream(const YAML::Node& n, const std::string& path, Stream& stream);
  void parse_steps(const YAML::Node& n, Scenario& s);
  void parse_step_item(const YAML::Node& step, const std::string& path, Scenario& s);
  void add_step(std::string_view kind, const YAML::Node& value, Mark mark, const std::string& path, Scenario& s);

  std::optional<StepAction> parse_converge(const YAML::Node& n, const std::string& path);
  std::optional<StepAction> parse_send(const YAML::Node& n, const std::string& path);
  std::optional<StepAction> parse_expect(const YAML::Node& n, const std::string& path);
  std::optional<StepAction> parse_link(const YAML::Node& n, const std::string& path);
  std::optional<StepAction> parse_bgp(const YAML::Node& n, const std::string& path);
  std::optional<StepAction> parse_bmp(const YAML::Node& n, const std::string& path);
  // The `{node, <other>}` value of a bgp or bmp step's one down/up entry: (action, node, other).
  std::optional<std::tuple<LinkAction, std::string, std::string>> parse_node_pair(const YAML::Node& n,
                                                                                  const std::string& path,
                                                                                  std::string_view step,
                                                                                  const std::string& other);
  std::optional<StepAction> parse_announce(const YAML::Node& n, const std::string& path);
  std::optional<StepAction> parse_withdraw(const YAML::Node& n, const std::string& path);
  std::optional<StepAction> parse_restart(const YAML::Node& n, const std::string& path);
  std::optional<StepAction> parse_wait(const YAML::Node& n, const std::string& path);
  std::optional<StepAction> parse_collect(const YAML::Node& n, const std::string& path);
  std::optional<std::pair<std::string, Prefix>> parse_node_prefix(const YAML::Node& n, const std::string& path);

  bool parse_expect_key(const yaml::Entry& e, const std::string& path, ExpectStep& expect);
  void parse_point(const YAML::Node& n, const std::string& path, ExpectStep& expect);
  void parse_diverging(const YAML::Node& n, const std::string& path, ExpectStep& expect);
  void parse_fields(const YAML::Node& n, const std::string& path, ExpectStep& expect);
  void parse_field_list(const YAML::Node& n, const std::string& path, ExpectStep& expect);
  void parse_field_map(const YAML::Node& n, const std::string& path, ExpectStep& expect);
  void unknown_field(const std::string& name, Mark mark, const std::string& where);
  std::optional<FieldValue> parse_field_value(const FieldInfo& info, const YAML::Node& n, const std::string& path);
  bool parse_as_path(const YAML::Node& n, const std::string& path, FieldValue& v);
  bool parse_communities(const YAML::Node& n, const std::string& path, bool large, FieldValue& v);

  static const std::vector<StepKind>& step_kinds();
  static std::vector<std::string> step_kind_names();

  std::vector<std::string> step_paths_;
};

}  // namespace flowlab::scenario::detail
