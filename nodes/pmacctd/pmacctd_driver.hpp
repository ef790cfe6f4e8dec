// flowlab::nodes::pmacctd — the `pmacctd` probe kind: pmacct's pmacctd (Debian 12: 1.7.7) capturing interfaces
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
// `bgp: true` (seed 000's model 1, nfprobe formats only): pmacctd runs its own bgp_daemon where the router's probe
// session connects (topology::kProbeBgp*, the session the routers render for any probe kind), pmacctd_as/pmacctd_net
// bgp, and a catch-all bgp_agent_map entry (<node dir>/pmacctdN-bgp_agent_map.txt) to the router's end; nfprobe then
// exports src_as, dst_as, the BGP next hop and the masks. It exports no adjacent AS: peer_as_src/peer_as_dst are
// flagged not provided; so are as_src/as_dst with pmacct before 1.7.8 (Debian 12's 1.7.7), whose nfprobe writes
// the BGP-derived AS numbers into the wrong record and exports 0 (nfprobe_bgp_as_broken()).
//
// Several capture interfaces: one pmacctd per interface ("pmacctd0-eth1", "pmacctd0-eth2": each its own config,
// pid file and log), not one on `pcap_interfaces_map`: with a single `pcap_interface` pmacctd reopens an interface
// that went down (src/pmacctd.c main loop), with the map it keeps selecting the dead descriptor and exported
// nothing more in the lab. `bgp: true` then is an error (one bgp_daemon address per probe). Records carry no
// interface index (pmacctd sets one only for a capture with a direction, src/pmacctd.c pcap_cb(); no
// in_iface/out_iface is aggregated): the verifier flags iface_in/iface_out as not provided. `ifindex:` maps are
// topology errors naming the kind.
#pragma once

#include "nodes/core/probe_driver.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::nodes::pmacctd {

// The files of pmacctd process `name` (ProbeDriver::instance_name(): "pmacctd0", "pmacctd0-eth2").
std::filesystem::path config_file(const std::filesystem::path& node_dir, const std::string& name);
std::filesystem::path pid_file(const std::filesystem::path& node_dir, const std::string& name);
// The bgp_agent_map of a probe with `bgp: true`, and its one line (every packet to the router's session).
std::filesystem::path agent_map_file(const std::filesystem::path& node_dir, const std::string& name);
std::string agent_map();
// Whether the pmacctd of `banner` (`pmacctd -V`: "... pmacctd 1.7.7-git [RELEASE]") exports src_as/dst_as 0 from
// nfprobe with a BGP feed: pmacct before 1.7.8 (ChangeLog 1.7.8, "BGP data enrichment was not working").
bool nfprobe_bgp_as_broken(std::string_view banner);
// pmacctd's configuration for process `instance` of probe `index` (pure: same topology, same text).
Result<std::string> render_config(const topology::Topology& topo, std::size_t index,
                                  const std::filesystem::path& node_dir, std::size_t instance = 0);

class PmacctdDriver final : public ProbeDriver {
 public:
  [[nodiscard]] std::string process_name(std::size_t index) const override { return indexed_name("pmacctd", index); }
  Result<process::Spec> spec(const ProbeContext& ctx) const override;
  // The core's pid file and its plugin's (pmacct appends "-<plugin type>-<name>").
  [[nodiscard]] std::vector<std::filesystem::path> stale_files(const ProbeContext& ctx) const override {
    const auto pid = pid_file(ctx.node_dir, instance_name(ctx));
    return {pid, pid.string() + "-nfprobe-p", pid.string() + "-sfprobe-p"};
  }
  [[nodiscard]] std::filesystem::path ready_file(const ProbeContext& ctx) const override {
    return pid_file(ctx.node_dir, instance_name(ctx));
  }
  // One pmacctd per capture interface: in that mode pmacctd reopens an interface that went down ("has become
  // unavailable; throttling ...", src/pmacctd.c), where its pcap_interfaces_map mode keeps selecting the dead one.
  [[nodiscard]] std::size_t instances(const topology::ProbeSpec& probe) const override;
  Result<ProbeFlush> flush(const ProbeContext& ctx, const process::ProcessRef& process) const override;
  [[nodiscard]] std::string unchecked_sequence(const topology::ProbeSpec& probe) const override;
  [[nodiscard]] std::vector<topology::KindIssue> check(const topology::ProbeSpec& probe) const override;
  [[nodiscard]] std::map<std::string, std::string> unprovided_fields(const topology::ProbeSpec& probe) const override;
};

}  // namespace flowlab::nodes::pmacctd
