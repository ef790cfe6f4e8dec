// Offline RIB ingest: the same route and attribute mix as bench_bgp_ingest (1,000,000 IPv4 + 200,000 IPv6 by
// default, AS paths from a pool of 60,000, communities on a third), fed straight into AttrStore + Rib without a
// session, to see where the RIB's time and bytes go (no BIRD, no sockets, no parsing). Prints insert rate, RSS
// growth and each structure's share. Not a comparison with nfacctd; bench_bgp_ingest is.
#include "probes/bgp/rib.hpp"

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

using namespace flowlab;
using namespace flowlab::bgp;

namespace {

long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return 0;
}

unsigned v4_length(std::mt19937_64& rng) {
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
  if (r < 968) return 8 + static_cast<unsigned>(rng() % 8);
  return 16 + static_cast<unsigned>(rng() % 8);
}
unsigned v6_length(std::mt19937_64& rng) {
  const unsigned r = static_cast<unsigned>(rng() % 1000);
  if (r < 500) return 48;
  if (r < 650) return 32;
  if (r < 750) return 44;
  if (r < 830) return 40;
  if (r < 900) return 36;
  if (r < 950) return 29 + static_cast<unsigned>(rng() % 3);
  return 33 + static_cast<unsigned>(rng() % 15);
}

struct Route {
  Prefix prefix;
  std::uint32_t path = 0;
  int community = -1;
};

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n4 = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const std::size_t n6 = argc > 2 ? std::stoul(argv[2]) : 200000;
  // Same generator as bench_bgp_ingest's write_bird_config (same seed and draw order).
  std::mt19937_64 rng(1200000);
  std::vector<AsPath> paths;
  for (int i = 0; i < 60000; ++i) {
    const unsigned len = 1 + static_cast<unsigned>(rng() % 5);
    std::vector<std::uint32_t> asns;
    for (unsigned j = 0; j < len; ++j) {
      const std::uint64_t asn = j + 1 == len && rng() % 4 == 0 ? 4200000000ULL + rng() % 100000 : 1 + rng() % 64000;
      asns.insert(asns.begin(), static_cast<std::uint32_t>(asn));  // bgp_path.prepend
    }
    paths.push_back(AsPath{{AsPathSegment{SegmentType::kSequence, asns}}});
  }
  std::vector<Route> routes;
  routes.reserve(n4 + n6);
  auto pick = [&](Route& r) {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    r.path = static_cast<std::uint32_t>(u * u * u * static_cast<double>(paths.size()));
    if (rng() % 3 == 0) r.community = static_cast<int>(rng() % 500);
  };
  std::unordered_set<std::uint64_t> seen;
  while (routes.size() < n4) {
    const unsigned len = v4_length(rng);
    std::uint32_t a = static_cast<std::uint32_t>(rng());
    if ((a >> 24U) == 0 || (a >> 24U) >= 224 || (a >> 24U) == 127) continue;
    a &= len == 0 ? 0 : ~(0xffffffffU >> len);
    if (!seen.insert((std::uint64_t{a} << 8U) | len).second) continue;
    Route r{Prefix{IpAddress::v4(a), static_cast<std::uint8_t>(len)}};
    pick(r);
    routes.push_back(r);
  }
  seen.clear();
  while (routes.size() < n4 + n6) {
    const unsigned len = v6_length(rng);
    std::array<std::uint8_t, 16> b{};
    const std::uint64_t hi = (rng() >> 3U) | (std::uint64_t{1} << 61U);
    for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
    Prefix p = Prefix{IpAddress::v6(b), static_cast<std::uint8_t>(len)}.canonical();
    std::uint64_t key = 0;
    for (int i = 0; i < 8; ++i) key = (key << 8U) | p.address.bytes[static_cast<std::size_t>(i)];
    if (!seen.insert(key ^ (std::uint64_t{len} << 1U)).second) continue;
    Route r{p};
    pick(r);
    routes.push_back(r);
  }
  seen = {};
  // The attribute sets as BIRD sends them over iBGP (static routes: ORIGIN incomplete, LOCAL_PREF 100, next hop self).
  auto make_attrs = [&](const Route& r) {
    PathAttributes a;
    a.origin = Origin::kIncomplete;
    a.as_path = paths[r.path];
    a.local_pref = 100;
    if (r.prefix.address.is_v4()) {
      a.next_hop = IpAddress::v4(0xc0000202U);
    } else {
      MpReach mp;
      mp.af = kIpv6Unicast;
      mp.next_hop = *IpAddress::parse("2001:db8::2");
      a.mp_reach = mp;
    }
    if (r.community >= 0) a.communities.push_back((65001U << 16U) | static_cast<std::uint32_t>(r.community));
    return std::make_shared<const PathAttributes>(a);
  };
  malloc_trim(0);
  const long rss0 = rss_kb();
  auto store = std::make_shared<AttrStore>();
  Rib rib(store);
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& r : routes) rib.apply(r.prefix, 0, make_attrs(r));
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long rss1 = rss_kb();
  std::printf(
      "offline RIB ingest: %zu IPv4 + %zu IPv6 routes in %.2f s (%.2f M routes/s, one attrs object per route)\n", n4,
      n6, s, static_cast<double>(routes.size()) / s / 1e6);
  std::printf("  RSS growth %.1f MiB (%.1f -> %.1f MiB); %zu attribute sets, %zu AS paths, %zu routes\n",
              static_cast<double>(rss1 - rss0) / 1024.0, static_cast<double>(rss0) / 1024.0,
              static_cast<double>(rss1) / 1024.0, store->size(), store->path_count(), rib.size());
  std::printf("  Rib::memory_bytes %.1f MiB, AttrStore::memory_bytes %.1f MiB\n",
              static_cast<double>(rib.memory_bytes()) / 1048576.0,
              static_cast<double>(store->memory_bytes()) / 1048576.0);
  const auto t1 = std::chrono::steady_clock::now();
  rib.clear();
  const double sc = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::printf("  clear %.2f s; sets left %zu\n", sc, store->size());
  return store->size() == 0 ? 0 : 1;
}
