#include "fixture.hpp"

#include <cassert>

namespace flowlab::nodes::testing {
namespace {

using topology::BgpSession;
using topology::Direction;
using topology::Interface;
using topology::Node;
using topology::Policy;
using topology::Role;
using topology::SessionType;
using topology::Topology;

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  assert(a.has_value());
  return *a;
}

Prefix pfx(const char* text) {
  auto p = Prefix::parse(text, false);
  assert(p.has_value());
  return *p;
}

Node router(const std::string& lab, const std::string& name, const std::string& kind, std::uint32_t asn,
            const char* lo4, const char* lo6, const char* mgmt) {
  Node n;
  n.name = name;
  n.kind = kind;
  n.role = Role::kRouter;
  n.asn = asn;
  n.loopback = ip(lo4);
  n.loopback6 = ip(lo6);
  n.router_id = ip(lo4);
  n.mgmt4 = pfx(mgmt);
  n.namespace_name = "fl-" + lab + "-" + name;
  return n;
}

Interface iface(const char* name, const char* v4, const char* v6, const char* peer, const char* peer_if,
                std::size_t link, bool ospf) {
  Interface i;
  i.name = name;
  i.ipv4 = pfx(v4);
  i.ipv6 = pfx(v6);
  i.peer_node = peer;
  i.peer_interface = peer_if;
  i.link_index = link;
  i.ospf = ospf;
  return i;
}

BgpSession session(const char* a, const char* b, const char* a_addr, const char* b_addr, std::uint32_t a_asn,
                   std::uint32_t b_asn, const char* a_if, const char* b_if) {
  BgpSession s;
  s.local_node = a;
  s.remote_node = b;
  s.local_address = ip(a_addr);
  s.remote_address = ip(b_addr);
  s.local_asn = a_asn;
  s.remote_asn = b_asn;
  s.family = s.local_address.family;
  s.type = a_asn == b_asn ? SessionType::kIbgp : SessionType::kEbgp;
  s.local_interface = a_if;
  s.remote_interface = b_if;
  return s;
}

}  // namespace

Topology golden_topology(const FixtureKinds& kinds, const std::string& lab) {
  Topology t;
  t.name = lab;
  t.mgmt_subnet4 = pfx("198.19.0.0/24");

  Node r1 = router(lab, "r1", kinds.r1, 64500, "203.0.113.1", "2001:db8:ff::1", "198.19.0.11/24");
  r1.ospf = true;
  r1.announce = {pfx("192.0.2.0/24"), pfx("2001:db8:1::/48")};
  r1.interfaces = {iface("eth1", "198.18.0.0/31", "2001:db8:ffff::/127", "r2", "eth1", 0, true),
                   iface("eth2", "198.18.0.4/31", "2001:db8:ffff::4/127", "r3", "eth2", 2, false),
                   iface("eth3", "192.0.2.1/28", "2001:db8:1::1/64", "h1", "eth0", 3, false)};

  Node r2 = router(lab, "r2", kinds.r2, 64500, "203.0.113.2", "2001:db8:ff::2", "198.19.0.12/24");
  r2.ospf = true;
  r2.interfaces = {iface("eth1", "198.18.0.1/31", "2001:db8:ffff::1/127", "r1", "eth1", 0, true),
                   iface("eth2", "198.18.0.2/31", "2001:db8:ffff::2/127", "r3", "eth1", 1, false)};

  Node r3 = router(lab, "r3", kinds.r3, 64510, "203.0.113.3", "2001:db8:ff::3", "198.19.0.13/24");
  r3.announce = {pfx("198.51.100.0/24"), pfx("2001:db8:3::/48")};
  r3.interfaces = {iface("eth1", "198.18.0.3/31", "2001:db8:ffff::3/127", "r2", "eth2", 1, false),
                   iface("eth2", "198.18.0.5/31", "2001:db8:ffff::5/127", "r1", "eth2", 2, false)};

  Node h1;
  h1.name = "h1";
  h1.kind = "host";
  h1.role = Role::kHost;
  h1.gateway = "r1";
  h1.gateway4 = ip("192.0.2.1");
  h1.gateway6 = ip("2001:db8:1::1");
  h1.interfaces = {iface("eth0", "192.0.2.2/28", "2001:db8:1::2/64", "r1", "eth3", 3, false)};
  h1.mgmt4 = pfx("198.19.0.21/24");
  h1.namespace_name = "fl-" + lab + "-h1";

  Node c1;
  c1.name = "c1";
  c1.kind = "collector";
  c1.role = Role::kCollector;
  c1.asn = 64500;
  c1.bgp_peers = {"r1", "r2"};
  c1.mgmt4 = pfx("198.19.0.100/24");
  c1.mgmt6 = pfx("2001:db8:ffff:100::100/64");
  c1.namespace_name = "fl-" + lab + "-c1";
  r1.mgmt6 = pfx("2001:db8:ffff:100::11/64");

  t.nodes = {r1, r2, r3, h1, c1};

  // iBGP over loopbacks inside AS 64500 (it runs OSPF).
  BgpSession ibgp4 = session("r1", "r2", "203.0.113.1", "203.0.113.2", 64500, 64500, "", "");
  ibgp4.over_loopback = true;
  BgpSession ibgp6 = session("r1", "r2", "2001:db8:ff::1", "2001:db8:ff::2", 64500, 64500, "", "");
  ibgp6.over_loopback = true;
  t.sessions = {ibgp4,
                ibgp6,
                session("r1", "r3", "198.18.0.4", "198.18.0.5", 64500, 64510, "eth2", "eth2"),
                session("r1", "r3", "2001:db8:ffff::4", "2001:db8:ffff::5", 64500, 64510, "eth2", "eth2"),
                session("r2", "r3", "198.18.0.2", "198.18.0.3", 64500, 64510, "eth2", "eth1"),
                session("r2", "r3", "2001:db8:ffff::2", "2001:db8:ffff::3", 64500, 64510, "eth2", "eth1")};
  for (auto [router_name, addr4] : {std::pair{"r1", "198.19.0.11"}, std::pair{"r2", "198.19.0.12"}}) {
    BgpSession s = session(router_name, "c1", addr4, "198.19.0.100", 64500, 64500, "mgmt0", "mgmt0");
    s.to_collector = true;
    t.sessions.push_back(s);
  }
  BgpSession c6 =
      session("r1", "c1", "2001:db8:ffff:100::11", "2001:db8:ffff:100::100", 64500, 64500, "mgmt0", "mgmt0");
  c6.to_collector = true;
  t.sessions.push_back(c6);

  Policy p1;
  p1.node = "r2";
  p1.neighbor = "r3";
  p1.direction = Direction::kImport;
  p1.local_pref = 200;
  Policy p2;
  p2.node = "r1";
  p2.neighbor = "r3";
  p2.direction = Direction::kImport;
  p2.med = 50;
  p2.deny = {pfx("198.51.100.128/25"), pfx("2001:db8:3:8000::/49")};
  Policy p3;
  p3.node = "r3";
  p3.neighbor = "r1";
  p3.direction = Direction::kExport;
  p3.prepend = 2;
  p3.communities = {"64510:100"};
  p3.large_communities = {"64510:1:2"};
  Policy p4;
  p4.node = "r3";
  p4.neighbor = "r2";
  p4.direction = Direction::kExport;
  p4.med = 20;
  Policy p5;
  p5.node = "r1";
  p5.neighbor = "r3";
  p5.direction = Direction::kExport;
  p5.deny = {pfx("192.0.2.128/25")};
  t.policies = {p1, p2, p3, p4, p5};
  return t;
}

}  // namespace flowlab::nodes::testing
