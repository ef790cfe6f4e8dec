// flowlab::nodes::bird — BIRD 2 configuration for one router of a topology.
//
// render_bird_config() turns a fully derived Topology plus one of its router nodes into the text of bird.conf:
// router id, device, direct (data-plane interfaces + lo only, never mgmt0), kernel (best routes into the node's
// own FIB, connected routes left to the kernel), static origination of the `announce` prefixes, OSPFv2/OSPFv3
// when the node runs OSPF, and one `protocol bgp` per session, named after the neighbour ("r2_v4"), with the
// topology's policies compiled into import/export filters. Pure: same topology, same bytes.
#pragma once

#include "common/result.hpp"
#include "model/model.hpp"

#include <string>

namespace flowlab::nodes::bird {

// OSPF timers, shared with the FRR renderer so mixed BIRD/FRR adjacencies agree.
inline constexpr int kOspfHelloSeconds = 1;
inline constexpr int kOspfDeadSeconds = 4;
// LSA retransmission (default 5 s): a lost or early-dropped update must not stall the lab for 5 s.
inline constexpr int kOspfRetransmitSeconds = 2;
// BGP connect-retry, short so a lab converges quickly when one side starts late.
inline constexpr int kBgpConnectRetrySeconds = 2;
// BIRD waits this long (min, doubling to max) after a session error, e.g. "no route to the peer's loopback yet".
inline constexpr int kBgpErrorWaitMinSeconds = 1;
inline constexpr int kBgpErrorWaitMaxSeconds = 2;
// BIRD waits this long before its first connect (default 5 s) and refuses incoming connections meanwhile.
inline constexpr int kBgpConnectDelaySeconds = 1;

Result<std::string> render_bird_config(const topology::Topology& topo, const topology::Node& node);

}  // namespace flowlab::nodes::bird
