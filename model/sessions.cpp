// BGP sessions derived from the topology (eBGP between ASes, iBGP meshes or per link, collector and probe
// sessions), and each node's BGP neighbours.
#include "model/derive.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace flowlab::topology {
namespace {

struct AsInfo {
  std::size_t routers = 0;
  bool all_ospf = true;
};

std::map<std::uint32_t, AsInfo> as_table(const Topology& t) {
  std::map<std::uint32_t, AsInfo> out;
  for (const auto& n : t.nodes) {
    if (n.is_router() && n.asn != 0) {
      auto& info = out[n.asn];
      ++info.routers;
      info.all_ospf = info.all_ospf && n.ospf;
    }
  }
  return out;
}

void add_direct_sessions(Topology& t, const Link& link, SessionType type) {
  const Node* na = t.find_node(link.a.node);
  const Node* nb = t.find_node(link.b.node);
  const Interface* ia = na->find_interface(link.a.interface);
  const Interface* ib = nb->find_interface(link.b.interface);
  const bool a_local = link.a.node < link.b.node;
  const Node* local = a_local ? na : nb;
  const Node* remote = a_local ? nb : na;
  const Interface* li = a_local ? ia : ib;
  const Interface* ri = a_local ? ib : ia;
  for (Family f : {Family::kIpv4, Family::kIpv6}) {
    const auto& la = f == Family::kIpv4 ? li->ipv4 : li->ipv6;
    const auto& ra = f == Family::kIpv4 ? ri->ipv4 : ri->ipv6;
    if (!la || !ra) {
      continue;
    }
    BgpSession s;
    s.local_node = local->name;
    s.remote_node = remote->name;
    s.local_address = la->address;
    s.remote_address = ra->address;
    s.local_asn = local->asn;
    s.remote_asn = remote->asn;
    s.family = f;
    s.type = type;
    s.local_interface = li->name;
    s.remote_interface = ri->name;
    t.sessions.push_back(std::move(s));
  }
}

// iBGP over loopbacks: a full mesh of the AS's routers (it runs OSPF throughout), one session per family.
void add_loopback_mesh(Topology& t, std::uint32_t asn) {
  std::vector<const Node*> members;
  for (const auto& n : t.nodes) {
    if (n.is_router() && n.asn == asn) {
      members.push_back(&n);
    }
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    for (std::size_t j = i + 1; j < members.size(); ++j) {
      const Node* local = members[i]->name < members[j]->name ? members[i] : members[j];
      const Node* remote = local == members[i] ? members[j] : members[i];
      for (Family f : {Family::kIpv4, Family::kIpv6}) {
        const auto& la = f == Family::kIpv4 ? local->loopback : local->loopback6;
        const auto& ra = f == Family::kIpv4 ? remote->loopback : remote->loopback6;
        if (!la || !ra) {
          continue;
        }
        BgpSession s;
        s.local_node = local->name;
        s.remote_node = remote->name;
        s.local_address = *la;
        s.remote_address = *ra;
        s.local_asn = asn;
        s.remote_asn = asn;
        s.family = f;
        s.type = SessionType::kIbgp;
        s.over_loopback = true;
        t.sessions.push_back(std::move(s));
      }
    }
  }
}

// eBGP on every link between routers of different ASes; iBGP per AS (in order of its first router in the file):
// a loopback mesh where the AS runs OSPF throughout, else over each link inside it.
void add_router_sessions(Topology& t) {
  for (const auto& link : t.links) {
    const Node* a = t.find_node(link.a.node);
    const Node* b = t.find_node(link.b.node);
    if (is_router(a) && is_router(b) && a->asn != b->asn) {
      add_direct_sessions(t, link, SessionType::kEbgp);
    }
  }
  const auto ases = as_table(t);
  std::vector<std::uint32_t> as_order;
  for (const auto& n : t.nodes) {
    if (n.is_router() && std::find(as_order.begin(), as_order.end(), n.asn) == as_order.end()) {
      as_order.push_back(n.asn);
    }
  }
  for (std::uint32_t asn : as_order) {
    const AsInfo& info = ases.at(asn);
    if (info.routers < 2) {
      continue;
    }
    if (info.all_ospf) {
      add_loopback_mesh(t, asn);
      continue;
    }
    for (const auto& link : t.links) {
      const Node* a = t.find_node(link.a.node);
      const Node* b = t.find_node(link.b.node);
      if (is_router(a) && is_router(b) && a->asn == asn && b->asn == asn) {
        add_direct_sessions(t, link, SessionType::kIbgp);
      }
    }
  }
}

// Collector sessions: iBGP over the management network; the collector mirrors each peer's AS.
void add_collector_sessions(Topology& t) {
  for (const auto& c : t.nodes) {
    if (c.role != Role::kCollector) {
      continue;
    }
    for (const auto& peer : c.bgp_peers) {
      const Node* r = t.find_node(peer);
      if (!is_router(r)) {
        continue;
      }
      for (Family f : {Family::kIpv4, Family::kIpv6}) {
        if (f == Family::kIpv6 && (!r->mgmt6 || !c.mgmt6)) {
          continue;
        }
        BgpSession s;
        s.local_node = r->name;
        s.remote_node = c.name;
        s.local_address = f == Family::kIpv4 ? r->mgmt4.address : r->mgmt6->address;
        s.remote_address = f == Family::kIpv4 ? c.mgmt4.address : c.mgmt6->address;
        s.local_asn = r->asn;
        s.remote_asn = r->asn;
        s.family = f;
        s.type = SessionType::kIbgp;
        s.to_collector = true;
        s.password = c.bgp_password;
        s.local_interface = "mgmt0";
        s.remote_interface = "mgmt0";
        t.sessions.push_back(std::move(s));
      }
    }
  }
}

// Probe sessions (model 1): the router and the flowprobe in its namespace, over 127.0.0.0/8.
void add_probe_sessions(Topology& t) {
  for (const auto& p : t.probes) {
    const Node* r = t.find_node(p.node);
    if (!p.bgp || p.mirror || !is_router(r)) {
      continue;
    }
    BgpSession s;
    s.local_node = r->name;
    s.remote_node = kProbeBgpNode;
    s.local_address = *IpAddress::parse(kProbeBgpRouterAddress);
    s.remote_address = *IpAddress::parse(kProbeBgpProbeAddress);
    s.local_asn = r->asn;
    s.remote_asn = r->asn;
    s.family = Family::kIpv4;
    s.type = SessionType::kIbgp;
    s.to_probe = true;
    s.local_interface = "lo";
    t.sessions.push_back(std::move(s));
  }
}

}  // namespace

