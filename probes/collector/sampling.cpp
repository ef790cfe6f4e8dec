#include "probes/collector/sampling.hpp"

namespace flowlab::collector {
namespace {

// The interface the record was sampled on: its output interface when metered on egress, else its input.
std::uint32_t sampled_interface(const wire::FlowRecord& record) {
  return record.direction == wire::FlowDirection::kEgress ? record.output_ifindex : record.input_ifindex;
}

// 0 when the rule does not match; else 1 + 2 * (names the exporter) + (names the interface).
int specificity(const SamplingRule& rule, const wire::FlowRecord& record) {
  if (rule.exporter && *rule.exporter != record.exporter) {
    return 0;
  }
  if (rule.interface && *rule.interface != sampled_interface(record)) {
    return 0;
  }
  return 1 + (rule.exporter ? 2 : 0) + (rule.interface ? 1 : 0);
}

}  // namespace

const SamplingRule* match_sampling_rule(const std::vector<SamplingRule>& rules, const wire::FlowRecord& record) {
  const SamplingRule* best = nullptr;
  int best_score = 0;
  for (const auto& rule : rules) {
    const int score = specificity(rule, record);
    if (score > best_score) {
      best = &rule;
      best_score = score;
    }
  }
  return best;
}

void SamplingTable::apply(wire::FlowRecord& record) {
  using wire::SamplingSource;
  if (const SamplingRule* forced = match_sampling_rule(config_.overrides, record)) {
    record.sampling_interval = forced->rate;
    record.sampling_source = SamplingSource::kOverride;
  } else if (record.sampling_source == SamplingSource::kNone) {
    if (const SamplingRule* fallback = match_sampling_rule(config_.defaults, record)) {
      record.sampling_interval = fallback->rate;
      record.sampling_source = SamplingSource::kDefault;
    } else {
      record.sampling_interval = 1;
    }
  }
  ++counts_[static_cast<std::size_t>(record.sampling_source)];
}

}  // namespace flowlab::collector
