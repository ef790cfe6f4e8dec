// flowlab::nodes probe kinds — how a topology's `probes:` entry runs inside its node. The lab starts a probe with
// spec() once the routers are up and waits for ready_file(); the scenario runner calls flush() before it reads
// what the collectors received. Adding a probe kind = its folder + one line in registry.cpp.
#pragma once

#include "common/result.hpp"
#include "model/model.hpp"
#include "platform/process/process.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace flowlab::nodes {

// Probe `index` of `topology->probes`, running in the node whose run directory is `node_dir`.
struct ProbeContext {
  const topology::Topology* topology = nullptr;
  std::size_t index = 0;
  std::filesystem::path node_dir;
};

// What a flush reports: the datagrams the probe has sent since it started, and its own statistics.
struct ProbeFlush {
  std::uint64_t datagrams_sent = 0;
  nlohmann::json stats;
};

class ProbeDriver {
 public:
  virtual ~ProbeDriver() = default;
  ProbeDriver() = default;
  ProbeDriver(const ProbeDriver&) = delete;
  ProbeDriver& operator=(const ProbeDriver&) = delete;

  // The process name in the lab's state and in verdicts ("flowprobe0").
  [[nodiscard]] virtual std::string process_name(std::size_t index) const = 0;
  // The start spec (netns and log file set).
  virtual Result<process::Spec> spec(const ProbeContext& ctx) const = 0;
  // Files removed before the probe (re)starts: a restarted probe counts from zero.
  [[nodiscard]] virtual std::vector<std::filesystem::path> stale_files(const ProbeContext& ctx) const = 0;
  // Exists once the probe captures.
  [[nodiscard]] virtual std::filesystem::path ready_file(const ProbeContext& ctx) const = 0;
  // Makes the running probe `process` export every flow it holds now; returns once the export is done. An error
  // message reads after the process name and node ("did not flush within 10 s").
  virtual Result<ProbeFlush> flush(const ProbeContext& ctx, const process::ProcessRef& process) const = 0;
};

// The driver that runs `probe` (flowprobe: the only probe kind so far).
const ProbeDriver& probe_driver(const topology::ProbeSpec& probe);

}  // namespace flowlab::nodes
