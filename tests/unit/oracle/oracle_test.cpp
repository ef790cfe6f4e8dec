// The oracle on hand-worked topologies (tests/unit/oracle/topologies/*.yaml and the shipped ones). Every
// expected value below was worked out by hand from the topology and the decision order in docs/oracle.md; the
// reasoning is in the comments. Each case asserts the complete BGP RIB (every prefix, its best AS path) at every
// router.
#include "labctl/oracle/oracle.hpp"
#include "model/loader.hpp"
#include "nodes/core/driver.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace flowlab::oracle {
namespace {

const std::string kTopologies = std::string(FLOWLAB_SOURCE_DIR) + "/tests/unit/oracle/topologies/";
const std::string kShipped = std::string(FLOWLAB_SOURCE_DIR) + "/topologies/";

Oracle build(const std::string& path) {
  auto loaded = topology::load_topology_file(path, nodes::kinds());
  EXPECT_TRUE(loaded.ok()) << loaded.error_text();
  if (!loaded.ok()) {
    std::abort();
  }
  auto o = Oracle::build(*loaded.topology);
  EXPECT_TRUE(o.ok()) << (o.ok() ? "" : o.error().to_string());
  return std::move(o).value();
}

// One expected best route, written "ROUTER PREFIX : PATH [@FROM] [nh=ADDR] [lp=N] [med=N] [comms=a:b,c:d]
// [lcomms=a:b:c] [n=CANDIDATES] [ecmp=N] [!ambiguous]" where PATH is the AS numbers, "-" for an empty path
// (learned inside the AS) and "local" for the router's own origination.
struct Expected {
  std::string router;
  Prefix prefix;
  bool local = false;
  std::vector<std::uint32_t> path;
  std::optional<std::string> from;
  std::optional<std::string> next_hop;
  std::optional<std::uint32_t> local_pref;
  std::optional<std::uint32_t> med;
  std::optional<std::string> comms;
  std::optional<std::string> lcomms;
  std::optional<std::size_t> candidates;
  std::optional<std::size_t> multipath;
  bool ambiguous = false;
};

Expected parse_line(const std::string& line) {
  std::istringstream in(line);
  Expected e;
  std::string prefix;
  std::string colon;
  in >> e.router >> prefix >> colon;
  e.prefix = Prefix::parse(prefix).value();
  std::string word;
  while (in >> word) {
    auto value = [&](const char* key) { return word.substr(std::string(key).size()); };
    if (word == "local") {
      e.local = true;
    } else if (word == "-") {
    } else if (word[0] == '@') {
      e.from = word.substr(1);
    } else if (word.rfind("nh=", 0) == 0) {
      e.next_hop = value("nh=");
    } else if (word.rfind("lp=", 0) == 0) {
      e.local_pref = static_cast<std::uint32_t>(std::stoul(value("lp=")));
    } else if (word.rfind("med=", 0) == 0) {
      e.med = static_cast<std::uint32_t>(std::stoul(value("med=")));
    } else if (word.rfind("comms=", 0) == 0) {
      e.comms = value("comms=");
    } else if (word.rfind("lcomms=", 0) == 0) {
      e.lcomms = value("lcomms=");
    } else if (word.rfind("n=", 0) == 0) {
      e.candidates = std::stoul(value("n="));
    } else if (word.rfind("ecmp=", 0) == 0) {
      e.multipath = std::stoul(value("ecmp="));
    } else if (word == "!ambiguous") {
      e.ambiguous = true;
    } else {
      e.path.push_back(static_cast<std::uint32_t>(std::stoul(word)));
    }
  }
  return e;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    out += (out.empty() ? "" : ",") + s;
  }
  return out;
}

