// flowlab::meter::Sampler — 1:N packet sampling before metering.
//
// kCount takes exactly one packet in every N, deterministically (the 1st, N+1th, 2N+1th, ...). kRandom takes each
// packet independently with probability 1/N (xoshiro256** seeded by the caller, so runs are reproducible).
// With N = 1 every packet is taken. Records carry N as their sampling interval; collectors multiply by it.
#pragma once

#include <array>
#include <cstdint>

namespace flowlab::meter {

enum class SamplingMode : std::uint8_t { kCount, kRandom };

class Sampler {
 public:
  Sampler(std::uint32_t interval, SamplingMode mode, std::uint64_t seed = 1);

  // True when this packet is sampled.
  bool take() {
    ++seen_;
    if (interval_ <= 1) {
      ++taken_;
      return true;
    }
    bool hit = false;
    if (mode_ == SamplingMode::kCount) {
      hit = countdown_ == 0;
      countdown_ = hit ? interval_ - 1 : countdown_ - 1;
    } else {
      // Lemire's multiply-shift maps 32 random bits onto [0, N) without division.
      const auto r = static_cast<std::uint32_t>(next() >> 32U);
      hit = ((static_cast<std::uint64_t>(r) * interval_) >> 32U) == 0;
    }
    taken_ += hit ? 1U : 0U;
    return hit;
  }

  [[nodiscard]] std::uint32_t interval() const { return interval_; }
  [[nodiscard]] SamplingMode mode() const { return mode_; }
  [[nodiscard]] std::uint64_t seen() const { return seen_; }
  [[nodiscard]] std::uint64_t taken() const { return taken_; }

 private:
  std::uint64_t next();

  std::uint32_t interval_;
  SamplingMode mode_;
  std::uint32_t countdown_ = 0;
  std::array<std::uint64_t, 4> state_{};
  std::uint64_t seen_ = 0;
  std::uint64_t taken_ = 0;
};

}  // namespace flowlab::meter
