// flowlab::bgp::Counters — one named counter per anomaly or event the BGP code sees (STYLE.md: every dropped
// thing bumps a named counter). Plain integers: a Counters object belongs to one session/thread; the Speaker
// sums them on request.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace flowlab::bgp {

#define FLOWLAB_BGP_COUNTERS(X)                                                                  \
  X(bgp_messages_in)              /* every message received */                                   \
  X(bgp_updates_in)               /* UPDATE messages received */                                 \
  X(bgp_prefixes_announced)       /* NLRI announced (all AFs) */                                 \
  X(bgp_prefixes_withdrawn)       /* NLRI withdrawn (all AFs) */                                 \
  X(bgp_update_treat_as_withdraw) /* UPDATEs handled as withdraw (RFC 7606 §2) */               \
  X(bgp_attr_discard)             /* attributes discarded (RFC 7606 §2), duplicates included */ \
  X(bgp_attr_duplicate)           /* attributes seen twice in one UPDATE (RFC 7606 §3 g) */     \
  X(bgp_attr_unknown_kept)        /* unrecognized optional transitive attributes kept */         \
  X(bgp_attr_unknown_dropped)     /* unrecognized optional non-transitive attributes dropped */  \
  X(bgp_attr_as4_ignored)         /* AS4_PATH/AS4_AGGREGATOR ignored (RFC 6793 §4.2.3) */       \
  X(bgp_missing_well_known)       /* missing ORIGIN / AS_PATH / NEXT_HOP (treat-as-withdraw) */  \
  X(bgp_session_reset)            /* NOTIFICATIONs we sent because of a received message */      \
  X(bgp_notification_in)          /* NOTIFICATIONs received */                                   \
  X(bgp_route_refresh_in)         /* ROUTE-REFRESH messages received */                          \
  X(bgp_end_of_rib)               /* End-of-RIB markers received */                              \
  X(bgp_connection_rejected)      /* TCP connections from unconfigured addresses closed */       \
  X(bgp_hold_timer_expired)       /* sessions ended by the hold timer */                         \
  X(bgp_keepalive_nudge)          /* KEEPALIVEs sent because a peer's UPDATE stream paused (session.cpp) */

struct Counters {
#define FLOWLAB_BGP_COUNTER_FIELD(name) std::uint64_t name = 0;
  FLOWLAB_BGP_COUNTERS(FLOWLAB_BGP_COUNTER_FIELD)
#undef FLOWLAB_BGP_COUNTER_FIELD

  Counters& operator+=(const Counters& o) {
#define FLOWLAB_BGP_COUNTER_ADD(name) name += o.name;
    FLOWLAB_BGP_COUNTERS(FLOWLAB_BGP_COUNTER_ADD)
#undef FLOWLAB_BGP_COUNTER_ADD
    return *this;
  }

  // (name, value) for every counter, in declaration order.
  [[nodiscard]] std::vector<std::pair<std::string_view, std::uint64_t>> items() const {
    std::vector<std::pair<std::string_view, std::uint64_t>> out;
#define FLOWLAB_BGP_COUNTER_ITEM(name) out.emplace_back(#name, name);
    FLOWLAB_BGP_COUNTERS(FLOWLAB_BGP_COUNTER_ITEM)
#undef FLOWLAB_BGP_COUNTER_ITEM
    return out;
  }
};

}  // namespace flowlab::bgp
