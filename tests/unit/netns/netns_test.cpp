// Namespace, link, address, route, sysctl and tc-mirror tests. They need root and create real namespaces
// named fl-t<pid>-*, which the fixture removes; after each test the root namespace must hold exactly the links
// it held before.
#include "platform/netns/netns.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace flowlab::netns {
namespace {

using namespace std::chrono_literals;

Prefix P(std::string_view text) {
  auto p = Prefix::parse_interface(text);
  if (!p) {
    throw std::invalid_argument("bad prefix in test: " + std::string(text));
  }
  return *p;
}
IpAddress A(std::string_view text) {
  auto a = IpAddress::parse(text);
  if (!a) {
    throw std::invalid_argument("bad address in test: " + std::string(text));
  }
  return *a;
}

// Links of the namespace this (main) thread is in: the root namespace.
std::set<std::string> root_link_names() {
  std::set<std::string> names;
  if (struct if_nameindex* list = ::if_nameindex()) {
    for (struct if_nameindex* i = list; i->if_index != 0; ++i) {
      names.insert(i->if_name);
    }
    ::if_freenameindex(list);
  }
  return names;
}

sockaddr_storage socket_address(const IpAddress& ip, std::uint16_t port, socklen_t& len) {
  sockaddr_storage ss{};
  if (ip.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    std::memcpy(&sin.sin_addr, ip.bytes.data(), 4);
    std::memcpy(&ss, &sin, sizeof(sin));
    len = sizeof(sin);
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    std::memcpy(&sin6.sin6_addr, ip.bytes.data(), 16);
    std::memcpy(&ss, &sin6, sizeof(sin6));
    len = sizeof(sin6);
  }
  return ss;
}

// A UDP socket opened inside ns (bound to bind_to:port when port != 0).
Result<Fd> udp_socket(const std::string& ns, const IpAddress& bind_to, std::uint16_t port) {
  return run_in_namespace(ns, [&]() -> Result<Fd> {
    Fd fd(::socket(bind_to.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) {
      return fail(ErrorKind::kSocket, std::string("socket: ") + std::strerror(errno));
    }
    if (port != 0) {
      socklen_t len = 0;
      sockaddr_storage ss = socket_address(bind_to, port, len);
      if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {  // NOLINT
        return fail(ErrorKind::kSocket, "bind " + bind_to.to_string() + ": " + std::strerror(errno));
      }
    }
    return fd;
  });
}

bool send_to(const Fd& fd, const IpAddress& to, std::uint16_t port, const std::string& payload) {
  socklen_t len = 0;
  sockaddr_storage ss = socket_address(to, port, len);
  return ::sendto(fd.get(), payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) ==  // NOLINT
         static_cast<ssize_t>(payload.size());
}

// One datagram (or "" after the timeout).
std::string receive(const Fd& fd, std::chrono::milliseconds timeout = 3000ms) {
  pollfd p{fd.get(), POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
    return {};
  }
  std::array<char, 2048> buf{};
  ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
  return n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string{};
}

// Sends a datagram from a socket opened in from_ns to to:port, received by a socket bound in to_ns; returns what
// arrived ("" after the timeout). A reachability check resends every resend_every until one arrives: under a
// loaded machine (parallel tests creating and deleting namespaces hold the rtnl lock) a veth's carrier can come up
// seconds late and the first datagram's neighbour resolution give up. resend_every == 0 sends exactly once (the
// first-datagram latency test).
std::string udp_roundtrip(const std::string& from_ns, const std::string& to_ns, const IpAddress& to, std::uint16_t port,
                          const std::string& payload, std::chrono::milliseconds timeout = 10000ms,
                          std::chrono::milliseconds resend_every = 250ms) {
  auto rx = udp_socket(to_ns, to, port);
  EXPECT_TRUE(rx.ok()) << rx.error().to_string();
  auto tx = udp_socket(from_ns, to, 0);
  EXPECT_TRUE(tx.ok()) << tx.error().to_string();
  if (!rx.ok() || !tx.ok()) {
    return {};
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    // sendto may fail transiently (no route while the link is still down); the receive decides.
    (void)send_to(*tx, to, port, payload);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) {
      return {};
    }
    std::string got = receive(*rx, resend_every.count() == 0 ? left : std::min(left, resend_every));
    if (!got.empty() || resend_every.count() == 0) {
      return got;
    }
  }
}

const LinkInfo* find_link(const std::vector<LinkInfo>& links, std::string_view name) {
  auto it = std::find_if(links.begin(), links.end(), [&](const LinkInfo& l) { return l.name == name; });
  return it == links.end() ? nullptr : &*it;
}

class NetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root (creates network namespaces)";
    }
    prefix_ = "fl-t" + std::to_string(::getpid()) + "-";
    root_before_ = root_link_names();
  }

  void TearDown() override {
    if (prefix_.empty()) {
      return;
    }
    for (const auto& name : list_namespaces(prefix_)) {
      Status deleted = delete_namespace(name);
      EXPECT_TRUE(deleted.ok()) << deleted.error().to_string();
    }
    EXPECT_TRUE(list_namespaces(prefix_).empty());
    std::set<std::string> added;
    std::set<std::string> after = root_link_names();
    std::set_difference(after.begin(), after.end(), root_before_.begin(), root_before_.end(),
                        std::inserter(added, added.begin()));
    EXPECT_TRUE(added.empty()) << "links appeared in the root namespace: " << *added.begin();
  }

  // Creates namespace <prefix><suffix>, with lo up and the given sysctls.
  std::string make_ns(std::string_view suffix, const SysctlList& sysctls = host_sysctls()) {
    std::string name = prefix_ + std::string(suffix);
    Status created = create_namespace(name);
    EXPECT_TRUE(created.ok()) << created.error().to_string();
    Status written = write_sysctls(name, sysctls);
    EXPECT_TRUE(written.ok()) << written.error().to_string();
    auto nl = NetlinkSocket::open(name);
    EXPECT_TRUE(nl.ok()) << nl.error().to_string();
    if (nl.ok()) {
      Status up = nl->link_up("lo");
      EXPECT_TRUE(up.ok()) << up.error().to_string();
    }
    return name;
  }

  static NetlinkSocket socket_in(const std::string& ns) {
    auto nl = NetlinkSocket::open(ns);
    if (!nl.ok()) {
      throw std::runtime_error(nl.error().to_string());
    }
    return std::move(nl).value();
  }

  std::string prefix_;
  std::set<std::string> root_before_;
};

