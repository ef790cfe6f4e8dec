#include "nodes/pmacct/pmacct_config.hpp"

#include "nodes/collector/collector_config.hpp"

#include <set>
#include <sstream>
#include <string_view>

namespace flowlab::nodes::pmacct {
namespace {

// The primitives the verifier compares (DESIGN.md section 6), as pmacct names them. Our collector kind aggregates
// the same list (collector_config.cpp kFullPrimitives).
constexpr const char* kPrimitives =
    "src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_as, dst_as, peer_src_as, peer_dst_as, "
    "peer_src_ip, peer_dst_ip, as_path, src_as_path, std_comm, ext_comm, lrg_comm, local_pref, med, src_port, "
    "dst_port, proto, in_iface, out_iface";

// The collector sessions of `node`, IPv4 first per router (topology order otherwise).
std::vector<const topology::BgpSession*> sessions_of(const topology::Topology& topo, const topology::Node& node) {
  std::vector<const topology::BgpSession*> out;
  for (const auto& s : topo.sessions) {
    if (s.to_collector && s.remote_node == node.name) {
      out.push_back(&s);
    }
  }
  return out;
}

// The router's IPv6 session address with `node`, when the router holding IPv4 session address `v4` has one.
std::optional<IpAddress> ipv6_session_of(const std::vector<const topology::BgpSession*>& sessions,
                                         const std::string& v4) {
  const topology::BgpSession* v4_session = nullptr;
  for (const auto* s : sessions) {
    if (s->family == Family::kIpv4 && s->local_address.to_string() == v4) {
      v4_session = s;
    }
  }
  for (const auto* s : sessions) {
    if (v4_session != nullptr && s->family == Family::kIpv6 && s->local_node == v4_session->local_node) {
      return s->local_address;
    }
  }
  return std::nullopt;
}

// Our collector's agent map (pmacct syntax already) with each mapping split by family: pmacct looks the BGP peer
// up by one address, and a router with an IPv4 and an IPv6 session is two peers to it.
std::string pmacct_agent_map(const topology::Topology& topo, const topology::Node& node, const std::string& base) {
  const auto sessions = sessions_of(topo, node);
  std::istringstream in(base);
  std::ostringstream out;
  for (std::string line; std::getline(in, line);) {
    constexpr std::string_view kKey = "bgp_ip=";
    const auto blank = line.find(' ');
    if (line.rfind(kKey, 0) != 0 || blank == std::string::npos) {
      out << line << "\n";
      continue;
    }
    const std::string v4 = line.substr(kKey.size(), blank - kKey.size());
    const auto v6 = ipv6_session_of(sessions, v4);
    if (!v6) {
      out << line << "\n";
      continue;
    }
    const std::string agent = line.substr(blank + 1);
    out << "bgp_ip=" << v4 << " " << agent << " filter='ip'\n";
    out << "bgp_ip=" << v6->to_string() << " " << agent << " filter='ip6'\n";
  }
  return out.str();
}

struct Keys {
  const char* ip;
  const char* port;
  const char* as;
  const char* net;
  const char* renormalize;
};

Keys keys_of(Daemon daemon) {
  return daemon == Daemon::kNfacctd
             ? Keys{"nfacctd_ip", "nfacctd_port", "nfacctd_as", "nfacctd_net", "nfacctd_renormalize"}
             : Keys{"sfacctd_ip", "sfacctd_port", "sfacctd_as", "sfacctd_net", "sfacctd_renormalize"};
}

// The record's own fields are "netflow" to nfacctd and "sflow" to sfacctd (CONFIG-KEYS nfacctd_as,
// bgp_peer_src_as_type).
const char* record_word(Daemon daemon) { return daemon == Daemon::kNfacctd ? "netflow" : "sflow"; }

const char* as_source_word(topology::AsSource source, Daemon daemon) {
  switch (source) {
    case topology::AsSource::kNetflow:
      return record_word(daemon);
    case topology::AsSource::kLongest:
      return "longest";
    case topology::AsSource::kBgp:
      break;
  }
  return "bgp";
}

const char* peer_src_as_word(topology::PeerSrcAsMethod method, Daemon daemon) {
  switch (method) {
    case topology::PeerSrcAsMethod::kMap:
      return "map";
    case topology::PeerSrcAsMethod::kNetflow:
      return record_word(daemon);
    case topology::PeerSrcAsMethod::kBgp:
      break;
  }
  return "bgp";
}

void bgp_keys(const topology::Node& node, const std::vector<const topology::BgpSession*>& sessions,
              const std::filesystem::path& dir, const RenderedPmacct& files, std::ostringstream& c) {
  bool mirror = true;
  bool ipv6 = false;
  for (const auto* s : sessions) {
    mirror = mirror && (node.asn == 0 || node.asn == s->local_asn);
    ipv6 = ipv6 || s->family == Family::kIpv6;
  }
  c << "! BGP: the routers peer with this node over mgmt0 (passive; iBGP unless bgp_daemon_as is set)\n";
  c << "bgp_daemon: true\n";
  c << "bgp_daemon_ip: " << (ipv6 ? std::string("::") : node.mgmt4.address.to_string()) << "\n";
  c << "bgp_daemon_id: " << node.mgmt4.address.to_string() << "\n";
  if (!mirror) {
    c << "bgp_daemon_as: " << node.asn << "\n";
  }
  c << "bgp_daemon_max_peers: " << sessions.size() << "\n";
  c << "bgp_daemon_allow_file: " << (dir / kAllowFile).string() << "\n";
  if (!files.md5.empty()) {
    c << "bgp_daemon_md5_file: " << (dir / kMd5File).string() << "\n";  // TCP-MD5 (RFC 2385)
  }
  c << "bgp_daemon_msglog_file: " << (dir / kMsglogFile).string() << "\n";
  c << "bgp_daemon_msglog_output: json\n";
  // The agent map names peers by session address: a router id equal to another session's address must not match.
  c << "bgp_disable_router_id_check: true\n";
  if (!files.agent_map.empty()) {
    c << "bgp_agent_map: " << (dir / kAgentMapFile).string() << "\n";
  }
  c << "bgp_src_as_path_type: bgp\n";  // src_as_path: the route back to the source
}

void enrich_keys(const topology::Node& node, const std::filesystem::path& dir, Daemon daemon, std::ostringstream& c) {
  const Keys k = keys_of(daemon);
  const char* source = as_source_word(node.as_source, daemon);
  c << k.as << ": " << source << "\n" << k.net << ": " << source << "\n";
  c << "bgp_peer_src_as_type: " << peer_src_as_word(node.peer_src_as, daemon) << "\n";
  if (node.peer_src_as == topology::PeerSrcAsMethod::kMap) {
    c << "bgp_peer_src_as_map: " << (dir / kPeerSrcAsMapFile).string() << "\n";
  }
  // Counters scaled by the exporter's sampling rate, as our collector's `renormalize: true`.
  c << k.renormalize << ": true\n";
}

}  // namespace

const char* daemon_name(Daemon daemon) { return daemon == Daemon::kNfacctd ? "nfacctd" : "sfacctd"; }
std::string config_file(Daemon daemon) { return std::string(daemon_name(daemon)) + ".conf"; }
std::string log_file(Daemon daemon) { return std::string(daemon_name(daemon)) + ".log"; }

Result<RenderedPmacct> render_pmacct_config(const topology::Topology& topo, const topology::Node& node,
                                            const std::filesystem::path& dir, Daemon daemon) {
  const std::uint16_t port = daemon == Daemon::kNfacctd ? node.listen.netflow : node.listen.sflow;
  if (port == 0) {
    return fail(ErrorKind::kConfig, "node " + node.name + " (kind " + daemon_name(daemon) + ") listens for " +
                                        (daemon == Daemon::kNfacctd ? "NetFlow/IPFIX" : "sFlow") + ": set listen: {" +
                                        (daemon == Daemon::kNfacctd ? "netflow" : "sflow") + ": PORT}");
  }
  auto base = collector::render_collector_config(topo, node, dir);
  FLOWLAB_TRY(base);
  RenderedPmacct out;
  out.agent_map = pmacct_agent_map(topo, node, base->agent_map);
  const auto sessions = sessions_of(topo, node);
  std::set<std::string> allowed;
  for (const auto* s : sessions) {
    if (allowed.insert(s->local_address.to_string()).second) {
      out.allow += s->local_address.to_string() + "\n";
      if (!s->password.empty()) {
        out.md5 += s->local_address.to_string() + ", " + s->password + "\n";
      }
    }
  }
  const Keys k = keys_of(daemon);
  std::ostringstream c;
  c << "! " << daemon_name(daemon) << ".conf for node " << node.name << " of lab " << topo.name
    << " (rendered by labctl; keys: pmacct CONFIG-KEYS)\n";
  c << "core_proc_name: " << topo.name << "." << node.name << "\n";
  c << "daemonize: false\n";
  c << "pidfile: " << (dir / kPidFile).string() << "\n";
  c << "logfile: " << (dir / log_file(daemon)).string() << "\n";
  c << k.ip << ": " << node.mgmt4.address.to_string() << "\n" << k.port << ": " << port << "\n";
  if (!sessions.empty()) {
    bgp_keys(node, sessions, dir, out, c);
  }
  enrich_keys(node, dir, daemon, c);
  // Process titles: "nfacctd: Core Process [<lab>.<node>]", "nfacctd: IMT Plugin [<lab>_<node>]".
  const std::string plugin = topo.name + "_" + node.name;
  c << "plugins: memory[" << plugin << "]\n";
  c << "imt_path[" << plugin << "]: " << (dir / kPipeFile).string() << "\n";
  c << "imt_mem_pools_number[" << plugin << "]: 0\n";
  c << "aggregate[" << plugin << "]: " << kPrimitives << "\n";
  out.config = c.str();
  return out;
}

}  // namespace flowlab::nodes::pmacct
