// sequence.hpp — export sequence accounting per (exporter, observation domain, protocol): how many units went
// missing, arrived twice or arrived late.
//
// The unit is what each protocol's header sequence number counts: NetFlow v5 flows (flow_sequence, advanced by
// the header count), NetFlow v9 export packets (package_sequence, +1), IPFIX data records (sequence number,
// advanced by the data records of the message, options data records included) and sFlow datagrams (+1).
// All arithmetic is modulo 2^32 (wrap-safe): a sequence ahead of the expected one by d < 2^31 counts d lost; one
// behind it is a duplicate when it was seen recently (a window of recent starts), else it is out of order and
// gives back the units it had been counted lost for. A jump forward by more than kResetThreshold, or back by more
// than kReorderWindow, is an exporter restart: counted as a reset, and the stream resynchronizes without loss.
// Where the header carries the exporter's uptime (v5/v9 sysUptime, sFlow uptime), uptime going back is a restart
// too: a probe restarted under a running collector starts its sequence again near 0, which the sequence alone would
// take for duplicates and late arrivals. Back by more than min(kUptimeSlackMs, half the last uptime) counts, so
// reordered datagrams (a few ms apart) never do.
#pragma once

#include "common/ip.hpp"
#include "probes/wire/decoder.hpp"
#include "probes/wire/flow_record.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace flowlab::collector {

struct SequenceKey {
  IpAddress exporter;  // sFlow: the agent address
  std::uint32_t domain = 0;
  wire::ExportProtocol protocol = wire::ExportProtocol::kUnknown;
  bool operator==(const SequenceKey&) const = default;
};

struct SequenceCounters {
  std::uint64_t datagrams = 0;
  std::uint64_t expected_units = 0;  // units the sequence numbers accounted for (received + lost)
  std::uint64_t lost = 0;            // units never seen (late arrivals subtracted again)
  std::uint64_t duplicate = 0;       // datagrams seen twice
  std::uint64_t out_of_order = 0;    // datagrams that arrived after a later one
  std::uint64_t resets = 0;          // exporter restarts (sequence jump, or uptime back)
  SequenceCounters& operator+=(const SequenceCounters& o);  // summed (streams of several workers)
};

struct SequenceStream {
  SequenceKey key;
  SequenceCounters counters;
  std::uint32_t next = 0;  // expected next sequence
};

class SequenceTracker {
 public:
  static constexpr std::uint32_t kResetThreshold = 1U << 24;  // forward
  static constexpr std::uint32_t kReorderWindow = 1U << 16;   // backward
  static constexpr std::size_t kWindow = 64;  // recent datagram starts remembered for duplicate detection
  static constexpr std::size_t kMaxStreams = 65536;
  static constexpr std::uint32_t kUptimeSlackMs = 1000;

  // One datagram of `key` with sequence `seq` covering `units` units (v5: flows; v9/sFlow: 1; IPFIX: records).
  // `resync`: the unit count is unknown (IPFIX sets skipped for a missing template): the next datagram sets the
  // expectation instead of being compared with it. `uptime_ms`: the exporter's uptime from the header, if any.
  void observe(const SequenceKey& key, std::uint32_t seq, std::uint32_t units, bool resync = false,
               std::optional<std::uint32_t> uptime_ms = std::nullopt);
  // From the decoder's view of one datagram (picks the key, the sequence and the unit count by protocol).
  void observe(const wire::DatagramInfo& info);

  [[nodiscard]] std::vector<SequenceStream> streams() const;  // ordered by exporter, domain, protocol
  [[nodiscard]] SequenceCounters totals() const;
  [[nodiscard]] std::uint64_t streams_dropped() const { return streams_dropped_; }  // beyond kMaxStreams
  void clear();

 private:
  struct KeyHash {
    std::size_t operator()(const SequenceKey& k) const noexcept {
      return std::hash<IpAddress>{}(k.exporter) ^ (std::size_t{k.domain} * 0x9e3779b97f4a7c15ULL) ^
             static_cast<std::size_t>(k.protocol);
    }
  };
  struct State {
    SequenceCounters counters;
    std::uint32_t next = 0;
    bool started = false;
    bool resync = false;
    std::optional<std::uint32_t> uptime;  // the latest uptime seen (never moved back by reordered datagrams)
    std::array<std::uint32_t, kWindow> recent{};
    std::size_t recent_count = 0;
    std::size_t recent_pos = 0;
    [[nodiscard]] bool seen(std::uint32_t seq) const;
    void remember(std::uint32_t seq);
  };
  std::unordered_map<SequenceKey, State, KeyHash> streams_;
  std::uint64_t streams_dropped_ = 0;
};

}  // namespace flowlab::collector