#define ASSERT_OK(expr)                                                           \
  do {                                                                            \
    auto&& assert_ok_result_ = (expr);                                            \
    ASSERT_TRUE(assert_ok_result_.ok()) << assert_ok_result_.error().to_string(); \
  } while (false)

TEST_F(NetnsTest, CreateListDeleteNamespaces) {
  const std::string a = prefix_ + "a";
  const std::string b = prefix_ + "b";
  EXPECT_FALSE(namespace_exists(a));
  ASSERT_OK(create_namespace(a));
  ASSERT_OK(create_namespace(b));
  EXPECT_TRUE(namespace_exists(a));
  EXPECT_EQ(list_namespaces(prefix_), (std::vector<std::string>{a, b}));

  Status again = create_namespace(a);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().to_string(), "netns: creating namespace " + a + ": it already exists (/run/netns/" + a + ")");

  // A fresh namespace holds only lo, down.
  auto nl = NetlinkSocket::open(a);
  ASSERT_OK(nl);
  auto links = nl->links();
  ASSERT_OK(links);
  ASSERT_EQ(links->size(), 1U);
  EXPECT_EQ(links->front().name, "lo");
  EXPECT_FALSE(links->front().up);
  ASSERT_OK(nl->link_up("lo"));
  EXPECT_TRUE(nl->links()->front().up);

  ASSERT_OK(delete_namespace(a));
  EXPECT_FALSE(namespace_exists(a));
  ASSERT_OK(delete_namespace(a));  // idempotent
  ASSERT_OK(delete_namespace(prefix_ + "never-created"));
  EXPECT_EQ(list_namespaces(prefix_), (std::vector<std::string>{b}));

  auto missing = NamespaceFd::open(a);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "namespace " + a + " does not exist (no /run/netns/" + a + ")");
}

