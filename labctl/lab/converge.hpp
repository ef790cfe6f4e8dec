// flowlab::lab convergence — waiting, by polling the routers' own state (never by sleeping a fixed time), until
// every BGP session between routers is Established and every announced prefix is present on every router that
// should have it.
//
// "Should have it" is computed from the topology by a path-vector reachability walk: a prefix travels from its
// originator over BGP sessions, eBGP only to an AS not yet on the path, iBGP-learned routes never to another iBGP
// peer (no route reflection), and not where an export/import `deny` policy drops it.
#pragma once

#include "common/result.hpp"
#include "labctl/lab/lab.hpp"
#include "labctl/topology/model.hpp"

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace flowlab::lab {

// router name -> prefixes it should learn or originate.
std::map<std::string, std::set<Prefix>> expected_prefixes(const topology::Topology& topo);

struct ConvergeReport {
  bool converged = false;
  std::chrono::milliseconds elapsed{0};
  std::vector<std::string> problems;  // "r3 lacks 203.0.113.0/24", "r1: session to 198.18.0.1 (u1) is Active"
};

// Polls until converged or timeout. Fails only on errors reading the routers (not on a timeout: see report).
Result<ConvergeReport> converge(const topology::Topology& topo, const Options& options,
                                std::chrono::milliseconds timeout);

}  // namespace flowlab::lab
