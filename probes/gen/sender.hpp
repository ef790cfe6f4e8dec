// flowlab::gen::Sender — sends every stream's exact packets on the absolute schedule.
//
// Packets are crafted in full (packet.hpp) and written through raw sockets with the IP header included (IPv4:
// IPPROTO_RAW, which implies IP_HDRINCL; IPv6: IPPROTO_RAW, which implies IPV6_HDRINCL on Linux), so no TCP
// handshake, retransmission, segmentation or fragmentation changes what goes on the wire: a packet larger than the
// route's MTU fails with an error instead of being fragmented (IPv4 carries DF). The kernel still routes each packet
// by the namespace's own routing table and resolves the next hop's link-layer address; nothing leaves by any other
// path. A packet is counted when sendto() accepted it whole; ENOBUFS/EAGAIN are retried (for up to a second), so a
// full queue delays packets but never drops or duplicates them. Pacing sleeps with clock_nanosleep(TIMER_ABSTIME)
// on CLOCK_MONOTONIC (timer slack lowered to 1 ns).
#pragma once

#include "common/fd.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "probes/gen/stream.hpp"
#include "probes/gen/summary.hpp"

#include <csignal>
#include <cstdint>
#include <vector>

namespace flowlab::gen {

// The address of the interface the kernel's route toward dst leaves by (a connected UDP socket's getsockname()).
// Fails with "no route to ..." when the namespace has none.
[[nodiscard]] Result<IpAddress> resolve_source(const IpAddress& dst);

class Sender {
 public:
  // Resolves every missing source address and opens the raw sockets the streams need. streams must have been
  // through finalize_streams().
  static Result<Sender> create(std::vector<StreamSpec> streams);

  // Sends everything; returns early (successfully, with interrupted() set) when *stop becomes non-zero. Fails on
  // the first packet the kernel refuses, naming the stream, the packet and the reason.
  Status run(const volatile std::sig_atomic_t* stop);

  [[nodiscard]] const std::vector<StreamSpec>& streams() const { return streams_; }
  [[nodiscard]] const std::vector<StreamCounters>& counters() const { return counters_; }
  [[nodiscard]] bool interrupted() const { return interrupted_; }
  [[nodiscard]] std::int64_t elapsed_ns() const { return elapsed_ns_; }

  Sender(Sender&& other) noexcept = default;
  Sender& operator=(Sender&&) = delete;
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;
  ~Sender() = default;

 private:
  Sender(std::vector<StreamSpec> streams, std::vector<StreamCounters> counters) noexcept
      : streams_(std::move(streams)), counters_(std::move(counters)) {}
  Status send_one(std::size_t stream, std::uint64_t index);

  std::vector<StreamSpec> streams_;
  std::vector<StreamCounters> counters_;
  Fd fd4_;
  Fd fd6_;
  bool interrupted_ = false;
  std::int64_t elapsed_ns_ = 0;
};

}  // namespace flowlab::gen