TEST_F(NetnsTest, RejectsNamesThatAreNotPlainFileNames) {
  for (std::string bad : {"", ".", "..", "../etc", "a/b"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(create_namespace(bad).ok());
    EXPECT_FALSE(delete_namespace(bad).ok());
    EXPECT_FALSE(namespace_exists(bad));
  }
}

TEST_F(NetnsTest, OwnedNamespaceDeletesOnDestruction) {
  const std::string name = prefix_ + "owned";
  {
    auto owned = OwnedNamespace::create(name);
    ASSERT_OK(owned);
    EXPECT_TRUE(namespace_exists(name));
  }
  EXPECT_FALSE(namespace_exists(name));
}

TEST_F(NetnsTest, RunInNamespaceRunsOnAThreadInsideIt) {
  const std::string ns = make_ns("run");
  auto ns_fd = NamespaceFd::open(ns);
  ASSERT_OK(ns_fd);
  struct stat target {};
  ASSERT_EQ(::fstat(ns_fd->get(), &target), 0);
  struct stat mine {};
  ASSERT_EQ(::stat("/proc/thread-self/ns/net", &mine), 0);

  auto inside = run_in_namespace(ns, [] {
    struct stat st {};
    ::stat("/proc/thread-self/ns/net", &st);
    return st.st_ino;
  });
  ASSERT_OK(inside);
  EXPECT_EQ(*inside, target.st_ino);
  EXPECT_NE(*inside, mine.st_ino);
  struct stat after {};
  ASSERT_EQ(::stat("/proc/thread-self/ns/net", &after), 0);
  EXPECT_EQ(after.st_ino, mine.st_ino) << "the calling thread changed namespace";

  int calls = 0;
  ASSERT_OK(run_in_namespace(ns, [&] { ++calls; }));
  EXPECT_EQ(calls, 1);
  auto flattened = run_in_namespace(ns, []() -> Result<int> { return fail(ErrorKind::kSocket, "inner failure"); });
  ASSERT_FALSE(flattened.ok());
  EXPECT_EQ(flattened.error().message, "inner failure");
  auto thrown = run_in_namespace(ns, []() -> int { throw std::runtime_error("boom"); });
  ASSERT_FALSE(thrown.ok());
  EXPECT_NE(thrown.error().message.find("boom"), std::string::npos);
  auto nowhere = run_in_namespace(prefix_ + "nowhere", [] { return 1; });
  ASSERT_FALSE(nowhere.ok());
  EXPECT_NE(nowhere.error().message.find("does not exist"), std::string::npos);
}

struct VethCase {
  const char* name;
  const char* a_addr;
  const char* b_addr;
};

TEST_F(NetnsTest, VethBetweenNamespacesCarriesUdp) {
  const std::string a = make_ns("va");
  const std::string b = make_ns("vb");
  NetlinkSocket na = socket_in(a);
  NetlinkSocket nb = socket_in(b);
  ASSERT_OK(na.create_veth("eth1", b, "eth1", 1400));

  // One end in each namespace, nothing else created.
  auto la = na.links();
  auto lb = nb.links();
  ASSERT_OK(la);
  ASSERT_OK(lb);
  EXPECT_EQ(la->size(), 2U);
  EXPECT_EQ(lb->size(), 2U);
  for (const auto* links : {&*la, &*lb}) {
    const LinkInfo* eth1 = find_link(*links, "eth1");
    ASSERT_NE(eth1, nullptr);
    EXPECT_EQ(eth1->kind, "veth");
    EXPECT_EQ(eth1->mtu, 1400U);
    EXPECT_EQ(eth1->mac.size(), 17U);
  }

  const std::vector<VethCase> cases = {
      {"ipv4 /31", "198.18.0.0/31", "198.18.0.1/31"},
      {"ipv6 /127", "2001:db8:ff::/127", "2001:db8:ff::1/127"},
  };
  // Up first, then addresses: an IPv6 address added to a down link is usable only ~1 s after it comes up.
  ASSERT_OK(na.set_up("eth1"));
  ASSERT_OK(nb.set_up("eth1"));
  for (const auto& c : cases) {
    ASSERT_OK(na.add_address("eth1", P(c.a_addr)));
    ASSERT_OK(nb.add_address("eth1", P(c.b_addr)));
  }

  auto addrs = nb.addresses();
  ASSERT_OK(addrs);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(std::any_of(addrs->begin(), addrs->end(),
                            [&](const AddressInfo& x) { return x.ifname == "eth1" && x.prefix == P(c.b_addr); }));
    const IpAddress to = P(c.b_addr).address;
    EXPECT_EQ(udp_roundtrip(a, b, to, 40001, std::string("hello over ") + c.name), std::string("hello over ") + c.name);
  }

  ASSERT_OK(na.set_mtu("eth1", 1300));
  EXPECT_EQ(find_link(*na.links(), "eth1")->mtu, 1300U);
  ASSERT_OK(na.set_mac("eth1", "02:00:5E:10:00:01"));
  EXPECT_EQ(find_link(*na.links(), "eth1")->mac, "02:00:5e:10:00:01");
  EXPECT_FALSE(na.set_mac("eth1", "02:00:5e:10:00").ok());
  EXPECT_FALSE(na.set_mac("eth1", "02-00-5e-10-00-01").ok());
  // Deleting one end removes the pair.
  ASSERT_OK(na.delete_link("eth1"));
  EXPECT_EQ(find_link(*nb.links(), "eth1"), nullptr);
}

