// flowlab::probe::Fib — output interface, IP next hop and prefix length of an address, from the kernel FIB of
// the network namespace flowprobe runs in. One netlink route socket (libnl); each lookup is an RTM_GETROUTE
// request for the address with RTM_F_FIB_MATCH, so the kernel answers with the matching FIB entry (its prefix
// length is the mask) rather than a cloned host route. Answers (found or not) are cached per address for a TTL,
// so a flow export costs a hash lookup, and route changes are picked up after the TTL.
#pragma once

#include "common/ip.hpp"
#include "common/result.hpp"
#include "probes/wire/flow_record.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>

struct nl_sock;

namespace flowlab::probe {

struct RouteAnswer {
  bool found = false;
  std::uint32_t out_ifindex = 0;
  IpAddress next_hop;  // unset for directly connected destinations
  std::uint8_t prefix_len = 0;
};

struct FibCounters {
  std::uint64_t lookups = 0;  // netlink requests
  std::uint64_t cache_hits = 0;
  std::uint64_t no_route = 0;  // the kernel said unreachable / no match
  std::uint64_t errors = 0;    // netlink failures
};

class Fib {
 public:
  static Result<std::unique_ptr<Fib>> open(std::uint64_t cache_ttl_ms);
  ~Fib();
  Fib(const Fib&) = delete;
  Fib& operator=(const Fib&) = delete;

  // Reports interface `name` (by its kernel ifindex) as the given ifindex in every answer (flowprobe --ifindex).
  // Fails when a named interface does not exist in this namespace.
  Status set_ifindex_overrides(const std::map<std::string, std::uint32_t>& overrides);

  // Uncached netlink lookup.
  Result<RouteAnswer> lookup(const IpAddress& address);
  // Cached lookup; now_ms drives the TTL.
  const RouteAnswer& route(const IpAddress& address, std::uint64_t now_ms);
  // Fills output_ifindex, next_hop, dst_mask (route to dst) and src_mask (route to src) of each record.
  void enrich(std::span<wire::FlowRecord> records, std::uint64_t now_ms);

  [[nodiscard]] const FibCounters& counters() const { return counters_; }

 private:
  struct Cached {
    RouteAnswer answer;
    std::uint64_t expires_ms = 0;
  };
  explicit Fib(std::uint64_t cache_ttl_ms) : ttl_ms_(cache_ttl_ms) {}

  nl_sock* sock_ = nullptr;
  std::uint64_t ttl_ms_;
  std::unordered_map<IpAddress, Cached> cache_;
  std::unordered_map<std::uint32_t, std::uint32_t> ifindex_overrides_;  // kernel ifindex -> reported ifindex
  FibCounters counters_;
};

}  // namespace flowlab::probe
