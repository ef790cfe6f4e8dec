// flowlab::nodes::pmacctd — the `pmacctd` probe kind: pmacct's pmacctd (Debian 12: 1.7.7) capturing one interface
// of its node with the `nfprobe` plugin (NetFlow v5, v9, IPFIX) or, for `format: sflow`, the `sfprobe` plugin.
//
//   pmacctd -f <node dir>/pmacctdN.conf
//
// The config (render_config()) keeps it in the foreground (`daemonize: false`), writes its pid file into the node
// directory (the readiness sign), captures `pcap_interface` (`pcap_direction` for `direction: in|out`) and
// exports to the collector's management address: nfprobe with `nfprobe_timeouts` from the probe's timeouts
// (tcp, udp, icmp, general = inactive; maxlife = active; expint=1) or sfprobe with `sampling_rate` and
// `sfprobe_agentip` = the node's mgmt0 address. pmacctd has no flush command and reports no export statistics:
// flush waits for the inactive timeout plus the 1 s expiry scan (nfprobe; sfprobe sends samples at once), and the
// runner checks only that datagrams arrived.
//
// Records carry no interface index (0: no pcap_ifindex / pcap_interfaces_map is rendered); the verifier flags
// iface_in/iface_out as not provided. Not yet: `bgp: true` (pmacctd's own bgp_daemon feed, seed 000's model 1) and
// `ifindex:` maps (pcap_interfaces_map) are topology errors naming the kind; more than one capture interface too.
#pragma once

#include "nodes/core/probe_driver.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace flowlab::nodes::pmacctd {

std::filesystem::path config_file(const std::filesystem::path& node_dir, std::size_t index);
std::filesystem::path pid_file(const std::filesystem::path& node_dir, std::size_t index);
// pmacctd's configuration for probe `index` (pure: same topology, same text).
Result<std::string> render_config(const topology::Topology& topo, std::size_t index,
                                  const std::filesystem::path& node_dir);

class PmacctdDriver final : public ProbeDriver {
 public:
  [[nodiscard]] std::string process_name(std::size_t index) const override { return indexed_name("pmacctd", index); }
  Result<process::Spec> spec(const ProbeContext& ctx) const override;
  // The core's pid file and its plugin's (pmacct appends "-<plugin type>-<name>").
  [[nodiscard]] std::vector<std::filesystem::path> stale_files(const ProbeContext& ctx) const override {
    const auto pid = pid_file(ctx.node_dir, ctx.index);
    return {pid, pid.string() + "-nfprobe-p", pid.string() + "-sfprobe-p"};
  }
  [[nodiscard]] std::filesystem::path ready_file(const ProbeContext& ctx) const override {
    return pid_file(ctx.node_dir, ctx.index);
  }
  Result<ProbeFlush> flush(const ProbeContext& ctx, const process::ProcessRef& process) const override;
  [[nodiscard]] std::vector<topology::KindIssue> check(const topology::ProbeSpec& probe) const override;
  [[nodiscard]] std::map<std::string, std::string> unprovided_fields(const topology::ProbeSpec& probe) const override;
};

}  // namespace flowlab::nodes::pmacctd
