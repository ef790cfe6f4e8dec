// Offline RIB ingest: the same route and attribute mix as bench_bgp_ingest (1,000,000 IPv4 + 200,000 IPv6 by
// default, AS paths from a pool of 60,000, communities on a third), fed straight into AttrStore + Rib without a
// session, to see where the RIB's time and bytes go (no BIRD, no sockets, no parsing). Prints insert rate, RSS
// growth and each structure's share. Not a comparison with nfacctd; bench_bgp_ingest is.
#include "probes/bgp/rib.hpp"
#include "tests/bench/common/route_mix.hpp"

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

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n4 = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const std::size_t n6 = argc > 2 ? std::stoul(argv[2]) : 200000;
  bench::RouteMix mix;  // what bench_bgp_ingest's BIRD announces
  const auto& paths = mix.paths();
  std::vector<bench::MixRoute> routes;
  routes.reserve(n4 + n6);
  mix.for_each_route(n4, n6, [&](const bench::MixRoute& r) { routes.push_back(r); });
  // The attribute sets as BIRD sends them over iBGP (static routes: ORIGIN incomplete, LOCAL_PREF 100, next hop self).
  auto make_attrs = [&](const bench::MixRoute& r) {
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
