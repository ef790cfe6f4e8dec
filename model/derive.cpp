#include "model/derive.hpp"

#include "model/kinds.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace flowlab::topology {
namespace {

Prefix must_parse(const char* text) {
  auto p = Prefix::parse(text);
  return p.value_or(Prefix{});
}

std::string link_label(const Topology& t, std::size_t i) {
  const Link& l = t.links[i];
  return "links[" + std::to_string(i) + "] (" + l.a.node + ":" + l.a.interface + " - " + l.b.node + ":" +
         l.b.interface + ")";
}

// Everything already holding addresses, so that pools and host blocks skip it.
class AddressBook {
 public:
  void take(const Prefix& p) { taken_.push_back(p); }
  void announce(const Prefix& p) { announced_.push_back(p); }
  [[nodiscard]] bool free(const Prefix& p, bool avoid_announced) const {
    auto hit = [&](const Prefix& q) { return q.family() == p.family() && q.overlaps(p); };
    if (std::any_of(taken_.begin(), taken_.end(), hit)) {
      return false;
    }
    return !avoid_announced || std::none_of(announced_.begin(), announced_.end(), hit);
  }

 private:
  std::vector<Prefix> taken_;
  std::vector<Prefix> announced_;
};

// Walks a pool in steps of `length`-sized blocks, keeping its position between calls.
class PoolCursor {
 public:
  PoolCursor(Prefix pool, unsigned length, std::uint64_t first = 0) : pool_(pool), length_(length), next_(first) {}

  std::optional<Prefix> next(AddressBook& book, bool avoid_announced = true) {
    const unsigned span_bits = length_ - pool_.length;
    const std::uint64_t count = span_bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << span_bits);
    const unsigned shift = pool_.address.max_prefix_len() - length_;
    while (next_ < count) {
      Prefix candidate{add_block(pool_.address, next_, shift), static_cast<std::uint8_t>(length_)};
      ++next_;
      if (book.free(candidate, avoid_announced)) {
        book.take(candidate);
        return candidate;
      }
    }
    return std::nullopt;
  }

 private:
  Prefix pool_;
  unsigned length_;
  std::uint64_t next_;
};

struct AsInfo {
  std::size_t routers = 0;
  bool all_ospf = true;
};

std::map<std::uint32_t, AsInfo> as_table(const Topology& t) {
  std::map<std::uint32_t, AsInfo> out;
  for (const auto& n : t.nodes) {
    if (role_of_kind(n.kind) == Role::kRouter && n.asn != 0) {
      auto& info = out[n.asn];
      ++info.routers;
      info.all_ospf = info.all_ospf && n.ospf;
    }
  }
  return out;
}

bool is_router(const Node* n) { return n != nullptr && role_of_kind(n->kind) == Role::kRouter; }

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

