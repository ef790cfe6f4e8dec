// flowlab::ui live — what the live view of `labctl ui` shows, read from a deployed lab (read-only: nothing here
// changes the lab). Each poll() reads
//   - link state: every node's interfaces through netlink in its namespace (a link is up when both ends are up and
//     running, so `ip link set eth1 down` on either side turns it down);
//   - BGP sessions of every router (the node driver's bgp_sessions, as `labctl inspect` shows them);
//   - the lab's processes (its state file) and whether each is alive;
//   - the collector's aggregate (collector_feed.hpp), grouped into top talkers with rates (talkers.hpp), the Sankey,
//     and a history of bytes/s per AS and per interface (the last kHistory polls).
// and returns one JSON snapshot (docs/reports.md "The live view" lists its fields).
#pragma once

#include "labctl/lab/lab.hpp"
#include "labctl/lab/state.hpp"
#include "labctl/ui/talkers.hpp"
#include "model/model.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <optional>
#include <string>

namespace flowlab::ui {

inline constexpr std::size_t kHistory = 300;  // polls of time series kept (10 minutes at the default 2 s)
inline constexpr std::size_t kTopTalkers = 10;

// One node's processes ("processes": name, pid, alive) and, for a router, its BGP sessions ("bgp_sessions":
// neighbor, asn, state, name, prefixes_received; "error" when the router could not be asked), added to `out`: what
// `labctl inspect` prints and the live view shows.
void add_node_status(nlohmann::json& out, const topology::Topology& topo, const topology::Node& node,
                     const lab::State& state, const lab::Options& options);

class LiveLab {
 public:
  LiveLab(topology::Topology topo, const topology::Node& collector, lab::Options options);

  // {"lab", "svg"}: the topology diagram `labctl graph` draws.
  [[nodiscard]] nlohmann::json topology_json() const;
  // One reading of the lab (see above). Never fails: what could not be read is reported in the snapshot.
  nlohmann::json poll();
  // Only the traffic part of poll() (its "flows" object): what `labctl flows --watch` prints.
  nlohmann::json poll_flows();

 private:
  nlohmann::json poll_links();
  nlohmann::json poll_nodes() const;
  nlohmann::json poll_collector(double now);

  topology::Topology topo_;
  std::string collector_;
  lab::Options options_;
  RowLabels labels_;
  std::optional<Talkers> previous_;
  std::chrono::steady_clock::time_point previous_time_;
  std::deque<nlohmann::json> history_;  // {"t", "as": {key: bps}, "interface": {key: bps}}
};

}  // namespace flowlab::ui
