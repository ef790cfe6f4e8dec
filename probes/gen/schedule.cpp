#include "probes/gen/schedule.hpp"

#include <tuple>

namespace flowlab::gen {

std::int64_t due_ns(std::uint64_t index, std::uint64_t pps, std::chrono::nanoseconds delay) {
  if (pps == 0) {
    return delay.count();
  }
  // index <= kMaxPackets (1e9), so index * 1e9 <= 1e18 fits; split anyway so any index is safe.
  const std::uint64_t whole = index / pps;
  const std::uint64_t part = index % pps;
  const std::uint64_t ns = whole * 1'000'000'000ULL + part * 1'000'000'000ULL / pps;
  return delay.count() + static_cast<std::int64_t>(ns);
}

Schedule::Schedule(std::span<const StreamSpec> streams) {
  cursors_.reserve(streams.size());
  for (const auto& s : streams) {
    cursors_.push_back(Cursor{0, s.packets, s.pps, s.delay});
    remaining_ += s.packets;
  }
}

std::optional<ScheduledPacket> Schedule::next() {
  std::optional<ScheduledPacket> best;
  std::uint64_t best_sent = 0;
  for (std::size_t i = 0; i < cursors_.size(); ++i) {
    const Cursor& c = cursors_[i];
    if (c.next >= c.packets) {
      continue;
    }
    const std::int64_t due = due_ns(c.next, c.pps, c.delay);
    if (!best || std::tie(due, c.next) < std::tie(best->due_ns, best_sent)) {
      best = ScheduledPacket{i, c.next, due};
      best_sent = c.next;
    }
  }
  if (best) {
    ++cursors_[best->stream].next;
    --remaining_;
  }
  return best;
}

}  // namespace flowlab::gen
