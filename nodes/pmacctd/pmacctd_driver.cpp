#include "nodes/pmacctd/pmacctd_driver.hpp"

#include "nodes/core/files.hpp"

namespace flowlab::nodes::pmacctd {

namespace fs = std::filesystem;
using topology::ExportFormat;

namespace {

constexpr std::chrono::seconds kExpiryScan{1};  // nfprobe_timeouts expint=1

std::string export_lines(const ProbeTarget& t) {
  const topology::ProbeSpec& probe = *t.probe;
  if (probe.format == ExportFormat::kSflow) {
    return "plugins: sfprobe[p]\n"
           "sfprobe_receiver[p]: " +
           t.collector_endpoint() + "\nsfprobe_agentip[p]: " + t.node->mgmt4.address.to_string() +
           "\nsampling_rate[p]: " + std::to_string(probe.sampling) + "\n";
  }
  const std::string inactive = std::to_string(probe.inactive_timeout_s);
  std::string out = "plugins: nfprobe[p]\nnfprobe_receiver[p]: " + t.collector_endpoint() +
                    "\nnfprobe_version[p]: " + netflow_version(probe.format) +
                    "\nnfprobe_timeouts[p]: tcp=" + inactive + ":udp=" + inactive + ":icmp=" + inactive +
                    ":general=" + inactive + ":maxlife=" + std::to_string(probe.active_timeout_s) +
                    ":expint=" + std::to_string(kExpiryScan.count()) + "\n";
  if (probe.sampling > 1) {
    out += "sampling_rate[p]: " + std::to_string(probe.sampling) + "\n";
  }
  return out;
}

}  // namespace

fs::path config_file(const fs::path& node_dir, std::size_t index) {
  return node_dir / (indexed_name("pmacctd", index) + ".conf");
}

fs::path pid_file(const fs::path& node_dir, std::size_t index) {
  return node_dir / (indexed_name("pmacctd", index) + ".pid");
}

Result<std::string> render_config(const topology::Topology& topo, std::size_t index, const fs::path& node_dir) {
  auto target = probe_target(topo, index);
  FLOWLAB_TRY(target);
  const topology::ProbeSpec& probe = *target->probe;
  std::string out =
      "! pmacctd for probes[" + std::to_string(index) + "] of lab " + topo.name +
      " (rendered by labctl)\ndaemonize: false\npidfile: " + pid_file(node_dir, index).string() +
      "\npcap_interface: " + (probe.interfaces.empty() ? span_interface(index) : probe.interfaces.front()) + "\n";
  if (probe.direction != topology::ProbeDirection::kBoth) {
    out += "pcap_direction: " + std::string(enum_name(topology::kProbeDirectionNames, probe.direction)) + "\n";
  }
  out += "aggregate[p]: src_host, dst_host, src_port, dst_port, proto, tos\n";
  return out + export_lines(*target);
}

Result<process::Spec> PmacctdDriver::spec(const ProbeContext& ctx) const {
  auto text = render_config(*ctx.topology, ctx.index, ctx.node_dir);
  FLOWLAB_TRY(text);
  const fs::path conf = config_file(ctx.node_dir, ctx.index);
  FLOWLAB_TRY(write_text_file(conf, *text));
  auto target = probe_target(*ctx.topology, ctx.index);
  FLOWLAB_TRY(target);
  process::Spec spec;
  spec.name = process_name(ctx.index);
  spec.netns = target->node->namespace_name;
  spec.log_file = ctx.node_dir / (spec.name + ".log");
  spec.argv = {"pmacctd", "-f", conf.string()};
  return spec;
}

Result<ProbeFlush> PmacctdDriver::flush(const ProbeContext& ctx, const process::ProcessRef& /*process*/) const {
  return flush_by_expiry(ctx.topology->probes[ctx.index], kExpiryScan);
}

std::map<std::string, std::string> PmacctdDriver::unprovided_fields(const topology::ProbeSpec& /*probe*/) const {
  const std::string why =
      "pmacctd's nfprobe/sfprobe records interface index 0 here (flowlab renders no pcap_ifindex "
      "or pcap_interfaces_map yet)";
  return {{"iface_in", why}, {"iface_out", why}};
}

std::vector<topology::KindIssue> PmacctdDriver::check(const topology::ProbeSpec& probe) const {
  ProbeAbilities can;
  can.formats = {ExportFormat::kNetflowV5, ExportFormat::kNetflowV9, ExportFormat::kIpfix, ExportFormat::kSflow};
  can.direction = true;
  can.bgp = true;  // refused below with its own reason
  can.ifindex = false;
  auto out = check_abilities("pmacctd", probe, can);
  if (probe.bgp) {
    out.push_back({"bgp",
                   "pmacctd's own BGP feed (bgp_daemon, model 1) is not supported by flowlab yet; use kind "
                   "flowprobe for bgp: true"});
  }
  return out;
}

}  // namespace flowlab::nodes::pmacctd
