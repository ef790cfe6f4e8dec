// flowlab::lab convergence — waiting, by polling the routers' own state (never by sleeping a fixed time), until
// the lab has settled. The one implementation behind `labctl converge`, `labctl deploy --converge` and a
// scenario's `converge` step.
//
// Rule kOracle (the default): converged when
//   - every BGP session between routers (and to in-router probes) is Established;
//   - every router's best BGP path for every prefix equals the oracle's (labctl/oracle) where the oracle decides:
//     AS path, BGP next hop, first-hop interface; where the oracle flags a tie (`ambiguous`), the router's choice
//     is unchanged across two consecutive polls; no router holds a best BGP route the oracle says it lacks;
//   - the kernel FIB (read over netlink inside the router's namespace) holds each of those prefixes and sends it
//     out of the interface the router's best path uses (the oracle's first hop, or the RIB's own interface);
//   - every collector peering with routers has its sessions Established and holds every route the oracle says
//     the routers export to it.
// Rule kReachability (`--no-oracle`, for topologies the oracle does not model): every router-router session
// Established and every announced prefix present (as some best route) on every router that a path-vector
// reachability walk says should have it: eBGP only to an AS not yet on the path, iBGP-learned routes never to
// another iBGP peer, not where an export/import `deny` policy drops it. Best paths are not compared.
#pragma once

#include "common/result.hpp"
#include "labctl/lab/lab.hpp"
#include "labctl/oracle/oracle.hpp"
#include "model/model.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace flowlab::lab {

// router name -> prefixes it should learn or originate (the kReachability rule's walk).
std::map<std::string, std::set<Prefix>> expected_prefixes(const topology::Topology& topo);

enum class ConvergeRule : std::uint8_t { kOracle, kReachability };
const char* to_string(ConvergeRule rule);  // "oracle", "reachability"

struct ConvergeOptions {
  std::chrono::milliseconds timeout{60000};
  ConvergeRule rule = ConvergeRule::kOracle;
  // The oracle of `topo` when the caller has one already (kOracle); nullptr: converge() builds it.
  const oracle::Oracle* oracle = nullptr;
  std::chrono::milliseconds poll{100};
  // Called before every poll (the scenario runner's process watch); its error ends converge.
  std::function<Status()> watch;
};

struct ConvergeReport {
  bool converged = false;
  ConvergeRule rule = ConvergeRule::kOracle;
  std::chrono::milliseconds elapsed{0};
  std::size_t polls = 0;
  // On timeout, one line per difference: "r1: session to 198.18.0.1 (u1) is Active", "r3 lacks 203.0.113.0/24",
  // "r2: 203.0.113.0/24 best path 65101_65103 via 198.18.0.2, oracle 65102_65103 via 10.255.0.3 (local-pref 200
  // over 100)", "r2: 203.0.113.0/24 kernel FIB via eth1, best path via eth2".
  std::vector<std::string> problems;
  // True when every remaining problem is a best path (or FIB entry) that differs from the oracle: sessions are up
  // and every prefix has arrived. The scenario runner goes on then and lets `expect` report the difference.
  bool only_paths = false;
};

// Polls until converged or timeout. Fails only on errors building the oracle or finding a node's driver (not on a
// timeout: see the report).
Result<ConvergeReport> converge(const topology::Topology& topo, const Options& options,
                                const ConvergeOptions& converge_options);

}  // namespace flowlab::lab
