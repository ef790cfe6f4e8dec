// flowlab::scenario run context — what the steps of one `labctl run` share: the scenario, the lab's options, the
// run record being written, the topology as the steps so far left it, and the per-run caches. The orchestrator
// (runner.cpp) owns one; each step kind is a run_step() overload in its own file under steps/.
#pragma once

#include "common/result.hpp"
#include "labctl/lab/lab.hpp"
#include "labctl/oracle/oracle.hpp"
#include "labctl/report/report.hpp"
#include "labctl/report/sankey.hpp"
#include "labctl/scenario/model.hpp"
#include "labctl/scenario/runner.hpp"
#include "nodes/core/driver.hpp"
#include "nodes/core/probe_driver.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace flowlab::scenario {

// Where delivery accounting of one (probe, final collector) starts again after a restart on the way: the probe's
// datagrams_sent and the collector's datagram count from the probe's exporter at that moment.
struct DeliveryBase {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  bool probe_restarted = false;  // the probe restarted under a running collector: its sequence numbers went back
};

class RunContext {
 public:
  RunContext(const Scenario& scenario, const RunOptions& options);

  void say(const std::string& line) const;
  [[nodiscard]] const topology::Topology& topo() const { return sc.topology; }
  [[nodiscard]] nodes::NodeContext context(const topology::Node& node) const;
  // The driver of a node of the scenario's topology (the loader admits only kinds with one).
  [[nodiscard]] const nodes::NodeDriver& driver(const topology::Node& node) const;
  [[nodiscard]] nodes::ProbeContext probe_context(std::size_t probe) const;
  // ifindex -> interface name inside a node's namespace (cached for the run).
  const std::map<std::uint32_t, std::string>& ifnames(const std::string& node);
  // The lab's processes as its state file records them.
  [[nodiscard]] std::vector<process::ProcessRef> lab_processes() const;

  const Scenario& sc;
  const RunOptions& options;
  lab::Options lab_options;
  report::RunRecord run;
  std::filesystem::path out_dir;
  bool deployed = false;
  bool collected = false;  // the probes were flushed since the last traffic or fault
  int send_steps = 0;
  std::size_t step_index = 0;
  topology::Topology current;  // the topology as the steps so far left it (expect steps)
  topology::Topology routing;  // the deployed topology with the announce lists the steps so far left (drivers)
  // Delivery counted from the last restart on the way of (probe index, final collector).
  std::map<std::pair<std::size_t, std::string>, DeliveryBase> delivery_base;
  // Per probe index, what its last flush left of the captured packets out of the export (ProbeFlush::held_back).
  std::map<std::size_t, nodes::HeldBack> held_back;
  std::unique_ptr<oracle::Oracle> oracle;
  std::vector<report::TrafficFact> traffic;  // the current expect step's (report.html)
  std::optional<nlohmann::json> death;       // the first lab process found dead (process_watch.cpp)

 private:
  std::map<std::string, std::map<std::uint32_t, std::string>> ifnames_;
};

double seconds_since(std::chrono::steady_clock::time_point t0);

// ---- the steps (one file each under steps/) ----
Status run_step(RunContext& run, const ConvergeStep& step, report::StepRecord& rec);
Status run_step(RunContext& run, const SendStep& step, report::StepRecord& rec);
Status run_step(RunContext& run, const CollectStep& step, report::StepRecord& rec);
Status run_step(RunContext& run, const ExpectStep& step, report::StepRecord& rec);
Status run_step(RunContext& run, const LinkStep& step, report::StepRecord& rec);
Status run_step(RunContext& run, const BgpStep& step, report::StepRecord& rec);
Status run_step(RunContext& run, const BmpStep& step, report::StepRecord& rec);
Status run_step(RunContext& run, const AnnounceStep& step, report::StepRecord& rec);
Status run_step(RunContext& run, const WithdrawStep& step, report::StepRecord& rec);
Status run_step(RunContext& run, const RestartStep& step, report::StepRecord& rec);
Status run_step(RunContext& run, const WaitStep& step, report::StepRecord& rec);

// ---- delivery (steps/collect.cpp), shared by collect, expect and restart ----
// Flushes every probe and waits until every final collector it feeds has received all its datagrams; one verdict
// point per (probe, final collector).
Status collect(RunContext& run, report::StepRecord& rec);
// Makes probe i export every flow it holds now.
Result<nodes::ProbeFlush> flush_probe(RunContext& run, std::size_t probe);
// Flushes probe i and waits until every final collector it feeds has received every datagram it sent (counted
// since the last restart on the way). Adds one detail per feed to `details` and, with `verdict`, one delivery
// verdict point per feed. Returns the probe's datagrams_sent counter after the flush.
Result<std::uint64_t> deliver(RunContext& run, std::size_t probe, nlohmann::json& details, report::StepRecord* verdict,
                              std::set<std::string>* tees_seen);
// The collector's counters for datagrams from `exporter`; nullopt when it does not answer.
std::optional<nodes::DeliveryCounters> delivery_counters(RunContext& run, const topology::Node& collector,
                                                         const IpAddress& exporter);

// ---- process watching (process_watch.cpp) ----
// How often the waits of a step look at the lab's processes: a death is reported within this (plus one poll).
inline constexpr std::chrono::milliseconds kWatchInterval{100};
// Fails (and records run.death) when a process of the lab state is gone: the node, the process, its exit status or
// signal, the step and the tail of its log. Once a death is found, every later call fails with it.
Status watch_processes(RunContext& run);
// Sleeps `duration`, watching the processes every kWatchInterval.
Status watched_sleep(RunContext& run, std::chrono::milliseconds duration);

// ---- the run directory (artefacts.cpp) ----
// Copies the nodes' files, the routers' and collectors' RIBs and the collectors' records into the run directory.
void save_artefacts(RunContext& run);
// verdict.txt, verdict.json, junit.xml, steps.json (the time steps, when the scenario has them), report.html.
void write_reports(const RunContext& run);

}  // namespace flowlab::scenario
