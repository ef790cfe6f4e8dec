// flowlab::nodes::fprobe — the `fprobe` probe kind: fprobe (Debian 12: 1.1) capturing an interface of its node and
// exporting NetFlow v5 to the probe's collector.
//
//   fprobe -l 2:fl-<lab>-<node>-fprobeN[-IF] -i IF -f ip -n 5 -e ACTIVE -d INACTIVE -s 1 -a <node mgmt0> [-x IFINDEX]
//          COLLECTOR:PORT
//
// `-l 2:ID` logs to stdout and so keeps it in the foreground (fprobe(8)); fprobe still writes
// /var/run/fprobe[ID].pid, so it runs with its own mount namespace whose /run is `fprobeN[-IF].run` in the node
// directory (nothing is left outside the lab). fprobe captures one `-i`: a probe with several capture interfaces
// runs one fprobe per interface ("fprobe0-eth1", "fprobe0-eth2": each its own log, run directory, pid file and
// `-x`), started, flushed and stopped together. Readiness: that pid file. fprobe has no flush command and reports
// no export statistics: flush waits for the inactive timeout plus its 1 s scan period (`-s 1`), and the runner
// checks only that datagrams arrived. `-x N` (from the probe's `ifindex:` for its interface) is fprobe's fixed
// input and output SNMP index; without it both are 0.
//
// What it cannot honour (topology errors naming the kind): any format but v5 (fprobe(8): `-n` 1, 5, 7), sampling,
// `bgp: true`, a `direction` other than both. NetFlow v5 carries no IPv6: IPv6
// streams have no record at all, reported as "not provided by this kind".
#pragma once

#include "nodes/core/probe_driver.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace flowlab::nodes::fprobe {

// The directory mounted on /run for ctx's fprobe process, and the pid file fprobe writes there.
std::filesystem::path run_dir(const ProbeContext& ctx);
std::filesystem::path pid_file(const ProbeContext& ctx);

class FprobeDriver final : public ProbeDriver {
 public:
  [[nodiscard]] std::string process_name(std::size_t index) const override { return indexed_name("fprobe", index); }
  Result<process::Spec> spec(const ProbeContext& ctx) const override;
  [[nodiscard]] std::vector<std::filesystem::path> stale_files(const ProbeContext& ctx) const override {
    return {pid_file(ctx)};
  }
  [[nodiscard]] std::filesystem::path ready_file(const ProbeContext& ctx) const override { return pid_file(ctx); }
  // One fprobe per capture interface (it captures one `-i`).
  [[nodiscard]] std::size_t instances(const topology::ProbeSpec& probe) const override;
  Result<ProbeFlush> flush(const ProbeContext& ctx, const process::ProcessRef& process) const override;
  [[nodiscard]] std::string unchecked_sequence(const topology::ProbeSpec& probe) const override;
  [[nodiscard]] std::vector<topology::KindIssue> check(const topology::ProbeSpec& probe) const override;
  [[nodiscard]] std::map<std::string, std::string> unprovided_fields(const topology::ProbeSpec& probe) const override;
};

}  // namespace flowlab::nodes::fprobe
