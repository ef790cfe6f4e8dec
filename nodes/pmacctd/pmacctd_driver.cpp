#include "nodes/pmacctd/pmacctd_driver.hpp"

#include "common/strings.hpp"
#include "nodes/core/files.hpp"

#include <array>
#include <charconv>

namespace flowlab::nodes::pmacctd {

namespace fs = std::filesystem;
using topology::ExportFormat;

namespace {

constexpr std::chrono::seconds kExpiryScan{1};  // nfprobe_timeouts expint=1

// The primitives nfprobe exports (its template, src/nfprobe_plugin/netflow9.c nf9_init_template()): with the BGP
// feed also the AS numbers, the BGP next hop and the masks, from pmacctd's own BGP lookup.
constexpr const char* kPrimitives = "src_host, dst_host, src_port, dst_port, proto, tos";
constexpr const char* kBgpPrimitives = ", src_as, dst_as, peer_dst_ip, src_mask, dst_mask";

// Model 1 (`bgp: true`): pmacctd's BGP daemon listens where the router's probe session connects to
// (topology::kProbeBgp*, the same session flowprobe gets) and looks every packet up in that one peer's RIB: the
// catch-all agent map entry is how pmacctd ties traffic to a peer (CONFIG-KEYS bgp_agent_map: "pmacctd and uacctd
// daemons are required to use this map").
std::string bgp_lines(const fs::path& agent_map) {
  return std::string("pmacctd_as: bgp\npmacctd_net: bgp\nbgp_daemon: true\nbgp_daemon_ip: ") +
         topology::kProbeBgpProbeAddress + "\nbgp_daemon_port: " + std::to_string(topology::kProbeBgpPort) +
         "\nbgp_daemon_max_peers: 1\nbgp_agent_map: " + agent_map.string() + "\n";
}

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

// The first line of `pmacctd -V`, read once ("" when it does not run).
const std::string& installed_banner() {
  static const std::string banner = [] {
    auto out = tool_output({"pmacctd", "-V"}, std::chrono::seconds(5));
    return out ? std::string(trim(out->substr(0, out->find('\n')))) : std::string();
  }();
  return banner;
}

}  // namespace

bool nfprobe_bgp_as_broken(std::string_view banner) {
  constexpr std::string_view kKey = "pmacctd ";
  const auto at = banner.find(kKey);
  if (at == std::string_view::npos) {
    return false;  // not pmacctd's banner: nothing known
  }
  std::array<int, 3> v{};
  const char* p = banner.data() + at + kKey.size();
  const char* end = banner.data() + banner.size();
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto r = std::from_chars(p, end, v[i]);
    if (r.ec != std::errc{}) {
      return false;
    }
    p = r.ptr;
    if (i + 1 < v.size()) {
      if (p == end || *p != '.') {
        return false;
      }
      ++p;
    }
  }
  return v < std::array<int, 3>{1, 7, 8};
}

std::string instance_name_of(const topology::Topology& topo, std::size_t index, std::size_t instance) {
  static const PmacctdDriver kDriver;
  ProbeContext ctx{&topo, index, {}};
  ctx.instance = instance;
  return kDriver.instance_name(ctx);
}

fs::path config_file(const fs::path& node_dir, const std::string& name) { return node_dir / (name + ".conf"); }

fs::path agent_map_file(const fs::path& node_dir, const std::string& name) {
  return node_dir / (name + "-bgp_agent_map.txt");
}

std::string agent_map() { return std::string("bgp_ip=") + topology::kProbeBgpRouterAddress + " ip=0.0.0.0/0\n"; }

fs::path pid_file(const fs::path& node_dir, const std::string& name) { return node_dir / (name + ".pid"); }

Result<std::string> render_config(const topology::Topology& topo, std::size_t index, const fs::path& node_dir,
                                  std::size_t instance) {
  auto target = probe_target(topo, index);
  FLOWLAB_TRY(target);
  const topology::ProbeSpec& probe = *target->probe;
  const std::string name = instance_name_of(topo, index, instance);
  std::string out = "! pmacctd for probes[" + std::to_string(index) + "] of lab " + topo.name +
                    " (rendered by labctl)\ndaemonize: false\npidfile: " + pid_file(node_dir, name).string() +
                    "\npcap_interface: " + capture_interfaces(probe, index).at(instance) + "\n";
  if (probe.direction != topology::ProbeDirection::kBoth) {
    out += "pcap_direction: " + std::string(enum_name(topology::kProbeDirectionNames, probe.direction)) + "\n";
  }
  if (probe.bgp) {
    out += bgp_lines(agent_map_file(node_dir, name));
  }
  out += std::string("aggregate[p]: ") + kPrimitives + (probe.bgp ? kBgpPrimitives : "") + "\n";
  return out + export_lines(*target);
}

