#include "nodes/bird/bird_config.hpp"

#include "nodes/core/peering.hpp"

#include <sstream>
#include <vector>

namespace flowlab::nodes::bird {
namespace {

using topology::Direction;
using topology::Node;
using topology::Policy;
using topology::Topology;

const char* family_word(Family f) { return f == Family::kIpv6 ? "ipv6" : "ipv4"; }

std::string prefix_set(const std::vector<Prefix>& prefixes) {
  std::string out = "[ ";
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    out += (i == 0 ? "" : ", ") + prefixes[i].to_string();
  }
  return out + " ]";
}

std::vector<Prefix> denied(const std::vector<const Policy*>& policies, Family family) {
  std::vector<Prefix> out;
  for (const auto* p : policies) {
    for (const auto& d : p->deny) {
      if (d.family() == family) {
        out.push_back(d);
      }
    }
  }
  return out;
}

// Statements a policy list adds to a filter body (after the deny check), indented for a channel filter.
Status policy_actions(std::ostringstream& o, const std::vector<const Policy*>& policies, std::uint32_t own_asn,
                      const std::string& indent) {
  for (const auto* p : policies) {
    if (p->local_pref) {
      o << indent << "bgp_local_pref = " << *p->local_pref << ";\n";
    }
    if (p->med) {
      o << indent << "bgp_med = " << *p->med << ";\n";
    }
    for (std::uint32_t i = 0; i < p->prepend; ++i) {
      o << indent << "bgp_path.prepend(" << own_asn << ");\n";
    }
    for (const auto& c : p->communities) {
      auto parsed = parse_community(c);
      FLOWLAB_TRY(parsed);
      o << indent << "bgp_community.add((" << (*parsed)[0] << ", " << (*parsed)[1] << "));\n";
    }
    for (const auto& c : p->large_communities) {
      auto parsed = parse_large_community(c);
      FLOWLAB_TRY(parsed);
      o << indent << "bgp_large_community.add((" << (*parsed)[0] << ", " << (*parsed)[1] << ", " << (*parsed)[2]
        << "));\n";
    }
  }
  return {};
}

std::string describe(const Peering& p) {
  std::string kind = p.to_collector ? "collector" : (p.ibgp() ? "iBGP" : "eBGP");
  std::string over = p.to_collector ? "mgmt0" : (p.over_loopback ? "loopbacks" : p.local_interface);
  return kind + " with " + p.peer + " (AS " + std::to_string(p.peer_asn) + "), " +
         (p.family == Family::kIpv6 ? "IPv6" : "IPv4") + " over " + over;
}

// The session to the flowprobe in this router (model 1): iBGP over 127.0.0.0/8 to the probe's port, IPv4 and IPv6
// unicast on the one IPv4 session, best routes exported with their next hop kept (as for collectors).
void render_probe_session(std::ostringstream& o, const Node& node, const Peering& p) {
  o << "# flowprobe in this router (model 1): iBGP, IPv4 and IPv6 unicast over " << p.local_address.to_string()
    << ".\n";
  o << "protocol bgp " << p.name << " {\n";
  o << "  description \"flowprobe BGP feed\";\n";
  o << "  local " << p.local_address.to_string() << " as " << p.local_asn << ";\n";
  o << "  neighbor " << p.peer_address.to_string() << " port " << topology::kProbeBgpPort << " as " << p.peer_asn
    << ";\n";
  o << "  multihop;\n";
  o << "  strict bind yes;\n";
  o << "  rr client;  # the probe gets every best route, iBGP-learned ones included\n";
  o << "  connect retry time " << kBgpConnectRetrySeconds << ";\n";
  o << "  connect delay time " << kBgpConnectDelaySeconds << ";\n";
  o << "  error wait time " << kBgpErrorWaitMinSeconds << ", " << kBgpErrorWaitMaxSeconds << ";\n";
  for (Family f : {Family::kIpv4, Family::kIpv6}) {
    auto own = announced(node, f);
    o << "  " << family_word(f) << " {\n";
    o << "    import none;\n";
    o << "    export filter {\n";
    if (own.empty()) {
      o << "      if source != RTS_BGP then reject;\n";
    } else {
      o << "      if !(source = RTS_BGP || ((source = RTS_STATIC || source = RTS_DEVICE) && net ~ " << prefix_set(own)
        << ")) then reject;\n";
    }
    o << "      accept;\n";
    o << "    };\n";
    o << "    next hop keep;  # the probe exports the next hop this router uses (bgpNextHop)\n";
    if (f == Family::kIpv6 && node.loopback6) {
      o << "    next hop address " << node.loopback6->to_string() << ";  # own routes over the IPv4 session\n";
    }
    o << "  };\n";
  }
  o << "}\n\n";
}

Status render_session(std::ostringstream& o, const Topology& topo, const Node& node, const Peering& p) {
  if (p.to_probe) {
    render_probe_session(o, node, p);
    return {};
  }
  const char* fam = family_word(p.family);
  o << "# " << describe(p) << ".\n";
  o << "protocol bgp " << p.name << " {\n";
  o << "  description \"" << describe(p) << "\";\n";
  o << "  local " << p.local_address.to_string() << " as " << p.local_asn << ";\n";
  o << "  neighbor " << p.peer_address.to_string() << " as " << p.peer_asn << ";\n";
  // Loopback iBGP rides on OSPF (multihop, next hops resolved recursively); everything else is one hop away.
  o << "  " << (p.over_loopback ? "multihop" : "direct") << ";\n";
  // Listen on the session's own address only. Needed towards collectors (several BGP speakers may share the
  // management host) and then on every session: BIRD cannot bind a wildcard listener next to an address-bound one.
  o << "  strict bind yes;\n";
  if (!p.password.empty()) {
    o << "  password \"" << p.password << "\";  # TCP-MD5 (RFC 2385)\n";
  }
  if (p.to_collector) {
    if (p.ibgp()) {
      o << "  rr client;  # the collector gets every best route, iBGP-learned ones included\n";
    }
  }
  o << "  connect retry time " << kBgpConnectRetrySeconds << ";\n";
  o << "  connect delay time " << kBgpConnectDelaySeconds << ";\n";
  o << "  error wait time " << kBgpErrorWaitMinSeconds << ", " << kBgpErrorWaitMaxSeconds << ";\n";
  o << "  " << fam << " {\n";

  // Import.
  if (p.to_collector) {
    o << "    import none;\n";
  } else {
    auto policies = policies_for(topo, node.name, p.peer, Direction::kImport);
    o << "    import filter {\n";
    auto deny = denied(policies, p.family);
    if (!deny.empty()) {
      o << "      if net ~ " << prefix_set(deny) << " then reject;\n";
    }
    FLOWLAB_TRY(policy_actions(o, policies, p.local_asn, "      "));
    o << "      accept;\n";
    o << "    };\n";
  }

  // Export: what this router originates plus what it learned by BGP (BIRD never sends iBGP-learned routes to
  // iBGP peers unless they are route-reflector clients).
  auto policies = policies_for(topo, node.name, p.peer, Direction::kExport);
  auto own = announced(node, p.family);
  o << "    export filter {\n";
  if (own.empty()) {
    o << "      if source != RTS_BGP then reject;\n";
  } else {
    // An announced prefix may equal a connected subnet, whose direct route then wins over the static one.
    o << "      if !(source = RTS_BGP || ((source = RTS_STATIC || source = RTS_DEVICE) && net ~ " << prefix_set(own)
      << ")) then reject;\n";
  }
  auto deny = denied(policies, p.family);
  if (!deny.empty()) {
    o << "      if net ~ " << prefix_set(deny) << " then reject;\n";
  }
  FLOWLAB_TRY(policy_actions(o, policies, p.local_asn, "      "));
  o << "      accept;\n";
  o << "    };\n";
  if (p.to_collector) {
    o << "    next hop keep;  # the collector sees the next hop this router uses (peer_ip_dst)\n";
  } else if (p.ibgp()) {
    o << "    next hop self;  # routes from outside the AS reach iBGP peers with this border router as next hop\n";
  }
  o << "  };\n";
  o << "}\n\n";
  return {};
}

void render_ospf(std::ostringstream& o, const Node& node, Family family) {
  const bool v6 = family == Family::kIpv6;
  const auto& loopback = v6 ? node.loopback6 : node.loopback;
  bool any = false;
  for (const auto& i : node.interfaces) {
    any = any || (i.ospf && (v6 ? i.ipv6.has_value() : i.ipv4.has_value()));
  }
  if (!any && !loopback) {
    return;
  }
  o << "protocol ospf " << (v6 ? "v3 ospf6" : "v2 ospf4") << " {\n";
  o << "  " << family_word(family) << " { import all; export none; };\n";
  o << "  area 0 {\n";
  if (loopback) {
    o << "    stubnet " << loopback->to_string() << "/" << (v6 ? 128 : 32) << ";  # the loopback\n";
  }
  for (const auto& i : node.interfaces) {
    if (i.ospf && (v6 ? i.ipv6.has_value() : i.ipv4.has_value())) {
      o << "    interface \"" << i.name << "\" { type ptp; cost " << i.ospf_cost << "; hello " << kOspfHelloSeconds
        << "; dead " << kOspfDeadSeconds << "; retransmit " << kOspfRetransmitSeconds << "; };\n";
    }
  }
  o << "  };\n";
  o << "}\n\n";
}

}  // namespace