// add_address waits for the solicited-node group, so the very first IPv6 datagram after it is not held up by a
// 1 s neighbour-solicitation retransmit (without the wait, 2 to 10 of 20 fresh pairs in a tight loop were).
TEST_F(NetnsTest, FirstIpv6DatagramRightAfterAddingTheAddressIsNotDelayed) {
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE(round);
    const std::string a = make_ns("fa" + std::to_string(round));
    const std::string b = make_ns("fb" + std::to_string(round));
    NetlinkSocket na = socket_in(a);
    NetlinkSocket nb = socket_in(b);
    ASSERT_OK(na.create_veth("eth1", b, "eth1"));
    ASSERT_OK(na.set_up("eth1"));
    ASSERT_OK(nb.set_up("eth1"));
    ASSERT_OK(na.add_address("eth1", P("2001:db8:6::/127")));
    ASSERT_OK(nb.add_address("eth1", P("2001:db8:6::1/127")));
    EXPECT_EQ(udp_roundtrip(a, b, A("2001:db8:6::1"), 40006, "first", 700ms, 0ms), "first");
  }
}

TEST_F(NetnsTest, BridgeJoinsTwoVeths) {
  const std::string br = make_ns("br");
  const std::string h1 = make_ns("h1");
  const std::string h2 = make_ns("h2");
  NetlinkSocket nbr = socket_in(br);
  NetlinkSocket n1 = socket_in(h1);
  NetlinkSocket n2 = socket_in(h2);
  ASSERT_OK(nbr.create_bridge("br0"));
  ASSERT_OK(n1.create_veth("eth0", br, "p1"));
  ASSERT_OK(n2.create_veth("eth0", br, "p2"));
  ASSERT_OK(nbr.set_master("p1", "br0"));
  ASSERT_OK(nbr.set_master("p2", "br0"));
  for (const char* l : {"br0", "p1", "p2"}) {
    ASSERT_OK(nbr.set_up(l));
  }
  ASSERT_OK(n1.add_address("eth0", P("198.18.1.1/24")));
  ASSERT_OK(n2.add_address("eth0", P("198.18.1.2/24")));
  ASSERT_OK(n1.set_up("eth0"));
  ASSERT_OK(n2.set_up("eth0"));

  auto links = nbr.links();
  ASSERT_OK(links);
  const LinkInfo* bridge = find_link(*links, "br0");
  ASSERT_NE(bridge, nullptr);
  EXPECT_EQ(bridge->kind, "bridge");
  for (const char* port : {"p1", "p2"}) {
    const LinkInfo* p = find_link(*links, port);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->master, bridge->ifindex) << port;
  }
  EXPECT_EQ(udp_roundtrip(h1, h2, A("198.18.1.2"), 40002, "across the bridge"), "across the bridge");
}

