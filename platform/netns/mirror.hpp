// flowlab::netns mirroring — SPAN-port emulation with tc (DESIGN.md section 4 `mirror:`).
#pragma once

#include "common/result.hpp"

#include <string>

namespace flowlab::netns {

// Inside namespace ns: every frame src_ifname receives or sends is also transmitted, unchanged, on dst_ifname
// (clsact qdisc on src; u32 match-everything filters on its ingress and egress hooks with a mirred "egress
// mirror" action to dst). Both interfaces live in ns; the caller usually made dst a veth to a probe host.
Status mirror_interface(const std::string& ns, const std::string& src_ifname, const std::string& dst_ifname);

// Undoes mirror_interface (deletes src's clsact qdisc and its filters). Idempotent.
Status unmirror_interface(const std::string& ns, const std::string& src_ifname);

}  // namespace flowlab::netns
