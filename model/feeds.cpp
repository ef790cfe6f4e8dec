#include "model/feeds.hpp"

#include "common/address_hash.hpp"

#include <algorithm>
#include <map>

namespace flowlab::topology {
namespace {

// Depth-first walk from `node_name` carrying the datagrams' current source (node and address).
void walk(const Topology& t, const std::string& node_name, Feed current, std::vector<Feed>& out) {
  const Node* n = t.find_node(node_name);
  if (n == nullptr || n->role != Role::kTee) {
    current.collector = node_name;
    out.push_back(std::move(current));
    return;
  }
  if (std::find(current.tees.begin(), current.tees.end(), node_name) != current.tees.end()) {
    return;  // a loop: validation reports it
  }
  current.tees.push_back(node_name);
  if (!n->transparent) {
    current.source_node = n->name;
    current.exporter = n->mgmt4.address;
    current.transparent = false;
  }
  if (n->receivers.empty()) {
    return;
  }
  if (n->balance == TeeBalance::kHash) {
    walk(t, n->receivers[tee_hash_pick(current.exporter, n->receivers.size())], current, out);
    return;
  }
  for (const auto& r : n->receivers) {
    walk(t, r, current, out);
  }
}

}  // namespace

std::uint32_t tee_address_hash(const IpAddress& address) { return address_hash(address); }

std::size_t tee_hash_pick(const IpAddress& address, std::size_t receivers) {
  return address_hash_pick(address, receivers);
}

std::vector<Feed> probe_feeds(const Topology& topology, const ProbeSpec& probe) {
  std::vector<Feed> out;
  Feed start;
  start.source_node = probe.node;
  if (const Node* pn = topology.find_node(probe.node)) {
    start.exporter = pn->mgmt4.address;
  }
  if (!probe.export_to.empty()) {
    walk(topology, probe.export_to, start, out);
  }
  return out;
}

std::vector<std::pair<std::size_t, Feed>> collector_feeds(const Topology& topology, const std::string& collector) {
  std::vector<std::pair<std::size_t, Feed>> out;
  for (std::size_t i = 0; i < topology.probes.size(); ++i) {
    for (auto& f : probe_feeds(topology, topology.probes[i])) {
      if (f.collector == collector) {
        out.emplace_back(i, std::move(f));
      }
    }
  }
  return out;
}

std::string tee_path_text(const Feed& feed) {
  std::string out;
  for (const auto& tee : feed.tees) {
    out += (out.empty() ? "" : " → ") + tee;
  }
  return out;
}

void check_feeds(const Topology& topology, const SourceMap& marks, DiagnosticSink& sink) {
  auto route = [](const Feed& f) {
    return f.tees.empty() ? std::string("directly") : "via " + tee_path_text(f) + " → " + f.collector;
  };
  // collector -> exporter address -> (probe index, feed) first seen
  std::map<std::string, std::map<IpAddress, std::pair<std::size_t, Feed>>> seen;
  for (std::size_t i = 0; i < topology.probes.size(); ++i) {
    const ProbeSpec& probe = topology.probes[i];
    const std::string path = "probes[" + std::to_string(i) + "].export";
    std::map<std::string, const Feed*> reached;
    const auto feeds = probe_feeds(topology, probe);
    for (const Feed& f : feeds) {
      const Node* c = topology.find_node(f.collector);
      if (c == nullptr || c->role != Role::kCollector) {
        continue;  // validation reported it
      }
      if (auto [it, inserted] = reached.emplace(f.collector, &f); !inserted) {
        sink.error(marks.at(path), path + ": collector '" + f.collector + "' would receive every datagram of probe #" +
                                       std::to_string(i) + " twice (" + route(*it->second) + " and " + route(f) +
                                       "): its counters would double; give each collector one path");
        continue;
      }
      auto& by_source = seen[f.collector];
      if (auto [it, inserted] = by_source.emplace(f.exporter, std::pair{i, f});
          !inserted && (!f.transparent || !it->second.second.transparent)) {
        const std::size_t other = it->second.first;
        sink.error(marks.at(path),
                   path + ": collector '" + f.collector + "' would see probe #" + std::to_string(other) + " (node " +
                       topology.probes[other].node + ") and probe #" + std::to_string(i) + " (node " + probe.node +
                       ") from one address, " + f.exporter.to_string() + " of '" + f.source_node +
                       "' (a non-transparent tee re-sends from its own address): the agent map and the sequence "
                       "numbers could not tell them apart; make the tee transparent (transparent: true)");
      }
    }
  }
}

}  // namespace flowlab::topology
