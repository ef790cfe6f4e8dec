// flowlab::nodes::softflowd — the `softflowd` probe kind: softflowd (Debian 12: 1.1.0) capturing an interface of
// its node and exporting NetFlow v5, v9 or IPFIX to the probe's collector.
//
//   softflowd -d -i [IFINDEX:]IF -n COLLECTOR:PORT -v 5|9|10 -t maxlife=ACTIVE -t general=INACTIVE
//             -t tcp=INACTIVE -t udp=INACTIVE -t icmp=INACTIVE -t expint=1 [-s N] -c <node dir>/softflowdN[-IF].ctl
//
// `-d` keeps it in the foreground (the lab tracks its PID; it then writes no pid file); the control socket is the
// readiness sign and the flush channel: flush = `softflowctl -c SOCK expire-all` (softflowctl(8): "Immediately
// expire all tracked flows", exported as it answers), then `softflowctl statistics` counts the datagrams sent
// ("Flows exported: F (R records) in P packets"). softflowd's per-protocol timeouts (tcp, udp, icmp) all take the
// probe's inactive timeout, so one idle timer applies as in flowprobe.
//
// softflowd listens on one `-i`: a probe with several capture interfaces runs one softflowd per interface
// ("softflowd0-eth1", "softflowd0-eth2": each its own log and control socket in the node directory, its own
// `-i IFINDEX:IF` from the probe's ifindex map), started, flushed and stopped together.
// What it cannot honour (topology errors naming the kind): sFlow, `bgp: true`, a `direction` other than both. NetFlow
// v5 carries no IPv6 (softflowd(8): "only NetFlow v.9 possesses an IPv6 export capability"); the v5 export then has no
// IPv6 flows at all.
#pragma once

#include "nodes/core/probe_driver.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::nodes::softflowd {

// The control socket of softflowd process `name` (ProbeDriver::instance_name()) in its node directory.
std::filesystem::path control_socket(const std::filesystem::path& node_dir, const std::string& name);

// The datagrams sent, from `softflowctl statistics` ("Flows exported: 3 (3 records) in 2 packets (0 failures)");
// nullopt when the line is missing.
std::optional<std::uint64_t> parse_packets_sent(const std::string& statistics);

// True once softflowd has read every packet libpcap counted for it ("Packets processed" + "Ignored packets" >=
// "Packets received by libpcap").
bool capture_drained(const std::string& statistics);
// How many of the packets libpcap counted for softflowd it has not read, and why (empty when it has read them all):
// its capture hands over only full ring blocks (pcap_open_live with to_ms 0 under TPACKET_V3); from `statistics`.
HeldBack held_back(const std::string& statistics);
// The flush of a softflowd that is alive but did not answer softflowctl (`what`): datagrams not counted, and as
// held_back the cause — after its interface went down libpcap keeps it inside pcap_dispatch() (docs/nodes.md).
ProbeFlush unanswered(const std::string& what);

class SoftflowdDriver final : public ProbeDriver {
 public:
  [[nodiscard]] std::string process_name(std::size_t index) const override { return indexed_name("softflowd", index); }
  Result<process::Spec> spec(const ProbeContext& ctx) const override;
  [[nodiscard]] std::vector<std::filesystem::path> stale_files(const ProbeContext& ctx) const override {
    return {control_socket(ctx.node_dir, instance_name(ctx))};
  }
  [[nodiscard]] std::filesystem::path ready_file(const ProbeContext& ctx) const override {
    return control_socket(ctx.node_dir, instance_name(ctx));
  }
  // One softflowd per capture interface (it listens on one `-i`).
  [[nodiscard]] std::size_t instances(const topology::ProbeSpec& probe) const override;
  Result<ProbeFlush> flush(const ProbeContext& ctx, const process::ProcessRef& process) const override;
  // Expires every flow of the softflowd behind control socket `socket` and reads its statistics.
  Result<ProbeFlush> flush_socket(const std::filesystem::path& socket) const;
  [[nodiscard]] std::vector<topology::KindIssue> check(const topology::ProbeSpec& probe) const override;
  [[nodiscard]] std::map<std::string, std::string> unprovided_fields(const topology::ProbeSpec& probe) const override;
  [[nodiscard]] std::string unchecked_sequence(const topology::ProbeSpec& probe) const override;
};

}  // namespace flowlab::nodes::softflowd
