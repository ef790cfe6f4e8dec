// sampling.hpp — flowcollector's sampling rules: the one place that decides which 1:N each record is renormalized
// by (docs/flowcollector.md "Sampling"). The decoder (probes/wire) reports what the exporter said and where it said
// it (FlowRecord::sampling_source: the v5 header / sFlow sample, the data record, options data by sampler id or
// for the whole domain); this table adds what the collector is configured with, first rule that applies:
//
//   1. override  sampling.overrides: the configured rate, whatever the exporter announced (nfcapd `-s -N`)
//   2. record    the exporter's rate in the record itself (34/50, 305+306; v5 header; sFlow sampling_rate)
//   3. options   the exporter's options data, by the record's sampler id (48/302), else for its domain
//   4. default   sampling.defaults: the configured rate for an exporter that announced none (nfcapd `-s N`,
//                pmacct sampling_map)
//   5. none      rate 1, counted in records_no_sampling_rate
//
// A rule names an exporter address and/or an interface (ifindex: the input interface, or the output interface of
// a record metered on egress); the most specific rule wins (exporter + interface, exporter, interface, any).
#pragma once

#include "common/ip.hpp"
#include "probes/wire/flow_record.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace flowlab::collector {

struct SamplingRule {
  std::optional<IpAddress> exporter;       // unset: any exporter
  std::optional<std::uint32_t> interface;  // unset: any interface
  std::uint32_t rate = 1;                  // 1:N
  bool operator==(const SamplingRule&) const = default;
};

struct SamplingConfig {
  std::vector<SamplingRule> defaults;   // for records whose exporter announced no rate
  std::vector<SamplingRule> overrides;  // forced, whatever the exporter announced
  bool operator==(const SamplingConfig&) const = default;
};

inline constexpr std::size_t kSamplingSourceCount = 6;

class SamplingTable {
 public:
  explicit SamplingTable(SamplingConfig config = {}) : config_(std::move(config)) {}

  // Sets record.sampling_interval and record.sampling_source by the precedence above and counts the source.
  void apply(wire::FlowRecord& record);

  // Records per source so far (index: wire::SamplingSource).
  [[nodiscard]] std::uint64_t count(wire::SamplingSource source) const {
    return counts_[static_cast<std::size_t>(source)];
  }
  // Records that no rate was known for (renormalized by 1).
  [[nodiscard]] std::uint64_t no_rate() const { return count(wire::SamplingSource::kNone); }
  [[nodiscard]] const SamplingConfig& config() const { return config_; }
  // New rules (a reload); the counts go on.
  void reconfigure(SamplingConfig config) { config_ = std::move(config); }

 private:
  SamplingConfig config_;
  std::array<std::uint64_t, kSamplingSourceCount> counts_{};
};

// The most specific rule for the record's exporter and interface, or nullptr.
[[nodiscard]] const SamplingRule* match_sampling_rule(const std::vector<SamplingRule>& rules,
                                                      const wire::FlowRecord& record);

}  // namespace flowlab::collector
