// NetlinkSocket's routes: adding them (with or without a gateway) and listing a table, and the kernel's route
// protocol names.
#include "platform/netns/libnl_detail.hpp"
#include "platform/netns/netlink_socket.hpp"

#include <linux/rtnetlink.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include <map>
#include <string>

namespace flowlab::netns {

using detail::CachePtr;
using detail::NlAddrPtr;
using detail::RoutePtr;

Status NetlinkSocket::add_route(const Prefix& dst, std::optional<IpAddress> gateway,
                                std::optional<std::string> ifname) {
  return add_route_entry(dst, gateway, std::move(ifname), false);
}

Status NetlinkSocket::add_local_route(const Prefix& dst, const std::string& ifname) {
  return add_route_entry(dst, std::nullopt, ifname, true);
}

Status NetlinkSocket::add_route_entry(const Prefix& dst, std::optional<IpAddress> gateway,
                                      std::optional<std::string> ifname, bool local) {
  std::string op = std::string(local ? "adding local route " : "adding route ") + dst.to_string();
  if (gateway) {
    op += " via " + gateway->to_string();
  }
  if (ifname) {
    op += " dev " + *ifname;
  }
  if (!dst.address.is_set() || dst.length > dst.address.max_prefix_len()) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": destination is not an IPv4 or IPv6 prefix");
  }
  if (!gateway && !ifname) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": needs a gateway or an interface");
  }
  if (gateway && gateway->family != dst.family()) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": gateway and destination are of different families");
  }
  int family = dst.address.is_v4() ? AF_INET : AF_INET6;
  RoutePtr route(rtnl_route_alloc());
  NlAddrPtr dst_addr = detail::to_nl_addr(dst.canonical().address, dst.length);
  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  if (!route || !dst_addr || nh == nullptr) {
    if (nh != nullptr) {
      rtnl_route_nh_free(nh);
    }
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": out of memory");
  }
  rtnl_route_add_nexthop(route.get(), nh);  // the route owns nh from here on
  rtnl_route_set_family(route.get(), static_cast<std::uint8_t>(family));
  rtnl_route_set_table(route.get(), local ? RT_TABLE_LOCAL : kMainTable);
  rtnl_route_set_protocol(route.get(), RTPROT_STATIC);
  rtnl_route_set_type(route.get(), local ? RTN_LOCAL : RTN_UNICAST);
  rtnl_route_set_scope(route.get(), local ? RT_SCOPE_HOST : (gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK));
  FLOWLAB_TRY(state_->check(rtnl_route_set_dst(route.get(), dst_addr.get()), op));
  if (ifname) {
    auto index = state_->resolve(*ifname, op);
    if (!index.ok()) {
      return fail(index.error());
    }
    rtnl_route_nh_set_ifindex(nh, *index);
  }
  if (gateway) {
    NlAddrPtr gw = detail::to_nl_addr(*gateway, gateway->max_prefix_len());
    if (!gw) {
      return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": out of memory");
    }
    rtnl_route_nh_set_gateway(nh, gw.get());  // takes its own reference
  }
  state_->begin();
  return state_->check(rtnl_route_add(state_->sock.get(), route.get(), NLM_F_EXCL), op);
}

Result<std::vector<RouteInfo>> NetlinkSocket::routes(Family family, std::uint32_t table) {
  int af = family == Family::kIpv6 ? AF_INET6 : AF_INET;
  auto names = detail::link_names(*this);
  state_->begin();
  nl_cache* raw = nullptr;
  int rc = rtnl_route_alloc_cache(state_->sock.get(), af, 0, &raw);
  CachePtr cache(raw);
  FLOWLAB_TRY(state_->check(rc, family == Family::kIpv6 ? "listing IPv6 routes" : "listing IPv4 routes"));
  std::vector<RouteInfo> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* route = detail::object_as<rtnl_route>(o);
    if (table != kAllTables && rtnl_route_get_table(route) != table) {
      continue;
    }
    RouteInfo info;
    const nl_addr* dst = rtnl_route_get_dst(route);
    auto dst_ip = detail::from_nl_addr(dst);
    info.dst.address = dst_ip ? *dst_ip : (af == AF_INET6 ? IpAddress::v6({}) : IpAddress::v4(std::uint32_t{0}));
    info.dst.length = static_cast<std::uint8_t>(dst != nullptr ? nl_addr_get_prefixlen(dst) : 0);
    info.protocol = rtnl_route_get_protocol(route);
    info.table = rtnl_route_get_table(route);
    info.type = rtnl_route_get_type(route);
    info.metric = rtnl_route_get_priority(route);
    int count = rtnl_route_get_nnexthops(route);
    for (int i = 0; i < count; ++i) {
      rtnl_nexthop* nh = rtnl_route_nexthop_n(route, i);
      if (nh == nullptr) {
        continue;
      }
      NextHop hop;
      hop.gateway = detail::from_nl_addr(rtnl_route_nh_get_gateway(nh));
      hop.ifindex = rtnl_route_nh_get_ifindex(nh);
      hop.ifname = names.count(hop.ifindex) != 0 ? names[hop.ifindex] : "";
      info.nexthops.push_back(std::move(hop));
    }
    if (!info.nexthops.empty()) {
      info.gateway = info.nexthops.front().gateway;
      info.ifname = info.nexthops.front().ifname;
    }
    out.push_back(std::move(info));
  }
  return out;
}

std::string route_protocol_name(std::uint8_t protocol) {
  switch (protocol) {
    case RTPROT_KERNEL:
      return "kernel";
    case RTPROT_BOOT:
      return "boot";
    case RTPROT_STATIC:
      return "static";
    case RTPROT_RA:
      return "ra";
    case RTPROT_ZEBRA:
      return "zebra";
    case RTPROT_BIRD:
      return "bird";
    case RTPROT_BGP:
      return "bgp";
    case RTPROT_ISIS:
      return "isis";
    case RTPROT_OSPF:
      return "ospf";
    default:
      return std::to_string(protocol);
  }
}

}  // namespace flowlab::netns
