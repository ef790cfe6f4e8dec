// LPM tests against a reference (one hash map per prefix length, probed from longest to shortest) on 100k random
// prefixes and lookups, with incremental inserts, deletes and replacements; and the RIB built on it.
#include "probes/bgp/lpm.hpp"
#include "probes/bgp/format.hpp"
#include "probes/bgp/rib.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>

namespace flowlab::bgp {
namespace {

// ---------------------------------------------------------------- reference

template <class Addr, unsigned Bits>
class Reference {
 public:
  static Addr mask(Addr a, unsigned len) {
    if (len == 0) {
      return 0;
    }
    if (len >= Bits) {
      return a;
    }
    return a & ~((~Addr{0}) >> len);
  }
  void insert(Addr a, unsigned len, std::uint32_t v) { maps_[len][mask(a, len)] = v; }
  bool remove(Addr a, unsigned len) { return maps_[len].erase(mask(a, len)) > 0; }
  [[nodiscard]] std::optional<std::uint32_t> get(Addr a, unsigned len) const {
    auto it = maps_[len].find(mask(a, len));
    return it != maps_[len].end() ? std::optional<std::uint32_t>(it->second) : std::nullopt;
  }
  [[nodiscard]] std::optional<std::pair<std::uint32_t, unsigned>> lookup(Addr a) const {
    for (unsigned len = Bits + 1; len-- > 0;) {
      auto it = maps_[len].find(mask(a, len));
      if (it != maps_[len].end()) {
        return std::make_pair(it->second, len);
      }
    }
    return std::nullopt;
  }
  [[nodiscard]] std::size_t size() const {
    std::size_t n = 0;
    for (const auto& m : maps_) {
      n += m.size();
    }
    return n;
  }