TEST_F(NetnsTest, HostsReachEachOtherThroughARouterByDefaultRoutes) {
  const std::string r = make_ns("r", router_sysctls());
  const std::string h1 = make_ns("h1");
  const std::string h2 = make_ns("h2");
  NetlinkSocket nr = socket_in(r);
  NetlinkSocket n1 = socket_in(h1);
  NetlinkSocket n2 = socket_in(h2);
  ASSERT_OK(nr.create_veth("eth1", h1, "eth0"));
  ASSERT_OK(nr.create_veth("eth2", h2, "eth0"));
  for (auto* n : {&nr, &n1, &n2}) {
    auto links = n->links();
    ASSERT_OK(links);
    for (const auto& l : *links) {
      ASSERT_OK(n->set_up(l.name));
    }
  }
  ASSERT_OK(nr.add_address("eth1", P("198.18.2.0/31")));
  ASSERT_OK(nr.add_address("eth1", P("2001:db8:2::/127")));
  ASSERT_OK(nr.add_address("eth2", P("198.18.2.2/31")));
  ASSERT_OK(nr.add_address("eth2", P("2001:db8:2::2/127")));
  ASSERT_OK(n1.add_address("eth0", P("198.18.2.1/31")));
  ASSERT_OK(n1.add_address("eth0", P("2001:db8:2::1/127")));
  ASSERT_OK(n2.add_address("eth0", P("198.18.2.3/31")));
  ASSERT_OK(n2.add_address("eth0", P("2001:db8:2::3/127")));
  ASSERT_OK(n1.add_route(P("0.0.0.0/0"), A("198.18.2.0"), std::nullopt));
  ASSERT_OK(n1.add_route(P("::/0"), A("2001:db8:2::"), std::string("eth0")));
  ASSERT_OK(n2.add_route(P("0.0.0.0/0"), A("198.18.2.2"), std::string("eth0")));
  ASSERT_OK(n2.add_route(P("::/0"), A("2001:db8:2::2"), std::nullopt));

  // The FIB reads back what was added.
  struct Expect {
    Family family;
    const char* dst;
    const char* gateway;
  };
  for (const Expect& e :
       {Expect{Family::kIpv4, "0.0.0.0/0", "198.18.2.0"}, Expect{Family::kIpv6, "::/0", "2001:db8:2::"}}) {
    SCOPED_TRACE(e.dst);
    auto routes = n1.routes(e.family);
    ASSERT_OK(routes);
    auto it = std::find_if(routes->begin(), routes->end(), [&](const RouteInfo& x) { return x.dst == P(e.dst); });
    ASSERT_NE(it, routes->end());
    ASSERT_TRUE(it->gateway.has_value());
    EXPECT_EQ(*it->gateway, A(e.gateway));
    EXPECT_EQ(it->ifname, "eth0");
    EXPECT_EQ(route_protocol_name(it->protocol), "static");
    EXPECT_EQ(it->table, kMainTable);
  }
  auto connected = nr.routes(Family::kIpv4);
  ASSERT_OK(connected);
  EXPECT_TRUE(std::any_of(connected->begin(), connected->end(), [](const RouteInfo& x) {
    return x.dst == P("198.18.2.2/31") && x.ifname == "eth2" && route_protocol_name(x.protocol) == "kernel";
  }));

  // A router loopback address on lo answers too (routers use them for iBGP).
  ASSERT_OK(nr.add_address("lo", P("192.0.2.1/32")));
  ASSERT_OK(nr.add_address("lo", P("2001:db8:ffff::1/128")));
  EXPECT_EQ(udp_roundtrip(h1, r, A("192.0.2.1"), 40003, "to the loopback"), "to the loopback");
  EXPECT_EQ(udp_roundtrip(h2, r, A("2001:db8:ffff::1"), 40003, "to the v6 loopback"), "to the v6 loopback");

  EXPECT_EQ(udp_roundtrip(h1, h2, A("198.18.2.3"), 40003, "v4 via router"), "v4 via router");
  EXPECT_EQ(udp_roundtrip(h2, h1, A("2001:db8:2::1"), 40003, "v6 via router"), "v6 via router");
}

