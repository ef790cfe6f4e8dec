// flowlab::probe — flowprobe's engine: captures (live interfaces or a file) -> meter (or sFlow sampling) ->
// FIB and BGP-feed enrichment -> wire::Exporter / sFlow agent -> ExportSink (UDP collectors, export pcap, flows JSON).
//
// Offline (-r) everything runs on the packet clock: timeouts, template refresh by time and export timestamps
// follow the capture's timestamps, the sysUptime origin is the first packet's time, and the run ends by
// flushing the cache, so a file always exports the same datagrams. Live, the wall clock drives expiry and
// export between packets. Stop (SIGTERM/SIGINT) flushes and exports before returning.
#pragma once

#include "common/result.hpp"
#include "probes/meter/meter.hpp"
#include "probes/probe/bgp_feed.hpp"
#include "probes/probe/capture.hpp"
#include "probes/probe/export_sink.hpp"
#include "probes/probe/fib.hpp"
#include "probes/probe/options.hpp"
#include "probes/probe/sflow_agent.hpp"
#include "probes/wire/exporter.hpp"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace flowlab::probe {

// Flags the signal handlers set; the run loop polls them.
struct RunControl {
  volatile std::sig_atomic_t* stop = nullptr;           // SIGTERM / SIGINT
  volatile std::sig_atomic_t* report_stats = nullptr;   // SIGUSR1
  std::function<void(const nlohmann::json&)> on_stats;  // called for SIGUSR1 (and never from a handler)
  volatile std::sig_atomic_t* flush = nullptr;          // SIGUSR2: end every flow and export it now, then on_stats
};

class Probe {
 public:
  static Result<std::unique_ptr<Probe>> create(const ProbeOptions& options);

  Status run(const RunControl& control);
  // Counters, as the --json stats line prints them.
  [[nodiscard]] nlohmann::json stats();

 private:
  struct Source {
    std::unique_ptr<Capture> capture;
    meter::Sampler sampler;                 // sFlow, and --sampler: per data source
    wire::SflowInterfaceCounters counters;  // sFlow only
    std::uint16_t sampler_id = 0;           // --sampler: this source's sampler id
  };
  // --sampler: each source samples before the meter; every record gets its interface's rate and sampler id.
  void set_source_samplers();
  void stamp_samplers(std::vector<wire::FlowRecord>& records) const;
  [[nodiscard]] std::vector<wire::SamplerSpec> samplers() const;
  explicit Probe(const ProbeOptions& options);

  Status run_offline(const RunControl& control);
  Status run_live(const RunControl& control);
  void on_frame(Source& source, const PcapRecord& packet);
  bool take_source_sample(Source& source, std::uint64_t t_us);
  void on_sflow_frame(Source& source, const PcapRecord& packet, std::uint64_t now_ms);
  void start_clock(std::uint64_t boot_ms);
  void export_pending(std::uint64_t now_ms);
  void sflow_counters(std::uint64_t now_ms);
  void finish(std::uint64_t now_ms);
  void send_all(std::uint64_t now_ms);

  ProbeOptions options_;
  std::vector<Source> sources_;
  meter::Meter meter_;
  std::optional<wire::Exporter> exporter_;
  std::optional<SflowAgent> sflow_;
  std::unique_ptr<ExportSink> sink_;
  std::unique_ptr<Fib> fib_;
  std::unique_ptr<BgpFeed> bgp_;  // --bgp-peer: model 1 enrichment
  std::vector<std::vector<std::byte>> datagrams_;
  bool sflow_mode_ = false;
  bool source_sampling_ = false;  // --sampler given: sources sample, the meter takes every frame it is handed
  bool clock_started_ = false;
  std::uint64_t next_export_ms_ = 0;
  std::uint64_t next_counters_ms_ = 0;
  std::uint64_t last_packet_ms_ = 0;
  std::uint64_t flows_ended_ = 0;
  std::uint64_t source_frames_seen_ = 0;  // sFlow / --sampler: frames offered to the sources' samplers
  std::uint64_t source_frames_sampled_ = 0;
  std::uint64_t started_wall_ms_ = 0;
  std::uint64_t finished_wall_ms_ = 0;
  std::uint64_t flushes_ = 0;  // SIGUSR2 flushes done
};

[[nodiscard]] std::uint64_t wall_clock_ms();

}  // namespace flowlab::probe
