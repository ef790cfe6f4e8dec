// flowlab::gen::Sink — counts the packets of each stream that arrive at this node, exactly.
//
// One AF_PACKET socket (SOCK_DGRAM, so every packet starts at its IP header) sees every interface of the
// namespace; packets this node sends (PACKET_OUTGOING) and packets on `lo` and `mgmt0` (or on any interface not in
// the list given) are ignored. A classic BPF program compiled by libpcap from the streams ("(ip and ip proto 17 and
// dst host 198.51.100.10) or ...") is attached before the socket is bound to any protocol, so from the moment
// open() returns nothing is missed and nothing unrelated queues up: the sink is ready. Each packet is decoded
// (packet.hpp) and counted against the stream whose 5-tuple it carries (ICMP: type, code and identifier); bytes are
// the IP total length. The receive buffer is raised to `buffer_bytes` (SO_RCVBUFFORCE); the kernel's drop count
// (PACKET_STATISTICS) is reported, so a count that is short because the sink could not keep up says so.
#pragma once

#include "common/fd.hpp"
#include "common/result.hpp"
#include "probes/gen/stream.hpp"
#include "probes/gen/summary.hpp"

#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace flowlab::gen {

struct SinkOptions {
  std::vector<std::string> interfaces;   // empty: every interface except lo and mgmt0
  std::chrono::milliseconds timeout{0};  // 0: no timeout
  std::chrono::milliseconds linger{0};   // keep counting this long after every count is reached (surplus check)
  std::size_t buffer_bytes = 64U << 20U;
};

enum class SinkOutcome : std::uint8_t { kComplete, kTimedOut, kStopped };

// The BPF expression (libpcap syntax, for packets starting at the IP header) selecting the streams' packets.
[[nodiscard]] std::string sink_filter_expression(std::span<const StreamSpec> streams);

class Sink {
 public:
  static Result<std::unique_ptr<Sink>> open(std::vector<StreamSpec> streams, SinkOptions options);
  ~Sink() = default;
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  // Counts until every stream is complete (and the linger passed), the timeout expires, or *stop becomes non-zero.
  Result<SinkOutcome> run(const volatile std::sig_atomic_t* stop);

  [[nodiscard]] bool complete() const;
  [[nodiscard]] const std::vector<StreamSpec>& streams() const { return streams_; }
  [[nodiscard]] const std::vector<StreamCounters>& counters() const { return counters_; }
  [[nodiscard]] std::uint64_t kernel_drops() const { return kernel_drops_; }
  [[nodiscard]] std::uint64_t unmatched() const { return unmatched_; }  // passed the filter, matched no stream
  [[nodiscard]] const std::string& filter() const { return filter_; }

 private:
  Sink() = default;
  Status drain();
  void update_drops();

  std::vector<StreamSpec> streams_;
  std::vector<StreamCounters> counters_;
  SinkOptions options_;
  std::set<int> allowed_;   // when interfaces were named
  std::set<int> excluded_;  // lo, mgmt0 otherwise
  std::string filter_;
  std::vector<std::byte> buffer_;
  Fd fd_;
  std::uint64_t kernel_drops_ = 0;
  std::uint64_t unmatched_ = 0;
};

}  // namespace flowlab::gen