 private:
  struct Hash {
    std::size_t operator()(Addr a) const {
      if constexpr (Bits == 128) {
        return detail::mix64(static_cast<std::uint64_t>(a) ^ detail::mix64(static_cast<std::uint64_t>(a >> 64U)));
      } else {
        return detail::mix64(static_cast<std::uint64_t>(a));
      }
    }
  };
  std::array<std::unordered_map<Addr, std::uint32_t, Hash>, Bits + 1> maps_;
};

// Prefix lengths roughly like a full IPv4 table (mass at /24, /22, /23, /20, /16, some /25../32, a few short).
unsigned v4_length(std::mt19937_64& rng) {
  const unsigned r = static_cast<unsigned>(rng() % 1000);
  if (r < 550) return 24;
  if (r < 630) return 23;
  if (r < 720) return 22;
  if (r < 770) return 21;
  if (r < 820) return 20;
  if (r < 860) return 19;
  if (r < 890) return 16;
  if (r < 920) return 17 + static_cast<unsigned>(rng() % 2);
  if (r < 960) return 25 + static_cast<unsigned>(rng() % 8);
  if (r < 999) return 8 + static_cast<unsigned>(rng() % 8);
  return static_cast<unsigned>(rng() % 8);  // rare, as in real tables (and each rewrites up to 2^24 entries)
}

unsigned v6_length(std::mt19937_64& rng) {
  const unsigned r = static_cast<unsigned>(rng() % 1000);
  if (r < 450) return 48;
  if (r < 600) return 32;
  if (r < 700) return 44;
  if (r < 780) return 40;
  if (r < 850) return 36;
  if (r < 900) return 29 + static_cast<unsigned>(rng() % 3);
  if (r < 950) return 49 + static_cast<unsigned>(rng() % 16);
  if (r < 970) return 65 + static_cast<unsigned>(rng() % 64);
  if (r < 990) return 17 + static_cast<unsigned>(rng() % 12);
  return static_cast<unsigned>(rng() % 17);
}

TEST(Lpm4, MatchesReferenceWithIncrementalUpdates) {
  std::mt19937_64 rng(4271);
  Lpm4 lpm;
  Reference<std::uint32_t, 32> ref;
  struct P {
    std::uint32_t addr;
    unsigned len;
  };
  std::vector<P> prefixes;
  // Addresses drawn from 4096 /12-ish clusters so prefixes nest and share /24s.
  std::vector<std::uint32_t> bases(4096);
  for (auto& b : bases) {
    b = static_cast<std::uint32_t>(rng());
  }
  auto random_addr = [&] {
    const std::uint32_t base = bases[rng() % bases.size()];
    return (base & 0xfff00000U) | static_cast<std::uint32_t>(rng() & 0x000fffffU);
  };
  for (std::uint32_t i = 0; i < 100000; ++i) {
    const unsigned len = v4_length(rng);
    const std::uint32_t addr = Reference<std::uint32_t, 32>::mask(random_addr(), len);
    prefixes.push_back({addr, len});
    ASSERT_TRUE(lpm.insert(addr, len, i));
    ref.insert(addr, len, i);
  }
  auto check = [&](const char* phase) {
    SCOPED_TRACE(phase);
    EXPECT_EQ(lpm.size(), ref.size());
    std::size_t mismatches = 0;
    for (int i = 0; i < 100000; ++i) {
      std::uint32_t a = 0;
      if (i % 2 == 0) {
        a = static_cast<std::uint32_t>(rng());
      } else {
        const auto& p = prefixes[rng() % prefixes.size()];
        a = p.addr | (p.len == 0 ? static_cast<std::uint32_t>(rng())
                                 : (static_cast<std::uint32_t>(rng()) & (p.len >= 32 ? 0U : 0xffffffffU >> p.len)));
      }
      const auto want = ref.lookup(a);
      const auto got = lpm.match(a);
      const bool same = want ? (got && got->value == want->first && got->length == want->second) : !got;
      if (!same) {
        ++mismatches;
      }
      EXPECT_EQ(lpm.lookup(a), want ? want->first : Lpm4::kNone);
    }
    EXPECT_EQ(mismatches, 0U);
  };
  check("after inserts");
  // Delete half, in random order.
  std::shuffle(prefixes.begin(), prefixes.end(), rng);
  for (std::size_t i = 0; i < prefixes.size() / 2; ++i) {
    const bool in_ref = ref.remove(prefixes[i].addr, prefixes[i].len);
    EXPECT_EQ(lpm.remove(prefixes[i].addr, prefixes[i].len), in_ref);
  }
  check("after deleting half");
  // Replace values of a quarter, reinsert some deleted ones.
  for (std::size_t i = prefixes.size() / 2; i < prefixes.size() * 3 / 4; ++i) {
    lpm.insert(prefixes[i].addr, prefixes[i].len, 777777);
    ref.insert(prefixes[i].addr, prefixes[i].len, 777777);
  }
  for (std::size_t i = 0; i < prefixes.size() / 4; ++i) {
    lpm.insert(prefixes[i].addr, prefixes[i].len, 123456);
    ref.insert(prefixes[i].addr, prefixes[i].len, 123456);
  }
  check("after replacing and reinserting");
  // Remove everything: every lookup misses, and the second-level groups are all returned.
  for (const auto& p : prefixes) {
    lpm.remove(p.addr, p.len);
    ref.remove(p.addr, p.len);
  }
  check("after deleting all");
  EXPECT_EQ(lpm.size(), 0U);
}

TEST(Lpm4, ExactGetAndEdgeCases) {
  Lpm4 lpm;
  EXPECT_EQ(lpm.lookup(0x01020304), Lpm4::kNone);
  EXPECT_TRUE(lpm.insert(0, 0, 1));  // default route
  EXPECT_TRUE(lpm.insert(0xc0000200, 24, 2));
  EXPECT_TRUE(lpm.insert(0xc0000280, 25, 3));
  EXPECT_TRUE(lpm.insert(0xc0000281, 32, 4));
  EXPECT_FALSE(lpm.insert(0xc0000281, 33, 4));
  EXPECT_FALSE(lpm.insert(0xc0000281, 32, Lpm4::kMaxValue + 1));
  EXPECT_EQ(lpm.lookup(0x08080808), 1U);
  EXPECT_EQ(lpm.lookup(0xc0000201), 2U);
  EXPECT_EQ(lpm.lookup(0xc0000282), 3U);
  EXPECT_EQ(lpm.lookup(0xc0000281), 4U);
  EXPECT_EQ(lpm.match(0xc0000281)->length, 32);
  EXPECT_EQ(lpm.get(0xc00002ff, 24), 2U);  // host bits ignored
  EXPECT_FALSE(lpm.get(0xc0000200, 23).has_value());
  EXPECT_TRUE(lpm.remove(0xc0000200, 24));
  EXPECT_FALSE(lpm.remove(0xc0000200, 24));
  EXPECT_EQ(lpm.lookup(0xc0000201), 1U);
  EXPECT_EQ(lpm.lookup(0xc0000282), 3U);
  EXPECT_TRUE(lpm.remove(0, 0));
  EXPECT_EQ(lpm.lookup(0x08080808), Lpm4::kNone);
  EXPECT_EQ(lpm.lookup(0xc0000282), 3U);
  lpm.clear();
  EXPECT_EQ(lpm.lookup(0xc0000282), Lpm4::kNone);
  EXPECT_EQ(lpm.size(), 0U);
}

TEST(Lpm6, MatchesReferenceWithIncrementalUpdates) {
  std::mt19937_64 rng(4760);
  Lpm6 lpm;
  Reference<Uint128, 128> ref;
  struct P {
    Uint128 addr;
    unsigned len;
  };
  std::vector<P> prefixes;
  auto random128 = [&] { return (Uint128{rng()} << 64U) | rng(); };
  std::vector<Uint128> bases(2048);
  for (auto& b : bases) {
    // Mostly 2000::/3 (global unicast), clustered under 2048 /24s.
    b = (random128() >> 3U) | (Uint128{1} << 125U);
  }
  auto random_addr = [&] {
    const Uint128 base = bases[rng() % bases.size()];
    const Uint128 low_mask = (~Uint128{0}) >> 24U;
    return (base & ~low_mask) | (random128() & low_mask);
  };
  for (std::uint32_t i = 0; i < 100000; ++i) {
    const unsigned len = v6_length(rng);
    const Uint128 addr = Lpm6::mask(random_addr(), len);
    prefixes.push_back({addr, len});
    ASSERT_TRUE(lpm.insert(addr, len, i));
    ref.insert(addr, len, i);
  }
  auto check = [&](const char* phase) {
    SCOPED_TRACE(phase);
    EXPECT_EQ(lpm.size(), ref.size());
    std::size_t mismatches = 0;
    std::vector<Uint128> addrs(100000);
    for (std::size_t i = 0; i < addrs.size(); ++i) {
      Uint128 a = 0;
      if (i % 2 == 0) {
        a = random_addr();
      } else {
        const auto& p = prefixes[rng() % prefixes.size()];
        a = p.addr | (p.len >= 128 ? 0 : (random128() & ((~Uint128{0}) >> p.len)));
      }
      addrs[i] = a;
      const auto want = ref.lookup(a);
      const auto got = lpm.match(a);
      const bool same = want ? (got && got->value == want->first && got->length == want->second) : !got;
      if (!same) {
        ++mismatches;
      }
    }
    EXPECT_EQ(mismatches, 0U);
    // The batch lookup gives lookup()'s answers, whatever the batch size (blocks of 16 and a partial one).
    std::vector<std::uint32_t> out(addrs.size());
    for (std::size_t i = 0, batch = 1; i < addrs.size(); i += batch, batch = batch % 41 + 1) {
      lpm.lookup_batch(addrs.data() + i, out.data() + i, std::min(batch, addrs.size() - i));
    }
    std::size_t batch_mismatches = 0;
    for (std::size_t i = 0; i < addrs.size(); ++i) {
      batch_mismatches += static_cast<std::size_t>(out[i] != lpm.lookup(addrs[i]));
    }
    EXPECT_EQ(batch_mismatches, 0U);
  };
  check("after inserts");
  std::shuffle(prefixes.begin(), prefixes.end(), rng);
  for (std::size_t i = 0; i < prefixes.size() / 2; ++i) {
    const bool in_ref = ref.remove(prefixes[i].addr, prefixes[i].len);
    EXPECT_EQ(lpm.remove(prefixes[i].addr, prefixes[i].len), in_ref);
  }
  check("after deleting half");
  for (std::size_t i = 0; i < prefixes.size() / 4; ++i) {
    lpm.insert(prefixes[i].addr, prefixes[i].len, 4242);
    ref.insert(prefixes[i].addr, prefixes[i].len, 4242);
  }
  check("after reinserting");
  for (const auto& p : prefixes) {
    lpm.remove(p.addr, p.len);
    ref.remove(p.addr, p.len);
  }
  check("after deleting all");
}

TEST(Lpm6, BatchLookupOnAnEmptyTableFindsNothing) {
  const Lpm6 lpm;
  const std::vector<Uint128> addrs{0, ~Uint128{0}, Uint128{1} << 125U};
  std::vector<std::uint32_t> out(addrs.size(), 7);
  lpm.lookup_batch(addrs.data(), out.data(), addrs.size());
  EXPECT_EQ(out, std::vector<std::uint32_t>(addrs.size(), Lpm6::kNone));
}

// Inserts, removes, replacements and lookups interleaved at random, every length /0../128, on addresses clustered
// under a few /16s and /24s (so side-table, direct-table and trie prefixes cover one another), against the reference
// after every step's lookups: match (value and length), lookup, get, size, and the batch lookup.
TEST(Lpm6, RandomizedDifferentialAgainstReference) {
  for (const std::uint64_t seed : {15U, 1515U, 151515U}) {
    SCOPED_TRACE(seed);
    std::mt19937_64 rng(seed);
    auto random128 = [&] { return (Uint128{rng()} << 64U) | rng(); };
    std::vector<Uint128> bases(6);
    for (auto& b : bases) {
      b = random128();
    }
    auto random_addr = [&] {  // one of 6 /24s, or one of their /16s, or anywhere
      const Uint128 base = bases[rng() % bases.size()];
      const unsigned keep = std::array<unsigned, 4>{24, 24, 16, 0}[rng() % 4];
      return Lpm6::mask(base, keep) | (random128() & (keep == 0 ? ~Uint128{0} : (~Uint128{0}) >> keep));
    };
    Lpm6 lpm;
    Reference<Uint128, 128> ref;
    std::vector<std::pair<Uint128, unsigned>> added;
    std::size_t mismatches = 0;
    std::size_t get_mismatches = 0;
    for (std::uint32_t step = 0; step < 12000; ++step) {
      const unsigned op = static_cast<unsigned>(rng() % 10);
      if (op < 5 || added.empty()) {  // insert or replace
        const unsigned len =
            rng() % 4 == 0 ? static_cast<unsigned>(rng() % 129) : 24 + static_cast<unsigned>(rng() % 41);
        const Uint128 addr = Lpm6::mask(random_addr(), len);
        ASSERT_TRUE(lpm.insert(addr, len, step));
        ref.insert(addr, len, step);
        added.emplace_back(addr, len);
      } else if (op < 8) {  // remove one that was added (perhaps already removed)
        const auto& [addr, len] = added[rng() % added.size()];
        ASSERT_EQ(lpm.remove(addr, len), ref.remove(addr, len));
      } else {  // remove one never added (or by chance added)
        const unsigned len = static_cast<unsigned>(rng() % 129);
        const Uint128 addr = random_addr();
        ASSERT_EQ(lpm.remove(addr, len), ref.remove(addr, len));
      }
      std::array<Uint128, 8> addrs{};
      std::array<std::uint32_t, 8> batch{};
      for (auto& a : addrs) {
        a = random_addr();
      }
      lpm.lookup_batch(addrs.data(), batch.data(), addrs.size());
      for (std::size_t i = 0; i < addrs.size(); ++i) {
        const auto want = ref.lookup(addrs[i]);
        const auto got = lpm.match(addrs[i]);
        const std::uint32_t want_value = want ? want->first : Lpm6::kNone;
        mismatches += static_cast<std::size_t>(want ? !got || got->value != want->first || got->length != want->second
                                                    : got.has_value());
        mismatches += static_cast<std::size_t>(lpm.lookup(addrs[i]) != want_value || batch[i] != want_value);
      }
      const auto& [addr, len] = added[rng() % added.size()];
      get_mismatches += static_cast<std::size_t>(lpm.get(addr, len) != ref.get(addr, len));
    }
    EXPECT_EQ(mismatches, 0U);
    EXPECT_EQ(get_mismatches, 0U);
    EXPECT_EQ(lpm.size(), ref.size());
    lpm.clear();
    EXPECT_EQ(lpm.lookup(bases[0]), Lpm6::kNone);
    EXPECT_EQ(lpm.size(), 0U);
  }
}

// ---------------------------------------------------------------- RIB

PathAttributes attrs(std::vector<std::uint32_t> path, const char* nh, std::optional<std::uint32_t> lp = {}) {
  PathAttributes a;
  a.origin = Origin::kIgp;
  a.as_path = AsPath{{AsPathSegment{SegmentType::kSequence, std::move(path)}}};
  a.next_hop = *IpAddress::parse(nh);
  a.local_pref = lp;
  return a;
}

TEST(Rib, InternsAttributeSetsAndPaths) {
  auto store = std::make_shared<AttrStore>();
  {
    Rib rib(store);
    const auto a = attrs({65001, 65002}, "192.0.2.1");
    for (std::uint32_t i = 0; i < 1000; ++i) {
      rib.announce(Prefix{IpAddress::v4(0x0a000000U + (i << 8U)), 24}, 0, a);
    }
    EXPECT_EQ(rib.size(), 1000U);
    EXPECT_EQ(store->size(), 1U);
    // Same path, other next hop: a second set sharing the interned AS path.
    auto b = attrs({65001, 65002}, "192.0.2.2");
    rib.announce(*Prefix::parse("198.51.100.0/24"), 0, b);
    EXPECT_EQ(store->size(), 2U);
    EXPECT_EQ(store->path_count(), 1U);
    // A second RIB (another peer) shares the store.
    Rib other(store);
    other.announce(*Prefix::parse("203.0.113.0/24"), 0, a);
    EXPECT_EQ(store->size(), 2U);
    // Re-announcing replaces; withdrawing releases.
    rib.announce(*Prefix::parse("198.51.100.0/24"), 0, a);
    EXPECT_EQ(store->size(), 1U);
    EXPECT_TRUE(rib.withdraw(*Prefix::parse("198.51.100.0/24"), 0));
    EXPECT_FALSE(rib.withdraw(*Prefix::parse("198.51.100.0/24"), 0));
    EXPECT_EQ(rib.size(), 1000U);
  }
  EXPECT_EQ(store->size(), 0U);
  EXPECT_EQ(store->path_count(), 0U);
}

TEST(Rib, LookupAddPathAndBestPath) {
  auto store = std::make_shared<AttrStore>();
  Rib rib(store);
  const auto p = *Prefix::parse("198.51.100.0/24");
  rib.announce(p, 1, attrs({65001, 65002, 65003}, "192.0.2.1"));
  rib.announce(p, 2, attrs({65001, 65003}, "192.0.2.2"));  // shorter path wins
  rib.announce(*Prefix::parse("198.51.0.0/16"), 1, attrs({65009}, "192.0.2.9"));
  rib.announce(*Prefix::parse("2001:db8::/32"), 5, [] {
    PathAttributes a;
    a.origin = Origin::kIgp;
    a.as_path = AsPath{};
    MpReach mp;
    mp.af = kIpv6Unicast;
    mp.next_hop = *IpAddress::parse("2001:db8::1");
    a.mp_reach = mp;
    return a;
  }());
  EXPECT_EQ(rib.size(), 4U);
  EXPECT_EQ(rib.prefix_count(), 3U);
  auto r = rib.lookup(*IpAddress::parse("198.51.100.7"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->prefix.to_string(), "198.51.100.0/24");
  EXPECT_EQ(r->path_id, 2U);
  EXPECT_EQ(r->attrs->next_hop(Family::kIpv4).to_string(), "192.0.2.2");
  EXPECT_EQ(rib.lookup_v4(0xc6336407), r->attrs);
  for (const char* a : {"198.51.100.7", "198.51.7.1", "2001:db8:1::1", "203.0.113.1", "2001:db9::1"}) {
    const IpAddress address = *IpAddress::parse(a);  // the staged path (the collector's batch) equals lookup()
    rib.prefetch_match(address);
    const LpmMatch m = rib.match(address);
    const auto whole = rib.lookup(address);
    EXPECT_EQ(rib.attributes(m), whole ? whole->attrs : nullptr) << a;
    EXPECT_EQ(m.length, whole ? whole->prefix.length : 0) << a;
  }
  // Higher LOCAL_PREF beats the shorter path.
  rib.announce(p, 1, attrs({65001, 65002, 65003}, "192.0.2.1", 200));
  EXPECT_EQ(rib.lookup(*IpAddress::parse("198.51.100.7"))->path_id, 1U);
  EXPECT_EQ(rib.paths(p).size(), 2U);
  EXPECT_TRUE(rib.withdraw(p, 1));
  EXPECT_EQ(rib.lookup(*IpAddress::parse("198.51.100.7"))->path_id, 2U);
  EXPECT_TRUE(rib.withdraw(p, 2));
  EXPECT_EQ(rib.lookup(*IpAddress::parse("198.51.100.7"))->prefix.to_string(), "198.51.0.0/16");
  auto v6 = rib.lookup(*IpAddress::parse("2001:db8:1::1"));
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->prefix.to_string(), "2001:db8::/32");
  EXPECT_EQ(v6->attrs->next_hop(Family::kIpv6).to_string(), "2001:db8::1");
  EXPECT_FALSE(rib.lookup(*IpAddress::parse("2001:db9::1")).has_value());
  rib.clear();
  EXPECT_EQ(rib.size(), 0U);
  EXPECT_EQ(store->size(), 0U);
  EXPECT_FALSE(rib.lookup(*IpAddress::parse("198.51.100.7")).has_value());
}

TEST(Rib, SinglePathAndAddPathTransitions) {
  // A prefix with only path id 0 keeps its attribute id in the LPM value; a second path turns it into a list,
  // and withdrawing back to one path of id 0 turns it back. Every step is checked through lookup/paths/for_each.
  auto store = std::make_shared<AttrStore>();
  Rib rib(store);
  const auto p = *Prefix::parse("203.0.113.0/24");
  const auto addr = *IpAddress::parse("203.0.113.9");
  struct Step {
    const char* what;
    bool announce;
    std::uint32_t path_id;
    std::vector<std::uint32_t> path;
    std::uint32_t want_path_id;  // path chosen for lookups; ignored when want_paths == 0
    std::size_t want_paths;
  };
  const std::vector<Step> steps = {
      {"single path id 0", true, 0, {65001, 65002, 65003}, 0, 1},
      {"replace it", true, 0, {65001, 65002}, 0, 1},
      {"second path (shorter) becomes best", true, 7, {65009}, 7, 2},
      {"third path, longer", true, 8, {65001, 65002, 65003, 65004}, 7, 3},
      {"withdraw best", false, 7, {}, 0, 2},
      {"withdraw 8: back to a single path of id 0", false, 8, {}, 0, 1},
      {"withdraw absent id", false, 9, {}, 0, 1},
      {"withdraw the last", false, 0, {}, 0, 0},
  };
  for (const auto& s : steps) {
    SCOPED_TRACE(s.what);
    if (s.announce) {
      rib.announce(p, s.path_id, attrs(s.path, "192.0.2.1"));
    } else {
      rib.withdraw(p, s.path_id);
    }
    EXPECT_EQ(rib.size(), s.want_paths);
    EXPECT_EQ(rib.paths(p).size(), s.want_paths);
    std::size_t seen = 0;
    rib.for_each([&seen](const RibRoute&) { ++seen; });
    EXPECT_EQ(seen, s.want_paths);
    const auto hit = rib.lookup(addr);
    ASSERT_EQ(hit.has_value(), s.want_paths > 0);
    if (hit) {
      EXPECT_EQ(hit->path_id, s.want_path_id);
      EXPECT_EQ(rib.paths(p).front().path_id, s.want_path_id);
      EXPECT_EQ(rib.lookup_v4(addr.v4_host_order()), hit->attrs);
    }
  }
  EXPECT_EQ(store->size(), 0U);
}

TEST(AttrStore, SharesPathsAndNonPathPartsSeparately) {
  AttrStore store;
  // 3 paths x 2 next hops = 6 sets, built from 3 interned paths and 2 interned non-path parts.
  std::vector<AttrId> ids;
  for (const char* nh : {"192.0.2.1", "192.0.2.2"}) {
    for (std::uint32_t as : {65001U, 65002U, 65003U}) {
      ids.push_back(store.intern(attrs({as, 65100}, nh)));
    }
  }
  EXPECT_EQ(store.size(), 6U);
  EXPECT_EQ(store.path_count(), 3U);
  EXPECT_EQ(store.rest_count(), 2U);
  // Interning an equal set returns the same id and the same objects.
  const AttrId again = store.intern(attrs({65002, 65100}, "192.0.2.2"));
  EXPECT_EQ(again, ids[4]);
  EXPECT_EQ(&store.get(ids[4]).attrs, &store.get(ids[3]).attrs);
  EXPECT_EQ(store.get(ids[1]).as_path, store.get(ids[4]).as_path);
  EXPECT_EQ(store.get(ids[4]).as_path->to_string(), "65002 65100");
  EXPECT_EQ(store.get(ids[4]).next_hop(Family::kIpv4).to_string(), "192.0.2.2");
  store.unref(again);
  for (const AttrId id : ids) {
    store.unref(id);
  }
  EXPECT_EQ(store.size(), 0U);
  EXPECT_EQ(store.path_count(), 0U);
  EXPECT_EQ(store.rest_count(), 0U);
}

// A path's id (RouteAttributes::path_index) is kept while a pin holds it: the last set using the path goes, the id
// still names it, a new path gets another id, the path interned again gets its id back; the last pin lets it go.
// A path equal to an interned one, from elsewhere, pins that one's id; an id that does not name the object: refused.
TEST(AttrStore, PinnedPathKeepsItsId) {
  AttrStore store;
  const AttrId set = store.intern(attrs({65001, 65100}, "192.0.2.1"));
  const std::uint32_t id = store.get(set).path_index;
  const AsPath* object = store.get(set).as_path.get();
  EXPECT_EQ(store.path_at(id), object);
  EXPECT_FALSE(store.pin_path(id + 1, object));
  ASSERT_TRUE(store.pin_path(id, object));
  store.unref(set);
  EXPECT_EQ(store.size(), 0U);
  EXPECT_EQ(store.path_count(), 1U);
  EXPECT_EQ(store.path_at(id), object);
  const AttrId other = store.intern(attrs({65002, 65100}, "192.0.2.1"));
  EXPECT_NE(store.get(other).path_index, id);
  const AttrId again = store.intern(attrs({65001, 65100}, "192.0.2.2"));
  EXPECT_EQ(store.get(again).path_index, id);
  EXPECT_EQ(store.get(again).as_path.get(), object);
  EXPECT_EQ(store.pin_path(*attrs({65001, 65100}, "192.0.2.9").as_path), id);  // by content: the same id
  store.unpin_path(id);
  store.unref(again);
  EXPECT_EQ(store.path_at(id), object);  // one pin left
  store.unpin_path(id);
  EXPECT_EQ(store.path_at(id), nullptr);
  EXPECT_EQ(store.path_count(), 1U);                                                        // 65002's
  const std::uint32_t fresh = store.pin_path(*attrs({65003, 65100}, "192.0.2.1").as_path);  // no set uses it
  EXPECT_EQ(store.path_count(), 2U);
  EXPECT_EQ(store.path_at(fresh)->to_string(), "65003 65100");
  store.unpin_path(fresh);
  store.unref(other);
  EXPECT_EQ(store.path_count(), 0U);
}

// Many sets, paths and non-path parts through growth of every index, released in a scrambled order and interned
// again: counts, ids and contents stay exact against a reference map; a reader's copy of a path outlives the store's.
TEST(AttrStore, ChurnAgainstReference) {
  AttrStore store;
  std::mt19937_64 rng(7);
  std::map<std::tuple<std::uint32_t, std::uint32_t, int>, std::pair<AttrId, int>> live;  // (as, origin, nh) → id, refs
  // Every fifth first AS gets a path too long to be compared inline (AttrStore::kInlineWords).
  auto path_of = [](std::uint32_t as, std::uint32_t origin) {
    std::vector<std::uint32_t> p{as};
    for (std::uint32_t k = 1; as % 5 == 0 && k <= 8; ++k) {
      p.push_back(as + k);
    }
    p.push_back(origin);
    return p;
  };
  auto make = [&](std::uint32_t as, std::uint32_t origin, int nh) {
    return attrs(path_of(as, origin), nh == 0 ? "192.0.2.1" : "192.0.2.2");
  };
  std::shared_ptr<const AsPath> kept;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 20000; ++i) {
      const std::uint32_t as = 64512 + static_cast<std::uint32_t>(rng() % 3000);
      const std::uint32_t origin = 65000 + static_cast<std::uint32_t>(rng() % 7);
      const int nh = static_cast<int>(rng() % 2);
      const AttrId id = store.intern(make(as, origin, nh));
      auto [it, fresh] = live.try_emplace({as, origin, nh}, id, 0);
      ASSERT_EQ(it->second.first, id) << as << " " << origin;
      ++it->second.second;
      if (fresh && kept == nullptr) {
        kept = store.get(id).as_path;
      }
    }
    std::set<std::pair<std::uint32_t, std::uint32_t>> paths;
    std::set<int> rests;
    for (const auto& [key, v] : live) {
      const auto& [as, origin, nh] = key;
      paths.insert({as, origin});
      rests.insert(nh);
      const RouteAttributes& r = store.get(v.first);
      std::string expected;
      for (const auto a : path_of(as, origin)) {
        expected += (expected.empty() ? "" : " ") + std::to_string(a);
      }
      ASSERT_EQ(r.as_path->to_string(), expected);
      ASSERT_EQ(r.next_hop(Family::kIpv4).to_string(), nh == 0 ? "192.0.2.1" : "192.0.2.2");
    }
    EXPECT_EQ(store.size(), live.size());
    EXPECT_EQ(store.path_count(), paths.size());
    EXPECT_EQ(store.rest_count(), rests.size());
    // Release about two thirds of the references, in key order rather than insertion order.
    for (auto it = live.begin(); it != live.end();) {
      const int drop = it->second.second - (rng() % 3 == 0 ? 1 : 0);
      for (int k = 0; k < drop; ++k) {
        store.unref(it->second.first);
      }
      it->second.second -= drop;
      it = it->second.second == 0 ? live.erase(it) : std::next(it);
    }
  }
  for (const auto& [key, v] : live) {
    for (int k = 0; k < v.second; ++k) {
      store.unref(v.first);
    }
  }
  EXPECT_EQ(store.size(), 0U);
  EXPECT_EQ(store.path_count(), 0U);
  EXPECT_EQ(store.rest_count(), 0U);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->segments.size(), 1U);  // still readable after the store let it go
}

