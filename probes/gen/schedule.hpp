// flowlab::gen::Schedule — when each packet of each stream is due, on an absolute timeline.
//
// Packet k of a stream is due at delay + k * 1e9 / pps nanoseconds after the sender's start (pps 0: at delay),
// computed from k, never by adding periods, so rounding and late wake-ups never accumulate into drift: a sender
// that falls behind catches up by sending the overdue packets at once. Streams interleave in due order; ties go to
// the stream that has sent fewer packets, then to the earlier stream, so "as fast as possible" streams alternate.
#pragma once

#include "probes/gen/stream.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace flowlab::gen {

struct ScheduledPacket {
  std::size_t stream = 0;   // index into the streams given to the Schedule
  std::uint64_t index = 0;  // packet number within the stream, from 0
  std::int64_t due_ns = 0;  // offset from the start
};

// Offset of packet `index` of a stream with this rate and delay.
[[nodiscard]] std::int64_t due_ns(std::uint64_t index, std::uint64_t pps, std::chrono::nanoseconds delay);

class Schedule {
 public:
  explicit Schedule(std::span<const StreamSpec> streams);

  // The next packet in due order, or nullopt when every stream is done.
  std::optional<ScheduledPacket> next();
  [[nodiscard]] std::uint64_t remaining() const { return remaining_; }

 private:
  struct Cursor {
    std::uint64_t next = 0;
    std::uint64_t packets = 0;
    std::uint64_t pps = 0;
    std::chrono::nanoseconds delay{0};
  };
  std::vector<Cursor> cursors_;
  std::uint64_t remaining_ = 0;
};

}  // namespace flowlab::gen
