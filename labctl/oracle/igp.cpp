#include "labctl/oracle/igp.hpp"

#include <algorithm>
#include <queue>
#include <tuple>

namespace flowlab::oracle::detail {
namespace {

using topology::Interface;
using topology::Node;
using topology::Topology;

bool has_family(const Interface& i, Family family) {
  return family == Family::kIpv4 ? i.ipv4.has_value() : i.ipv6.has_value();
}

// An OSPF adjacency of `family` forms over `i` when both ends run OSPF there and both have an address of it.
bool ospf_edge(const Topology& topo, const Node& node, const Interface& i, Family family) {
  if (!node.is_router() || !node.ospf || !i.ospf || !has_family(i, family)) {
    return false;
  }
  const Node* peer = topo.find_node(i.peer_node);
  if (peer == nullptr || !peer->is_router() || !peer->ospf || peer->asn != node.asn) {
    return false;
  }
  const Interface* back = peer->find_interface(i.peer_interface);
  return back != nullptr && back->ospf && has_family(*back, family);
}

}  // namespace

Igp::Igp(const Topology& topo) {
  for (const auto& n : topo.nodes) {
    if (!n.is_router() || !n.ospf) {
      continue;
    }
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      build_tree(topo, n, f);
    }
  }
  for (const auto& n : topo.nodes) {
    if (!n.is_router() || !n.ospf) {
      continue;
    }
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      build_routes(topo, n, f);
    }
  }
}

void Igp::build_tree(const Topology& topo, const Node& root, Family family) {
  Tree tree;
  using Item = std::tuple<std::uint32_t, std::string>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
  tree.distance[root.name] = 0;
  queue.emplace(0, root.name);
  std::set<std::string> done;
  while (!queue.empty()) {
    auto [d, name] = queue.top();
    queue.pop();
    if (!done.insert(name).second) {
      continue;
    }
    const Node* node = topo.find_node(name);
    for (const auto& i : node->interfaces) {
      if (!ospf_edge(topo, *node, i, family)) {
        continue;
      }
      const std::uint32_t nd = d + i.ospf_cost;
      // First hops of the neighbour: the interface itself when leaving the root, else inherited.
      std::set<std::string> hops = name == root.name ? std::set<std::string>{i.name} : tree.first_hops[name];
      auto it = tree.distance.find(i.peer_node);
      if (it == tree.distance.end() || nd < it->second) {
        tree.distance[i.peer_node] = nd;
        tree.first_hops[i.peer_node] = hops;
        queue.emplace(nd, i.peer_node);
      } else if (nd == it->second && done.count(i.peer_node) == 0) {
        tree.first_hops[i.peer_node].insert(hops.begin(), hops.end());
      }
    }
  }
  trees_[{root.name, family}] = std::move(tree);
}

void Igp::build_routes(const Topology& topo, const Node& root, Family family) {
  const Tree& tree = trees_.at({root.name, family});
  // Per prefix: the cheapest cost and the union of first hops at that cost.
  std::map<Prefix, IgpRoute> best;
  auto offer = [&](const Prefix& prefix, std::uint32_t cost, const std::set<std::string>& hops) {
    auto it = best.find(prefix);
    if (it == best.end() || cost < it->second.cost) {
      best[prefix] = IgpRoute{prefix, cost, std::vector<std::string>(hops.begin(), hops.end())};
    } else if (cost == it->second.cost) {
      auto& out = it->second.out_interfaces;
      out.insert(out.end(), hops.begin(), hops.end());
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
    }
  };
  std::set<Prefix> own;  // connected subnets and loopbacks of the root: not OSPF routes there
  for (const auto& i : root.interfaces) {
    const auto& a = family == Family::kIpv4 ? i.ipv4 : i.ipv6;
    if (a) {
      own.insert(a->canonical());
    }
  }
  for (const auto& [name, distance] : tree.distance) {
    if (name == root.name) {
      continue;
    }
    const Node* node = topo.find_node(name);
    const auto hops_it = tree.first_hops.find(name);
    const std::set<std::string> hops = hops_it == tree.first_hops.end() ? std::set<std::string>{} : hops_it->second;
    const auto& loopback = family == Family::kIpv4 ? node->loopback : node->loopback6;
    if (loopback) {
      offer(Prefix{*loopback, static_cast<std::uint8_t>(loopback->max_prefix_len())}, distance, hops);
    }
    for (const auto& i : node->interfaces) {
      if (!ospf_edge(topo, *node, i, family)) {
        continue;
      }
      const auto& a = family == Family::kIpv4 ? i.ipv4 : i.ipv6;
      Prefix subnet = a->canonical();
      if (own.count(subnet) == 0) {
        offer(subnet, distance + i.ospf_cost, hops);
      }
    }
  }
  std::vector<IgpRoute> out;
  for (auto& [prefix, route] : best) {
    if (!route.out_interfaces.empty()) {
      out.push_back(std::move(route));
    }
  }
  routes_[{root.name, family}] = std::move(out);
}

std::optional<std::uint32_t> Igp::distance(const std::string& from, const std::string& to, Family family) const {
  auto it = trees_.find({from, family});
  if (it == trees_.end()) {
    return std::nullopt;
  }
  auto d = it->second.distance.find(to);
  if (d == it->second.distance.end()) {
    return std::nullopt;
  }
  return d->second;
}

std::vector<std::string> Igp::first_hops(const std::string& from, const std::string& to, Family family) const {
  auto it = trees_.find({from, family});
  if (it == trees_.end()) {
    return {};
  }
  auto h = it->second.first_hops.find(to);
  if (h == it->second.first_hops.end()) {
    return {};
  }
  return {h->second.begin(), h->second.end()};
}

const std::vector<IgpRoute>& Igp::routes(const std::string& router, Family family) const {
  static const std::vector<IgpRoute> kNone;
  auto it = routes_.find({router, family});
  return it == routes_.end() ? kNone : it->second;
}

const IgpRoute* Igp::lookup(const std::string& router, const IpAddress& address) const {
  const IgpRoute* best = nullptr;
  for (const auto& r : routes(router, address.family)) {
    if (r.prefix.contains(address) && (best == nullptr || r.prefix.length > best->prefix.length)) {
      best = &r;
    }
  }
  return best;
}

}  // namespace flowlab::oracle::detail
