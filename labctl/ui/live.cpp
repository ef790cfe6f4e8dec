#include "labctl/ui/live.hpp"

#include "labctl/lab/state.hpp"
#include "labctl/report/diagram.hpp"
#include "labctl/ui/collector_feed.hpp"
#include "nodes/core/driver.hpp"
#include "platform/netns/netlink_socket.hpp"
#include "platform/process/process.hpp"

#include <map>

namespace flowlab::ui {

namespace {

using nlohmann::json;

double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool end_up(const std::map<std::string, std::map<std::string, netns::LinkInfo>>& links, const topology::Endpoint& end) {
  const auto node = links.find(end.node);
  if (node == links.end()) {
    return false;
  }
  const auto i = node->second.find(end.interface);
  return i != node->second.end() && i->second.up && i->second.running;
}

json series_point(double now, const Talkers& talkers) {
  json point{{"t", now}};
  for (const char* group : {"as", "interface"}) {
    json values = json::object();
    for (const auto& t : talkers.groups.at(group)) {
      values[t.key] = t.bytes_per_second;
    }
    point[group] = std::move(values);
  }
  return point;
}

}  // namespace

LiveLab::LiveLab(topology::Topology topo, const topology::Node& collector, lab::Options options)
    : topo_(std::move(topo)), collector_(collector.name), options_(std::move(options)), labels_(row_labels(topo_)) {}

json LiveLab::topology_json() const {
  const auto diagram = report::diagram_of(topo_);
  return {{"lab", topo_.name}, {"svg", report::render_svg(diagram, report::layout_diagram(diagram))}};
}

json LiveLab::poll_links() {
  std::map<std::string, std::map<std::string, netns::LinkInfo>> links;
  json errors = json::array();
  for (const auto& n : topo_.nodes) {
    auto sock = netns::NetlinkSocket::open(n.namespace_name);
    auto list = sock.ok() ? sock->links() : Result<std::vector<netns::LinkInfo>>(fail(sock.error()));
    if (!list.ok()) {
      errors.push_back(n.name + ": " + list.error().message);
      continue;
    }
    for (auto& l : *list) {
      labels_.ifnames[n.name][l.ifindex] = l.name;
      links[n.name][l.name] = std::move(l);
    }
  }
  json out = json::array();
  for (const auto& l : topo_.links) {
    out.push_back({{"a", l.a.node + ":" + l.a.interface},
                   {"b", l.b.node + ":" + l.b.interface},
                   {"up", end_up(links, l.a) && end_up(links, l.b)}});
  }
  return {{"links", out}, {"errors", errors}};
}

void add_node_status(json& out, const topology::Topology& topo, const topology::Node& node, const lab::State& state,
                     const lab::Options& options) {
  json procs = json::array();
  for (const auto& p : state.processes) {
    if (p.node == node.name) {
      procs.push_back({{"name", p.name}, {"pid", p.pid}, {"alive", process::alive(p)}});
    }
  }
  out["processes"] = procs;
  json sessions = json::array();
  if (const auto* driver = nodes::find_driver(node.kind); driver != nullptr && node.is_router()) {
    auto st = driver->bgp_sessions(lab::node_context(topo, node, options));
    for (const auto& s : st.ok() ? *st : std::vector<topology::BgpSessionStatus>{}) {
      sessions.push_back({{"neighbor", s.neighbor.to_string()},
                          {"asn", s.neighbor_asn},
                          {"state", nodes::to_string(s.state)},
                          {"name", s.name},
                          {"prefixes_received", s.prefixes_received}});
    }
    if (!st.ok()) {
      out["error"] = st.error().message;
    }
  }
  out["bgp_sessions"] = sessions;
}

json LiveLab::poll_nodes() const {
  auto state = lab::read_state(lab::lab_rundir(topo_.name, options_), topo_.name);
  const lab::State st = state.ok() ? *state : lab::State{};
  json nodes = json::array();
  for (const auto& node : topo_.nodes) {
    json n{{"name", node.name}, {"kind", node.kind}, {"asn", node.asn}};
    add_node_status(n, topo_, node, st, options_);
    nodes.push_back(std::move(n));
  }
  return nodes;
}

json LiveLab::poll_collector(double now) {
  const auto* node = topo_.find_node(collector_);
  auto table = collector_table(topo_, *node, options_);
  if (!table.ok()) {
    return {{"collector", collector_}, {"error", table.error().message}};
  }
  const auto at = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(at - previous_time_).count();
  Talkers talkers = group_talkers(*table, labels_, previous_ ? &*previous_ : nullptr, seconds);
  json out = to_json(talkers, kTopTalkers);
  out["collector"] = collector_;
  out["sankey_svg"] = talkers_sankey_svg(talkers);
  out["as_tables"] = as_tables(*table, labels_);
  if (previous_) {
    history_.push_back(series_point(now, talkers));
    while (history_.size() > kHistory) {
      history_.pop_front();
    }
  }
  out["series"] = json(history_);
  previous_ = std::move(talkers);
  previous_time_ = at;
  return out;
}

json LiveLab::poll_flows() {
  poll_links();  // interface names by ifindex
  return poll_collector(unix_seconds());
}

json LiveLab::poll() {
  const double now = unix_seconds();
  json snapshot = poll_links();
  snapshot["lab"] = topo_.name;
  snapshot["time"] = now;
  snapshot["nodes"] = poll_nodes();
  snapshot["flows"] = poll_collector(now);
  return snapshot;
}

}  // namespace flowlab::ui
