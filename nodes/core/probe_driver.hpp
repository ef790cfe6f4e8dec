// flowlab::nodes probe kinds — how a topology's `probes:` entry runs inside its node (its `kind:`: flowprobe,
// softflowd, fprobe, pmacctd). The lab starts a probe with spec() once the routers are up and waits for
// ready_file(); the scenario runner calls flush() before it reads what the collectors received. check() tells the
// topology loader which of a probe's options the kind cannot honour. Adding a probe kind = its folder + one line
// in registry.cpp.
#pragma once

#include "common/result.hpp"
#include "model/kinds.hpp"
#include "model/model.hpp"
#include "platform/process/process.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::nodes {

// Probe `index` of `topology->probes`, running in the node whose run directory is `node_dir`.
struct ProbeContext {
  const topology::Topology* topology = nullptr;
  std::size_t index = 0;
  std::filesystem::path node_dir;
  // Which of the probe's processes (ProbeDriver::instances()): 0 for a kind that runs one.
  std::size_t instance = 0;
};

// Captured packets a probe left out of its export at a flush: why, in words naming the kind's cause ("" when it
// holds none back), and how many when the kind can tell. The collect step shows the words on the probe's delivery
// point, an expect step on a stream without a record; with the count, the expect step flags the streams' counter
// shortfalls at that probe that the count covers (labctl/verify/held_back.hpp), and fails the rest.
struct HeldBack {
  std::string why;
  std::optional<std::uint64_t> packets = 0;  // nullopt: some, but the kind cannot tell how many
  [[nodiscard]] bool empty() const { return why.empty(); }
};

// What a flush reports: the datagrams the probe has sent since it started, and its own statistics. A kind that
// reports no export statistics (fprobe, pmacctd's nfprobe) says so with `counted` false: the runner then checks
// only that datagrams arrived.
struct ProbeFlush {
  std::uint64_t datagrams_sent = 0;
  bool counted = true;
  nlohmann::json stats;
  HeldBack held_back;
};

// Where probe `index` runs and exports to, resolved from the topology: the probe, its node, the collector (or tee)
// it exports to and that node's listen port for the probe's format (an error when one is missing).
struct ProbeTarget {
  const topology::ProbeSpec* probe = nullptr;
  const topology::Node* node = nullptr;
  const topology::Node* collector = nullptr;
  std::uint16_t port = 0;
  // "198.19.128.3:2055": the collector's management address and port.
  [[nodiscard]] std::string collector_endpoint() const;
};
Result<ProbeTarget> probe_target(const topology::Topology& topo, std::size_t index);
// Interface names of probe `index`'s SPAN link: on the probe node and on the mirrored router.
std::string span_interface(std::size_t index);  // "span0"
std::string mirror_port(std::size_t index);     // "mir0"

// A process name with the probe's index: "softflowd0".
std::string indexed_name(std::string_view base, std::size_t index);

// The interfaces probe `index` captures: its `interfaces:`, then its SPAN interface when it mirrors (or names none).
std::vector<std::string> capture_interfaces(const topology::ProbeSpec& probe, std::size_t index);

// flush() of process `instance` > 0 of a kind that flushes by expiry: the first process's wait covers them all.
ProbeFlush expired_with_first(const std::string& probe_process);

// unchecked_sequence() of a kind running `instances` processes for one probe (ProbeDriver::instances()).
std::string one_sequence_per_instance(std::string_view kind, std::size_t instances);

// The flush of a kind without a flush command: waits until `probe`'s inactive timeout and the kind's expiry scan
// period (`scan`) have passed since the traffic stopped, plus a second for the export; datagrams not counted.
ProbeFlush flush_by_expiry(const topology::ProbeSpec& probe, std::chrono::seconds scan);

// The NetFlow version number of a format as probes take it on their command line: "5", "9", "10" (IPFIX); "" for
// sFlow.
std::string netflow_version(topology::ExportFormat format);

// What a probe kind can do, for the shared part of check(): the options outside it are issues naming the kind.
struct ProbeAbilities {
  std::vector<topology::ExportFormat> formats;  // export formats it speaks
  bool bgp = false;                             // `bgp: true` (its own BGP feed, model 1)
  bool direction = false;                       // `direction: in|out` (else it meters both ways)
  bool many_interfaces = false;                 // more than one capture interface (a mirror counts as one)
  bool sampling = true;                         // `sampling` > 1
  bool ifindex = true;                          // `ifindex:` maps
  bool faults = false;                          // `fault:` (a seeded fault switch: flowprobe's own, docs/faults.md)
};
std::vector<topology::KindIssue> check_abilities(std::string_view kind, const topology::ProbeSpec& probe,
                                                 const ProbeAbilities& can);

class ProbeDriver {
 public:
  virtual ~ProbeDriver() = default;
  ProbeDriver() = default;
  ProbeDriver(const ProbeDriver&) = delete;
  ProbeDriver& operator=(const ProbeDriver&) = delete;

  // The process name in the lab's state and in verdicts ("flowprobe0").
  [[nodiscard]] virtual std::string process_name(std::size_t index) const = 0;
  // How many processes run `probe`: a kind whose program captures one interface runs one per capture interface
  // (capture_interfaces(), in that order). The lab starts spec() for each ProbeContext::instance and stops them
  // with the node; the runner flushes each and adds their datagrams up. Default: 1.
  [[nodiscard]] virtual std::size_t instances(const topology::ProbeSpec& /*probe*/) const { return 1; }
  // The process name of ctx's instance: process_name() for a probe with one process, else with the interface it
  // captures ("softflowd0-eth2"); the kinds name their files (logs, pid files, control sockets) after it.
  [[nodiscard]] std::string instance_name(const ProbeContext& ctx) const;
  // The start spec (netns and log file set).
  virtual Result<process::Spec> spec(const ProbeContext& ctx) const = 0;
  // Files removed before the probe (re)starts: a restarted probe counts from zero.
  [[nodiscard]] virtual std::vector<std::filesystem::path> stale_files(const ProbeContext& ctx) const = 0;
  // Exists once the probe captures.
  [[nodiscard]] virtual std::filesystem::path ready_file(const ProbeContext& ctx) const = 0;
  // Makes the running probe `process` export every flow it holds now; returns once the export is done (a kind
  // without a flush command waits for its shortest timeouts to expire). An error message reads after the process
  // name and node ("did not flush within 10 s").
  virtual Result<ProbeFlush> flush(const ProbeContext& ctx, const process::ProcessRef& process) const = 0;
  // The record fields (DESIGN.md section 6 names) this kind does not provide for `probe`, each with the reason;
  // the verifier flags them instead of comparing. Default: none.
  [[nodiscard]] virtual std::map<std::string, std::string> unprovided_fields(
      const topology::ProbeSpec& /*probe*/) const {
    return {};
  }
  // Why a collector's sequence accounting of this kind's export of `probe` means nothing ("" when it does): the
  // runner then says so instead of checking lost/duplicate counts. Default: "".
  [[nodiscard]] virtual std::string unchecked_sequence(const topology::ProbeSpec& /*probe*/) const { return ""; }
  // The options of `probe` this kind cannot honour (the loader reports each at its key). Default: none.
  [[nodiscard]] virtual std::vector<topology::KindIssue> check(const topology::ProbeSpec& /*probe*/) const {
    return {};
  }
};

// The driver of `probe`'s kind (the first registered probe kind for an empty kind; a driver whose spec() fails for
// a kind the registry does not list — the loader rejects those).
const ProbeDriver& probe_driver(const topology::ProbeSpec& probe);

}  // namespace flowlab::nodes