TEST_F(NetnsTest, SysctlsReadBack) {
  const std::string r = make_ns("sr", router_sysctls());
  const std::string h = make_ns("sh", host_sysctls());
  for (const auto& [ns, list] : {std::pair{r, router_sysctls()}, std::pair{h, host_sysctls()}}) {
    for (const auto& [key, value] : list) {
      SCOPED_TRACE(key);
      SCOPED_TRACE(ns);
      auto got = read_sysctl(ns, key);
      ASSERT_OK(got);
      EXPECT_EQ(*got, value);
    }
  }
  // The root namespace was not touched: write to one namespace, read another.
  auto forwarding = read_sysctl(h, "net.ipv4.ip_forward");
  ASSERT_OK(forwarding);
  EXPECT_EQ(*forwarding, "0");

  Status unknown = write_sysctls(h, {{"net.ipv4.no_such_knob", "1"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().to_string(), "netns: setting net.ipv4.no_such_knob=1 in " + h +
                                             ": opening /proc/sys/net/ipv4/no_such_knob: No such file or directory");
  EXPECT_FALSE(write_sysctls(h, {{"net/../../etc/passwd", "x"}}).ok());
  EXPECT_EQ(*sysctl_path("net/ipv4/conf/eth0.100/rp_filter"), "/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
}

TEST_F(NetnsTest, ErrorsNameTheOperationObjectAndNamespace) {
  const std::string a = make_ns("ea");
  const std::string b = make_ns("eb");
  NetlinkSocket na = socket_in(a);
  ASSERT_OK(na.create_veth("eth1", b, "eth1"));

  ASSERT_OK(na.add_address("eth1", P("198.18.3.0/31")));
  Status dup = na.add_address("eth1", P("198.18.3.0/31"));
  ASSERT_FALSE(dup.ok());
  // Newer kernels add their extended-ack text: "File exists (ipv4: Address already assigned)".
  EXPECT_TRUE(
      dup.error().to_string().starts_with("netlink: adding address 198.18.3.0/31 to eth1 in " + a + ": File exists"))
      << dup.error().to_string();

  Status dup_link = na.create_veth("eth1", b, "eth7");
  ASSERT_FALSE(dup_link.ok());
  EXPECT_TRUE(dup_link.error().to_string().starts_with("netlink: creating veth eth1 (peer eth7 in " + b + ") in " + a +
                                                       ": File exists"))
      << dup_link.error().to_string();

  Status no_peer_ns = na.create_veth("eth2", prefix_ + "nope", "eth1");
  ASSERT_FALSE(no_peer_ns.ok());
  EXPECT_EQ(no_peer_ns.error().to_string(), "netlink: creating veth eth2 (peer eth1 in " + prefix_ + "nope) in " + a +
                                                ": namespace " + prefix_ + "nope does not exist (no /run/netns/" +
                                                prefix_ + "nope)");
  EXPECT_EQ(find_link(*na.links(), "eth2"), nullptr);

  Status no_dev = na.set_up("eth9");
  ASSERT_FALSE(no_dev.ok());
  EXPECT_EQ(no_dev.error().to_string(), "netlink: setting eth9 up in " + a + ": no interface eth9");

  Status too_long = na.create_bridge("a-very-long-bridge-name");
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.error().message.find("not a valid interface name"), std::string::npos);

  // The kernel's extended ack text comes along when it sends one.
  Status unreachable = na.add_route(P("192.0.2.0/24"), A("203.0.113.1"), std::nullopt);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().to_string(), "netlink: adding route 192.0.2.0/24 via 203.0.113.1 in " + a +
                                                 ": Network is unreachable (Nexthop has invalid gateway)");

  auto no_ns = NetlinkSocket::open(prefix_ + "nope");
  ASSERT_FALSE(no_ns.ok());
  EXPECT_NE(no_ns.error().message.find(prefix_ + "nope does not exist"), std::string::npos);
}

// Not a timed test: builds a 50-namespace chain the way a lab deploy does and prints how long each phase took.
TEST_F(NetnsTest, ChainOfFiftyNamespaces) {
  constexpr int kNodes = 50;
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  auto name = [&](int i) { return prefix_ + "c" + std::to_string(i); };
  auto v4 = [](int link, int side) {
    return IpAddress::v4(0xC6120000U + 0x500U + static_cast<std::uint32_t>(2 * link + side));  // 198.18.5.x
  };
  auto v6 = [](int link, int side) {
    std::array<std::uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05};
    b[14] = static_cast<std::uint8_t>(link);
    b[15] = static_cast<std::uint8_t>(side);
    return IpAddress::v6(b);
  };

  auto start = Clock::now();
  std::vector<NetlinkSocket> sockets;
  for (int i = 0; i < kNodes; ++i) {
    ASSERT_OK(create_namespace(name(i)));
    ASSERT_OK(write_sysctls(name(i), router_sysctls()));
    auto nl = NetlinkSocket::open(name(i));
    ASSERT_OK(nl);
    ASSERT_OK(nl->link_up("lo"));
    sockets.push_back(std::move(nl).value());
  }
  double t_namespaces = seconds_since(start);
  auto links_start = Clock::now();
  for (int i = 0; i + 1 < kNodes; ++i) {
    ASSERT_OK(sockets[static_cast<std::size_t>(i)].create_veth("eth2", name(i + 1), "eth1"));
    ASSERT_OK(sockets[static_cast<std::size_t>(i)].set_up("eth2"));
    ASSERT_OK(sockets[static_cast<std::size_t>(i) + 1].set_up("eth1"));
    ASSERT_OK(sockets[static_cast<std::size_t>(i)].add_address("eth2", Prefix{v4(i, 0), 31}));
    ASSERT_OK(sockets[static_cast<std::size_t>(i) + 1].add_address("eth1", Prefix{v4(i, 1), 31}));
    ASSERT_OK(sockets[static_cast<std::size_t>(i)].add_address("eth2", Prefix{v6(i, 0), 127}));
    ASSERT_OK(sockets[static_cast<std::size_t>(i) + 1].add_address("eth1", Prefix{v6(i, 1), 127}));
  }
  double t_links = seconds_since(links_start);

  EXPECT_EQ(udp_roundtrip(name(0), name(1), v4(0, 1), 40005, "first hop"), "first hop");
  EXPECT_EQ(udp_roundtrip(name(kNodes - 1), name(kNodes - 2), v6(kNodes - 2, 0), 40005, "last hop"), "last hop");

  sockets.clear();
  auto destroy_start = Clock::now();
  for (int i = 0; i < kNodes; ++i) {
    ASSERT_OK(delete_namespace(name(i)));
  }
  double t_destroy = seconds_since(destroy_start);
  std::printf(
      "[ figures  ] %d namespaces (sysctls, lo up): %.3f s; %d veths up with v4+v6 addresses: %.3f s; "
      "delete: %.3f s\n",
      kNodes, t_namespaces, kNodes - 1, t_links, t_destroy);
  RecordProperty("namespaces_seconds", std::to_string(t_namespaces));
  RecordProperty("links_seconds", std::to_string(t_links));
  RecordProperty("delete_seconds", std::to_string(t_destroy));
}

