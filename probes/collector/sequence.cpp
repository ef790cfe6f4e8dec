#include "probes/collector/sequence.hpp"

#include <algorithm>

namespace flowlab::collector {

SequenceCounters& SequenceCounters::operator+=(const SequenceCounters& o) {
  datagrams += o.datagrams;
  expected_units += o.expected_units;
  lost += o.lost;
  duplicate += o.duplicate;
  out_of_order += o.out_of_order;
  resets += o.resets;
  return *this;
}

bool SequenceTracker::State::seen(std::uint32_t seq) const {
  return std::find(recent.begin(), recent.begin() + static_cast<std::ptrdiff_t>(recent_count), seq) !=
         recent.begin() + static_cast<std::ptrdiff_t>(recent_count);
}

void SequenceTracker::State::remember(std::uint32_t seq) {
  recent[recent_pos] = seq;
  recent_pos = (recent_pos + 1) % kWindow;
  recent_count = std::min(recent_count + 1, kWindow);
}

void SequenceTracker::observe(const SequenceKey& key, std::uint32_t seq, std::uint32_t units, bool resync,
                              std::optional<std::uint32_t> uptime_ms) {
  auto it = streams_.find(key);
  if (it == streams_.end()) {
    if (streams_.size() >= kMaxStreams) {
      ++streams_dropped_;
      return;
    }
    it = streams_.emplace(key, State{}).first;
  }
  State& s = it->second;
  ++s.counters.datagrams;
  bool restarted = false;  // the exporter's uptime went back
  if (uptime_ms) {
    if (s.uptime) {
      const auto ahead = static_cast<std::int32_t>(*uptime_ms - *s.uptime);  // modulo 2^32 (uptime wraps too)
      const std::uint32_t slack = std::min(kUptimeSlackMs, *s.uptime / 2);
      restarted = s.started && ahead < 0 && static_cast<std::uint32_t>(-static_cast<std::int64_t>(ahead)) > slack;
      if (ahead >= 0 || restarted) {
        s.uptime = uptime_ms;
      }
    } else {
      s.uptime = uptime_ms;
    }
  }
  if (!s.started || (s.resync && !restarted)) {
    s.started = true;
    s.resync = resync;
    s.next = seq + units;
    s.counters.expected_units += units;
    s.remember(seq);
    return;
  }
  const auto diff = static_cast<std::int32_t>(seq - s.next);  // modulo 2^32, signed
  const std::uint32_t magnitude =
      diff < 0 ? static_cast<std::uint32_t>(-(static_cast<std::int64_t>(diff))) : static_cast<std::uint32_t>(diff);
  if (restarted || (diff >= 0 && magnitude > kResetThreshold) || (diff < 0 && magnitude > kReorderWindow)) {
    ++s.counters.resets;
    s.recent_count = 0;
    s.recent_pos = 0;
    s.next = seq + units;
    s.counters.expected_units += units;
    s.resync = resync;
    s.remember(seq);
    return;
  }
  if (diff >= 0) {
    s.counters.lost += magnitude;
    s.counters.expected_units += magnitude + units;
    s.next = seq + units;
    s.resync = resync;
    s.remember(seq);
    return;
  }
  // Behind the expectation: seen already, or a late one filling a gap counted lost.
  if (s.seen(seq)) {
    ++s.counters.duplicate;
    return;
  }
  ++s.counters.out_of_order;
  s.counters.lost -= std::min<std::uint64_t>(s.counters.lost, units);
  s.remember(seq);
}

void SequenceTracker::observe(const wire::DatagramInfo& info) {
  SequenceKey key{info.exporter, info.observation_domain, info.protocol};
  std::uint32_t units = 1;
  bool resync = false;
  std::optional<std::uint32_t> uptime;
  switch (info.protocol) {
    case wire::ExportProtocol::kNetflowV5:
      units = info.header_count;
      uptime = info.uptime_ms;
      break;
    case wire::ExportProtocol::kNetflowV9:
      units = 1;
      uptime = info.uptime_ms;
      break;
    case wire::ExportProtocol::kIpfix:
      units = info.record_count + info.options_record_count;
      resync = info.skipped_sets > 0;
      break;
    case wire::ExportProtocol::kSflowV5:
      if (info.agent.is_set()) {
        key.exporter = info.agent;
      }
      units = 1;
      uptime = info.uptime_ms;
      break;
    case wire::ExportProtocol::kUnknown:
      return;
  }
  observe(key, info.sequence, units, resync, uptime);
}

std::vector<SequenceStream> SequenceTracker::streams() const {
  std::vector<SequenceStream> out;
  out.reserve(streams_.size());
  for (const auto& [key, state] : streams_) {
    out.push_back(SequenceStream{key, state.counters, state.next});
  }
  std::sort(out.begin(), out.end(), [](const SequenceStream& a, const SequenceStream& b) {
    if (a.key.exporter != b.key.exporter) {
      return a.key.exporter < b.key.exporter;
    }
    if (a.key.domain != b.key.domain) {
      return a.key.domain < b.key.domain;
    }
    return a.key.protocol < b.key.protocol;
  });
  return out;
}

SequenceCounters SequenceTracker::totals() const {
  SequenceCounters t;
  for (const auto& [key, state] : streams_) {
    t += state.counters;
  }
  return t;
}

void SequenceTracker::clear() {
  streams_.clear();
  streams_dropped_ = 0;
}

}  // namespace flowlab::collector
