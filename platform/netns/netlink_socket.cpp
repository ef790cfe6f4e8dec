#include "platform/netns/netlink_socket.hpp"

#include "platform/netns/libnl_detail.hpp"
#include "platform/netns/namespace.hpp"

#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/route/link/veth.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace flowlab::netns {
namespace detail {

NlAddrPtr to_nl_addr(const IpAddress& address, unsigned prefix_length) {
  int family = address.is_v4() ? AF_INET : AF_INET6;
  NlAddrPtr out(nl_addr_build(family, address.bytes.data(), address.size()));
  if (out) {
    nl_addr_set_prefixlen(out.get(), static_cast<int>(prefix_length));
  }
  return out;
}

std::optional<IpAddress> from_nl_addr(const nl_addr* address) {
  if (address == nullptr) {
    return std::nullopt;
  }
  const auto* data = static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(address));
  unsigned len = nl_addr_get_len(address);
  int family = nl_addr_get_family(address);
  if (family == AF_INET && len == 4) {
    std::array<std::uint8_t, 4> b{};
    std::memcpy(b.data(), data, 4);
    return IpAddress::v4(b);
  }
  if (family == AF_INET6 && len == 16) {
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), data, 16);
    return IpAddress::v6(b);
  }
  return std::nullopt;
}

}  // namespace detail

namespace {

using detail::AddrPtr;
using detail::CachePtr;
using detail::LinkPtr;
using detail::NlAddrPtr;
using detail::RoutePtr;
using detail::SockPtr;

// The extended-ack message (NLMSGERR_ATTR_MSG) that follows an nlmsgerr when the kernel sent one.
std::string extack_message(const nlmsgerr* err) {
  // libnl hands us the payload of the NLMSG_ERROR message; its header sits just before it.
  const auto* payload = reinterpret_cast<const char*>(err);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  const auto* header = reinterpret_cast<const nlmsghdr*>(payload - NLMSG_HDRLEN);  // NOLINT
  if ((header->nlmsg_flags & NLM_F_ACK_TLVS) == 0) {
    return {};
  }
  std::size_t total = header->nlmsg_len;
  std::size_t offset = NLMSG_HDRLEN + sizeof(nlmsgerr);
  if ((header->nlmsg_flags & NLM_F_CAPPED) == 0) {
    if (err->msg.nlmsg_len < sizeof(nlmsghdr)) {
      return {};
    }
    offset += NLMSG_ALIGN(err->msg.nlmsg_len - sizeof(nlmsghdr));
  }
  if (offset >= total) {
    return {};
  }
  // nla_find walks the attributes and checks every length against the remaining bytes.
  auto* attrs = const_cast<nlattr*>(  // NOLINT(cppcoreguidelines-pro-type-const-cast)
      reinterpret_cast<const nlattr*>(payload - NLMSG_HDRLEN + offset));  // NOLINT
  nlattr* msg = nla_find(attrs, static_cast<int>(total - offset), NLMSGERR_ATTR_MSG);
  if (msg == nullptr || nla_len(msg) <= 0) {
    return {};
  }
  const auto* text = static_cast<const char*>(nla_data(msg));
  std::string out(text, ::strnlen(text, static_cast<std::size_t>(nla_len(msg))));
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
    out.pop_back();
  }
  return out;
}

int on_kernel_error(sockaddr_nl* /*who*/, nlmsgerr* err, void* arg) {
  auto* state = static_cast<NetlinkSocket::State*>(arg);
  state->kernel_errno = -err->error;
  state->extack = extack_message(err);
  return NL_STOP;  // libnl then returns the error mapped from err->error
}

std::string format_mac(const nl_addr* address) {
  if (address == nullptr || nl_addr_get_len(address) != 6) {
    return {};
  }
  const auto* b = static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(address));
  std::array<char, 18> text{};
  std::snprintf(text.data(), text.size(), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
  return text.data();
}

}  // namespace

Error NetlinkSocket::State::error(int rc, std::string_view operation) const {
  std::string why;
  if (kernel_errno != 0) {
    why = std::strerror(kernel_errno);
    if (!extack.empty()) {
      why += " (" + extack + ")";
    }
  } else {
    why = nl_geterror(rc);
  }
  return Error{ErrorKind::kNetlink, std::string(operation) + " in " + ns + ": " + why};
}