// Asserts the complete RIB of every router: exactly the listed prefixes, each with the listed best route.
void expect_ribs(const Oracle& o, const std::vector<std::string>& lines) {
  std::map<std::string, std::set<Prefix>> listed;
  for (const auto& r : o.topology().routers()) {
    listed[r->name];
  }
  for (const auto& line : lines) {
    SCOPED_TRACE(line);
    Expected e = parse_line(line);
    listed[e.router].insert(e.prefix);
    const RibEntry* entry = o.entry(e.router, e.prefix);
    ASSERT_NE(entry, nullptr) << "no route";
    const Route& best = entry->best();
    EXPECT_EQ(best.source == RouteSource::kLocal, e.local) << "source " << to_string(best.source);
    EXPECT_EQ(best.as_path, e.path) << "as path " << format_as_path(best.as_path) << " (" << entry->reason << ")";
    if (e.from) {
      EXPECT_EQ(best.learned_from, *e.from) << entry->reason;
    }
    if (e.next_hop) {
      ASSERT_TRUE(best.next_hop.has_value());
      EXPECT_EQ(best.next_hop->to_string(), *e.next_hop);
    }
    if (e.local_pref) {
      EXPECT_EQ(best.local_pref, *e.local_pref);
    }
    if (e.med) {
      EXPECT_EQ(best.med.value_or(0), *e.med);
    }
    if (e.comms) {
      EXPECT_EQ(join(best.communities), *e.comms);
    }
    if (e.lcomms) {
      EXPECT_EQ(join(best.large_communities), *e.lcomms);
    }
    if (e.candidates) {
      EXPECT_EQ(entry->candidates.size(), *e.candidates);
    }
    EXPECT_EQ(entry->multipath, e.multipath.value_or(1)) << entry->reason;
    EXPECT_EQ(entry->ambiguous, e.ambiguous) << entry->reason;
  }
  for (const auto& [router, prefixes] : listed) {
    SCOPED_TRACE("router " + router);
    std::set<Prefix> predicted;
    if (const RouterRib* rib = o.rib(router)) {
      for (const auto& [prefix, entry] : rib->entries) {
        predicted.insert(prefix);
      }
    }
    std::string extra;
    for (const auto& p : predicted) {
      if (prefixes.count(p) == 0) {
        extra += " " + p.to_string();
      }
    }
    EXPECT_EQ(predicted.size(), prefixes.size()) << "unexpected prefixes:" << extra;
  }
}

struct RibCase {
  const char* name;
  const char* file;  // under tests/unit/oracle/topologies/ (or "shipped:" + topologies/)
  std::vector<std::string> lines;
};

std::string path_of(const std::string& file) {
  return file.rfind("shipped:", 0) == 0 ? kShipped + file.substr(8) : kTopologies + file;
}

class Ribs : public testing::TestWithParam<RibCase> {};

TEST_P(Ribs, BestPathAtEveryRouter) {
  const auto& c = GetParam();
  Oracle o = build(path_of(c.file));
  expect_ribs(o, c.lines);
}

