// flowlab::verify — the three-way comparison at the heart of `labctl run` (DESIGN.md section 1).
//
// For one stream at one observation point, every asserted field has up to four sources: the oracle (computed from
// the topology), the metering router's own RIB (what BIRD/FRR chose), the collector's record (what the flow
// pipeline reported) and an explicit value written in the scenario. A field passes when every source that speaks
// to it agrees, after normalizing pmacct's renderings (empty AS path "" / "^$", community separators, "0.0.0.0").
// A disagreement is reported with all values and an explanation in words. Fields a scenario declares as diverging
// (peer_as_src by the `bgp` method under asymmetric routing) pass when the collector matches the method's
// prediction, and are flagged when that differs from the truth.
#pragma once

#include "common/ip.hpp"
#include "model/routing_state.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::verify {

enum class Outcome : std::uint8_t { kPass, kFlagged, kFail };
std::string_view to_string(Outcome outcome);  // "PASS", "FLAGGED", "FAIL"
// The worse of two outcomes (FAIL > FLAGGED > PASS).
Outcome worst(Outcome a, Outcome b);

// One field (or counter) with its sources' values, normalized; nullopt = the source does not speak to it.
struct Check {
  std::string name;  // "as_path", "packets"
  std::optional<std::string> oracle;
  std::optional<std::string> router;
  std::optional<std::string> collector;
  std::optional<std::string> expected;
  Outcome outcome = Outcome::kPass;
  std::string explanation;  // for FAIL / FLAGGED: in words
};

// One stream at one observation point.
struct PointResult {
  std::string stream;
  std::string point;      // "r1:eth3" (the observed interface)
  std::string exporter;   // the probe node and its export address
  std::string collector;  // collector node
  std::vector<Check> checks;
  Outcome outcome = Outcome::kPass;
  std::string note;  // e.g. "no record for this stream at the collector"
};

// pmacct renders a value in several ways; this puts one field's value into the one form compared here.
std::string normalize(std::string_view field, std::string_view value);

// The sources' values for one field; computes outcome and explanation. `context` helps the explanation
// ("dst 203.0.113.2, exporter 198.19.128.2").
Check compare(std::string name, std::optional<std::string> oracle, std::optional<std::string> router,
              std::optional<std::string> collector, std::optional<std::string> expected,
              const std::string& context = "");

// The DESIGN.md section 6 fields a router's own RIB speaks to, for a packet src -> dst metered on that router:
// the best BGP (or locally originated) route by longest-prefix match for dst (R_d) and for src (R_s), formatted as
// pmacct prints them (as_dst, as_path, peer_as_dst, peer_ip_dst, net_dst, mask_dst, local_pref, med, comms, lcomms,
// as_src, src_as_path, peer_as_src_bgp, net_src, mask_src). Missing route: the field is absent.
std::map<std::string, std::string> router_fields(const std::vector<topology::RibEntry>& rib, const IpAddress& src,
                                                 const IpAddress& dst);

}  // namespace flowlab::verify