void derive_sessions(Topology& t) {
  t.sessions.clear();
  add_router_sessions(t);
  add_collector_sessions(t);
  add_probe_sessions(t);
}

std::vector<std::string> bgp_neighbours(const Topology& t, const std::string& node_name) {
  const Node* self = t.find_node(node_name);
  if (self == nullptr) {
    return {};
  }
  std::set<std::string> found;
  const auto role = self->role;
  if (role == Role::kRouter && self->asn != 0) {
    const auto ases = as_table(t);
    const AsInfo& mine = ases.at(self->asn);
    for (const auto& link : t.links) {
      const Endpoint* other = nullptr;
      if (link.a.node == node_name) {
        other = &link.b;
      } else if (link.b.node == node_name) {
        other = &link.a;
      }
      const Node* peer = other == nullptr ? nullptr : t.find_node(other->node);
      if (!is_router(peer) || peer->asn == 0 || peer == self) {
        continue;
      }
      if (peer->asn != self->asn || !mine.all_ospf) {
        found.insert(peer->name);
      }
    }
    if (mine.all_ospf && mine.routers >= 2) {
      for (const auto& n : t.nodes) {
        if (n.is_router() && n.asn == self->asn && n.name != node_name) {
          found.insert(n.name);
        }
      }
    }
    for (const auto& n : t.nodes) {
      if (n.role == Role::kCollector &&
          std::find(n.bgp_peers.begin(), n.bgp_peers.end(), node_name) != n.bgp_peers.end()) {
        found.insert(n.name);
      }
    }
  } else if (role == Role::kCollector) {
    for (const auto& p : self->bgp_peers) {
      if (is_router(t.find_node(p))) {
        found.insert(p);
      }
    }
  }
  std::vector<std::string> out;
  for (const auto& n : t.nodes) {
    if (found.count(n.name) != 0) {
      out.push_back(n.name);
    }
  }
  return out;
}

}  // namespace flowlab::topology
