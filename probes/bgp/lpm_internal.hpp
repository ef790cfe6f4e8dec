// flowlab::bgp LPM internals shared by Lpm4 (lpm.cpp) and Lpm6 (lpm6.cpp): the mmap'ed direct tables, 128-bit bit
// helpers and the entry encoding (owner prefix length << 25 | value + 1).
#pragma once

#include "probes/bgp/lpm.hpp"

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <new>

namespace flowlab::bgp::detail {

// A zeroed table of `bytes`, reserved but not committed (untouched pages cost nothing), huge pages advised.
inline void* map_table(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    throw std::bad_alloc();  // like any allocation failure
  }
  madvise(p, bytes, MADV_HUGEPAGE);
  return p;
}

inline unsigned clz128(Uint128 x) {
  const auto hi = static_cast<std::uint64_t>(x >> 64U);
  if (hi != 0) {
    return static_cast<unsigned>(__builtin_clzll(hi));
  }
  const auto lo = static_cast<std::uint64_t>(x);
  return lo == 0 ? 128U : 64U + static_cast<unsigned>(__builtin_clzll(lo));
}

inline unsigned bit128(Uint128 key, unsigned index) { return static_cast<unsigned>((key >> (127U - index)) & 1U); }

constexpr std::uint32_t kLenShift = 25U;
constexpr std::uint32_t kValMask = (1U << 25U) - 1U;
constexpr unsigned top_len(std::uint32_t e) { return (e >> kLenShift) & 0x3fU; }
constexpr std::uint32_t top_entry(std::uint32_t value_plus_one, unsigned len) {
  return (static_cast<std::uint32_t>(len) << kLenShift) | value_plus_one;
}

}  // namespace flowlab::bgp::detail