Result<int> NetlinkSocket::State::resolve(const std::string& ifname, std::string_view operation, unsigned* flags) {
  if (ifname.empty() || ifname.size() >= IFNAMSIZ) {
    return fail(ErrorKind::kNetlink, std::string(operation) + " in " + ns + ": '" + ifname +
                                         "' is not a valid interface name (1 to 15 bytes)");
  }
  begin();
  rtnl_link* raw = nullptr;
  int rc = rtnl_link_get_kernel(sock.get(), 0, ifname.c_str(), &raw);
  LinkPtr link(raw);
  if (rc < 0 || !link) {
    if (kernel_errno == ENODEV || rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV) {
      return fail(ErrorKind::kNetlink, std::string(operation) + " in " + ns + ": no interface " + ifname);
    }
    return fail(error(rc, std::string(operation) + ": looking up " + ifname));
  }
  if (flags != nullptr) {
    *flags = rtnl_link_get_flags(link.get());
  }
  return rtnl_link_get_ifindex(link.get());
}

NetlinkSocket::NetlinkSocket(std::unique_ptr<State> state) : state_(std::move(state)) {}
NetlinkSocket::NetlinkSocket(NetlinkSocket&&) noexcept = default;
NetlinkSocket& NetlinkSocket::operator=(NetlinkSocket&&) noexcept = default;
NetlinkSocket::~NetlinkSocket() = default;

const std::string& NetlinkSocket::namespace_name() const { return state_->ns; }

Result<NetlinkSocket> NetlinkSocket::open(const std::string& ns) {
  auto state = std::make_unique<State>();
  state->ns = ns;
  auto opened = run_in_namespace(ns, [&]() -> Status {
    SockPtr sock(nl_socket_alloc());
    if (!sock) {
      return fail(ErrorKind::kNetlink, "allocating a netlink socket for " + ns + ": out of memory");
    }
    int rc = nl_connect(sock.get(), NETLINK_ROUTE);
    if (rc < 0) {
      return fail(ErrorKind::kNetlink, "opening a NETLINK_ROUTE socket in " + ns + ": " + nl_geterror(rc));
    }
    state->sock = std::move(sock);
    return {};
  });
  if (!opened.ok()) {
    return fail(opened.error());
  }
  int fd = nl_socket_get_fd(state->sock.get());
  int one = 1;
  // Best effort: older kernels simply send no extended acks.
  (void)::setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
  (void)::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  int rc = nl_socket_modify_err_cb(state->sock.get(), NL_CB_CUSTOM, on_kernel_error, state.get());
  if (rc < 0) {
    return fail(ErrorKind::kNetlink, "installing the error handler on the socket of " + ns + ": " + nl_geterror(rc));
  }
  return NetlinkSocket(std::move(state));
}

Status NetlinkSocket::create_veth(const std::string& local_name, const std::string& peer_ns,
                                  const std::string& peer_name, std::uint32_t mtu) {
  const std::string op = "creating veth " + local_name + " (peer " + peer_name + " in " + peer_ns + ")";
  for (const std::string* n : {&local_name, &peer_name}) {
    if (n->empty() || n->size() >= IFNAMSIZ) {
      return fail(ErrorKind::kNetlink,
                  op + " in " + state_->ns + ": '" + *n + "' is not a valid interface name (1 to 15 bytes)");
    }
  }
  auto peer_fd = NamespaceFd::open(peer_ns);
  if (!peer_fd.ok()) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": " + peer_fd.error().message);
  }
  LinkPtr veth(rtnl_link_veth_alloc());
  if (!veth) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": out of memory");
  }
  LinkPtr peer(rtnl_link_veth_get_peer(veth.get()));  // a reference of our own
  rtnl_link_set_name(veth.get(), local_name.c_str());
  rtnl_link_set_mtu(veth.get(), mtu);
  rtnl_link_set_name(peer.get(), peer_name.c_str());
  rtnl_link_set_mtu(peer.get(), mtu);
  rtnl_link_set_ns_fd(peer.get(), peer_fd->get());
  state_->begin();
  return state_->check(rtnl_link_add(state_->sock.get(), veth.get(), NLM_F_CREATE | NLM_F_EXCL), op);
}

Status NetlinkSocket::create_bridge(const std::string& name) {
  const std::string op = "creating bridge " + name;
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": not a valid interface name (1 to 15 bytes)");
  }
  LinkPtr link(rtnl_link_alloc());
  if (!link) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": out of memory");
  }
  rtnl_link_set_name(link.get(), name.c_str());
  FLOWLAB_TRY(state_->check(rtnl_link_set_type(link.get(), "bridge"), op));
  state_->begin();
  return state_->check(rtnl_link_add(state_->sock.get(), link.get(), NLM_F_CREATE | NLM_F_EXCL), op);
}

