#include "probes/meter/sampler.hpp"

namespace flowlab::meter {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  x += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = x;
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

std::uint64_t rotl(std::uint64_t x, unsigned k) { return (x << k) | (x >> (64U - k)); }

}  // namespace

Sampler::Sampler(std::uint32_t interval, SamplingMode mode, std::uint64_t seed)
    : interval_(interval == 0 ? 1 : interval), mode_(mode) {
  for (auto& s : state_) {
    s = splitmix64(seed);
  }
}

std::uint64_t Sampler::next() {
  const std::uint64_t result = rotl(state_[1] * 5U, 7) * 9U;
  const std::uint64_t t = state_[1] << 17U;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

}  // namespace flowlab::meter
