// flowlab::verify — counter shortfalls a probe's held-back packets explain.
//
// Some probe kinds leave packets they captured out of their export at flush time, and can say how many (softflowd:
// the packets libpcap received for it that it has not read, the last TPACKET_V3 block of a burst; docs/nodes.md).
// The streams crossing that probe then come up short, and the shortfall is no fault of the pipeline downstream.
// It is flagged, with the probe's words, only when the numbers bear it out: every short stream at the probe is short
// in whole packets of its own size, and all of them together are short by no more packets than the probe held back.
// Anything else (a shortfall larger than that, bytes that are not whole packets) stays a FAIL.
#pragma once

#include "labctl/verify/verify.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace flowlab::verify {

// One stream's shortfall at one point metered by the probe: the point's index in the step's points, and what the
// collector's record lacks (the whole stream when there is no record).
struct Shortfall {
  std::size_t point = 0;
  std::uint64_t packets = 0;      // expected packets - collected (> 0)
  std::uint64_t bytes = 0;        // expected bytes - collected
  std::uint32_t packet_size = 0;  // the stream's packets' size (every packet of a stream has it)
  bool no_record = false;         // the point failed for want of any record
};

// What the probe held back at its last flush: how many captured packets, and why in the probe kind's words.
struct HeldBackPackets {
  std::uint64_t packets = 0;
  std::string probe;  // "softflowd0 on p1"
  std::string why;
};

// Flags the points' shortfalls when `held` explains them all (see above), re-settling each point's outcome;
// otherwise adds to each point's note why the held-back packets do not explain it. True when they were flagged.
bool settle_held_back(std::vector<PointResult>& points, const std::vector<Shortfall>& shortfalls,
                      const HeldBackPackets& held);

}  // namespace flowlab::verify