namespace {

// Applies `configure` to an empty change set and sends it as a change of ifname.
template <class Configure>
Status change_link(NetlinkSocket::State& state, const std::string& ifname, const std::string& op, Configure configure) {
  auto index = state.resolve(ifname, op);
  if (!index.ok()) {
    return fail(index.error());
  }
  LinkPtr orig(rtnl_link_alloc());
  LinkPtr changes(rtnl_link_alloc());
  if (!orig || !changes) {
    return fail(ErrorKind::kNetlink, op + " in " + state.ns + ": out of memory");
  }
  rtnl_link_set_ifindex(orig.get(), *index);
  configure(changes.get());
  state.begin();
  return state.check(rtnl_link_change(state.sock.get(), orig.get(), changes.get(), 0), op);
}

}  // namespace

Status NetlinkSocket::set_master(const std::string& ifname, const std::string& bridge) {
  const std::string op = "enslaving " + ifname + " to bridge " + bridge;
  auto master = state_->resolve(bridge, op);
  if (!master.ok()) {
    return fail(master.error());
  }
  return change_link(*state_, ifname, op, [&](rtnl_link* c) { rtnl_link_set_master(c, *master); });
}

Status NetlinkSocket::set_up(const std::string& ifname) {
  return change_link(*state_, ifname, "setting " + ifname + " up",
                     [](rtnl_link* c) { rtnl_link_set_flags(c, IFF_UP); });
}

Status NetlinkSocket::set_down(const std::string& ifname) {
  return change_link(*state_, ifname, "setting " + ifname + " down",
                     [](rtnl_link* c) { rtnl_link_unset_flags(c, IFF_UP); });
}

Status NetlinkSocket::set_mtu(const std::string& ifname, std::uint32_t mtu) {
  return change_link(*state_, ifname, "setting the MTU of " + ifname + " to " + std::to_string(mtu),
                     [&](rtnl_link* c) { rtnl_link_set_mtu(c, mtu); });
}

namespace {

std::optional<std::array<std::uint8_t, 6>> parse_mac(const std::string& text) {
  std::array<std::uint8_t, 6> out{};
  if (text.size() != 17) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < 6; ++i) {
    if (i > 0 && text[3 * i - 1] != ':') {
      return std::nullopt;
    }
    unsigned value = 0;
    for (std::size_t j = 0; j < 2; ++j) {
      char c = text[3 * i + j];
      unsigned digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<unsigned>(c - 'A' + 10);
      } else {
        return std::nullopt;
      }
      value = value * 16 + digit;
    }
    out[i] = static_cast<std::uint8_t>(value);
  }
  return out;
}

}  // namespace

Status NetlinkSocket::set_mac(const std::string& ifname, const std::string& mac) {
  const std::string op = "setting the MAC address of " + ifname + " to " + mac;
  auto bytes = parse_mac(mac);
  if (!bytes) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": not a MAC address (expected 02:00:00:00:01:01)");
  }
  NlAddrPtr addr(nl_addr_build(AF_LLC, bytes->data(), bytes->size()));
  if (!addr) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": out of memory");
  }
  return change_link(*state_, ifname, op, [&](rtnl_link* c) { rtnl_link_set_addr(c, addr.get()); });
}

Result<int> NetlinkSocket::ifindex(const std::string& ifname) {
  return state_->resolve(ifname, "looking up " + ifname);
}

Status NetlinkSocket::delete_link(const std::string& ifname) {
  const std::string op = "deleting link " + ifname;
  auto index = state_->resolve(ifname, op);
  if (!index.ok()) {
    return fail(index.error());
  }
  LinkPtr link(rtnl_link_alloc());
  if (!link) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": out of memory");
  }
  rtnl_link_set_ifindex(link.get(), *index);
  state_->begin();
  return state_->check(rtnl_link_delete(state_->sock.get(), link.get()), op);
}

