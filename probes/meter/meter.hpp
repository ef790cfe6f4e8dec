// flowlab::meter — packets in, flow records out.
//
// The pipeline of one Meter: a captured frame is sampled 1:N (Sampler), parsed (parse_frame: Ethernet/VLAN,
// IPv4/IPv6 with extension headers, TCP/UDP/ICMP), keyed (FlowKey) and counted in a bounded FlowCache. Flows end
// by timeouts (driven by the packet clock the caller passes: capture timestamps offline, wall clock live), TCP
// FIN/RST, eviction when the cache is full, or flush; their records (wire::FlowRecord, sampling_interval set,
// counters as sampled) collect in `expired()` for the caller to export and clear. Counting a packet does not
// allocate once the output vector has grown to its working size. Nothing here does I/O or logs.
#pragma once

#include "common/bytes.hpp"
#include "probes/faults/faults.hpp"
#include "probes/meter/flow_cache.hpp"
#include "probes/meter/flow_key.hpp"
#include "probes/meter/packet.hpp"
#include "probes/meter/sampler.hpp"
#include "probes/wire/flow_record.hpp"

#include <cstdint>
#include <vector>

namespace flowlab::meter {

struct MeterOptions {
  CacheOptions cache;  // cache.sampling_interval is overwritten by sampling_interval
  std::uint32_t sampling_interval = 1;
  SamplingMode sampling_mode = SamplingMode::kCount;
  std::uint64_t sampling_seed = 1;
  std::uint64_t expiry_interval_us = 1000000;  // how often timeouts are checked (packet clock)
};

struct MeterCounters {
  std::uint64_t frames_seen = 0;      // every frame offered
  std::uint64_t frames_sampled = 0;   // taken by the sampler
  std::uint64_t packets_metered = 0;  // sampled IP packets counted into a flow
  std::uint64_t not_ip = 0;           // sampled frames that carry no IP packet
  std::uint64_t malformed = 0;        // sampled frames with an inconsistent or truncated IP header
  std::uint64_t l4_truncated = 0;     // metered with ports 0: transport header beyond the snap length
  std::uint64_t fragments = 0;        // non-first fragments (metered with ports 0)
};

class Meter {
 public:
  explicit Meter(const MeterOptions& options);

  // One captured frame of link type `link` at `ts_us` (UTC microseconds), seen arriving on interface `ifindex` (or
  // leaving it, when `egress`: the record then has ifindex as output and no input interface).
  void on_frame(LinkType link, Bytes frame, std::uint64_t ts_us, std::uint32_t ifindex, bool egress = false) {
    ++counters_.frames_seen;
    if (!sampler_.take()) {
      advance(ts_us);
      return;
    }
    ++counters_.frames_sampled;
    const ParseStatus status = parse_frame(link, frame, packet_);
    if (status != ParseStatus::kOk) {
      ++(status == ParseStatus::kNotIp ? counters_.not_ip : counters_.malformed);
      advance(ts_us);
      return;
    }
    if (faults::on(faults::Fault::kL2Bytes)) {
      packet_.l3_bytes += 14U;  // seeded fault l2-bytes (docs/faults.md): the Ethernet header counted too
    }
    on_packet(packet_, ts_us, ifindex, egress);
  }

  // An already parsed, already sampled packet.
  void on_packet(const ParsedPacket& p, std::uint64_t ts_us, std::uint32_t ifindex, bool egress = false) {
    ++counters_.packets_metered;
    counters_.l4_truncated += p.l4_truncated ? 1U : 0U;
    counters_.fragments += p.fragment ? 1U : 0U;
    cache_.add(FlowKey::from_packet(p, ifindex, egress), p.l3_bytes, p.tcp_flags, ts_us, expired_);
    advance(ts_us);
  }

  // Let time pass without packets (live capture calls this with the wall clock when idle).
  void advance(std::uint64_t now_us) {
    if (now_us >= next_expiry_us_) {
      cache_.expire(now_us, expired_);
      next_expiry_us_ = now_us + options_.expiry_interval_us;
    }
  }
  // End every flow now (end of file, shutdown) — or at most max_flows of them, so the caller can export in batches.
  void flush(std::size_t max_flows = static_cast<std::size_t>(-1)) { cache_.flush(expired_, max_flows); }

  // Records of ended flows, oldest first. The caller exports them and clears the vector (capacity is reused).
  std::vector<wire::FlowRecord>& expired() { return expired_; }

  [[nodiscard]] const MeterCounters& counters() const { return counters_; }
  [[nodiscard]] const CacheCounters& cache_counters() const { return cache_.counters(); }
  [[nodiscard]] std::size_t active_flows() const { return cache_.size(); }
  [[nodiscard]] const Sampler& sampler() const { return sampler_; }
  [[nodiscard]] const MeterOptions& options() const { return options_; }

 private:
  static CacheOptions with_sampling(CacheOptions cache, std::uint32_t interval);

  MeterOptions options_;
  FlowCache cache_;
  Sampler sampler_;
  ParsedPacket packet_;
  std::vector<wire::FlowRecord> expired_;
  std::uint64_t next_expiry_us_ = 0;
  MeterCounters counters_;
};

}  // namespace flowlab::meter