// clang-format off
const RibCase kCases[] = {
    // o01: each router hears the others' prefixes only one way; nothing comes back (split horizon / AS loop).
    {"chain", "chain.yaml", {
        "r1 10.1.0.0/16 : local",
        "r1 10.2.0.0/16 : 65002 @r2 nh=198.18.0.1 n=1",
        "r1 10.3.0.0/16 : 65002 65003 @r2 n=1",
        "r2 10.1.0.0/16 : 65001 @r1 nh=198.18.0.0",
        "r2 10.2.0.0/16 : local",
        "r2 10.3.0.0/16 : 65003 @r3 nh=198.18.0.3",
        "r3 10.1.0.0/16 : 65002 65001 @r2 nh=198.18.0.2",
        "r3 10.2.0.0/16 : 65002 @r2",
        "r3 10.3.0.0/16 : local"}},
    // o02: every prefix arrives directly (length 1) and via the third AS (length 2): the direct one wins.
    {"triangle", "triangle.yaml", {
        "r1 10.1.0.0/16 : local",
        "r1 10.2.0.0/16 : 65002 @r2 n=2",
        "r1 10.3.0.0/16 : 65003 @r3 n=2",
        "r2 10.1.0.0/16 : 65001 @r1 n=2",
        "r2 10.2.0.0/16 : local",
        "r2 10.3.0.0/16 : 65003 @r3 n=2",
        "r3 10.1.0.0/16 : 65001 @r1 n=2",
        "r3 10.2.0.0/16 : 65002 @r2 n=2",
        "r3 10.3.0.0/16 : local"}},
    // o03: r1 and r2 each prefer their own eBGP exit over the iBGP copy (same length): eBGP over iBGP. r2 hears
    // 10.1/16 only from r1 over iBGP (next hop r1's loopback); d hears 10.1/16 via x1 and x2 with equal paths,
    // the lowest router id (x1 198.19.0.3 < x2 .4) wins, and BIRD merges both into ECMP.
    {"square with two exits, router-id tie", "square-exits.yaml", {
        "r1 10.1.0.0/16 : local",
        "r1 10.30.0.0/16 : 65010 65030 @x1 n=2",
        "r2 10.1.0.0/16 : - @r1 nh=198.19.0.1 n=1",
        "r2 10.30.0.0/16 : 65020 65030 @x2 n=2",
        "x1 10.1.0.0/16 : 65001 @r1 n=1",
        "x1 10.30.0.0/16 : 65030 @d n=1",
        "x2 10.1.0.0/16 : 65001 @r2 n=2",
        "x2 10.30.0.0/16 : 65030 @d n=1",
        "d 10.1.0.0/16 : 65010 65001 @x1 n=2 ecmp=2",
        "d 10.30.0.0/16 : local"}},
    // o04: both sessions come from the same router (same router id): the lowest neighbour address wins.
    {"parallel links, neighbour-address tie", "parallel.yaml", {
        "r1 10.1.0.0/16 : local",
        "r1 10.2.0.0/16 : 65002 @r2 nh=198.18.0.1 n=2 ecmp=2",
        "r2 10.1.0.0/16 : 65001 @r1 nh=198.18.0.0 n=2 ecmp=2",
        "r2 10.2.0.0/16 : local"}},
    // o05: towards x1 r1 sends 65001 65001 65001 65001 (length 4); x1 prefers d's 65030 65020 65001 (3). d only
    // hears x2's copy (x1's best came from d). r1's 10.30/16: x1 and x2 tie at length 2, router id x1 (.2) wins,
    // so r1 passes x1's copy on to x2.
    {"prepending", "prepend.yaml", {
        "r1 10.1.0.0/16 : local",
        "r1 10.30.0.0/16 : 65010 65030 @x1 n=2 ecmp=2",
        "x1 10.1.0.0/16 : 65030 65020 65001 @d n=2",
        "x1 10.30.0.0/16 : 65030 @d n=1",
        "x2 10.1.0.0/16 : 65001 @r1 n=1",
        "x2 10.30.0.0/16 : 65030 @d n=2",
        "d 10.1.0.0/16 : 65020 65001 @x2 n=1",
        "d 10.30.0.0/16 : local"}},
    // o06: r1 (FRR) sets local-pref 200 on x2's routes: 10.30/16 via x2 despite x1's lower router id. x1 then
    // hears r1's copy (65001 65020 65030) but keeps d's shorter one; d ties x1/x2 for 10.1/16, x1 (.2) wins,
    // so x2 (not x1) also hears d's copy of 10.1/16.
    {"import local-pref", "localpref.yaml", {
        "r1 10.1.0.0/16 : local",
        "r1 10.30.0.0/16 : 65020 65030 @x2 lp=200 n=2",
        "x1 10.1.0.0/16 : 65001 @r1 n=1",
        "x1 10.30.0.0/16 : 65030 @d n=2",
        "x2 10.1.0.0/16 : 65001 @r1 n=2",
        "x2 10.30.0.0/16 : 65030 @d n=1",
        "d 10.1.0.0/16 : 65010 65001 @x1 n=2 ecmp=2",
        "d 10.30.0.0/16 : local"}},
    // o07: x hears 10.1/16 from a1 (MED 50) and a2 (MED 10), both from AS 65001: MED 10 wins before router id.
    // a1/a2 each prefer x's 10.10/16 over eBGP to the iBGP copy. a2 learns 10.1/16 over iBGP from a1's loopback.
    {"export MED, two links to one AS", "med.yaml", {
        "a1 10.1.0.0/16 : local",
        "a1 10.10.0.0/16 : 65010 @x n=2",
        "a2 10.1.0.0/16 : - @a1 nh=198.19.0.1 n=1",
        "a2 10.10.0.0/16 : 65010 @x n=2",
        "x 10.1.0.0/16 : 65001 @a2 med=10 n=2",
        "x 10.10.0.0/16 : local"}},
    // o08: r3 never gets 10.1/16 (r2's export deny), r1 drops 10.3/16 on import.
    {"deny", "deny.yaml", {
        "r1 10.1.0.0/16 : local",
        "r1 10.2.0.0/16 : 65002 @r2",
        "r2 10.1.0.0/16 : 65001 @r1",
        "r2 10.2.0.0/16 : local",
        "r2 10.3.0.0/16 : 65003 @r3",
        "r3 10.2.0.0/16 : 65002 @r2",
        "r3 10.3.0.0/16 : local"}},
    // o09: 65001:100 and 65001:1:2 from r1's export, 65002:200 from r2's import; both carried on to r3.
    {"communities", "communities.yaml", {
        "r1 10.1.0.0/16 : local",
        "r1 10.2.0.0/16 : 65002 @r2 comms=",
        "r1 10.3.0.0/16 : 65002 65003 @r2",
        "r2 10.1.0.0/16 : 65001 @r1 comms=65001:100,65002:200 lcomms=65001:1:2",
        "r2 10.2.0.0/16 : local",
        "r2 10.3.0.0/16 : 65003 @r3 comms=",
        "r3 10.1.0.0/16 : 65002 65001 @r2 comms=65001:100,65002:200 lcomms=65001:1:2",
        "r3 10.2.0.0/16 : 65002 @r2",
        "r3 10.3.0.0/16 : local"}},
    // o10: only IPv6 prefixes; next hops are the /127 link addresses (2001:db8:ffff::/48 pool, link order).
    {"IPv6 only", "ipv6-only.yaml", {
        "r1 2001:db8:1::/48 : local",
        "r1 2001:db8:2::/48 : 65002 @r2 nh=2001:db8:ffff::1",
        "r1 2001:db8:3::/48 : 65002 65003 @r2",
        "r2 2001:db8:1::/48 : 65001 @r1 nh=2001:db8:ffff::",
        "r2 2001:db8:2::/48 : local",
        "r2 2001:db8:3::/48 : 65003 @r3 nh=2001:db8:ffff::3",
        "r3 2001:db8:1::/48 : 65002 65001 @r2",
        "r3 2001:db8:2::/48 : 65002 @r2",
        "r3 2001:db8:3::/48 : local"}},
    // o11: r3 denies 10.3/16 towards r1 only: r1's IPv4 path goes via r2, its IPv6 path is direct.
    {"dual-stack", "dualstack.yaml", {
        "r1 10.1.0.0/16 : local",
        "r1 2001:db8:1::/48 : local",
        "r1 10.3.0.0/16 : 65002 65003 @r2 n=1",
        "r1 2001:db8:3::/48 : 65003 @r3 n=2",
        "r2 10.1.0.0/16 : 65001 @r1 n=2",
        "r2 2001:db8:1::/48 : 65001 @r1 n=2",
        "r2 10.3.0.0/16 : 65003 @r3 n=1",
        "r2 2001:db8:3::/48 : 65003 @r3 n=2",
        "r3 10.1.0.0/16 : 65001 @r1 n=2",
        "r3 2001:db8:1::/48 : 65001 @r1 n=2",
        "r3 10.3.0.0/16 : local",
        "r3 2001:db8:3::/48 : local"}},
    // o12: r3's two iBGP copies of 10.30/16 tie up to the IGP cost: r2's loopback costs 10, r1's 30 (the direct
    // link; via r2 it would be 110) -> r2. r1 and r2 prefer their own eBGP exits. d: x1 (.4) over x2 (.5).
    {"OSPF cost decides the exit (hot potato)", "hot-potato.yaml", {
        "r1 10.1.3.0/24 : - @r3 nh=198.19.0.3",
        "r1 10.30.0.0/16 : 65010 65030 @x1 n=2",
        "r2 10.1.3.0/24 : - @r3 nh=198.19.0.3",
        "r2 10.30.0.0/16 : 65020 65030 @x2 nh=198.18.0.9 n=2",
        "r3 10.1.3.0/24 : local",
        "r3 10.30.0.0/16 : 65020 65030 @r2 nh=198.19.0.2 n=2",
        "x1 10.1.3.0/24 : 65001 @r1 n=1",
        "x1 10.30.0.0/16 : 65030 @d n=1",
        "x2 10.1.3.0/24 : 65001 @r2 n=2",
        "x2 10.30.0.0/16 : 65030 @d n=1",
        "d 10.1.3.0/24 : 65010 65001 @x1 n=2 ecmp=2",
        "d 10.30.0.0/16 : local"}},
    // o13: r2 does not pass r1's iBGP routes to r3 nor r3's to r1: r3 never hears 10.1/16 or 10.10/16, r1 and
    // x never hear 10.3/16. iBGP next hops are the direct link addresses (next-hop-self).
    {"iBGP not re-advertised", "ibgp-no-readvertise.yaml", {
        "r1 10.1.0.0/16 : local",
        "r1 10.2.0.0/16 : - @r2 nh=198.18.0.1",
        "r1 10.10.0.0/16 : 65010 @x",
        "r2 10.1.0.0/16 : - @r1 nh=198.18.0.0",
        "r2 10.2.0.0/16 : local",
        "r2 10.3.0.0/16 : - @r3 nh=198.18.0.3",
        "r2 10.10.0.0/16 : 65010 @r1 nh=198.18.0.0",
        "r3 10.2.0.0/16 : - @r2 nh=198.18.0.2",
        "r3 10.3.0.0/16 : local",
        "x 10.1.0.0/16 : 65001 @r1",
        "x 10.2.0.0/16 : 65001 @r1",
        "x 10.10.0.0/16 : local"}},
    // o14: at z, a2 (MED 10) beats a1 (MED 100) but neither is comparable with b on MED: order-dependent.
    // a2 and b stay equal up to the IGP cost, so BIRD merges them (ECMP). Everyone else prefers o's direct path
    // (z's copies are longer or loop).
    {"unpinned MED tie is ambiguous", "med-ambiguous.yaml", {
        "o 10.50.0.0/16 : local",
        "a1 10.50.0.0/16 : 65050 @o",
        "a2 10.50.0.0/16 : 65050 @o",
        "b 10.50.0.0/16 : 65050 @o",
        "z 10.50.0.0/16 : 65010 65050 n=3 ecmp=2 !ambiguous"}},
    // o15: local-pref (150 on x2's routes at r1) beats AS-path length: r1 takes 65020 65025 65030 over
    // 65010 65030, in both families. x1 keeps d's direct route over r1's copy (length 4); x2, y and d reject
    // what would loop, so each of them hears d's (or r1's) prefixes as shown, and d prefers x1's shorter copy.
    {"local-pref beats a shorter path, dual-stack", "localpref-longer.yaml", {
        "r1 10.1.0.0/16 : local",
        "r1 2001:db8:1::/48 : local",
        "r1 10.30.0.0/16 : 65020 65025 65030 @x2 lp=150 n=2",
        "r1 2001:db8:30::/48 : 65020 65025 65030 @x2 lp=150 n=2",
        "x1 10.1.0.0/16 : 65001 @r1 n=1",
        "x1 2001:db8:1::/48 : 65001 @r1 n=1",
        "x1 10.30.0.0/16 : 65030 @d n=2",
        "x1 2001:db8:30::/48 : 65030 @d n=2",
        "x2 10.1.0.0/16 : 65001 @r1 n=1",
        "x2 2001:db8:1::/48 : 65001 @r1 n=1",
        "x2 10.30.0.0/16 : 65025 65030 @y n=1",
        "x2 2001:db8:30::/48 : 65025 65030 @y n=1",
        "y 10.1.0.0/16 : 65020 65001 @x2 n=2",
        "y 2001:db8:1::/48 : 65020 65001 @x2 n=2",
        "y 10.30.0.0/16 : 65030 @d n=1",
        "y 2001:db8:30::/48 : 65030 @d n=1",
        "d 10.1.0.0/16 : 65010 65001 @x1 n=2",
        "d 2001:db8:1::/48 : 65010 65001 @x1 n=2",
        "d 10.30.0.0/16 : local",
        "d 2001:db8:30::/48 : local"}},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(HandWorked, Ribs, testing::ValuesIn(kCases), [](const auto& param_info) {
  std::string name;
  for (char c : std::string(param_info.param.name)) {
    name += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  }
  return name;
});

// The shipped topologies against the AS paths the real routers produce (tests/lab/expected/*.json, verified by
// tests/lab/lab_test.cpp).
class Shipped : public testing::TestWithParam<const char*> {};

TEST_P(Shipped, MatchesLabExpectations) {
  const std::string name = GetParam();
  Oracle o = build(kShipped + name + ".yaml");
  std::ifstream in(std::string(FLOWLAB_SOURCE_DIR) + "/tests/lab/expected/" + name + ".json");
  ASSERT_TRUE(in.good());
  auto expected = nlohmann::json::parse(in);
  for (const auto& [router, prefixes] : expected["best_as_paths"].items()) {
    for (const auto& [prefix, path] : prefixes.items()) {
      SCOPED_TRACE(router + " " + prefix);
      const RibEntry* e = o.entry(router, Prefix::parse(prefix).value());
      ASSERT_NE(e, nullptr);
      EXPECT_EQ(e->best().as_path, path.get<std::vector<std::uint32_t>>()) << e->reason;
      EXPECT_FALSE(e->ambiguous) << e->reason;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Lab, Shipped, testing::Values("chain3", "janog36", "square-dualstack"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace flowlab::oracle
