#include "nodes/fprobe/fprobe_driver.hpp"

#include <algorithm>
#include <system_error>

namespace flowlab::nodes::fprobe {

namespace fs = std::filesystem;
using topology::ExportFormat;

namespace {

constexpr std::chrono::seconds kScan{1};  // `-s 1`

// fprobe's log/pid file identifier: unique on the machine, so the pid file names its lab.
std::string identifier(const ProbeContext& ctx) {
  const auto& probe = ctx.topology->probes[ctx.index];
  return ctx.topology->namespace_of(probe.node) + "-" + indexed_name("fprobe", ctx.index);
}

}  // namespace

fs::path run_dir(const fs::path& node_dir, std::size_t index) {
  return node_dir / (indexed_name("fprobe", index) + ".run");
}

fs::path pid_file(const ProbeContext& ctx) {
  return run_dir(ctx.node_dir, ctx.index) / ("fprobe[" + identifier(ctx) + "].pid");
}

Result<process::Spec> FprobeDriver::spec(const ProbeContext& ctx) const {
  auto target = probe_target(*ctx.topology, ctx.index);
  FLOWLAB_TRY(target);
  const topology::ProbeSpec& probe = *target->probe;
  const std::string ifname = probe.interfaces.empty() ? span_interface(ctx.index) : probe.interfaces.front();
  std::error_code ec;
  fs::create_directories(run_dir(ctx.node_dir, ctx.index), ec);
  if (ec) {
    return fail(ErrorKind::kProcess,
                "cannot create " + run_dir(ctx.node_dir, ctx.index).string() + ": " + ec.message());
  }
  process::Spec spec;
  spec.name = process_name(ctx.index);
  spec.netns = target->node->namespace_name;
  spec.log_file = ctx.node_dir / (spec.name + ".log");
  spec.binds = {{run_dir(ctx.node_dir, ctx.index), "/run"}};
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
               target->node->mgmt4.address.to_string()};
  if (const auto mapped = probe.ifindex.find(ifname); mapped != probe.ifindex.end()) {
    spec.argv.insert(spec.argv.end(), {"-x", std::to_string(mapped->second)});
  }
  spec.argv.push_back(target->collector_endpoint());
  return spec;
}

Result<ProbeFlush> FprobeDriver::flush(const ProbeContext& ctx, const process::ProcessRef& /*process*/) const {
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
  return check_abilities("fprobe", probe, can);
}

std::map<std::string, std::string> FprobeDriver::unprovided_fields(const topology::ProbeSpec& /*probe*/) const {
  const std::string why = "fprobe records one fixed SNMP index for input and output (-x, else 0; fprobe(8))";
  return {{"iface_in", why}, {"iface_out", why}};
}

}  // namespace flowlab::nodes::fprobe
