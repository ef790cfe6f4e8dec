#include "nodes/fprobe/fprobe_driver.hpp"

#include <algorithm>
#include <system_error>

namespace flowlab::nodes::fprobe {

namespace fs = std::filesystem;
using topology::ExportFormat;

namespace {

constexpr std::chrono::seconds kScan{1};  // `-s 1`
// `-q`: fprobe's capture thread hands each packet to its flow thread through a ring of this many slots and drops
// the packet when the slot ahead is still taken (fprobe.c pcap_callback(): "pending queue full: packet lost",
// logged only in a build with MESSAGES, not Debian's). The default 100 is 25 ms at 4000 pps: on a loaded machine
// the flow thread falls that far behind and fprobe exported 282 of 1000 packets. 10000 slots (about 1 MB) hold
// 2.5 s of a 4000 pps burst.
constexpr int kPendingQueue = 10000;

// The process name of ctx's fprobe ("fprobe0", "fprobe0-eth2").
std::string name_of(const ProbeContext& ctx) {
  static const FprobeDriver kDriver;
  return kDriver.instance_name(ctx);
}

// fprobe's log/pid file identifier: unique on the machine, so the pid file names its lab and node.
std::string identifier(const ProbeContext& ctx) {
  const auto& probe = ctx.topology->probes[ctx.index];
  return ctx.topology->namespace_of(probe.node) + "-" + name_of(ctx);
}

}  // namespace

fs::path run_dir(const ProbeContext& ctx) { return ctx.node_dir / (name_of(ctx) + ".run"); }

fs::path pid_file(const ProbeContext& ctx) { return run_dir(ctx) / ("fprobe[" + identifier(ctx) + "].pid"); }

Result<process::Spec> FprobeDriver::spec(const ProbeContext& ctx) const {
  auto target = probe_target(*ctx.topology, ctx.index);
  FLOWLAB_TRY(target);
  const topology::ProbeSpec& probe = *target->probe;
  const std::string ifname = capture_interfaces(probe, ctx.index).at(ctx.instance);
  std::error_code ec;
  fs::create_directories(run_dir(ctx), ec);
  if (ec) {
    return fail(ErrorKind::kProcess, "cannot create " + run_dir(ctx).string() + ": " + ec.message());
  }
  process::Spec spec;
  spec.name = instance_name(ctx);
  spec.netns = target->node->namespace_name;
  spec.log_file = ctx.node_dir / (spec.name + ".log");
  spec.binds = {{run_dir(ctx), "/run"}};
  spec.argv = {"fprobe",
               "-l",
               "2:" + identifier(ctx),
               "-i",
               ifname,
               "-f",
               "ip",
               "-n",
               "5",
               "-e",
               std::to_string(probe.active_timeout_s),
               "-d",
               std::to_string(probe.inactive_timeout_s),
               "-s",
               std::to_string(kScan.count()),
               "-a",
               target->node->mgmt4.address.to_string(),
               "-q",
               std::to_string(kPendingQueue)};
  if (const auto mapped = probe.ifindex.find(ifname); mapped != probe.ifindex.end()) {
    spec.argv.insert(spec.argv.end(), {"-x", std::to_string(mapped->second)});
  }
  spec.argv.push_back(target->collector_endpoint());
  return spec;
}

std::size_t FprobeDriver::instances(const topology::ProbeSpec& probe) const {
  return capture_interfaces(probe, 0).size();
}

std::string FprobeDriver::unchecked_sequence(const topology::ProbeSpec& probe) const {
  return instances(probe) > 1 ? one_sequence_per_instance("fprobe", instances(probe)) : "";
}

Result<ProbeFlush> FprobeDriver::flush(const ProbeContext& ctx, const process::ProcessRef& /*process*/) const {
  if (ctx.instance > 0) {
    return expired_with_first(process_name(ctx.index));  // the probe's fprobes expire together
  }
  // In the lab, fprobe 1.1 did not export flows idle for -d seconds within that time, but flows do leave at the
  // active timer (-e): wait for the longer of the two.
  topology::ProbeSpec probe = ctx.topology->probes[ctx.index];
  probe.inactive_timeout_s = std::max(probe.inactive_timeout_s, probe.active_timeout_s);
  return flush_by_expiry(probe, kScan);
}

std::vector<topology::KindIssue> FprobeDriver::check(const topology::ProbeSpec& probe) const {
  ProbeAbilities can;
  can.formats = {ExportFormat::kNetflowV5};
  can.sampling = false;
  can.many_interfaces = true;  // one fprobe per interface (instances())
  return check_abilities("fprobe", probe, can);
}

std::map<std::string, std::string> FprobeDriver::unprovided_fields(const topology::ProbeSpec& /*probe*/) const {
  const std::string why =
      "fprobe records one fixed SNMP index pair for every flow of its capture, both directions (fprobe(8): "
      "-x <inputID>[:<outputID>], else 0) and has no FIB to find the other interface";
  return {{"iface_in", why}, {"iface_out", why}};
}

}  // namespace flowlab::nodes::fprobe
