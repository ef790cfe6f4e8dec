#include "model/derive.hpp"

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
    if (hn != nullptr && rn != nullptr && hn->role == Role::kHost && !hn->gateway.empty() && hn->gateway == rn->name &&
        rn->is_router()) {
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

namespace {

// Everything given explicitly is reserved before any pool is walked.
AddressBook reserve_given(const Topology& t) {
  AddressBook book;
  book.take(t.mgmt_subnet4);
  if (t.mgmt_subnet6) {
    book.take(*t.mgmt_subnet6);
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
  return book;
}

// Router loopbacks and router ids, in router order; false (with a diagnostic) when a pool runs out.
bool assign_loopbacks(Topology& t, AddressBook& book, const SourceMap& marks, DiagnosticSink& sink) {
  const AddressPools& pools = default_pools();
  PoolCursor lo4(pools.loopback4, 32, 1);
  PoolCursor lo6(pools.loopback6, 128, 1);
  for (Node& n : t.nodes) {
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
        return false;
      }
    }
    if (!n.loopback6 && t.ipv6) {
      if (auto p = lo6.next(book)) {
        n.loopback6 = p->address;
      } else {
        sink.error(marks.at(path),
                   path + ": too many routers for the IPv6 loopback pool " + pools.loopback6.to_string());
        return false;
      }
    }
    if (!n.router_id.is_set()) {
      n.router_id = *n.loopback;
    }
  }
  return true;
}

// The link pools, walked in link order.
struct LinkPools {
  PoolCursor link4{default_pools().link4, 31};
  PoolCursor link6{default_pools().link6, 127};
};

// A host link's subnet of family `f`: a block of the prefix its gateway router announces.
std::optional<Prefix> host_block(const Topology& t, std::size_t li, const Node& router, const Prefix& announced,
                                 Family f, AddressBook& book, const SourceMap& marks, DiagnosticSink& sink) {
  const std::string path = "links[" + std::to_string(li) + "]";
  const unsigned block =
      std::max<unsigned>(f == Family::kIpv4 ? kHostBlockLength4 : kHostBlockLength6, announced.length);
  if (block + 2U > announced.address.max_prefix_len()) {
    sink.error(marks.at(path), path + ": the " + std::string(f == Family::kIpv4 ? "IPv4" : "IPv6") + " prefix " +
                                   announced.to_string() + " announced by '" + router.name +
                                   "' is too small to hold the subnet of its host link");
    return std::nullopt;
  }
  PoolCursor blocks(announced, block);
  auto subnet = blocks.next(book, false);
  if (!subnet) {
    sink.error(marks.at(path), path + ": no free /" + std::to_string(block) + " block left in " +
                                   announced.to_string() + " (announced by '" + router.name + "') for the host link " +
                                   link_label(t, li));
  }
  return subnet;
}

// The subnets a link left out: from its gateway router's announced prefix (host links) or the link pools.
void assign_link_subnets(Topology& t, std::size_t li, const Node* router, LinkPools& pools, AddressBook& book,
                         const SourceMap& marks, DiagnosticSink& sink) {
  Link& link = t.links[li];
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
      subnet = host_block(t, li, *router, *announced, f, book, marks, sink);
      continue;
    }
    subnet = (f == Family::kIpv4 ? pools.link4 : pools.link6).next(book);
    if (!subnet) {
      const std::string path = "links[" + std::to_string(li) + "]";
      sink.error(marks.at(path), path + ": the link pool " +
                                     (f == Family::kIpv4 ? default_pools().link4 : default_pools().link6).to_string() +
                                     " is exhausted");
    }
  }
}

// Both ends' interfaces: endpoint a takes the first address, b the second; on a host's gateway link the router
// comes first.
void add_link_interfaces(Topology& t, std::size_t li, bool b_first) {
  const Link& link = t.links[li];
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
        const auto role = n.interface_roles.find(iface.name);
        iface.role = role == n.interface_roles.end() ? InterfaceRole::kNone : role->second;
        n.interfaces.push_back(iface);
      }
    }
  }
}

// Hosts' gateway addresses (their router's end of the shared link) and which interfaces run OSPF.
void resolve_gateways_and_ospf(Topology& t) {
  for (auto& n : t.nodes) {
    if (n.role != Role::kHost || n.gateway.empty()) {
      continue;
    }
    for (const auto& iface : n.interfaces) {
      if (iface.peer_node == n.gateway) {
        const Interface* gi = t.find_node(n.gateway)->find_interface(iface.peer_interface);
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
  for (auto& n : t.nodes) {
    for (auto& iface : n.interfaces) {
      const Node* peer = t.find_node(iface.peer_node);
      iface.ospf =
          n.role == Role::kRouter && n.ospf && n.asn != 0 && is_router(peer) && peer->ospf && peer->asn == n.asn;
    }
  }
}

// Management addresses: node i in file order gets subnet + i + 2 (+1 is the reserved gateway).
void assign_mgmt(Topology& t) {
  for (std::size_t i = 0; i < t.nodes.size(); ++i) {
    Node& n = t.nodes[i];
    n.mgmt4 = Prefix{t.mgmt_subnet4.address.plus(i + 2), t.mgmt_subnet4.length};
    if (t.mgmt_subnet6) {
      n.mgmt6 = Prefix{t.mgmt_subnet6->address.plus(i + 2), t.mgmt_subnet6->length};
    } else {
      n.mgmt6.reset();
    }
  }
}

// The AS every BGP peer of collector `c` has; 0 when they differ or there are none.
std::uint32_t common_peer_as(const Topology& t, const Node& c) {
  std::uint32_t asn = 0;
  for (const auto& name : c.bgp_peers) {
    const Node* peer = t.find_node(name);
    if (peer == nullptr) {
      continue;
    }
    if (asn != 0 && peer->asn != asn) {
      return 0;
    }
    asn = peer->asn;
  }
  return asn;
}

}  // namespace

void derive_topology(Topology& t, const SourceMap& marks, DiagnosticSink& sink) {
  for (auto& n : t.nodes) {
    n.namespace_name = t.namespace_of(n.name);
    n.interfaces.clear();
  }
  // Collectors mirror the AS of their BGP peers unless given one: the peers' AS when they share one; 0 when they
  // do not — each peer is then answered with its own AS (the sessions are iBGP, sessions.cpp; an AS taken from one
  // peer would be a wrong AS to the others, which refuse the OPEN with "Bad Peer AS").
  for (auto& n : t.nodes) {
    if (n.role == Role::kCollector && n.asn == 0) {
      n.asn = common_peer_as(t, n);
    }
  }
  t.mgmt_subnet4 = effective_mgmt4(t);
  t.mgmt_subnet6 = effective_mgmt6(t);
  AddressBook book = reserve_given(t);
  if (!assign_loopbacks(t, book, marks, sink)) {
    return;
  }
  LinkPools pools;
  for (std::size_t li = 0; li < t.links.size(); ++li) {
    std::string router_name;
    const bool gateway_link = is_gateway_link(t, t.links[li], nullptr, &router_name);
    const Node* router = gateway_link ? t.find_node(router_name) : nullptr;
    assign_link_subnets(t, li, router, pools, book, marks, sink);
    add_link_interfaces(t, li, gateway_link && t.links[li].b.node == router_name);
  }
  if (!sink.empty()) {
    return;
  }
  resolve_gateways_and_ospf(t);
  assign_mgmt(t);
  derive_sessions(t);
}

}  // namespace flowlab::topology
