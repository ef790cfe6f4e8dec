// flowlab::netns — the lab's network plumbing: namespaces, links, addresses, routes, sysctls and tc mirroring,
// all through netlink (libnl-route), setns(2), mount(2) and /proc/sys. Nothing here runs `ip`, `tc`, `sysctl`
// or `ip netns exec`.
//
// Pieces (one header each):
//   namespace.hpp       named namespaces under /run/netns, iproute2-compatible (`ip netns exec fl-lab-r1 sh`
//                       works for a human); create/delete (idempotent)/list/exists; NamespaceFd; OwnedNamespace
//                       (deletes on destruction); run_in_namespace(ns, fn): fn on a short-lived thread that
//                       setns()es first — the controller's own threads never change namespace.
//   netlink_socket.hpp  NetlinkSocket::open(ns): a NETLINK_ROUTE socket created inside ns (so it acts there and
//                       only there): veth pairs created with the peer directly in its target namespace
//                       (IFLA_NET_NS_FD — no end ever exists in the root namespace), bridges, master, up/down,
//                       MTU, addresses (IPv6 with IFA_F_NODAD), static routes, read-back of links, addresses and
//                       the FIB, and tc mirroring.
//   sysctl.hpp          write_sysctls(ns, {{"net.ipv4.ip_forward","1"}, ...}) from a thread inside ns;
//                       router_sysctls() / host_sysctls(): the standard sets.
//   mirror.hpp          mirror_interface(ns, src, dst): SPAN-port emulation (clsact + u32 + mirred).
//
// Typical node set-up:
//   create_namespace("fl-lab-r1");
//   write_sysctls("fl-lab-r1", router_sysctls());          // before links: "default" applies to new ones
//   auto nl = NetlinkSocket::open("fl-lab-r1");
//   nl->link_up("lo");
//   nl->create_veth("eth1", "fl-lab-r2", "eth1", 1500);    // r1:eth1 <-> r2:eth1
//   nl->set_up("eth1");                                    // (and eth1 in fl-lab-r2, through its own socket)
//   nl->add_address("eth1", *Prefix::parse_interface("198.18.0.0/31"));
// Links go up before they get addresses: an IPv6 address added to a down link still answers no neighbour
// solicitation for about a second after the link comes up, which costs the first packets a 1 s retransmit.
//
// Errors are Results naming the operation, the object and the namespace, with the kernel's extended-ack text
// when it sent one: "netlink: adding address 198.18.0.0/31 to eth1 in fl-lab-r1: File exists".
// Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN).
#pragma once

#include "common/fd.hpp"
#include "platform/netns/mirror.hpp"
#include "platform/netns/namespace.hpp"
#include "platform/netns/netlink_socket.hpp"
#include "platform/netns/sysctl.hpp"
