// flowlab::topology routing state — what a router reports about its routes and sessions (BIRD `show route all`,
// FRR `show bgp ... json`, a collector's BGP tables), as plain values. The node drivers produce them; the
// converge check, the oracle's cross-check, verify and the reports read them.
#pragma once

#include "common/ip.hpp"

#include <cstdint>
#include <optional>
#include <string>
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
[[nodiscard]] inline std::string to_string(SessionState s) {
  switch (s) {
    case SessionState::kIdle:
      return "Idle";
    case SessionState::kConnect:
      return "Connect";
    case SessionState::kActive:
      return "Active";
    case SessionState::kOpenSent:
      return "OpenSent";
    case SessionState::kOpenConfirm:
      return "OpenConfirm";
    case SessionState::kEstablished:
      return "Established";
    case SessionState::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

struct BgpSessionStatus {
  IpAddress neighbor;
  std::uint32_t neighbor_asn = 0;
  SessionState state = SessionState::kUnknown;
  std::string name;  // protocol name / neighbour description
  std::uint32_t prefixes_received = 0;
};

}  // namespace flowlab::topology
