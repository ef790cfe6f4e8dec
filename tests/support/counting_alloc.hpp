// The tests' one allocation counter: a replacement global operator new that counts every call, for tests that pin
// "no allocation on the hot path" (allocations() before and after a warmed-up loop).
//
// The replacement operators are definitions, not inline (the standard forbids inline replacements): include this
// header from exactly ONE translation unit of a test binary.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace flowlab::test_support {

inline std::atomic<std::uint64_t> g_allocations{0};

// operator new calls so far in this process (every thread).
inline std::uint64_t allocations() { return g_allocations.load(std::memory_order_relaxed); }

}  // namespace flowlab::test_support

void* operator new(std::size_t n) {
  flowlab::test_support::g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) {
    return p;
  }
  throw std::bad_alloc();
}
// GCC 12 with -fsanitize=address takes the free() in these replacements for a free() of memory from operator new
// (-Wmismatched-new-delete); they are the matching pair of the operator new above, which allocates with malloc.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
