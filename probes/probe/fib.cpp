#include "probes/probe/fib.hpp"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

namespace flowlab::probe {
namespace {

constexpr std::size_t kMaxCacheEntries = 1U << 20U;

struct ReplyState {
  RouteAnswer answer;
  bool parsed = false;
};

int on_route(nl_msg* msg, void* arg) {
  auto* state = static_cast<ReplyState*>(arg);
  rtnl_route* route = nullptr;
  if (rtnl_route_parse(nlmsg_hdr(msg), &route) < 0 || route == nullptr) {
    return NL_SKIP;
  }
  state->parsed = true;
  state->answer.found = true;
  if (nl_addr* dst = rtnl_route_get_dst(route); dst != nullptr) {
    state->answer.prefix_len = static_cast<std::uint8_t>(nl_addr_get_prefixlen(dst));
  }
  if (rtnl_route_get_nnexthops(route) > 0) {
    rtnl_nexthop* nh = rtnl_route_nexthop_n(route, 0);
    state->answer.out_ifindex = static_cast<std::uint32_t>(rtnl_route_nh_get_ifindex(nh));
    if (nl_addr* gw = rtnl_route_nh_get_gateway(nh); gw != nullptr) {
      const auto len = nl_addr_get_len(gw);
      const auto* bytes = static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(gw));
      if (len == 4) {
        state->answer.next_hop = IpAddress::v4(std::array<std::uint8_t, 4>{bytes[0], bytes[1], bytes[2], bytes[3]});
      } else if (len == 16) {
        std::array<std::uint8_t, 16> b{};
        std::memcpy(b.data(), bytes, 16);
        state->answer.next_hop = IpAddress::v6(b);
      }
    }
  }
  rtnl_route_put(route);
  return NL_OK;
}

}  // namespace

Result<std::unique_ptr<Fib>> Fib::open(std::uint64_t cache_ttl_ms) {
  std::unique_ptr<Fib> fib(new Fib(cache_ttl_ms));
  fib->sock_ = nl_socket_alloc();
  if (fib->sock_ == nullptr) {
    return fail(ErrorKind::kNetlink, "allocating a netlink socket for FIB lookups");
  }
  if (int err = nl_connect(fib->sock_, NETLINK_ROUTE); err < 0) {
    return fail(ErrorKind::kNetlink, std::string("connecting NETLINK_ROUTE for FIB lookups: ") + nl_geterror(err));
  }
  // One reply (or one error) per request: without an ACK trailing each reply, answers can't drift out of step.
  nl_socket_disable_auto_ack(fib->sock_);
  return fib;
}

Fib::~Fib() {
  if (sock_ != nullptr) {
    nl_socket_free(sock_);
  }
}

Status Fib::set_ifindex_overrides(const std::map<std::string, std::uint32_t>& overrides) {
  ifindex_overrides_.clear();
  for (const auto& [name, index] : overrides) {
    const unsigned kernel = if_nametoindex(name.c_str());
    if (kernel == 0) {
      return fail(ErrorKind::kUsage, "--ifindex " + name + "=" + std::to_string(index) + ": no interface " + name);
    }
    ifindex_overrides_[kernel] = index;
  }
  cache_.clear();
  return {};
}

Result<RouteAnswer> Fib::lookup(const IpAddress& address) {
  ++counters_.lookups;
  if (!address.is_set()) {
    return RouteAnswer{};
  }
  rtmsg rtm{};
  rtm.rtm_family = static_cast<unsigned char>(address.is_v6() ? AF_INET6 : AF_INET);
  rtm.rtm_dst_len = static_cast<unsigned char>(address.max_prefix_len());
  rtm.rtm_flags = RTM_F_FIB_MATCH;
  nl_msg* msg = nlmsg_alloc_simple(RTM_GETROUTE, 0);
  if (msg == nullptr) {
    ++counters_.errors;
    return fail(ErrorKind::kNetlink, "allocating RTM_GETROUTE for " + address.to_string());
  }
  if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
      nla_put(msg, RTA_DST, static_cast<int>(address.size()), address.bytes.data()) < 0) {
    nlmsg_free(msg);
    ++counters_.errors;
    return fail(ErrorKind::kNetlink, "building RTM_GETROUTE for " + address.to_string());
  }
  const int sent = nl_send_auto(sock_, msg);
  nlmsg_free(msg);
  if (sent < 0) {
    ++counters_.errors;
    return fail(ErrorKind::kNetlink, "sending RTM_GETROUTE for " + address.to_string() + ": " + nl_geterror(sent));
  }
  ReplyState state;
  nl_socket_modify_cb(sock_, NL_CB_VALID, NL_CB_CUSTOM, on_route, &state);
  const int err = nl_recvmsgs_default(sock_);
  if (err < 0) {
    // ENETUNREACH / EHOSTUNREACH and friends: no route. That is an answer, not a failure.
    ++counters_.no_route;
    return RouteAnswer{};
  }
  if (!state.parsed) {
    ++counters_.no_route;
  }
  if (auto it = ifindex_overrides_.find(state.answer.out_ifindex); it != ifindex_overrides_.end()) {
    state.answer.out_ifindex = it->second;
  }
  return state.answer;
}

const RouteAnswer& Fib::route(const IpAddress& address, std::uint64_t now_ms) {
  auto it = cache_.find(address);
  if (it != cache_.end() && now_ms < it->second.expires_ms) {
    ++counters_.cache_hits;
    return it->second.answer;
  }
  if (it == cache_.end() && cache_.size() >= kMaxCacheEntries) {
    cache_.clear();  // bounded memory: start over rather than grow without limit
  }
  auto answer = lookup(address);
  Cached c{answer ? *answer : RouteAnswer{}, now_ms + ttl_ms_};
  auto [pos, inserted] = cache_.insert_or_assign(address, c);
  (void)inserted;
  return pos->second.answer;
}

void Fib::enrich(std::span<wire::FlowRecord> records, std::uint64_t now_ms) {
  for (auto& r : records) {
    // Metered leaving an interface (input 0, output set): the input is the interface towards the source.
    const bool egress = r.input_ifindex == 0 && r.output_ifindex != 0;
    const RouteAnswer& to_dst = route(r.dst_addr, now_ms);
    if (to_dst.found) {
      if (!egress) {
        r.output_ifindex = to_dst.out_ifindex;
      }
      r.next_hop = to_dst.next_hop;
      r.dst_mask = to_dst.prefix_len;
    }
    const RouteAnswer& to_src = route(r.src_addr, now_ms);
    if (to_src.found) {
      r.src_mask = to_src.prefix_len;
      if (egress) {
        r.input_ifindex = to_src.out_ifindex;
      }
    }
  }
}

}  // namespace flowlab::probe
