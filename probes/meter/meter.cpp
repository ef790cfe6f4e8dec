#include "probes/meter/meter.hpp"

namespace flowlab::meter {

CacheOptions Meter::with_sampling(CacheOptions cache, std::uint32_t interval) {
  cache.sampling_interval = interval == 0 ? 1 : interval;
  return cache;
}

Meter::Meter(const MeterOptions& options)
    : options_(options),
      cache_(with_sampling(options.cache, options.sampling_interval)),
      sampler_(options.sampling_interval, options.sampling_mode, options.sampling_seed) {
  options_.cache = cache_.options();
  options_.sampling_interval = cache_.options().sampling_interval;
  expired_.reserve(1024);
}

}  // namespace flowlab::meter
