// flowlab::nodes probes — how a topology's `probes:` entries run: flowprobe's command line inside the probe node,
// and the names of the SPAN link a mirror probe gets.
//
// A probe on a router captures its listed interfaces (`direction` in/out/both; output ifindex, next hop and masks
// from the router's own FIB). A mirror probe captures `span<N>` in its node: the lab joins that node and the mirrored
// router (`mir<N>`) with a veth pair and mirrors the router interface onto it with tc mirred. Export goes to the
// collector's management address and its `listen` port for the format, from the probe node's mgmt0 address — so
// the exporter address a collector sees is that mgmt0 address.
#pragma once

#include "common/result.hpp"
#include "model/model.hpp"
#include "nodes/core/probe_driver.hpp"
#include "platform/process/process.hpp"

#include <cstddef>
#include <filesystem>
#include <string>

namespace flowlab::nodes {

// The process name of probe `index` in the lab's state ("flowprobe0"): how the runner finds it to flush it.
std::string probe_process_name(std::size_t index);
// Files flowprobe `index` keeps in its node directory.
std::filesystem::path probe_pidfile(const std::filesystem::path& node_dir, std::size_t index);
std::filesystem::path probe_flows_file(const std::filesystem::path& node_dir, std::size_t index);
// Stats JSON, rewritten after each SIGUSR2 flush (its `flushes` counts them), on SIGUSR1 and on exit.
std::filesystem::path probe_stats_file(const std::filesystem::path& node_dir, std::size_t index);

// flowprobe's start spec (netns and log file set) for probe `index` of topo.probes; node_dir is the probe node's
// run directory.
Result<process::Spec> flowprobe_spec(const topology::Topology& topo, std::size_t index,
                                     const std::filesystem::path& node_dir);

// The flowprobe kind: flush = SIGUSR2, then its stats file counts one more flush.
class FlowprobeDriver final : public ProbeDriver {
 public:
  [[nodiscard]] std::string process_name(std::size_t index) const override { return probe_process_name(index); }
  Result<process::Spec> spec(const ProbeContext& ctx) const override {
    return flowprobe_spec(*ctx.topology, ctx.index, ctx.node_dir);
  }
  [[nodiscard]] std::vector<std::filesystem::path> stale_files(const ProbeContext& ctx) const override {
    return {probe_pidfile(ctx.node_dir, ctx.index), probe_stats_file(ctx.node_dir, ctx.index)};
  }
  [[nodiscard]] std::filesystem::path ready_file(const ProbeContext& ctx) const override {
    return probe_pidfile(ctx.node_dir, ctx.index);
  }
  Result<ProbeFlush> flush(const ProbeContext& ctx, const process::ProcessRef& process) const override;
};

}  // namespace flowlab::nodes