void derive_sessions(Topology& t) {
  t.sessions.clear();
  // eBGP: every link between routers of different ASNs, one session per family.
  for (const auto& link : t.links) {
    const Node* a = t.find_node(link.a.node);
    const Node* b = t.find_node(link.b.node);
    if (is_router(a) && is_router(b) && a->asn != b->asn) {
      add_direct_sessions(t, link, SessionType::kEbgp);
    }
  }
  // iBGP: full mesh per AS (ASes in order of their first router in the file).
  const auto ases = as_table(t);
  std::vector<std::uint32_t> as_order;
  for (const auto& n : t.nodes) {
    if (is_router(&n) && std::find(as_order.begin(), as_order.end(), n.asn) == as_order.end()) {
      as_order.push_back(n.asn);
    }
  }
  for (std::uint32_t asn : as_order) {
    const AsInfo& info = ases.at(asn);
    if (info.routers < 2) {
      continue;
    }
    if (info.all_ospf) {
      std::vector<const Node*> members;
      for (const auto& n : t.nodes) {
        if (is_router(&n) && n.asn == asn) {
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
    } else {
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
        std::optional<IpAddress> la;
        std::optional<IpAddress> ra;
        if (f == Family::kIpv4) {
          la = r->mgmt4.address;
          ra = c.mgmt4.address;
        } else if (r->mgmt6 && c.mgmt6) {
          la = r->mgmt6->address;
          ra = c.mgmt6->address;
        }
        if (!la || !ra) {
          continue;
        }
        BgpSession s;
        s.local_node = r->name;
        s.remote_node = c.name;
        s.local_address = *la;
        s.remote_address = *ra;
        s.local_asn = r->asn;
        s.remote_asn = r->asn;
        s.family = f;
        s.type = SessionType::kIbgp;
        s.to_collector = true;
        s.local_interface = "mgmt0";
        s.remote_interface = "mgmt0";
        t.sessions.push_back(std::move(s));
      }
    }
  }
  // Probe sessions (model 1): the router and the flowprobe in its namespace, over 127.0.0.0/8.
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

const AddressPools& default_pools() {
  static const AddressPools kPools{must_parse(kLinkPool4),     must_parse(kLinkPool6),   must_parse(kLoopbackPool4),
                                   must_parse(kLoopbackPool6), must_parse(kMgmtSubnet4), must_parse(kMgmtSubnet6)};
  return kPools;
}

IpAddress add_block(const IpAddress& base, std::uint64_t k, unsigned shift) {
  IpAddress out = base;
  const auto size = static_cast<int>(out.size());
  int pos = size - 1 - static_cast<int>(shift / 8U);
  const unsigned rem = shift % 8U;
  std::uint64_t lo = k << rem;
  std::uint64_t hi = rem == 0 ? 0 : (k >> (64U - rem));
  unsigned carry = 0;
  for (int i = pos; i >= 0 && (lo != 0 || hi != 0 || carry != 0); --i) {
    const auto idx = static_cast<std::size_t>(i);
    unsigned sum = out.bytes[idx] + static_cast<unsigned>(lo & 0xffU) + carry;
    out.bytes[idx] = static_cast<std::uint8_t>(sum & 0xffU);
    carry = sum >> 8U;
    lo = (lo >> 8U) | (hi << 56U);
    hi >>= 8U;
  }
  return out;
}

Prefix effective_mgmt4(const Topology& t) {
  return t.mgmt_subnet4.address.is_set() ? t.mgmt_subnet4 : default_pools().mgmt4;
}

std::optional<Prefix> effective_mgmt6(const Topology& t) {
  if (t.mgmt_subnet6) {
    return t.mgmt_subnet6;
  }
  return t.ipv6 ? std::optional<Prefix>(default_pools().mgmt6) : std::nullopt;
}

std::pair<IpAddress, IpAddress> link_addresses(const Prefix& subnet) {
  const Prefix net = subnet.canonical();
  if (net.length + 1U >= net.address.max_prefix_len()) {
    return {net.address, net.address.plus(1)};
  }
  return {net.address.plus(1), net.address.plus(2)};
}

bool is_gateway_link(const Topology& t, const Link& link, std::string* host, std::string* router) {
  for (int side = 0; side < 2; ++side) {
    const Endpoint& h = side == 0 ? link.a : link.b;
    const Endpoint& r = side == 0 ? link.b : link.a;
    const Node* hn = t.find_node(h.node);
    const Node* rn = t.find_node(r.node);
    if (hn != nullptr && rn != nullptr && role_of_kind(hn->kind) == Role::kHost && !hn->gateway.empty() &&
        hn->gateway == rn->name && is_router(rn)) {
      if (host != nullptr) {
        *host = hn->name;
      }
      if (router != nullptr) {
        *router = rn->name;
      }
      return true;
    }
  }
  return false;
}

std::vector<std::string> bgp_neighbours(const Topology& t, const std::string& node_name) {
  const Node* self = t.find_node(node_name);
  if (self == nullptr) {
    return {};
  }
  std::set<std::string> found;
  const auto role = role_of_kind(self->kind);
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
        if (is_router(&n) && n.asn == self->asn && n.name != node_name) {
          found.insert(n.name);
        }
      }
    }
    for (const auto& n : t.nodes) {
      if (role_of_kind(n.kind) == Role::kCollector &&
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

void derive_topology(Topology& t, const SourceMap& marks, DiagnosticSink& sink) {
  const AddressPools& pools = default_pools();
  for (auto& n : t.nodes) {
    if (auto role = role_of_kind(n.kind)) {
      n.role = *role;
    }
    n.namespace_name = t.namespace_of(n.name);
    n.interfaces.clear();
  }
  // Collectors mirror the AS of their first BGP peer unless given one.
  for (auto& n : t.nodes) {
    if (n.role == Role::kCollector && n.asn == 0 && !n.bgp_peers.empty()) {
      if (const Node* peer = t.find_node(n.bgp_peers.front())) {
        n.asn = peer->asn;
      }
    }
  }

  // Everything given explicitly is reserved before any pool is walked.
  AddressBook book;
  const Prefix mgmt4 = effective_mgmt4(t);
  const std::optional<Prefix> mgmt6 = effective_mgmt6(t);
  t.mgmt_subnet4 = mgmt4;
  t.mgmt_subnet6 = mgmt6;
  book.take(mgmt4);
  if (mgmt6) {
    book.take(*mgmt6);
  }
  for (const auto& l : t.links) {
    if (l.ipv4) {
      book.take(*l.ipv4);
    }
    if (l.ipv6) {
      book.take(*l.ipv6);
    }
  }
  for (const auto& n : t.nodes) {
    if (n.loopback) {
      book.take(Prefix{*n.loopback, 32});
    }
    if (n.loopback6) {
      book.take(Prefix{*n.loopback6, 128});
    }
    for (const auto& p : n.announce) {
      book.announce(p);
    }
  }

  // Router loopbacks and router ids, in router order.
  PoolCursor lo4(pools.loopback4, 32, 1);
  PoolCursor lo6(pools.loopback6, 128, 1);
  for (std::size_t i = 0; i < t.nodes.size(); ++i) {
    Node& n = t.nodes[i];
    if (n.role != Role::kRouter) {
      continue;
    }
    const std::string path = "nodes." + n.name;
    if (!n.loopback) {
      if (auto p = lo4.next(book)) {
        n.loopback = p->address;
      } else {
        sink.error(marks.at(path), path + ": too many routers for the IPv4 loopback pool " +
                                       pools.loopback4.to_string() + " (give some routers an explicit 'loopback')");
        return;
      }
    }
    if (!n.loopback6 && t.ipv6) {
      if (auto p = lo6.next(book)) {
        n.loopback6 = p->address;
      } else {
        sink.error(marks.at(path),
                   path + ": too many routers for the IPv6 loopback pool " + pools.loopback6.to_string());
        return;
      }
    }
    if (!n.router_id.is_set()) {
      n.router_id = *n.loopback;
    }
  }

  // Link subnets and interfaces, in link order.
  PoolCursor link4(pools.link4, 31);
  PoolCursor link6(pools.link6, 127);
  for (std::size_t li = 0; li < t.links.size(); ++li) {
    Link& link = t.links[li];
    const std::string path = "links[" + std::to_string(li) + "]";
    std::string host_name;
    std::string router_name;
    const bool gateway_link = is_gateway_link(t, link, &host_name, &router_name);
    const Node* router = gateway_link ? t.find_node(router_name) : nullptr;
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      auto& subnet = f == Family::kIpv4 ? link.ipv4 : link.ipv6;
      if (subnet || (f == Family::kIpv6 && !t.ipv6)) {
        continue;
      }
      const Prefix* announced = nullptr;
      if (router != nullptr) {
        auto it = std::find_if(router->announce.begin(), router->announce.end(),
                               [f](const Prefix& p) { return p.family() == f; });
        announced = it == router->announce.end() ? nullptr : &*it;
      }
      if (announced != nullptr) {
        const unsigned block =
            std::max<unsigned>(f == Family::kIpv4 ? kHostBlockLength4 : kHostBlockLength6, announced->length);
        if (block + 2U > announced->address.max_prefix_len()) {
          sink.error(marks.at(path), path + ": the " + std::string(f == Family::kIpv4 ? "IPv4" : "IPv6") + " prefix " +
                                         announced->to_string() + " announced by '" + router->name +
                                         "' is too small to hold the subnet of its host link");
          continue;
        }
        PoolCursor blocks(*announced, block);
        subnet = blocks.next(book, false);
        if (!subnet) {
          sink.error(marks.at(path), path + ": no free /" + std::to_string(block) + " block left in " +
                                         announced->to_string() + " (announced by '" + router->name +
                                         "') for the host link " + link_label(t, li));
        }
      } else {
        subnet = (f == Family::kIpv4 ? link4 : link6).next(book);
        if (!subnet) {
          sink.error(marks.at(path), path + ": the link pool " +
                                         (f == Family::kIpv4 ? pools.link4 : pools.link6).to_string() +
                                         " is exhausted");
        }
      }
    }

    // Endpoint a takes the first address, b the second; on a host's gateway link the router comes first.
    const bool b_first = gateway_link && link.b.node == router_name;
    for (int side = 0; side < 2; ++side) {
      const Endpoint& self = side == 0 ? link.a : link.b;
      const Endpoint& peer = side == 0 ? link.b : link.a;
      const bool first = (side == 0) != b_first;
      Interface iface;
      iface.name = self.interface;
      iface.peer_node = peer.node;
      iface.peer_interface = peer.interface;
      iface.link_index = li;
      iface.mtu = link.mtu;
      iface.ospf_cost = link.ospf_cost;
      iface.mark = self.mark;
      if (link.ipv4) {
        auto [x, y] = link_addresses(*link.ipv4);
        iface.ipv4 = Prefix{first ? x : y, link.ipv4->length};
      }
      if (link.ipv6) {
        auto [x, y] = link_addresses(*link.ipv6);
        iface.ipv6 = Prefix{first ? x : y, link.ipv6->length};
      }
      for (auto& n : t.nodes) {
        if (n.name == self.node) {
          n.interfaces.push_back(iface);
        }
      }
    }
  }
  if (!sink.empty()) {
    return;
  }

  // Hosts' gateways, OSPF interfaces.
  for (auto& n : t.nodes) {
    if (n.role == Role::kHost && !n.gateway.empty()) {
      for (const auto& iface : n.interfaces) {
        if (iface.peer_node == n.gateway) {
          const Node* gw = t.find_node(n.gateway);
          const Interface* gi = gw->find_interface(iface.peer_interface);
          if (gi->ipv4) {
            n.gateway4 = gi->ipv4->address;
          }
          if (gi->ipv6) {
            n.gateway6 = gi->ipv6->address;
          }
          break;
        }
      }
    }
  }
  for (auto& n : t.nodes) {
    for (auto& iface : n.interfaces) {
      const Node* peer = t.find_node(iface.peer_node);
      iface.ospf =
          n.role == Role::kRouter && n.ospf && n.asn != 0 && is_router(peer) && peer->ospf && peer->asn == n.asn;
    }
  }

  // Management addresses: node i in file order gets subnet + i + 2 (+1 is the reserved gateway).
  for (std::size_t i = 0; i < t.nodes.size(); ++i) {
    Node& n = t.nodes[i];
    n.mgmt4 = Prefix{mgmt4.address.plus(i + 2), mgmt4.length};
    if (mgmt6) {
      n.mgmt6 = Prefix{mgmt6->address.plus(i + 2), mgmt6->length};
    } else {
      n.mgmt6.reset();
    }
  }

  derive_sessions(t);
}

}  // namespace flowlab::topology
