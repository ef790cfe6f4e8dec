#include "nodes/core/probe_driver.hpp"

#include <algorithm>
#include <thread>

namespace flowlab::nodes {

std::string ProbeTarget::collector_endpoint() const {
  return collector->mgmt4.address.to_string() + ":" + std::to_string(port);
}

Result<ProbeTarget> probe_target(const topology::Topology& topo, std::size_t index) {
  if (index >= topo.probes.size()) {
    return fail(ErrorKind::kProcess, "no probe #" + std::to_string(index));
  }
  ProbeTarget t;
  t.probe = &topo.probes[index];
  t.node = topo.find_node(t.probe->node);
  t.collector = topo.find_node(t.probe->export_to);
  if (t.node == nullptr || t.collector == nullptr) {
    return fail(ErrorKind::kProcess, "probe #" + std::to_string(index) + ": unknown node '" + t.probe->node +
                                         "' or collector '" + t.probe->export_to + "'");
  }
  const bool sflow = t.probe->format == topology::ExportFormat::kSflow;
  t.port = sflow ? t.collector->listen.sflow : t.collector->listen.netflow;
  if (t.port == 0) {
    return fail(ErrorKind::kProcess, "probe #" + std::to_string(index) + ": collector " + t.collector->name +
                                         " has no " + (sflow ? "sflow" : "netflow") + " listen port");
  }
  return t;
}

std::string span_interface(std::size_t index) { return indexed_name("span", index); }
std::string mirror_port(std::size_t index) { return indexed_name("mir", index); }

std::string indexed_name(std::string_view base, std::size_t index) { return std::string(base) + std::to_string(index); }

std::vector<std::string> capture_interfaces(const topology::ProbeSpec& probe, std::size_t index) {
  std::vector<std::string> out = probe.interfaces;
  if (probe.mirror || out.empty()) {
    out.push_back(span_interface(index));
  }
  return out;
}

std::string ProbeDriver::instance_name(const ProbeContext& ctx) const {
  const topology::ProbeSpec& probe = ctx.topology->probes[ctx.index];
  if (instances(probe) <= 1) {
    return process_name(ctx.index);
  }
  const auto ifnames = capture_interfaces(probe, ctx.index);
  return process_name(ctx.index) + "-" +
         (ctx.instance < ifnames.size() ? ifnames[ctx.instance] : std::to_string(ctx.instance));
}

ProbeFlush expired_with_first(const std::string& probe_process) {
  ProbeFlush out;
  out.counted = false;
  out.stats = {{"flush", "expired with " + probe_process + "'s first process"}};
  return out;
}

std::string one_sequence_per_instance(std::string_view kind, std::size_t instances) {
  return std::to_string(instances) + " " + std::string(kind) +
         " processes (one per capture interface) export from the node's one address, each numbering its own "
         "sequence: the collector's sequence accounting of that address mixes them";
}

std::string netflow_version(topology::ExportFormat format) {
  switch (format) {
    case topology::ExportFormat::kNetflowV5:
      return "5";
    case topology::ExportFormat::kNetflowV9:
      return "9";
    case topology::ExportFormat::kIpfix:
      return "10";
    case topology::ExportFormat::kSflow:
      break;
  }
  return "";
}

ProbeFlush flush_by_expiry(const topology::ProbeSpec& probe, std::chrono::seconds scan) {
  const auto wait = std::chrono::seconds(probe.inactive_timeout_s) + scan + std::chrono::seconds(1);
  std::this_thread::sleep_for(wait);
  ProbeFlush out;
  out.counted = false;
  out.stats = {{"flush", "waited " + std::to_string(wait.count()) + " s for the inactive timeout to expire"}};
  return out;
}

std::vector<topology::KindIssue> check_abilities(std::string_view kind, const topology::ProbeSpec& probe,
                                                 const ProbeAbilities& can) {
  const std::string k(kind);
  std::vector<topology::KindIssue> out;
  if (std::find(can.formats.begin(), can.formats.end(), probe.format) == can.formats.end()) {
    std::string formats;
    for (const auto f : can.formats) {
      formats += (formats.empty() ? "" : ", ") + std::string(enum_name(topology::kExportFormatNames, f));
    }
    out.push_back({"format", k + " cannot export " +
                                 std::string(enum_name(topology::kExportFormatNames, probe.format)) + " (it exports " +
                                 formats + ")"});
  }
  if (probe.bgp && !can.bgp) {
    out.push_back({"bgp", k + " has no BGP feed of its own (bgp: true needs another probe kind)"});
  }
  if (probe.direction != topology::ProbeDirection::kBoth && !can.direction) {
    out.push_back({"direction", k + " meters both directions of its interface; it cannot meter only '" +
                                    std::string(enum_name(topology::kProbeDirectionNames, probe.direction)) + "'"});
  }
  if (probe.interfaces.size() + (probe.mirror ? 1U : 0U) > 1 && !can.many_interfaces) {
    out.push_back({"interfaces", k + " captures one interface; give one (or run one probe per interface)"});
  }
  if (probe.sampling > 1 && !can.sampling) {
    out.push_back({"sampling", k + " cannot sample (1:" + std::to_string(probe.sampling) + ")"});
  }
  if (!probe.ifindex.empty() && !can.ifindex) {
    out.push_back({"ifindex", k + " cannot map interfaces to other ifindex numbers"});
  }
  if (!probe.fault.empty() && !can.faults) {
    out.push_back({"fault", "kind '" + k +
                                "' takes no fault: seeded faults are switches of flowlab's own programs (probe kind "
                                "flowprobe; docs/faults.md), and '" +
                                k + "' is a third-party tool"});
  }
  return out;
}

}  // namespace flowlab::nodes