// Rib::apply of whole UPDATEs (withdrawn, announced, attrs or treat-as-withdraw; lists longer than the prefetch
// window; IPv4 and IPv6; ADD-PATH ids) ends with exactly the routes, paths and sets of the same events applied one by
// one.
TEST(Rib, BatchApplyEqualsPerRouteApply) {
  auto store_a = std::make_shared<AttrStore>();
  auto store_b = std::make_shared<AttrStore>();
  Rib one_by_one(store_a);
  Rib batched(store_b);
  std::mt19937_64 rng(11);
  auto random_nlri = [&rng] {
    Nlri n;
    if (rng() % 4 == 0) {
      std::array<std::uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8};
      b[4] = static_cast<std::uint8_t>(rng() % 8);
      b[5] = static_cast<std::uint8_t>(rng());
      n.prefix = Prefix{IpAddress::v6(b), static_cast<std::uint8_t>(40 + rng() % 9)}.canonical();
    } else {
      n.prefix = Prefix{IpAddress::v4(0x0a000000U | static_cast<std::uint32_t>(rng() % 4096) << 8U),
                        static_cast<std::uint8_t>(22 + rng() % 3)}
                     .canonical();
    }
    n.path_id = rng() % 5 == 0 ? static_cast<std::uint32_t>(1 + rng() % 3) : 0;
    return n;
  };
  for (int update = 0; update < 3000; ++update) {
    std::vector<Nlri> withdrawn(rng() % 3 == 0 ? rng() % 6 : 0);
    std::vector<Nlri> announced(rng() % 40);
    for (auto& n : withdrawn) {
      n = random_nlri();
    }
    for (auto& n : announced) {
      n = random_nlri();
    }
    std::shared_ptr<const PathAttributes> a;
    if (rng() % 10 != 0) {  // else treat-as-withdraw
      a = std::make_shared<const PathAttributes>(attrs({65001, 65100 + static_cast<std::uint32_t>(rng() % 50)},
                                                       "192.0.2.1", 100 + static_cast<std::uint32_t>(rng() % 3)));
    }
    for (const auto& n : withdrawn) {
      one_by_one.apply(n.prefix, n.path_id, nullptr);
    }
    for (const auto& n : announced) {
      one_by_one.apply(n.prefix, n.path_id, a);
    }
    batched.apply(withdrawn, announced, a);
  }
  auto dump = [](const Rib& rib) {
    std::vector<std::string> out;
    rib.for_each([&out](const RibRoute& r) {
      out.push_back(r.prefix.to_string() + "#" + std::to_string(r.path_id) + " " + r.attrs->as_path->to_string() +
                    " lp " + std::to_string(r.attrs->local_pref()));
    });
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_GT(one_by_one.size(), 1000U);
  EXPECT_EQ(batched.size(), one_by_one.size());
  EXPECT_EQ(dump(batched), dump(one_by_one));
  EXPECT_EQ(store_b->path_count(), store_a->path_count());
  one_by_one.clear();
  batched.clear();
  EXPECT_EQ(store_a->size(), 0U);
  EXPECT_EQ(store_b->size(), 0U);
}

