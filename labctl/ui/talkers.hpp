// flowlab::ui talkers — the collector's aggregate grouped the way an operator watches it (seed 004: bytes alone
// mislead, so flows and rates stand beside them): top talkers by AS, by peer AS, by prefix and by interface, and
// the Sankey router -> peer AS -> prefix of report.html drawn from the same rows.
//
// Each row of the collector's table becomes a report::TrafficFact: the observing router is the node whose address
// exported it (peer_src_ip), its direction is report::classify()'s, and the "far side" (AS, peer AS, prefix) is
// the source's for inbound traffic and the destination's otherwise — the Sankey's rule. An interface row counts
// twice, once where it entered (in_iface) and once where it left (out_iface). Rates are bytes per second between
// two tables of the same cumulative aggregate (a key that shrank, e.g. after `flows --clear`, has rate 0).
#pragma once

#include "labctl/report/sankey.hpp"
#include "model/model.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace flowlab::ui {

struct Counts {
  std::uint64_t bytes = 0;
  std::uint64_t packets = 0;
  std::uint64_t flows = 0;
};

struct Talker {
  std::string key;  // "AS 65530", "r1:eth3 in", "203.0.113.0/24"
  Counts counts;
  double bytes_per_second = 0;
};

// The groupings, each sorted by bytes (descending).
struct Talkers {
  std::map<std::string, std::vector<Talker>> groups;  // "as", "peer_as", "prefix", "interface"
  Counts total;
  double bytes_per_second = 0;
  std::vector<report::TrafficFact> facts;  // one per row
};

inline constexpr const char* kTalkerGroups[] = {"as", "peer_as", "prefix", "interface"};

// What the rows need from the lab: exporter address -> router, and per router ifindex -> interface name.
struct RowLabels {
  std::map<std::string, const topology::Node*> exporters;              // "10.255.0.2" -> node
  std::map<std::string, std::map<std::int64_t, std::string>> ifnames;  // node -> ifindex -> "eth3"
  std::map<std::string, std::map<std::string, std::string>> roles;     // node -> "eth3" -> "transit" (`roles:`)
};
[[nodiscard]] RowLabels row_labels(const topology::Topology& topo);

// Groups a table response ({"primitives":[..],"rows":[..]}); `previous` (nullptr on the first) and the seconds
// between the two give the rates.
[[nodiscard]] Talkers group_talkers(const nlohmann::json& table, const RowLabels& labels, const Talkers* previous,
                                    double seconds);

[[nodiscard]] nlohmann::json to_json(const Talkers& talkers, std::size_t top);

// The AS analysis tables (seed 002) of a table response. Each row counts at its edge interface: where it entered
// for inbound traffic, where it left otherwise (the far side's, as in the Sankey); the interface's role is the
// topology's `roles:` entry ("unclassified" without one). {"roles": [the roles seen, table order then
// "unclassified"], "by_as": [{"key": far AS, "total", "roles": {role: bytes}}], "interfaces": [{"key": "r1:eth3",
// "role", "total", "as": [{"key", "bytes"}], "origin": [{"key": origin (source) AS, "bytes"}]}]}, busiest first.
[[nodiscard]] nlohmann::json as_tables(const nlohmann::json& table, const RowLabels& labels);
inline constexpr const char* kUnclassified = "unclassified";
// The live Sankey: report::sankey_flow of every fact, laid out and drawn as report.html draws it.
[[nodiscard]] std::string talkers_sankey_svg(const Talkers& talkers);

}  // namespace flowlab::ui
