// Internal to flowlab_netns: RAII owners for libnl objects, address conversions and the socket state shared by
// netlink_socket.cpp and mirror.cpp. Not part of the public API.
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"
#include "platform/netns/netlink_socket.hpp"

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/action.h>
#include <netlink/route/addr.h>
#include <netlink/route/classifier.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/route.h>
#include <netlink/route/tc.h>
#include <netlink/socket.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace flowlab::netns::detail {

template <auto Free>
struct LibnlDeleter {
  template <class T>
  void operator()(T* p) const {
    if (p != nullptr) {
      Free(p);
    }
  }
};

using SockPtr = std::unique_ptr<nl_sock, LibnlDeleter<nl_socket_free>>;
using CachePtr = std::unique_ptr<nl_cache, LibnlDeleter<nl_cache_free>>;
using NlAddrPtr = std::unique_ptr<nl_addr, LibnlDeleter<nl_addr_put>>;
using LinkPtr = std::unique_ptr<rtnl_link, LibnlDeleter<rtnl_link_put>>;
using AddrPtr = std::unique_ptr<rtnl_addr, LibnlDeleter<rtnl_addr_put>>;
using RoutePtr = std::unique_ptr<rtnl_route, LibnlDeleter<rtnl_route_put>>;
using QdiscPtr = std::unique_ptr<rtnl_qdisc, LibnlDeleter<rtnl_qdisc_put>>;
using ClsPtr = std::unique_ptr<rtnl_cls, LibnlDeleter<rtnl_cls_put>>;
using ActPtr = std::unique_ptr<rtnl_act, LibnlDeleter<rtnl_act_put>>;

// libnl's objects all begin with the same header; its own TC_CAST/OBJ_CAST macros are C casts.
template <class T>
rtnl_tc* as_tc(T* object) {
  return reinterpret_cast<rtnl_tc*>(object);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}
template <class T>
T* object_as(nl_object* object) {
  return reinterpret_cast<T*>(object);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

NlAddrPtr to_nl_addr(const IpAddress& address, unsigned prefix_length);
// nullopt for anything that is not an IPv4/IPv6 address of the right length.
std::optional<IpAddress> from_nl_addr(const nl_addr* address);

// ifindex -> name for the links of the socket's namespace (best effort: an empty map when the dump fails).
std::map<int, std::string> link_names(NetlinkSocket& socket);

}  // namespace flowlab::netns::detail

namespace flowlab::netns {

struct NetlinkSocket::State {
  detail::SockPtr sock;
  std::string ns;
  // Filled by the NLMSG_ERROR callback of the last request.
  int kernel_errno = 0;
  std::string extack;

  // Clears the captured kernel error; call before each request.
  void begin() {
    kernel_errno = 0;
    extack.clear();
  }
  // "netlink: <operation> in <ns>: <kernel's strerror> (<extended ack>)" for a libnl return code rc < 0.
  [[nodiscard]] Error error(int rc, std::string_view operation) const;
  Status check(int rc, std::string_view operation) {
    if (rc < 0) {
      return fail(error(rc, operation));
    }
    return {};
  }
  // ifindex of ifname, or an error naming `operation`; its IFF_* flags into *flags when given.
  Result<int> resolve(const std::string& ifname, std::string_view operation, unsigned* flags = nullptr);
};

}  // namespace flowlab::netns