TEST(Rib, ApplySharesOneInternPerUpdate) {
  auto store = std::make_shared<AttrStore>();
  Rib rib(store);
  auto a = std::make_shared<const PathAttributes>(attrs({65001}, "192.0.2.1"));
  rib.apply(*Prefix::parse("10.0.0.0/8"), 0, a);
  rib.apply(*Prefix::parse("11.0.0.0/8"), 0, a);
  rib.apply(*Prefix::parse("10.0.0.0/8"), 0, nullptr);
  EXPECT_EQ(rib.size(), 1U);
  EXPECT_EQ(store->size(), 1U);
  rib.clear();
  EXPECT_EQ(store->size(), 0U);
}

TEST(Rib, FullStoreTreatsNewSetsAsWithdrawAndCounts) {
  auto store = std::make_shared<AttrStore>(2);  // room for two attribute sets
  Rib rib(store);
  const auto p1 = *Prefix::parse("198.51.100.0/24");
  const auto p2 = *Prefix::parse("203.0.113.0/24");
  const auto p3 = *Prefix::parse("192.0.2.0/24");
  rib.announce(p1, 0, attrs({65001}, "192.0.2.1"));
  rib.announce(p2, 0, attrs({65002}, "192.0.2.1"));
  EXPECT_EQ(store->size(), 2U);
  // A third set does not fit: p3 stays out, and an existing route that moves to a new set is withdrawn rather than
  // left with its stale attributes.
  rib.announce(p3, 0, attrs({65003}, "192.0.2.1"));
  rib.announce(p1, 0, attrs({65004}, "192.0.2.1"));
  EXPECT_FALSE(rib.lookup(*IpAddress::parse("192.0.2.7")).has_value());
  EXPECT_FALSE(rib.lookup(*IpAddress::parse("198.51.100.7")).has_value());
  EXPECT_EQ(rib.size(), 1U);
  EXPECT_EQ(rib.refused(), 2U);
  EXPECT_EQ(store->refused(), 2U);
  EXPECT_EQ(store->size(), 1U);  // p1's old set went with it
  // Sets already interned are still found, and freed room is used again (batch path too).
  rib.announce(p3, 0, attrs({65002}, "192.0.2.1"));
  const std::vector<Nlri> announced{{p1, 0}};
  rib.apply({}, announced, std::make_shared<const PathAttributes>(attrs({65004}, "192.0.2.1")));
  EXPECT_EQ(rib.size(), 3U);
  ASSERT_TRUE(rib.lookup(*IpAddress::parse("198.51.100.7")).has_value());
  EXPECT_EQ(rib.lookup(*IpAddress::parse("198.51.100.7"))->attrs->as_path->to_string(), "65004");
  EXPECT_EQ(rib.refused(), 2U);
  rib.clear();
  EXPECT_EQ(store->size(), 0U);
}

