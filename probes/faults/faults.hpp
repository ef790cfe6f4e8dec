// faults.hpp — the seeded-fault switch table (test-only; tests/faults/, docs/faults.md).
//
// Each fault is one small deliberate defect of flowcollector (or a tee) or flowprobe, switched on by the hidden
// option `--fault NAME` (not in --help; the topology's `fault:` key renders it) so the fault catalogue can prove
// that `labctl run` notices it. Nothing is on unless a process is started with `--fault`. The hooks sit where the
// defect bends the pipeline, each one line that asks on(Fault).
#pragma once

#include "common/enum_names.hpp"
#include "common/result.hpp"

#include <cstdint>
#include <string_view>

namespace flowlab::faults {

enum class Fault : std::uint8_t {
  kPeerSrcFromRib,        // collector: peer_as_src by `bgp` (the RIB) whatever the config says
  kNoRenormalize,         // collector: counters not multiplied by the sampling interval
  kWrongPeer,             // collector: records enriched from another BGP peer's view than the exporter's
  kNoIpv6Session,         // collector: IPv6 BGP peers dropped from the config (their sessions never come up)
  kShiftedTemplate,       // collector: ingressInterface of a v9/IPFIX template read one byte late
  kTeeDropsReceiver,      // tee: the last receiver of its receivers file gets nothing
  kL2Bytes,               // probe: bytes counted per frame (layer 2) instead of per IP packet
  kBgpIdAsAgent,          // collector: exporters matched to BGP peers by BGP identifier only
  kDropLargeCommunities,  // collector: large communities of received routes dropped
  kAsTrans,               // collector: 4-byte ASNs of received AS paths truncated to AS_TRANS (23456)
  kSwapAsEgress,          // collector: as_src and as_dst swapped on egress-metered records
};

inline constexpr EnumName<Fault> kFaultNames[] = {
    {"peer-src-from-rib", Fault::kPeerSrcFromRib},
    {"no-renormalize", Fault::kNoRenormalize},
    {"wrong-peer", Fault::kWrongPeer},
    {"no-ipv6-session", Fault::kNoIpv6Session},
    {"shifted-template", Fault::kShiftedTemplate},
    {"tee-drops-receiver", Fault::kTeeDropsReceiver},
    {"l2-bytes", Fault::kL2Bytes},
    {"bgp-id-as-agent", Fault::kBgpIdAsAgent},
    {"drop-large-communities", Fault::kDropLargeCommunities},
    {"as-trans", Fault::kAsTrans},
    {"swap-as-egress", Fault::kSwapAsEgress},
};

namespace detail {
inline std::uint32_t active = 0;  // bit per Fault; written once at start-up, before any thread
}  // namespace detail

[[nodiscard]] inline bool on(Fault fault) { return (detail::active & (1U << static_cast<unsigned>(fault))) != 0; }

// Switches the fault NAME on (`--fault NAME`); an unknown name is a usage error listing the known ones.
Status enable(std::string_view name);

}  // namespace flowlab::faults
