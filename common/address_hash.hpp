// flowlab::address_hash — the stable hash that spreads exporters over a tee's receivers (pmacct's hash-agent
// idea): 32-bit FNV-1a over the address bytes (family-sized), then modulo the receiver count. Stable across runs,
// builds and hosts. One definition, used by the tee (probes/collector/tee) and by the topology, which predicts the
// tee's choice (model/feeds).
#pragma once

#include "common/ip.hpp"

#include <cstddef>
#include <cstdint>

namespace flowlab {

inline std::uint32_t address_hash(const IpAddress& address) {
  constexpr std::uint32_t kOffset = 2166136261U;
  constexpr std::uint32_t kPrime = 16777619U;
  std::uint32_t h = kOffset;
  for (std::size_t i = 0; i < address.size(); ++i) {
    h ^= address.bytes[i];
    h *= kPrime;
  }
  return h;
}

// The receiver index for `address` among `receivers`; an unset address (or no receivers) gives 0.
inline std::size_t address_hash_pick(const IpAddress& address, std::size_t receivers) {
  if (receivers == 0 || !address.is_set()) {
    return 0;
  }
  return address_hash(address) % receivers;
}

}  // namespace flowlab