Result<process::Spec> PmacctdDriver::spec(const ProbeContext& ctx) const {
  auto text = render_config(*ctx.topology, ctx.index, ctx.node_dir, ctx.instance);
  FLOWLAB_TRY(text);
  const std::string name = instance_name(ctx);
  const fs::path conf = config_file(ctx.node_dir, name);
  FLOWLAB_TRY(write_text_file(conf, *text));
  if (ctx.topology->probes[ctx.index].bgp) {
    FLOWLAB_TRY(write_text_file(agent_map_file(ctx.node_dir, name), agent_map()));
  }
  auto target = probe_target(*ctx.topology, ctx.index);
  FLOWLAB_TRY(target);
  process::Spec spec;
  spec.name = name;
  spec.netns = target->node->namespace_name;
  spec.log_file = ctx.node_dir / (spec.name + ".log");
  spec.argv = {"pmacctd", "-f", conf.string()};
  return spec;
}

std::size_t PmacctdDriver::instances(const topology::ProbeSpec& probe) const {
  return capture_interfaces(probe, 0).size();
}

std::string PmacctdDriver::unchecked_sequence(const topology::ProbeSpec& probe) const {
  return instances(probe) > 1 ? one_sequence_per_instance("pmacctd", instances(probe)) : "";
}

Result<ProbeFlush> PmacctdDriver::flush(const ProbeContext& ctx, const process::ProcessRef& /*process*/) const {
  if (ctx.instance > 0) {
    return expired_with_first(process_name(ctx.index));  // the first one's wait covers them all
  }
  return flush_by_expiry(ctx.topology->probes[ctx.index], kExpiryScan);
}

std::map<std::string, std::string> PmacctdDriver::unprovided_fields(const topology::ProbeSpec& probe) const {
  const std::string why =
      "pmacctd sets a packet's input or output ifindex only for a capture with a direction (src/pmacctd.c "
      "pcap_cb(): ifindex_in when the direction is in, ifindex_out when out; CONFIG-KEYS pcap_ifindex) and has no "
      "FIB to find the other interface; flowlab aggregates no in_iface/out_iface";
  std::map<std::string, std::string> out{{"iface_in", why}, {"iface_out", why}};
  if (probe.bgp) {
    const std::string adjacent =
        "pmacctd's nfprobe exports src_as, dst_as and the BGP next hop from its BGP feed, no adjacent AS "
        "(its template, src/nfprobe_plugin/netflow9.c nf9_init_template(), has no bgpPrevAdjacentAsNumber/"
        "bgpNextAdjacentAsNumber)";
    out.emplace("peer_as_src", adjacent);
    out.emplace("peer_as_dst", adjacent);
    if (nfprobe_bgp_as_broken(installed_banner())) {
      const std::string broken =
          "pmacct before 1.7.8 (installed: " + installed_banner() +
          ") exports src_as/dst_as 0 from nfprobe with a BGP feed: nfprobe_bgp_ext_handler() (src/pkt_handlers.c) "
          "writes them one record too early ('--pdata'); fixed in 1.7.8, commit d5e336f2, ChangeLog '! fix, "
          "nfprobe plugin: BGP data enrichment was not working due to a mistakenly moved pointer'";
      out.emplace("as_src", broken);
      out.emplace("as_dst", broken);
    }
    if (probe.format == ExportFormat::kNetflowV5) {
      out.emplace("peer_ip_dst", "NetFlow v5 has no BGP next-hop field (its nexthop is the IP next hop)");
    }
  }
  return out;
}

std::vector<topology::KindIssue> PmacctdDriver::check(const topology::ProbeSpec& probe) const {
  ProbeAbilities can;
  can.formats = {ExportFormat::kNetflowV5, ExportFormat::kNetflowV9, ExportFormat::kIpfix, ExportFormat::kSflow};
  can.direction = true;
  can.bgp = true;              // refused below with its own reason
  can.many_interfaces = true;  // one pmacctd per interface (instances())
  can.ifindex = false;
  auto out = check_abilities("pmacctd", probe, can);
  if (probe.bgp && instances(probe) > 1) {
    out.push_back({"bgp",
                   "pmacctd's own BGP feed (bgp_daemon, model 1) listens on one address and port: with "
                   "several interfaces (one pmacctd each) give each its own probe"});
  }
  if (probe.bgp && probe.format == ExportFormat::kSflow) {
    out.push_back({"bgp",
                   "pmacctd's own BGP feed (bgp_daemon, model 1) is rendered for its nfprobe plugin (v5, v9, "
                   "ipfix), not for sfprobe (sflow)"});
  }
  return out;
}

}  // namespace flowlab::nodes::pmacctd