Result<std::vector<LinkInfo>> NetlinkSocket::links() {
  state_->begin();
  nl_cache* raw = nullptr;
  int rc = rtnl_link_alloc_cache(state_->sock.get(), AF_UNSPEC, &raw);
  CachePtr cache(raw);
  FLOWLAB_TRY(state_->check(rc, "listing links"));
  std::vector<LinkInfo> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* link = detail::object_as<rtnl_link>(o);
    LinkInfo info;
    const char* name = rtnl_link_get_name(link);
    info.name = name != nullptr ? name : "";
    info.ifindex = rtnl_link_get_ifindex(link);
    const char* kind = rtnl_link_get_type(link);
    info.kind = kind != nullptr ? kind : "";
    info.up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
    info.running = (rtnl_link_get_flags(link) & IFF_RUNNING) != 0;
    info.mtu = rtnl_link_get_mtu(link);
    info.mac = format_mac(rtnl_link_get_addr(link));
    info.master = rtnl_link_get_master(link);
    out.push_back(std::move(info));
  }
  return out;
}

namespace {

// The kernel joins an IPv6 address's solicited-node multicast group (ff02::1:ffXX:XXXX) a moment after the
// address is added, on a workqueue. A neighbour solicitation arriving before that goes unanswered and the
// sender retries only after a second, so add_address waits (briefly, best effort) until the group shows up in
// the namespace's /proc/net/igmp6.
void wait_for_solicited_node_group(const std::string& ns, int ifindex, const IpAddress& address) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string group = "ff0200000000000000000001ff";
  for (std::size_t i = 13; i < 16; ++i) {
    group += kHex[address.bytes[i] >> 4U];
    group += kHex[address.bytes[i] & 0x0fU];
  }
  auto joined = [&]() -> bool {
    // /proc/thread-self: /proc/self/net would show the main thread's namespace.
    std::ifstream in("/proc/thread-self/net/igmp6");
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      int index = 0;
      std::string name;
      std::string hex;
      if (fields >> index >> name >> hex && index == ifindex && hex == group) {
        return true;
      }
    }
    return false;
  };
  constexpr auto kLimit = std::chrono::milliseconds(200);
  const auto deadline = std::chrono::steady_clock::now() + kLimit;
  (void)run_in_namespace(ns, [&] {
    while (!joined() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
}

}  // namespace

Status NetlinkSocket::add_address(const std::string& ifname, const Prefix& address) {
  const std::string op = "adding address " + address.to_string() + " to " + ifname;
  if (!address.address.is_set() || address.length > address.address.max_prefix_len()) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": not an IPv4 or IPv6 interface address");
  }
  unsigned link_flags = 0;
  auto index = state_->resolve(ifname, op, &link_flags);
  if (!index.ok()) {
    return fail(index.error());
  }
  AddrPtr addr(rtnl_addr_alloc());
  NlAddrPtr local = detail::to_nl_addr(address.address, address.length);
  if (!addr || !local) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": out of memory");
  }
  rtnl_addr_set_ifindex(addr.get(), *index);
  FLOWLAB_TRY(state_->check(rtnl_addr_set_local(addr.get(), local.get()), op));
  rtnl_addr_set_prefixlen(addr.get(), address.length);
  if (address.address.is_v6()) {
    rtnl_addr_set_flags(addr.get(), IFA_F_NODAD);
  }
  state_->begin();
  FLOWLAB_TRY(state_->check(rtnl_addr_add(state_->sock.get(), addr.get(), NLM_F_EXCL), op));
  if (address.address.is_v6() && (link_flags & IFF_UP) != 0 && (link_flags & IFF_LOOPBACK) == 0) {
    wait_for_solicited_node_group(state_->ns, *index, address.address);
  }
  return {};
}

namespace detail {

std::map<int, std::string> link_names(NetlinkSocket& socket) {
  std::map<int, std::string> names;
  auto links = socket.links();
  if (links.ok()) {
    for (const auto& l : *links) {
      names[l.ifindex] = l.name;
    }
  }
  return names;
}

}  // namespace detail

Result<std::vector<AddressInfo>> NetlinkSocket::addresses() {
  auto names = detail::link_names(*this);
  state_->begin();
  nl_cache* raw = nullptr;
  int rc = rtnl_addr_alloc_cache(state_->sock.get(), &raw);
  CachePtr cache(raw);
  FLOWLAB_TRY(state_->check(rc, "listing addresses"));
  std::vector<AddressInfo> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* addr = detail::object_as<rtnl_addr>(o);
    auto ip = detail::from_nl_addr(rtnl_addr_get_local(addr));
    if (!ip) {
      continue;
    }
    AddressInfo info;
    info.ifindex = rtnl_addr_get_ifindex(addr);
    info.ifname = names.count(info.ifindex) != 0 ? names[info.ifindex] : "";
    info.prefix = Prefix{*ip, static_cast<std::uint8_t>(rtnl_addr_get_prefixlen(addr))};
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace flowlab::netns
