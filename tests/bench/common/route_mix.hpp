// Benchmark route tables. Prefix-length draws shaped like a 2024 full table (mix_v4_length, mix_v6_length), and
// the ingest benches' table (RouteMix), drawn once here so that bench_rib_offline replays exactly what
// bench_bgp_ingest's BIRD announces (same seed, same draw order): a pool of 60,000 AS paths (1–5 ASNs, a quarter ending
// in a 4-byte ASN), then n4 IPv4 + n6 IPv6 unique prefixes with full-table length shares, each with a skewed path
// choice (a few paths carry many routes, as in real tables) and a community (65001, 0..499) on a third.
#pragma once

#include "common/ip.hpp"
#include "probes/bgp/message.hpp"

#include <array>
#include <cstdint>
#include <random>
#include <unordered_set>
#include <vector>

namespace flowlab::bench {

// kFullTable: what BGP carries (0.3 % /8../15, 3.2 % more /16../23); kLongerThan24: 3 % /8../15 and 0.5 % /25../32,
// so an LPM's second level and short-prefix side table are exercised (bench_lpm).
enum class V4Tail { kFullTable, kLongerThan24 };

inline unsigned mix_v4_length(std::mt19937_64& rng, V4Tail tail = V4Tail::kFullTable) {
  const unsigned r = static_cast<unsigned>(rng() % 1000);
  if (r < 600) return 24;
  if (r < 680) return 23;
  if (r < 770) return 22;
  if (r < 820) return 21;
  if (r < 860) return 20;
  if (r < 890) return 19;
  if (r < 915) return 18;
  if (r < 935) return 17;
  if (r < 965) return 16;
  if (tail == V4Tail::kLongerThan24) {
    if (r < 995) return 8 + static_cast<unsigned>(rng() % 8);
    return 25 + static_cast<unsigned>(rng() % 8);
  }
  if (r < 968) return 8 + static_cast<unsigned>(rng() % 8);
  return 16 + static_cast<unsigned>(rng() % 8);
}

inline unsigned mix_v6_length(std::mt19937_64& rng) {
  const unsigned r = static_cast<unsigned>(rng() % 1000);
  if (r < 500) return 48;
  if (r < 650) return 32;
  if (r < 750) return 44;
  if (r < 830) return 40;
  if (r < 900) return 36;
  if (r < 950) return 29 + static_cast<unsigned>(rng() % 3);
  return 33 + static_cast<unsigned>(rng() % 15);
}

struct MixRoute {
  Prefix prefix;
  std::uint32_t path = 0;  // index into RouteMix::paths
  int community = -1;      // (65001, community) when >= 0
};

class RouteMix {
 public:
  static constexpr std::size_t kPaths = 60000;

  RouteMix() : rng_(1200000) {
    paths_.reserve(kPaths);
    for (std::size_t i = 0; i < kPaths; ++i) {
      const unsigned len = 1 + static_cast<unsigned>(rng_() % 5);
      std::vector<std::uint32_t> asns;
      for (unsigned j = 0; j < len; ++j) {
        const std::uint64_t asn =
            j + 1 == len && rng_() % 4 == 0 ? 4200000000ULL + rng_() % 100000 : 1 + rng_() % 64000;
        asns.insert(asns.begin(), static_cast<std::uint32_t>(asn));  // drawn in BIRD's bgp_path.prepend order
      }
      paths_.push_back(bgp::AsPath{{bgp::AsPathSegment{bgp::SegmentType::kSequence, asns}}});
    }
  }

  [[nodiscard]] const std::vector<bgp::AsPath>& paths() const { return paths_; }

  // Calls f(const MixRoute&) for n4 IPv4 routes, then n6 IPv6 routes (2000::/3). Call once per RouteMix.
  template <class F>
  void for_each_route(std::size_t n4, std::size_t n6, F&& f) {
    std::unordered_set<std::uint64_t> seen;
    for (std::size_t written = 0; written < n4;) {
      const unsigned len = mix_v4_length(rng_);
      std::uint32_t a = static_cast<std::uint32_t>(rng_());
      if ((a >> 24U) == 0 || (a >> 24U) >= 224 || (a >> 24U) == 127) continue;
      a &= len == 0 ? 0 : ~(0xffffffffU >> len);
      if (!seen.insert((std::uint64_t{a} << 8U) | len).second) continue;
      f(pick(Prefix{IpAddress::v4(a), static_cast<std::uint8_t>(len)}));
      ++written;
    }
    seen.clear();
    for (std::size_t written = 0; written < n6;) {
      const unsigned len = mix_v6_length(rng_);
      std::array<std::uint8_t, 16> b{};
      const std::uint64_t hi = (rng_() >> 3U) | (std::uint64_t{1} << 61U);
      for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
      const Prefix p = Prefix{IpAddress::v6(b), static_cast<std::uint8_t>(len)}.canonical();
      std::uint64_t key = 0;
      for (int i = 0; i < 8; ++i) key = (key << 8U) | p.address.bytes[static_cast<std::size_t>(i)];
      if (!seen.insert(key ^ (std::uint64_t{len} << 1U)).second) continue;
      f(pick(p));
      ++written;
    }
  }

 private:
  MixRoute pick(const Prefix& prefix) {
    MixRoute r{prefix};
    const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    r.path = static_cast<std::uint32_t>(u * u * u * static_cast<double>(paths_.size()));
    if (rng_() % 3 == 0) r.community = static_cast<int>(rng_() % 500);
    return r;
  }

  std::mt19937_64 rng_;
  std::vector<bgp::AsPath> paths_;
};

}  // namespace flowlab::bench
