#include "labctl/lab/converge.hpp"

#include <algorithm>
#include <deque>
#include <thread>

namespace flowlab::lab {
using topology::BgpSession;
using topology::Direction;
using topology::Node;
using topology::Topology;

namespace {

bool denied(const Topology& topo, const std::string& node, const std::string& neighbor, Direction dir,
            const Prefix& prefix) {
  return std::any_of(topo.policies.begin(), topo.policies.end(), [&](const topology::Policy& p) {
    return p.node == node && p.neighbor == neighbor && p.direction == dir &&
           std::find(p.deny.begin(), p.deny.end(), prefix) != p.deny.end();
  });
}

struct Hop {
  std::string router;
  std::vector<std::uint32_t> as_path;  // ASes the route has crossed (origin last)
  bool via_ibgp = false;
};

}  // namespace

std::map<std::string, std::set<Prefix>> expected_prefixes(const Topology& topo) {
  std::map<std::string, std::set<Prefix>> out;
  // Router adjacency over router-router sessions, per family.
  struct Edge {
    std::string to;
    bool ibgp;
    Family family;
  };
  std::map<std::string, std::vector<Edge>> adj;
  for (const BgpSession& s : topo.sessions) {
    if (s.to_collector || s.to_probe) {
      continue;
    }
    bool ibgp = s.type == topology::SessionType::kIbgp;
    adj[s.local_node].push_back({s.remote_node, ibgp, s.family});
    adj[s.remote_node].push_back({s.local_node, ibgp, s.family});
  }
  for (const Node* origin : topo.routers()) {
    out[origin->name];  // every router appears
    for (const Prefix& prefix : origin->announce) {
      std::set<std::pair<std::string, std::vector<std::uint32_t>>> seen;
      std::deque<Hop> queue{{origin->name, {}, false}};
      std::size_t budget = 200000;  // caps the walk on dense meshes; beyond it every router is expected
      while (!queue.empty() && budget-- > 0) {
        Hop hop = queue.front();
        queue.pop_front();
        out[hop.router].insert(prefix);
        const Node* here = topo.find_node(hop.router);
        for (const Edge& e : adj[hop.router]) {
          if (e.family != prefix.family()) {
            continue;
          }
          if (e.ibgp && hop.via_ibgp) {
            continue;  // no iBGP -> iBGP re-advertisement
          }
          const Node* there = topo.find_node(e.to);
          std::vector<std::uint32_t> path = hop.as_path;
          if (!e.ibgp) {
            path.insert(path.begin(), here->asn);
            if (std::find(path.begin(), path.end(), there->asn) != path.end()) {
              continue;  // AS loop prevention at the receiver
            }
          }
          if (denied(topo, hop.router, e.to, Direction::kExport, prefix) ||
              denied(topo, e.to, hop.router, Direction::kImport, prefix)) {
            continue;
          }
          if (seen.insert({e.to, path}).second) {
            queue.push_back({e.to, path, e.ibgp});
          }
        }
      }
      if (budget == 0) {
        for (const Node* r : topo.routers()) {
          out[r->name].insert(prefix);
        }
      }
    }
  }
  return out;
}

Result<ConvergeReport> converge(const Topology& topo, const Options& options, std::chrono::milliseconds timeout) {
  auto begin = std::chrono::steady_clock::now();
  auto expected = expected_prefixes(topo);
  ConvergeReport report;
  while (true) {
    report.problems.clear();
    for (const Node* router : topo.routers()) {
      const nodes::NodeDriver* driver = nodes::find_driver(router->kind);
      if (driver == nullptr) {
        return fail("kind", "no driver for kind '" + router->kind + "'");
      }
      auto ctx = node_context(topo, *router, options);
      auto sessions = driver->bgp_sessions(ctx);
      if (!sessions.ok()) {
        report.problems.push_back(router->name + ": cannot read BGP sessions: " + sessions.error().message);
        continue;
      }
      for (const BgpSession& s : topo.sessions) {
        if (s.to_collector || (s.local_node != router->name && s.remote_node != router->name)) {
          continue;
        }
        bool local = s.local_node == router->name;
        const IpAddress& neighbor = local ? s.remote_address : s.local_address;
        const std::string& peer = local ? s.remote_node : s.local_node;
        auto it = std::find_if(sessions->begin(), sessions->end(),
                               [&](const nodes::BgpSessionStatus& st) { return st.neighbor == neighbor; });
        if (it == sessions->end()) {
          report.problems.push_back(router->name + ": no session to " + neighbor.to_string() + " (" + peer + ")");
        } else if (it->state != nodes::SessionState::kEstablished) {
          report.problems.push_back(router->name + ": session to " + neighbor.to_string() + " (" + peer + ") is " +
                                    nodes::to_string(it->state));
        }
      }
      auto rib = driver->rib(ctx);
      if (!rib.ok()) {
        report.problems.push_back(router->name + ": cannot read RIB: " + rib.error().message);
        continue;
      }
      for (const Prefix& p : expected[router->name]) {
        bool present =
            std::any_of(rib->begin(), rib->end(), [&](const nodes::RibEntry& e) { return e.prefix == p && e.best; });
        if (!present) {
          report.problems.push_back(router->name + " lacks " + p.to_string());
        }
      }
    }
    report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin);
    if (report.problems.empty()) {
      report.converged = true;
      return report;
    }
    if (report.elapsed >= timeout) {
      return report;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace flowlab::lab
