// The sampling error bound — the one formula the scenario verdict (labctl/verify/rules.hpp), the probe and meter
// tests and docs/flowcollector.md use. Random 1-in-N sampling takes each unit i (a packet of size s_i) with
// p = 1/N; the renormalized total N·Σ(taken s_i) is unbiased with variance N²·p(1−p)·Σ s_i² = (N−1)·Σ s_i².
// Packets are the case s_i = 1 (Σ s_i² = the packet count; the count is Binomial(n, 1/N)), bytes take the squares
// of the packet sizes. The bound is z standard errors: at z = kSamplingZ (99.9 %, two-sided) a run misses it once in
// a thousand, so 19 or more of 20 runs hold it with probability 0.9998. Count-based (deterministic) 1-in-N sampling
// errs less than random sampling on traffic that is not periodic in N, so the same bound holds it too.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace flowlab {

inline constexpr double kSamplingZ = 3.29;

[[nodiscard]] inline double sampling_bound(std::uint32_t rate, double sum_of_squares, double z = kSamplingZ) {
  const double n = static_cast<double>(std::max<std::uint32_t>(rate, 1));
  return z * std::sqrt((n - 1.0) * sum_of_squares);
}

}  // namespace flowlab