TEST(Rib, FullPathNodesTreatNewPathsAsWithdrawAndCounts) {
  auto store = std::make_shared<AttrStore>();
  Rib rib(store, 3);  // three ADD-PATH list nodes
  const auto p1 = *Prefix::parse("198.51.100.0/24");
  const auto p2 = *Prefix::parse("203.0.113.0/24");
  const auto a = attrs({65001}, "192.0.2.1");
  rib.announce(p1, 1, a);
  rib.announce(p1, 2, a);
  rib.announce(p2, 0, a);  // a direct value: no node
  rib.announce(p1, 3, a);
  EXPECT_EQ(rib.size(), 4U);
  rib.announce(p1, 4, a);  // no node left
  rib.announce(p2, 7, a);  // would turn p2 into a two-node list: refused, and p2's own path 7 is not there
  EXPECT_EQ(rib.refused(), 2U);
  EXPECT_EQ(rib.paths(p1).size(), 3U);
  rib.announce(p1, 2, attrs({65009}, "192.0.2.1"));  // a replacement needs no node
  EXPECT_EQ(rib.refused(), 2U);
  EXPECT_EQ(rib.size(), 4U);
  EXPECT_TRUE(rib.withdraw(p1, 1));
  rib.announce(p1, 4, a);  // room again
  EXPECT_EQ(rib.paths(p1).size(), 3U);
  EXPECT_EQ(rib.refused(), 2U);
}

