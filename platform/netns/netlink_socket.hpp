// flowlab::netns::NetlinkSocket — one NETLINK_ROUTE socket bound to one named namespace, and the link,
// address, route and tc operations the lab needs, all through libnl.
//
// The socket is opened on a short-lived thread that joined the namespace, so every request made through it
// acts inside that namespace and nowhere else. Requests ask the kernel for extended acks; every error names
// the operation, the object and the namespace, plus the kernel's own text when it sent one:
//   "netlink: adding address 198.18.0.0/31 to eth1 in fl-lab-r1: File exists"
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::netns {

struct LinkInfo {
  std::string name;
  int ifindex = 0;
  std::string kind;      // "veth", "bridge", ... ("" for lo and other kind-less devices)
  bool up = false;       // administratively up (IFF_UP)
  bool running = false;  // operationally up (IFF_RUNNING: up, carrier, and the kernel has activated it)
  std::uint32_t mtu = 0;
  std::string mac;  // "02:00:5e:10:00:01"; "" when the device has no link-layer address
  int master = 0;   // ifindex of the bridge it is enslaved to, 0 when none
};

struct AddressInfo {
  std::string ifname;
  int ifindex = 0;
  Prefix prefix;  // the interface address with its prefix length (host bits kept): 198.18.0.1/31
};

struct NextHop {
  std::optional<IpAddress> gateway;
  std::string ifname;
  int ifindex = 0;
};

struct RouteInfo {
  Prefix dst;                        // 0.0.0.0/0 or ::/0 for a default route
  std::optional<IpAddress> gateway;  // of the first next hop
  std::string ifname;                // of the first next hop
  std::vector<NextHop> nexthops;     // all of them (ECMP routes have several)
  std::uint8_t protocol = 0;         // RTPROT_*: 2 kernel, 4 static, 11 zebra, 12 bird, 186 bgp, ...
  std::uint32_t table = 0;
  std::uint8_t type = 0;  // RTN_*: 1 unicast, 2 local, ...
  std::uint32_t metric = 0;
};

// Short name of a route protocol number: "kernel", "boot", "static", "bird", "zebra", "bgp", "ospf", or the number.
std::string route_protocol_name(std::uint8_t protocol);

inline constexpr std::uint32_t kMainTable = 254;  // RT_TABLE_MAIN
inline constexpr std::uint32_t kAllTables = 0;

// Not thread-safe: one socket per thread (they are cheap to open).
class NetlinkSocket {
 public:
  // Opens a NETLINK_ROUTE socket inside the named namespace (on a thread of its own that joins it).
  static Result<NetlinkSocket> open(const std::string& ns);

  NetlinkSocket(NetlinkSocket&&) noexcept;
  NetlinkSocket& operator=(NetlinkSocket&&) noexcept;
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;
  ~NetlinkSocket();

  [[nodiscard]] const std::string& namespace_name() const;

  // --- links ---
  // One veth pair: `local_name` here, `peer_name` created directly inside `peer_ns` (IFLA_NET_NS_FD on the
  // peer), both with `mtu`. No end ever exists in the root namespace. peer_ns may be this socket's namespace.
  Status create_veth(const std::string& local_name, const std::string& peer_ns, const std::string& peer_name,
                     std::uint32_t mtu = 1500);
  Status create_bridge(const std::string& name);
  Status set_master(const std::string& ifname, const std::string& bridge);
  Status set_up(const std::string& ifname);
  Status set_down(const std::string& ifname);
  // The same as set_up(); namespace set-up calls link_up("lo").
  Status link_up(const std::string& ifname) { return set_up(ifname); }
  Status set_mtu(const std::string& ifname, std::uint32_t mtu);
  // Link-layer address "02:00:00:00:01:01" (deterministic MACs make captures and flow records repeatable).
  Status set_mac(const std::string& ifname, const std::string& mac);
  Result<int> ifindex(const std::string& ifname);
  Status delete_link(const std::string& ifname);
  Result<std::vector<LinkInfo>> links();

  // --- addresses ---
  // IPv4 or IPv6 interface address with its prefix length (198.18.0.1/31, 2001:db8::1/127). IPv6 addresses
  // are added with IFA_F_NODAD so they are usable at once — on a link that is already up (see netns.hpp); for
  // those the call returns once the kernel has joined the address's solicited-node group (a few hundred
  // microseconds), so the first neighbour solicitation is answered. Adding an address twice is an error (EEXIST).
  Status add_address(const std::string& ifname, const Prefix& address);
  Result<std::vector<AddressInfo>> addresses();

  // --- routes ---
  // A static unicast route in the main table (v4 or v6, dst may be a default route). Needs a gateway, an
  // interface, or both; without a gateway the route is on-link (scope link).
  Status add_route(const Prefix& dst, std::optional<IpAddress> gateway, std::optional<std::string> ifname);
  // A route of type local in the local table (`ip route add local DST dev IFNAME`, "AnyIP"): every address of dst
  // is this namespace's own, so a program may bind to one that no interface holds.
  Status add_local_route(const Prefix& dst, const std::string& ifname);
  // Routes of one family (kIpv4 or kIpv6) in `table` (kMainTable by default, kAllTables for every table).
  Result<std::vector<RouteInfo>> routes(Family family, std::uint32_t table = kMainTable);

  // --- tc (mirror.cpp) ---
  // SPAN-port emulation: a clsact qdisc on src and two u32 match-everything filters (ingress and egress) with
  // a mirred "egress mirror" action to dst, so dst transmits a copy of every frame src receives or sends.
  Status add_mirror(const std::string& src_ifname, const std::string& dst_ifname);
  // Deletes src's clsact qdisc with its filters. Idempotent.
  Status remove_mirror(const std::string& src_ifname);

  struct State;  // libnl socket + error capture (netlink_socket.cpp); public only for the .cpp helpers

 private:
  explicit NetlinkSocket(std::unique_ptr<State> state);
  Status add_route_entry(const Prefix& dst, std::optional<IpAddress> gateway, std::optional<std::string> ifname,
                         bool local);

  std::unique_ptr<State> state_;
};

}  // namespace flowlab::netns