Result<std::string> render_bird_config(const Topology& topo, const Node& node) {
  if (!node.is_router()) {
    return fail(ErrorKind::kConfig, "node " + node.name + " is not a router");
  }
  if (!node.router_id.is_v4()) {
    return fail(ErrorKind::kConfig, "router " + node.name + " has no IPv4 router id");
  }
  std::ostringstream o;
  o << "# flowlab: BIRD 2 configuration of router " << node.name << " (AS " << node.asn << ") in lab " << topo.name
    << ".\n";
  o << "# Generated from the topology; do not edit.\n";
  o << "#\n";
  o << "# Best path: BIRD's defaults, which are deterministic: highest local-pref, shortest AS path, lowest origin,\n";
  o << "# lowest MED (between routes from the same neighbour AS), eBGP over iBGP, lowest IGP metric to the next hop,\n";
  o << "# lowest router id, lowest neighbour address (prefer older off, deterministic med off, med metric off).\n\n";
  o << "log stderr all;\n";
  o << "router id " << node.router_id.to_string() << ";\n\n";

  o << "protocol device {\n  scan time 10;\n}\n\n";

  o << "# Connected routes of the data-plane interfaces and the loopback (never mgmt0).\n";
  o << "protocol direct {\n  ipv4;\n  ipv6;\n  interface \"lo\"";
  for (const auto& i : node.interfaces) {
    o << ", \"" << i.name << "\"";
  }
  o << ";\n}\n\n";

  o << "# Best routes into this namespace's kernel FIB; connected routes stay the kernel's own.\n";
  for (Family f : {Family::kIpv4, Family::kIpv6}) {
    o << "protocol kernel kernel" << (f == Family::kIpv6 ? "6" : "4") << " {\n";
    o << "  merge paths on;\n";
    o << "  " << family_word(f) << " {\n";
    o << "    import none;\n";
    o << "    export filter { if source = RTS_DEVICE then reject; accept; };\n";
    o << "  };\n";
    o << "}\n\n";
  }

  for (Family f : {Family::kIpv4, Family::kIpv6}) {
    auto own = announced(node, f);
    if (own.empty()) {
      continue;
    }
    if (f == Family::kIpv4) {
      o << "# Originated prefixes: unreachable in the FIB, so the aggregate is held here while the more-specific\n";
      o << "# connected subnets inside it still forward.\n";
    }
    o << "protocol static announce" << (f == Family::kIpv6 ? "6" : "4") << " {\n";
    o << "  " << family_word(f) << ";\n";
    for (const auto& p : own) {
      o << "  route " << p.to_string() << " unreachable;\n";
    }
    o << "}\n\n";
  }

  if (node.ospf) {
    render_ospf(o, node, Family::kIpv4);
    render_ospf(o, node, Family::kIpv6);
  }

  for (const auto& p : peerings_of(topo, node)) {
    FLOWLAB_TRY(render_session(o, topo, node, p));
  }
  std::string text = o.str();
  while (text.size() >= 2 && text[text.size() - 1] == '\n' && text[text.size() - 2] == '\n') {
    text.pop_back();
  }
  return text;
}

}  // namespace flowlab::nodes::bird