// Counts frames on a packet socket containing marker, until `timeout` passes with nothing new.
int count_frames_with(const Fd& packet, const std::string& marker, std::chrono::milliseconds quiet = 500ms) {
  int count = 0;
  std::array<char, 4096> buf{};
  for (;;) {
    pollfd p{packet.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(quiet.count())) != 1) {
      return count;
    }
    sockaddr_ll from{};
    socklen_t len = sizeof(from);
    ssize_t n =
        ::recvfrom(packet.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);  // NOLINT
    if (n <= 0) {
      return count;
    }
    if (from.sll_pkttype == PACKET_OUTGOING) {
      continue;
    }
    std::string_view frame(buf.data(), static_cast<std::size_t>(n));
    if (frame.find(marker) != std::string_view::npos) {
      ++count;
    }
  }
}

TEST_F(NetnsTest, MirrorCopiesBothDirectionsToTheProbe) {
  const std::string a = make_ns("ma");
  const std::string r = make_ns("mr", router_sysctls());
  const std::string p = make_ns("mp");
  NetlinkSocket na = socket_in(a);
  NetlinkSocket nr = socket_in(r);
  NetlinkSocket np = socket_in(p);
  ASSERT_OK(nr.create_veth("eth1", a, "eth0"));
  ASSERT_OK(nr.create_veth("span0", p, "eth0"));
  ASSERT_OK(nr.add_address("eth1", P("198.18.4.0/31")));
  ASSERT_OK(na.add_address("eth0", P("198.18.4.1/31")));
  for (auto* n : {&na, &nr, &np}) {
    auto links = n->links();
    ASSERT_OK(links);
    for (const auto& l : *links) {
      ASSERT_OK(n->set_up(l.name));
    }
  }
  ASSERT_OK(mirror_interface(r, "eth1", "span0"));

  auto probe_index = np.ifindex("eth0");
  ASSERT_OK(probe_index);
  auto packet = run_in_namespace(p, [&]() -> Result<Fd> {
    Fd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
    if (!fd) {
      return fail(ErrorKind::kSocket, std::string("AF_PACKET socket: ") + std::strerror(errno));
    }
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_ALL);
    ll.sll_ifindex = *probe_index;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ll), sizeof(ll)) != 0) {  // NOLINT
      return fail(ErrorKind::kSocket, std::string("bind AF_PACKET: ") + std::strerror(errno));
    }
    return fd;
  });
  ASSERT_OK(packet);

  constexpr int kDatagrams = 5;
  auto at_r = udp_socket(r, A("198.18.4.0"), 40004);
  auto at_a = udp_socket(a, A("198.18.4.1"), 40004);
  ASSERT_OK(at_r);
  ASSERT_OK(at_a);
  for (int i = 0; i < kDatagrams; ++i) {
    ASSERT_TRUE(send_to(*at_a, A("198.18.4.0"), 40004, "fl-mirror-in-" + std::to_string(i)));
    EXPECT_EQ(receive(*at_r), "fl-mirror-in-" + std::to_string(i));
    ASSERT_TRUE(send_to(*at_r, A("198.18.4.1"), 40004, "fl-mirror-out-" + std::to_string(i)));
    EXPECT_EQ(receive(*at_a), "fl-mirror-out-" + std::to_string(i));
  }
  // Ingress of eth1 (a -> r) and egress of eth1 (r -> a): one copy each, read in one pass.
  int in = 0;
  int out = 0;
  {
    std::array<char, 4096> buf{};
    for (;;) {
      pollfd pf{packet->get(), POLLIN, 0};
      if (::poll(&pf, 1, 500) != 1) {
        break;
      }
      ssize_t n = ::recv(packet->get(), buf.data(), buf.size(), 0);
      if (n <= 0) {
        break;
      }
      std::string_view frame(buf.data(), static_cast<std::size_t>(n));
      in += frame.find("fl-mirror-in-") != std::string_view::npos ? 1 : 0;
      out += frame.find("fl-mirror-out-") != std::string_view::npos ? 1 : 0;
    }
  }
  EXPECT_EQ(in, kDatagrams);
  EXPECT_EQ(out, kDatagrams);

  ASSERT_OK(unmirror_interface(r, "eth1"));
  ASSERT_OK(unmirror_interface(r, "eth1"));  // idempotent
  ASSERT_TRUE(send_to(*at_a, A("198.18.4.0"), 40004, "fl-mirror-after"));
  EXPECT_EQ(receive(*at_r), "fl-mirror-after");
  EXPECT_EQ(count_frames_with(*packet, "fl-mirror-after"), 0);

  Status self = mirror_interface(r, "eth1", "eth1");
  EXPECT_FALSE(self.ok());
  Status missing = mirror_interface(r, "eth1", "nope0");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().to_string(), "netlink: mirroring eth1 to nope0 in " + r + ": no interface nope0");
}

}  // namespace
}  // namespace flowlab::netns
