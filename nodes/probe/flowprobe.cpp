#include "nodes/probe/flowprobe.hpp"

#include "common/poll.hpp"
#include "platform/process/locate.hpp"

#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace flowlab::nodes {

namespace fs = std::filesystem;
using topology::ExportFormat;
using topology::ProbeDirection;

std::string probe_process_name(std::size_t index) { return indexed_name("flowprobe", index); }

fs::path probe_pidfile(const fs::path& node_dir, std::size_t index) {
  return node_dir / (probe_process_name(index) + ".pid");
}

fs::path probe_flows_file(const fs::path& node_dir, std::size_t index) {
  return node_dir / (probe_process_name(index) + ".flows.jsonl");
}

fs::path probe_stats_file(const fs::path& node_dir, std::size_t index) {
  return node_dir / (probe_process_name(index) + ".stats.json");
}

namespace {

std::string direction_flag(ProbeDirection d) {
  switch (d) {
    case ProbeDirection::kIn:
      return "in";
    case ProbeDirection::kOut:
      return "out";
    case ProbeDirection::kBoth:
      break;
  }
  return "both";
}

}  // namespace

Result<process::Spec> flowprobe_spec(const topology::Topology& topo, std::size_t index, const fs::path& node_dir) {
  auto target = probe_target(topo, index);
  FLOWLAB_TRY(target);
  const topology::ProbeSpec& probe = *target->probe;
  const topology::Node* node = target->node;

  process::Spec spec;
  spec.name = probe_process_name(index);
  spec.netns = node->namespace_name;
  spec.log_file = node_dir / (spec.name + ".log");
  auto& a = spec.argv;
  a = {process::locate_program("flowprobe")};
  for (const auto& ifname : probe.interfaces) {
    a.insert(a.end(), {"-i", ifname});
  }
  if (probe.mirror) {
    a.insert(a.end(), {"-i", span_interface(index)});
  }
  // A mirror-only probe sees the SPAN copies arriving on span<N>; a probe on its own interfaces meters as told.
  const bool mirror_only = probe.mirror && probe.interfaces.empty();
  a.insert(a.end(), {"--direction", mirror_only ? std::string("in") : direction_flag(probe.direction)});
  a.insert(a.end(), {"-n", target->collector_endpoint()});
  a.insert(a.end(), {"--source", node->mgmt4.address.to_string()});
  if (probe.format == ExportFormat::kSflow) {
    a.emplace_back("--sflow");
  } else {
    a.insert(a.end(), {"-v", netflow_version(probe.format)});
  }
  a.insert(a.end(), {"-s", std::to_string(probe.sampling)});
  a.insert(a.end(), {"--active-timeout", std::to_string(probe.active_timeout_s) + "s"});
  a.insert(a.end(), {"--inactive-timeout", std::to_string(probe.inactive_timeout_s) + "s"});
  if (node->is_router() && !mirror_only) {
    a.emplace_back("--fib");  // output interface, next hop and masks from the router's own FIB
  }
  if (probe.bgp && node->is_router() && !mirror_only) {
    // Model 1: the router connects to us (see topology::kProbeBgp*); iBGP, our AS mirrors the router's.
    a.insert(a.end(), {"--bgp-peer", topology::kProbeBgpRouterAddress, "--bgp-listen",
                       std::string(topology::kProbeBgpProbeAddress) + ":" + std::to_string(topology::kProbeBgpPort),
                       "--bgp-asn", std::to_string(node->asn)});
  }
  for (const auto& [ifname, ifindex] : probe.ifindex) {
    a.insert(a.end(), {"--ifindex", ifname + "=" + std::to_string(ifindex)});
  }
  a.insert(a.end(), {"--flows-json", probe_flows_file(node_dir, index).string()});
  a.insert(a.end(), {"-p", probe_pidfile(node_dir, index).string()});
  a.insert(a.end(), {"--stats-file", probe_stats_file(node_dir, index).string()});
  a.emplace_back("--json");
  if (!probe.fault.empty()) {
    a.insert(a.end(), {"--fault", probe.fault});  // a seeded fault (test-only, docs/faults.md)
  }
  return spec;
}

namespace {

std::uint64_t flush_count(const fs::path& stats_file, nlohmann::json* stats) {
  std::ifstream in(stats_file);
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return 0;
  }
  const auto flushes = j.contains("flushes") && j["flushes"].is_number() ? j["flushes"].get<std::uint64_t>() : 0;
  if (stats != nullptr) {
    *stats = std::move(j);
  }
  return flushes;
}

}  // namespace

Result<ProbeFlush> FlowprobeDriver::flush(const ProbeContext& ctx, const process::ProcessRef& process) const {
  const fs::path stats_file = probe_stats_file(ctx.node_dir, ctx.index);
  const std::uint64_t before = flush_count(stats_file, nullptr);
  ::kill(process.pid, SIGUSR2);
  ProbeFlush out;
  if (!poll_for([&] { return flush_count(stats_file, &out.stats) > before; }, std::chrono::seconds(10),
                std::chrono::milliseconds(10))) {
    return fail(ErrorKind::kVerify, "did not flush within 10 s");
  }
  const auto& sent = out.stats["datagrams_sent"];
  out.datagrams_sent = sent.is_number() ? sent.get<std::uint64_t>() : 0;
  return out;
}

}  // namespace flowlab::nodes
