#include "labctl/scenario/run_context.hpp"

#include "platform/netns/netns.hpp"

namespace flowlab::scenario {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

RunContext::RunContext(const Scenario& scenario, const RunOptions& run_options)
    : sc(scenario), options(run_options), routing(scenario.topology) {
  lab_options.rundir = options.lab_rundir;
  lab_options.progress = options.progress;
  run.scenario = sc.name;
  run.description = sc.description;
  run.source_file = sc.source_file;
  run.lab = sc.lab_name();
  run.topology = report::diagram_of(sc.topology);
}

void RunContext::say(const std::string& line) const {
  if (options.progress) {
    options.progress(line);
  }
}

nodes::NodeContext RunContext::context(const topology::Node& node) const {
  return lab::node_context(topo(), node, lab_options);
}

const nodes::NodeDriver& RunContext::driver(const topology::Node& node) const { return *nodes::find_driver(node.kind); }

nodes::ProbeContext RunContext::probe_context(std::size_t probe) const {
  const topology::Node* node = topo().find_node(topo().probes[probe].node);
  return nodes::ProbeContext{&topo(), probe, context(*node).dir};
}

const std::map<std::uint32_t, std::string>& RunContext::ifnames(const std::string& node) {
  auto it = ifnames_.find(node);
  if (it != ifnames_.end()) {
    return it->second;
  }
  std::map<std::uint32_t, std::string> m;
  if (auto sock = netns::NetlinkSocket::open(topo().namespace_of(node)); sock.ok()) {
    if (auto links = sock->links(); links.ok()) {
      for (const auto& l : *links) {
        m[static_cast<std::uint32_t>(l.ifindex)] = l.name;
      }
    }
  }
  return ifnames_[node] = std::move(m);
}

std::vector<process::ProcessRef> RunContext::lab_processes() const {
  auto state = lab::read_state(lab_options.rundir, sc.lab_name());
  return state.ok() ? state->processes : std::vector<process::ProcessRef>{};
}

}  // namespace flowlab::scenario
