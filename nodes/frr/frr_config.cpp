#include "nodes/frr/frr_config.hpp"

#include "nodes/bird/bird_config.hpp"
#include "nodes/core/peering.hpp"

#include <sstream>

namespace flowlab::nodes::frr {
namespace {

using topology::Direction;
using topology::Node;
using topology::Policy;
using topology::Topology;

// What a list of policies does to a route, merged in file order (later local-pref/MED win, prepends add up,
// communities accumulate) — the same semantics as the sequential statements of a BIRD filter.
struct MergedPolicy {
  std::optional<std::uint32_t> local_pref;
  std::optional<std::uint32_t> med;
  std::uint32_t prepend = 0;
  std::vector<std::string> communities;
  std::vector<std::string> large_communities;
  std::vector<Prefix> deny;  // of the session's family
};

Result<MergedPolicy> merge(const std::vector<const Policy*>& policies, Family family) {
  MergedPolicy m;
  for (const auto* p : policies) {
    if (p->local_pref) {
      m.local_pref = p->local_pref;
    }
    if (p->med) {
      m.med = p->med;
    }
    m.prepend += p->prepend;
    for (const auto& c : p->communities) {
      auto parsed = parse_community(c);
      FLOWLAB_TRY(parsed);
      m.communities.push_back(std::to_string((*parsed)[0]) + ":" + std::to_string((*parsed)[1]));
    }
    for (const auto& c : p->large_communities) {
      auto parsed = parse_large_community(c);
      FLOWLAB_TRY(parsed);
      m.large_communities.push_back(std::to_string((*parsed)[0]) + ":" + std::to_string((*parsed)[1]) + ":" +
                                    std::to_string((*parsed)[2]));
    }
    for (const auto& d : p->deny) {
      if (d.family() == family) {
        m.deny.push_back(d);
      }
    }
  }
  return m;
}

std::string describe(const Peering& p) {
  std::string kind = p.to_collector ? "collector" : (p.ibgp() ? "iBGP" : "eBGP");
  std::string over = p.to_collector ? "mgmt0" : (p.over_loopback ? "loopbacks" : p.local_interface);
  return p.name + " " + kind + " with " + p.peer + " over " + over;
}

// Prefix-lists and route-maps of one session and direction. Every session gets both route-maps, so eBGP
// sessions satisfy RFC 8212 and a policy is always one place to look.
// prefer_global: track and install the neighbour's global IPv6 next hop, not its link-local one (see render_bgpd).
void render_route_map(std::ostringstream& o, const Peering& p, const MergedPolicy& m, const char* dir,
                      std::uint32_t own_asn, bool prefer_global = false) {
  const bool v6 = p.family == Family::kIpv6;
  const std::string rm = p.name + "-" + dir;
  if (!m.deny.empty()) {
    int seq = 5;
    for (const auto& d : m.deny) {
      o << (v6 ? "ipv6" : "ip") << " prefix-list " << rm << "-deny seq " << seq << " permit " << d.to_string() << "\n";
      seq += 5;
    }
    o << "route-map " << rm << " deny 5\n";
    o << " match " << (v6 ? "ipv6" : "ip") << " address prefix-list " << rm << "-deny\n";
    o << "exit\n";
  }
  o << "route-map " << rm << " permit 10\n";
  if (m.local_pref) {
    o << " set local-preference " << *m.local_pref << "\n";
  }
  if (m.med) {
    o << " set metric " << *m.med << "\n";
  }
  if (m.prepend > 0) {
    o << " set as-path prepend";
    for (std::uint32_t i = 0; i < m.prepend; ++i) {
      o << " " << own_asn;
    }
    o << "\n";
  }
  if (!m.communities.empty()) {
    o << " set community";
    for (const auto& c : m.communities) {
      o << " " << c;
    }
    o << " additive\n";
  }
  if (!m.large_communities.empty()) {
    o << " set large-community";
    for (const auto& c : m.large_communities) {
      o << " " << c;
    }
    o << " additive\n";
  }
  if (prefer_global) {
    o << " set ipv6 next-hop prefer-global\n";
  }
  o << "exit\n";
}

std::string header(const Topology& topo, const Node& node, const std::string& daemon) {
  std::ostringstream o;
  o << "! flowlab: FRR " << daemon << " configuration of router " << node.name << " (AS " << node.asn << ") in lab "
    << topo.name << ".\n";
  o << "! Generated from the topology; do not edit.\n";
  o << "frr defaults traditional\n";
  o << "hostname " << node.name << "\n";
  o << "!\n";
  return o.str();
}

std::string render_zebra(const Node& node) {
  std::ostringstream o;
  o << "interface lo\n";
  o << " description loopback\n";
  o << "exit\n";
  for (const auto& i : node.interfaces) {
    o << "interface " << i.name << "\n";
    o << " description to " << i.peer_node << ":" << i.peer_interface << "\n";
    o << "exit\n";
  }
  return o.str();
}

std::string render_staticd(const Node& node) {
  std::ostringstream o;
  o << "! Originated prefixes: blackholes hold the aggregate; more-specific connected subnets still forward.\n";
  for (const auto& p : node.announce) {
    o << (p.family() == Family::kIpv6 ? "ipv6" : "ip") << " route " << p.to_string() << " blackhole\n";
  }
  return o.str();
}

std::string render_ospfd(const Node& node) {
  std::ostringstream o;
  for (const auto& i : node.interfaces) {
    if (!i.ospf || !i.ipv4) {
      continue;
    }
    o << "interface " << i.name << "\n";
    o << " ip ospf network point-to-point\n";
    o << " ip ospf cost " << i.ospf_cost << "\n";
    o << " ip ospf hello-interval " << bird::kOspfHelloSeconds << "\n";
    o << " ip ospf dead-interval " << bird::kOspfDeadSeconds << "\n";
    o << " ip ospf retransmit-interval " << bird::kOspfRetransmitSeconds << "\n";
    o << "exit\n";
  }
  if (node.loopback) {
    o << "interface lo\n";
    o << " ip ospf passive\n";
    o << "exit\n";
  }
  o << "router ospf\n";
  o << " ospf router-id " << node.router_id.to_string() << "\n";
  o << " ! Lab timers: originate and run SPF at once (defaults wait up to 5 s), so iBGP over loopbacks starts early.\n";
  o << " timers throttle lsa all 0\n";
  o << " timers lsa min-arrival 0\n";
  o << " timers throttle spf 0 50 1000\n";
  for (const auto& i : node.interfaces) {
    if (i.ospf && i.ipv4) {
      o << " network " << i.ipv4->canonical().to_string() << " area 0\n";
    }
  }
  if (node.loopback) {
    o << " network " << node.loopback->to_string() << "/32 area 0\n";
  }
  o << "exit\n";
  return o.str();
}

std::string render_ospf6d(const Node& node) {
  std::ostringstream o;
  for (const auto& i : node.interfaces) {
    if (!i.ospf || !i.ipv6) {
      continue;
    }
    o << "interface " << i.name << "\n";
    o << " ipv6 ospf6 area 0\n";
    o << " ipv6 ospf6 network point-to-point\n";
    o << " ipv6 ospf6 cost " << i.ospf_cost << "\n";
    o << " ipv6 ospf6 hello-interval " << bird::kOspfHelloSeconds << "\n";
    o << " ipv6 ospf6 dead-interval " << bird::kOspfDeadSeconds << "\n";
    o << " ipv6 ospf6 retransmit-interval " << bird::kOspfRetransmitSeconds << "\n";
    o << "exit\n";
  }
  if (node.loopback6) {
    o << "interface lo\n";
    o << " ipv6 ospf6 area 0\n";
    o << " ipv6 ospf6 passive\n";
    o << "exit\n";
  }
  o << "router ospf6\n";
  o << " ospf6 router-id " << node.router_id.to_string() << "\n";
  o << " timers lsa min-arrival 0\n";
  o << " timers throttle spf 0 50 1000\n";
  o << "exit\n";
  return o.str();
}

// One `bmp targets` block per collector that lists the router under `bmp:` (bgpd runs with `-M bmp`).
void render_bmp(std::ostringstream& o, const Topology& topo, const Node& node) {
  for (const Node* station : topo.bmp_stations(node.name)) {
    o << " bmp targets " << station->name << "\n";
    for (const auto& line : bmp_target_lines(*station)) {
      o << "  " << line << "\n";
    }
    o << " exit\n";
  }
}

// The session lines of one neighbor under `router bgp` (its per-family lines come later).
void render_neighbor(std::ostringstream& o, const Peering& p) {
  const std::string n = p.peer_address.to_string();
  o << " neighbor " << n << " remote-as " << p.peer_asn << "\n";
  o << " neighbor " << n << " description " << describe(p) << "\n";
  o << " neighbor " << n << " update-source " << p.local_address.to_string() << "\n";
  if (p.to_probe) {
    o << " neighbor " << n << " port " << topology::kProbeBgpPort << "\n";  // the flowprobe in this router
  }
  o << " neighbor " << n << " timers connect " << bird::kBgpConnectRetrySeconds << "\n";
  o << " neighbor " << n << " advertisement-interval 0\n";
  if (!p.password.empty()) {
    o << " neighbor " << n << " password " << p.password << "\n";  // TCP-MD5 (RFC 2385)
  }
}

Result<std::string> render_bgpd(const Topology& topo, const Node& node) {
  std::ostringstream o;
  const bool bmp = !topo.bmp_stations(node.name).empty();
  auto peerings = peerings_of(topo, node);
  for (const auto& p : peerings) {
    if (p.to_collector || p.to_probe) {
      o << "route-map " << p.name << "-in deny 10\n";  // a collector (or the probe) only listens
      o << "exit\n";
    } else {
      auto in = merge(policies_for(topo, node.name, p.peer, Direction::kImport), p.family);
      FLOWLAB_TRY(in);
      // BMP and an IPv6 eBGP neighbour: FRR 8.4 tracks its link-local next hop, a nexthop-cache entry that a peer
      // flap frees; routes re-learned before zebra answers again are reported post-policy as withdrawn, and nothing
      // re-sends them when they turn valid (fixed in FRR 10.3, commit 6e2d588). The global next hop is the
      // neighbour's own address, tracked from before the session opens (docs/enrichment.md, "BMP").
      render_route_map(o, p, *in, "in", p.local_asn, bmp && !p.ibgp() && p.family == Family::kIpv6);
    }
    auto out = merge(policies_for(topo, node.name, p.peer, Direction::kExport), p.family);
    FLOWLAB_TRY(out);
    render_route_map(o, p, *out, "out", p.local_asn);
  }
  o << "router bgp " << node.asn << "\n";
  o << " bgp router-id " << node.router_id.to_string() << "\n";
  o << " bgp log-neighbor-changes\n";
  o << " no bgp ebgp-requires-policy\n";
  o << " no bgp default ipv4-unicast\n";
  o << " ! Originate the announced prefixes unconditionally (staticd's blackholes may reach zebra later).\n";
  o << " no bgp network import-check\n";
  o << " ! Deterministic ties: lowest router id instead of the oldest route.\n";
  o << " bgp bestpath compare-routerid\n";
  for (const auto& p : peerings) {
    render_neighbor(o, p);
  }
  for (Family f : {Family::kIpv4, Family::kIpv6}) {
    auto own = announced(node, f);
    bool any = !own.empty();
    for (const auto& p : peerings) {
      any = any || p.family == f || p.to_probe;
    }
    if (!any) {
      continue;
    }
    o << " address-family " << (f == Family::kIpv6 ? "ipv6" : "ipv4") << " unicast\n";
    for (const auto& prefix : own) {
      o << "  network " << prefix.to_string() << "\n";
    }
    for (const auto& p : peerings) {
      if (p.family != f && !p.to_probe) {  // the probe session carries both families
        continue;
      }
      const std::string n = p.peer_address.to_string();
      o << "  neighbor " << n << " activate\n";
      if (p.to_probe) {
        o << "  neighbor " << n << " route-reflector-client\n";  // every best route, next hop unchanged
      } else if (p.to_collector) {
        if (p.ibgp()) {
          o << "  neighbor " << n << " route-reflector-client\n";
        } else {
          o << "  neighbor " << n << " attribute-unchanged next-hop\n";
        }
      } else if (p.ibgp()) {
        o << "  neighbor " << n << " next-hop-self\n";
      }
      if (bmp && !p.to_collector && !p.to_probe) {
        o << "  neighbor " << n << " soft-reconfiguration inbound\n";  // BMP pre-policy routes (else withdrawals)
      }
      o << "  neighbor " << n << " route-map " << p.name << "-in in\n";
      o << "  neighbor " << n << " route-map " << p.name << "-out out\n";
    }
    o << " exit-address-family\n";
  }
  render_bmp(o, topo, node);
  o << "exit\n";
  return o.str();
}

}  // namespace

std::vector<std::string> bmp_target_lines(const Node& station) {
  std::vector<std::string> out{"bmp connect " + station.mgmt4.address.to_string() + " port " +
                               std::to_string(topology::kBmpPort) + " min-retry 500 max-retry 2000"};
  for (const char* af : {"ipv4", "ipv6"}) {
    for (const char* policy : {"pre-policy", "post-policy"}) {
      out.push_back(std::string("bmp monitor ") + af + " unicast " + policy);
    }
  }
  return out;
}

Result<FrrConfig> render_frr_config(const Topology& topo, const Node& node) {
  if (!node.is_router()) {
    return fail(ErrorKind::kConfig, "node " + node.name + " is not a router");
  }
  if (!node.router_id.is_v4()) {
    return fail(ErrorKind::kConfig, "router " + node.name + " has no IPv4 router id");
  }
  FrrConfig cfg;
  cfg.daemons.push_back({"zebra", render_zebra(node)});
  cfg.daemons.push_back({"staticd", render_staticd(node)});
  if (node.ospf) {
    cfg.daemons.push_back({"ospfd", render_ospfd(node)});
    cfg.daemons.push_back({"ospf6d", render_ospf6d(node)});
  }
  auto bgp = render_bgpd(topo, node);
  FLOWLAB_TRY(bgp);
  cfg.daemons.push_back({"bgpd", std::move(bgp).value()});

  std::ostringstream all;
  all << "! flowlab: FRR configuration of router " << node.name << " (AS " << node.asn << ") in lab " << topo.name
      << ".\n";
  all << "! Generated from the topology; do not edit. Each daemon reads its own section from <daemon>.conf.\n";
  all << "frr defaults traditional\n";
  all << "hostname " << node.name << "\n";
  for (auto& d : cfg.daemons) {
    all << "!\n! --- " << d.daemon << " ---\n" << d.text;
    d.text = header(topo, node, d.daemon) + d.text;
  }
  all << "end\n";
  cfg.integrated = all.str();
  return cfg;
}

}  // namespace flowlab::nodes::frr
