#include "platform/netns/mirror.hpp"

#include "platform/netns/libnl_detail.hpp"
#include "platform/netns/netlink_socket.hpp"

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/cls/u32.h>

#include <cerrno>

namespace flowlab::netns {
namespace {

using detail::ActPtr;
using detail::as_tc;
using detail::ClsPtr;
using detail::QdiscPtr;

constexpr std::uint32_t kClsactHandle = TC_H_MAKE(TC_H_CLSACT, 0);
constexpr std::uint16_t kMirrorPrio = 1;

// A u32 filter matching every frame (one key: 0/0 at offset 0) on one clsact hook of src, whose action mirrors
// the frame out of dst.
Status add_mirror_filter(NetlinkSocket::State& state, int src, int dst, std::uint32_t hook, const std::string& op) {
  ClsPtr cls(rtnl_cls_alloc());
  ActPtr act(rtnl_act_alloc());
  if (!cls || !act) {
    return fail(ErrorKind::kNetlink, op + " in " + state.ns + ": out of memory");
  }
  FLOWLAB_TRY(state.check(rtnl_tc_set_kind(as_tc(act.get()), "mirred"), op));
  FLOWLAB_TRY(state.check(rtnl_mirred_set_action(act.get(), TCA_EGRESS_MIRROR), op));
  FLOWLAB_TRY(state.check(rtnl_mirred_set_policy(act.get(), TC_ACT_PIPE), op));
  FLOWLAB_TRY(state.check(rtnl_mirred_set_ifindex(act.get(), static_cast<std::uint32_t>(dst)), op));

  rtnl_tc_set_ifindex(as_tc(cls.get()), src);
  rtnl_tc_set_parent(as_tc(cls.get()), TC_H_MAKE(TC_H_CLSACT, hook));
  FLOWLAB_TRY(state.check(rtnl_tc_set_kind(as_tc(cls.get()), "u32"), op));
  rtnl_cls_set_prio(cls.get(), kMirrorPrio);
  rtnl_cls_set_protocol(cls.get(), ETH_P_ALL);
  FLOWLAB_TRY(state.check(rtnl_u32_add_key_uint32(cls.get(), 0, 0, 0, 0), op));
  FLOWLAB_TRY(state.check(rtnl_u32_set_cls_terminal(cls.get()), op));
  FLOWLAB_TRY(state.check(rtnl_u32_add_action(cls.get(), act.get()), op));  // takes its own reference
  state.begin();
  return state.check(rtnl_cls_add(state.sock.get(), cls.get(), NLM_F_CREATE | NLM_F_EXCL), op);
}

}  // namespace

Status NetlinkSocket::add_mirror(const std::string& src_ifname, const std::string& dst_ifname) {
  const std::string op = "mirroring " + src_ifname + " to " + dst_ifname;
  if (src_ifname == dst_ifname) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": an interface cannot mirror to itself");
  }
  auto src = state_->resolve(src_ifname, op);
  if (!src.ok()) {
    return fail(src.error());
  }
  auto dst = state_->resolve(dst_ifname, op);
  if (!dst.ok()) {
    return fail(dst.error());
  }

  QdiscPtr qdisc(rtnl_qdisc_alloc());
  if (!qdisc) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": out of memory");
  }
  rtnl_tc_set_ifindex(detail::as_tc(qdisc.get()), *src);
  rtnl_tc_set_parent(detail::as_tc(qdisc.get()), TC_H_CLSACT);
  rtnl_tc_set_handle(detail::as_tc(qdisc.get()), kClsactHandle);
  FLOWLAB_TRY(state_->check(rtnl_tc_set_kind(detail::as_tc(qdisc.get()), "clsact"), op));
  state_->begin();
  int rc = rtnl_qdisc_add(state_->sock.get(), qdisc.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (rc < 0 && state_->kernel_errno != EEXIST) {  // a clsact already there (another mirror) is fine
    return fail(state_->error(rc, op + ": adding a clsact qdisc to " + src_ifname));
  }
  FLOWLAB_TRY(add_mirror_filter(*state_, *src, *dst, TC_H_MIN_INGRESS, op + " (ingress)"));
  return add_mirror_filter(*state_, *src, *dst, TC_H_MIN_EGRESS, op + " (egress)");
}

Status NetlinkSocket::remove_mirror(const std::string& src_ifname) {
  const std::string op = "removing the mirror of " + src_ifname;
  auto src = state_->resolve(src_ifname, op);
  if (!src.ok()) {
    return fail(src.error());
  }
  QdiscPtr qdisc(rtnl_qdisc_alloc());
  if (!qdisc) {
    return fail(ErrorKind::kNetlink, op + " in " + state_->ns + ": out of memory");
  }
  rtnl_tc_set_ifindex(detail::as_tc(qdisc.get()), *src);
  rtnl_tc_set_parent(detail::as_tc(qdisc.get()), TC_H_CLSACT);
  rtnl_tc_set_handle(detail::as_tc(qdisc.get()), kClsactHandle);
  FLOWLAB_TRY(state_->check(rtnl_tc_set_kind(detail::as_tc(qdisc.get()), "clsact"), op));
  state_->begin();
  int rc = rtnl_qdisc_delete(state_->sock.get(), qdisc.get());
  if (rc < 0 && state_->kernel_errno != ENOENT && state_->kernel_errno != EINVAL) {
    return fail(state_->error(rc, op));
  }
  return {};
}

Status mirror_interface(const std::string& ns, const std::string& src_ifname, const std::string& dst_ifname) {
  auto socket = NetlinkSocket::open(ns);
  if (!socket.ok()) {
    return fail(socket.error());
  }
  return socket->add_mirror(src_ifname, dst_ifname);
}

Status unmirror_interface(const std::string& ns, const std::string& src_ifname) {
  auto socket = NetlinkSocket::open(ns);
  if (!socket.ok()) {
    return fail(socket.error());
  }
  return socket->remove_mirror(src_ifname);
}

}  // namespace flowlab::netns
