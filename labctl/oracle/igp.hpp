// flowlab::oracle IGP — OSPF shortest paths inside each AS, as BIRD and FRR compute them from the rendered configs.
//
// One graph per family (OSPFv2 over interfaces with IPv4 addresses, OSPFv3 over those with IPv6 ones): routers are
// vertices, every `ospf` interface an edge with its cost. Dijkstra from each OSPF router gives the distance to
// every router of its AS and the set of first-hop interfaces of all equal-cost paths (ECMP). OSPF routes are the
// routers' loopbacks (/32, /128) and the subnets of their OSPF links; nothing else is redistributed.
#pragma once

#include "common/ip.hpp"
#include "model/model.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace flowlab::oracle::detail {

struct IgpRoute {
  Prefix prefix;
  std::uint32_t cost = 0;
  std::vector<std::string> out_interfaces;  // first hops on the computing router, sorted; >1 = ECMP
};

class Igp {
 public:
  explicit Igp(const topology::Topology& topo);

  // Cost from router `from` to router `to` in `family`'s graph (0 to itself); nullopt when unreachable or when
  // either does not run OSPF (or they are in different ASes).
  [[nodiscard]] std::optional<std::uint32_t> distance(const std::string& from, const std::string& to,
                                                      Family family) const;
  // First-hop interfaces of `from` on the shortest paths to `to` (empty when unreachable or to itself).
  [[nodiscard]] std::vector<std::string> first_hops(const std::string& from, const std::string& to,
                                                    Family family) const;
  // Every OSPF route of `router` that is not its own (loopbacks and link subnets of the rest of its AS).
  [[nodiscard]] const std::vector<IgpRoute>& routes(const std::string& router, Family family) const;
  // The longest OSPF route of `router` containing `address` (nullptr: none).
  [[nodiscard]] const IgpRoute* lookup(const std::string& router, const IpAddress& address) const;

 private:
  struct Tree {
    std::map<std::string, std::uint32_t> distance;
    std::map<std::string, std::set<std::string>> first_hops;
  };
  void build_tree(const topology::Topology& topo, const topology::Node& root, Family family);
  void build_routes(const topology::Topology& topo, const topology::Node& root, Family family);

  std::map<std::pair<std::string, Family>, Tree> trees_;
  std::map<std::pair<std::string, Family>, std::vector<IgpRoute>> routes_;
};

}  // namespace flowlab::oracle::detail