TEST(TableDump, PmacctKeysAndFormats) {
  auto store = std::make_shared<AttrStore>();
  Rib rib(store);
  PathAttributes a = attrs({65001, 65002}, "192.0.2.1", 100);
  a.as_path->segments.push_back(AsPathSegment{SegmentType::kSet, {65003, 65004}});
  a.med = 10;
  a.communities = {(65001U << 16U) | 100U};
  a.large_communities = {{65001, 1, 2}};
  a.ext_communities = {0x0002fde900000064ULL};
  rib.announce(*Prefix::parse("198.51.100.0/24"), 0, a);
  std::ostringstream out;
  DumpOptions opt;
  opt.peer_ip_src = "192.0.2.1";
  EXPECT_EQ(write_table_dump(out, rib, opt), 1U);
  EXPECT_EQ(out.str(),
            R"({"seq":0,"peer_ip_src":"192.0.2.1","event_type":"dump","afi":1,"safi":1,)"
            R"("ip_prefix":"198.51.100.0/24","bgp_nexthop":"192.0.2.1","as_path":"65001 65002 {65003,65004}",)"
            R"("comms":"65001:100","ecomms":"RT:65001:100","lcomms":"65001:1:2","origin":"i","local_pref":100,)"
            R"("med":10})"
            "\n");
  EXPECT_EQ(ext_communities_string({0x0103c00002010007ULL, 0x0202fbf1a3a10009ULL, 0x8000000000000001ULL}),
            "SoO:192.0.2.1:7 RT:4226917281:9 0x8000000000000001");
}

}  // namespace
}  // namespace flowlab::bgp
