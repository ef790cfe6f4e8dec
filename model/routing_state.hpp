// flowlab::topology routing state — what a router reports about its routes and sessions (BIRD `show route all`,
// FRR `show bgp ... json`, a collector's BGP tables), as plain values. The node drivers produce them; the
// converge check, the oracle's cross-check, verify and the reports read them.
#pragma once

#include "common/enum_names.hpp"
#include "common/ip.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::topology {

// One route as a router holds it (BIRD `show route all`, FRR `show bgp ... json`).
struct RibEntry {
  Prefix prefix;
  bool best = false;
  std::string source;                  // "bgp", "ospf", "static", "direct", "kernel"
  std::string protocol_name;           // BIRD protocol / FRR peer description
  std::vector<std::uint32_t> as_path;  // flattened; AS_SET members appear in order
  bool as_path_truncated = false;      // the router printed only the start of a long path (birdc cuts lines)
  std::optional<IpAddress> next_hop;   // BGP next hop (or the gateway for non-BGP routes)
  std::optional<IpAddress> from;       // the BGP neighbour it was learned from
  std::optional<std::uint32_t> local_pref;
  std::optional<std::uint32_t> med;
  std::string origin;                          // "IGP", "EGP", "Incomplete"
  std::vector<std::string> communities;        // "64510:100"
  std::vector<std::string> large_communities;  // "64510:1:2"
  std::string interface;                       // outgoing interface, when known
};

enum class SessionState : std::uint8_t { kIdle, kConnect, kActive, kOpenSent, kOpenConfirm, kEstablished, kUnknown };
// The RFC 4271 state names, as BIRD, FRR and flowcollector print them; other words a router uses for a session that
// is not up ("Down", "Clearing", "Deleted") read as Idle.
inline constexpr EnumName<SessionState> kSessionStateNames[] = {
    {"Idle", SessionState::kIdle},
    {"Connect", SessionState::kConnect},
    {"Active", SessionState::kActive},
    {"OpenSent", SessionState::kOpenSent},
    {"OpenConfirm", SessionState::kOpenConfirm},
    {"Established", SessionState::kEstablished},
    {"Unknown", SessionState::kUnknown},
    {"Down", SessionState::kIdle},
    {"Clearing", SessionState::kIdle},
    {"Deleted", SessionState::kIdle},
};

[[nodiscard]] inline std::string to_string(SessionState s) {
  return std::string(enum_name(kSessionStateNames, s, "Unknown"));
}

// A router's word for a session state; kUnknown for a word not in the table.
[[nodiscard]] inline SessionState session_state_from(std::string_view word) {
  return find_enum(kSessionStateNames, word).value_or(SessionState::kUnknown);
}

struct BgpSessionStatus {
  IpAddress neighbor;
  std::uint32_t neighbor_asn = 0;
  SessionState state = SessionState::kUnknown;
  std::string name;  // protocol name / neighbour description
  std::uint32_t prefixes_received = 0;
};

}  // namespace flowlab::topology
