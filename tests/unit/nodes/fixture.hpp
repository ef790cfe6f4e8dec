// Test fixture: a small, fully derived topology built in code (no YAML loader needed).
//
//   AS 64500 (OSPF, iBGP over loopbacks)          AS 64510
//   r1 eth1 ---- eth1 r2 eth2 ------------------- eth1 r3
//   r1 eth2 ------------------------------------- eth2 r3
//   r1 eth3 ---- eth0 h1 (host, 192.0.2.0/28 + 2001:db8:1::/64 inside r1's announcements)
//   c1: collector on mgmt, iBGP (AS 64500) with r1 (IPv4+IPv6) and r2 (IPv4)
//
// Policies, one of each kind: r2 import from r3 local_pref 200; r1 import from r3 MED 50 and deny
// 198.51.100.128/25 + 2001:db8:3:8000::/49; r3 export to r1 prepend 2, community 64510:100, large community
// 64510:1:2; r3 export to r2 MED 20; r1 export to r3 deny 192.0.2.128/25.
#pragma once

#include "model/model.hpp"

#include <string>

namespace flowlab::nodes::testing {

struct FixtureKinds {
  std::string r1 = "bird";
  std::string r2 = "frr";
  std::string r3 = "bird";
};

topology::Topology golden_topology(const FixtureKinds& kinds = {}, const std::string& lab = "golden");

}  // namespace flowlab::nodes::testing
