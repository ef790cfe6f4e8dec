// flowlab::scenario runner — `labctl run`: deploy the scenario's topology, execute its steps, verify every
// expectation three ways (oracle, routers' RIBs, collector records; plus explicit values), write the run
// directory (DESIGN.md section 9) and destroy the lab.
//
// Steps (model.hpp): converge (routers by polling their RIBs, then each collector's BGP view until it holds what
// the oracle says its peers export), send (flowgen sinks in the destination hosts, ready before the senders
// start; exact counts), collect (SIGUSR2 to every flowprobe, then the collector's table until it is stable),
// expect (oracle observations × router RIB × collector rows), link down/up (netlink, both ends), bgp down/up
// (the router's session, via its driver), wait. Nothing sleeps where something can be polled.
#pragma once

#include "labctl/report/report.hpp"
#include "labctl/scenario/model.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace flowlab::scenario {

struct RunOptions {
  std::filesystem::path lab_rundir = "/run/flowlab";  // where the lab's namespaces' files live (lab::Options)
  std::filesystem::path out_dir;                      // the run directory; "" = ./flowlab-runs/<scenario>-<stamp>
  bool keep = false;                                  // leave the lab running afterwards
  std::function<void(const std::string&)> progress;   // one line per step
};

// Runs one scenario end to end. Never throws; runtime problems end the run with RunRecord::runtime_error set
// (the lab is still destroyed unless keep).
report::RunRecord run_scenario(const Scenario& scenario, const RunOptions& options);

}  // namespace flowlab::scenario
