#include "probes/probe/probe.hpp"

#include <pcap/pcap.h>
#include <poll.h>

#include <algorithm>
#include <chrono>

namespace flowlab::probe {
namespace {

constexpr std::size_t kExportBatch = 512;        // export once this many flows have ended ...
constexpr std::uint64_t kExportPeriodMs = 1000;  // ... or this much (packet or wall) time has passed
constexpr int kLiveBurst = 4096;                 // packets taken from one interface per poll round

meter::MeterOptions meter_options(const ProbeOptions& o) {
  meter::MeterOptions m;
  m.cache.max_flows = o.max_flows;
  m.cache.active_timeout_us = o.active_timeout_ms * 1000U;
  m.cache.inactive_timeout_us = o.inactive_timeout_ms * 1000U;
  m.expiry_interval_us = o.expiry_interval_ms * 1000U;
  m.sampling_interval = o.interface_samplers.empty() ? o.sampling : 1;  // --sampler: the sources sample
  m.sampling_mode = o.sampling_mode;
  m.sampling_seed = o.sampling_seed;
  return m;
}

}  // namespace

std::uint64_t wall_clock_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

Probe::Probe(const ProbeOptions& options)
    : options_(options),
      meter_(meter_options(options)),
      sflow_mode_(options.protocol == wire::ExportProtocol::kSflowV5),
      source_sampling_(!options.interface_samplers.empty()) {}

void Probe::set_source_samplers() {
  std::uint64_t seed = options_.sampling_seed;
  for (auto& source : sources_) {
    source.sampler_id = options_.sampler_id;
    for (const auto& s : options_.interface_samplers) {
      if (s.interface == source.capture->name()) {
        source.sampler = meter::Sampler(s.rate, options_.sampling_mode, seed);
        source.sampler_id = s.id;
      }
    }
    ++seed;
  }
}

// Each record's rate and sampler id: those of the source that metered it (its output interface when metered on
// egress, else its input interface).
void Probe::stamp_samplers(std::vector<wire::FlowRecord>& records) const {
  if (!source_sampling_) {
    return;
  }
  for (auto& r : records) {
    const std::uint32_t ifindex = r.direction == wire::FlowDirection::kEgress ? r.output_ifindex : r.input_ifindex;
    for (const auto& source : sources_) {
      if (source.capture->ifindex() == ifindex) {
        r.sampling_interval = source.sampler.interval();
        r.sampler_id = source.sampler_id;
        break;
      }
    }
  }
}

// The distinct samplers the export announces: every source's, or the one -s sampler.
std::vector<wire::SamplerSpec> Probe::samplers() const {
  std::vector<wire::SamplerSpec> out;
  if (!source_sampling_) {
    return {wire::SamplerSpec{options_.sampler_id, options_.sampling}};
  }
  for (const auto& source : sources_) {
    const wire::SamplerSpec s{source.sampler_id, source.sampler.interval()};
    if (std::find(out.begin(), out.end(), s) == out.end()) {
      out.push_back(s);
    }
  }
  return out;
}

Result<std::unique_ptr<Probe>> Probe::create(const ProbeOptions& options) {
  std::unique_ptr<Probe> p(new Probe(options));
  if (!options.read_file.empty()) {
    auto c = Capture::open_file(options.read_file, options);
    if (!c) {
      return fail(c.error());
    }
    p->sources_.push_back(
        Source{std::move(*c), meter::Sampler(options.sampling, options.sampling_mode, options.sampling_seed), {}});
  }
  // --direction both meters each interface through two handles (arriving, leaving), so every record knows which
  // of its interfaces is the one it was metered on.
  std::vector<Direction> directions{options.direction};
  if (options.direction == Direction::kBoth) {
    directions = {Direction::kIn, Direction::kOut};
  }
  for (const auto& name : options.interfaces) {
    for (const Direction d : directions) {
      auto c = Capture::open_live(name, options, d);
      if (!c) {
        return fail(c.error());
      }
      p->sources_.push_back(
          Source{std::move(*c),
                 meter::Sampler(options.sampling, options.sampling_mode, options.sampling_seed + p->sources_.size()),
                 {}});
    }
  }
  for (auto& s : p->sources_) {
    s.counters.if_index = s.capture->ifindex();
  }
  p->set_source_samplers();
  auto sink = ExportSink::open(options);
  if (!sink) {
    return fail(sink.error());
  }
  p->sink_ = std::move(*sink);
  if (options.fib) {
    auto fib = Fib::open(options.fib_cache_ms);
    if (!fib) {
      return fail(fib.error());
    }
    p->fib_ = std::move(*fib);
    FLOWLAB_TRY(p->fib_->set_ifindex_overrides(options.ifindex_overrides));
  }
  if (options.bgp()) {
    auto feed = BgpFeed::start(options);
    if (!feed) {
      return fail(feed.error());
    }
    p->bgp_ = std::move(*feed);
  }
  p->datagrams_.reserve(64);
  return p;
}

void Probe::start_clock(std::uint64_t boot_ms) {
  clock_started_ = true;
  next_export_ms_ = boot_ms + kExportPeriodMs;
  next_counters_ms_ = boot_ms + options_.sflow_counter_interval_ms;
  if (sflow_mode_) {
    const IpAddress agent = options_.sflow_agent ? *options_.sflow_agent : sink_->local_address();
    sflow_.emplace(agent, options_.observation_domain, options_.max_datagram_bytes, boot_ms);
    return;
  }
  wire::ExportOptions e;
  e.protocol = options_.protocol;
  e.observation_domain = options_.observation_domain;
  e.sampling_interval = options_.sampling;
  e.sampler_announce = options_.sampler_announce;
  e.sampling_algorithm = options_.sampling_mode == meter::SamplingMode::kRandom
                             ? wire::SamplingAlgorithm::kRandom
                             : wire::SamplingAlgorithm::kDeterministic;
  e.samplers = samplers();
  e.template_refresh_packets = options_.template_refresh_packets;
  e.template_refresh_ms = static_cast<std::uint32_t>(std::min<std::uint64_t>(options_.template_refresh_ms, ~0U));
  e.max_datagram_bytes = options_.max_datagram_bytes;
  e.boot_time_ms = boot_ms;
  exporter_.emplace(e);
}

void Probe::send_all(std::uint64_t now_ms) {
  for (const auto& d : datagrams_) {
    sink_->send(d, now_ms);
  }
  datagrams_.clear();
}

void Probe::export_pending(std::uint64_t now_ms) {
  if (sflow_mode_) {
    if (sflow_) {
      sflow_->flush(now_ms, datagrams_);
      send_all(now_ms);
    }
    return;
  }
  auto& records = meter_.expired();
  if (!exporter_) {
    return;
  }
  if (fib_ && !records.empty()) {
    fib_->enrich(records, now_ms);
  }
  if (bgp_ && !records.empty()) {
    bgp_->enrich(records);  // after the FIB: BGP masks win where a route exists
  }
  stamp_samplers(records);
  flows_ended_ += records.size();
  datagrams_ = exporter_->encode(records, now_ms);
  send_all(now_ms);
  sink_->write_flows(records);
  records.clear();
}

void Probe::sflow_counters(std::uint64_t now_ms) {
  if (!sflow_) {
    return;
  }
  for (auto& s : sources_) {
    sflow_->add_counter_sample(s.counters, now_ms, datagrams_);
  }
  send_all(now_ms);
}

void Probe::on_sflow_frame(Source& source, const PcapRecord& packet, std::uint64_t now_ms) {
  ++source_frames_seen_;
  source.counters.in_octets += packet.len;
  ++source.counters.in_ucast_pkts;
  if (!source.sampler.take()) {
    return;
  }
  ++source_frames_sampled_;
  const Bytes frame = packet.data;
  SflowAgent::Sample s;
  s.ifindex = source.capture->ifindex();
  const bool egress = source.capture->egress();
  if (egress) {
    s.input_ifindex = 0U;
    s.output_ifindex = s.ifindex;
  }
  s.frame_length = packet.len;
  s.sampling_rate = source.sampler.interval();
  s.sample_pool = static_cast<std::uint32_t>(source.sampler.seen());
  Bytes raw = frame;
  switch (source.capture->link_type()) {
    case meter::LinkType::kEthernet:
      s.header_protocol = wire::kSflowHeaderEthernet;
      break;
    case meter::LinkType::kLinuxSll:
      raw = frame.size() >= 16 ? frame.subspan(16) : Bytes{};
      break;
    case meter::LinkType::kLinuxSll2:
      raw = frame.size() >= 20 ? frame.subspan(20) : Bytes{};
      break;
    case meter::LinkType::kNull:
      raw = frame.size() >= 4 ? frame.subspan(4) : Bytes{};
      break;
    default:
      break;
  }
  if (source.capture->link_type() != meter::LinkType::kEthernet) {
    const bool v6 = !raw.empty() && (std::to_integer<std::uint8_t>(raw[0]) >> 4U) == 6;
    s.header_protocol = v6 ? wire::kSflowHeaderIpv6 : wire::kSflowHeaderIpv4;
    s.frame_length = static_cast<std::uint32_t>(raw.size() + (packet.len - packet.caplen));
  }
  s.header = raw.first(std::min<std::size_t>(raw.size(), options_.sflow_header_bytes));
  if (fib_) {
    meter::ParsedPacket p;
    if (meter::parse_frame(source.capture->link_type(), frame, p) == meter::ParseStatus::kOk) {
      const Family family = p.ip_version == 6 ? Family::kIpv6 : Family::kIpv4;
      IpAddress dst;
      dst.family = family;
      dst.bytes = p.dst;
      IpAddress src;
      src.family = family;
      src.bytes = p.src;
      const RouteAnswer to_dst = fib_->route(dst, now_ms);
      const RouteAnswer to_src = fib_->route(src, now_ms);
      if (egress && to_src.found) {
        s.input_ifindex = to_src.out_ifindex;
      }
      if (to_dst.found) {
        s.output_ifindex = egress ? s.output_ifindex : to_dst.out_ifindex;
        wire::SflowExtendedRouter router;
        router.next_hop = to_dst.next_hop.is_set() ? to_dst.next_hop : IpAddress::v4(0U);
        router.dst_mask = to_dst.prefix_len;
        router.src_mask = to_src.found ? to_src.prefix_len : 0;
        s.router = router;
      }
    }
  }
  sflow_->add_flow_sample(s, now_ms, datagrams_);
  send_all(now_ms);
}

// --sampler: the source's own sampler decides (time still passes for the meter when it skips); else the meter's.
bool Probe::take_source_sample(Source& source, std::uint64_t t_us) {
  if (!source_sampling_) {
    return true;
  }
  ++source_frames_seen_;
  if (!source.sampler.take()) {
    meter_.advance(t_us);
    return false;
  }
  ++source_frames_sampled_;
  return true;
}

void Probe::on_frame(Source& source, const PcapRecord& packet) {
  const std::uint64_t t_us = packet.ts_us;
  const std::uint64_t t_ms = t_us / 1000U;
  if (!clock_started_) {
    start_clock(options_.read_file.empty() ? wall_clock_ms() : t_ms);
  }
  last_packet_ms_ = t_ms;
  if (sflow_mode_) {
    on_sflow_frame(source, packet, t_ms);
  } else if (take_source_sample(source, t_us)) {
    meter_.on_frame(source.capture->link_type(), packet.data, t_us, source.capture->ifindex(),
                    source.capture->egress());
    if (meter_.expired().size() >= kExportBatch) {
      export_pending(t_ms);
    }
  }
  if (t_ms >= next_export_ms_ && !options_.read_file.empty()) {
    export_pending(t_ms);
    next_export_ms_ = t_ms + kExportPeriodMs;
    if (sflow_mode_ && t_ms >= next_counters_ms_) {
      sflow_counters(t_ms);
      next_counters_ms_ = t_ms + options_.sflow_counter_interval_ms;
    }
  }
}

void Probe::finish(std::uint64_t now_ms) {
  if (!clock_started_) {
    start_clock(now_ms);
  }
  if (sflow_mode_) {
    sflow_counters(now_ms);
  } else {
    while (meter_.active_flows() > 0) {  // in batches: the record buffer keeps its working size
      meter_.flush(kExportBatch);
      export_pending(now_ms);
    }
  }
  export_pending(now_ms);
  sink_->flush_files();
}

Status Probe::run(const RunControl& control) {
  started_wall_ms_ = wall_clock_ms();
  Status st = options_.read_file.empty() ? run_live(control) : run_offline(control);
  finished_wall_ms_ = wall_clock_ms();
  return st;
}

Status Probe::run_offline(const RunControl& control) {
  Source& source = sources_.front();
  PcapRecord packet;
  std::uint64_t n = 0;
  for (;;) {
    const int rc = source.capture->next(packet);
    if (rc == PCAP_ERROR_BREAK) {
      break;
    }
    if (rc < 0) {
      finish(last_packet_ms_);
      return fail(ErrorKind::kPcap, "reading " + options_.read_file + ": " + source.capture->error());
    }
    if (rc == 0) {
      continue;
    }
    on_frame(source, packet);
    if ((++n & 0x3ffU) == 0) {
      if (bgp_) {
        bgp_->poll();
      }
      if (*control.stop != 0) {
        break;
      }
      if (*control.report_stats != 0) {
        *control.report_stats = 0;
        control.on_stats(stats());
      }
    }
  }
  finish(last_packet_ms_);
  return {};
}

Status Probe::run_live(const RunControl& control) {
  start_clock(wall_clock_ms());
  std::vector<pollfd> fds;
  for (const auto& s : sources_) {
    fds.push_back(pollfd{s.capture->selectable_fd(), POLLIN, 0});
  }
  while (*control.stop == 0) {
    const int ready = ::poll(fds.data(), fds.size(), 100);
    if (ready < 0 && errno != EINTR) {
      return fail(ErrorKind::kSocket, std::string("waiting for packets: ") + std::strerror(errno));
    }
    for (auto& s : sources_) {
      PcapRecord packet;
      for (int i = 0; i < kLiveBurst; ++i) {
        const int rc = s.capture->next(packet);
        if (rc == 1) {
          on_frame(s, packet);
          continue;
        }
        if (rc < 0 && rc != PCAP_ERROR_BREAK) {
          finish(wall_clock_ms());
          return fail(ErrorKind::kPcap, "capturing on " + s.capture->name() + ": " + s.capture->error());
        }
        break;
      }
    }
    if (bgp_) {
      bgp_->poll();
    }
    const std::uint64_t now = wall_clock_ms();
    if (!sflow_mode_) {
      meter_.advance(now * 1000U);
    }
    if (now >= next_export_ms_) {
      export_pending(now);
      next_export_ms_ = now + kExportPeriodMs;
    }
    if (sflow_mode_ && now >= next_counters_ms_) {
      sflow_counters(now);
      next_counters_ms_ = now + options_.sflow_counter_interval_ms;
    }
    if (control.flush != nullptr && *control.flush != 0) {
      *control.flush = 0;
      if (exporter_) {
        exporter_->force_template_refresh();  // a collector that restarted since decodes the flush at once
      }
      finish(now);  // every cached flow ends and is exported; capture goes on
      ++flushes_;
      control.on_stats(stats());
    }
    if (*control.report_stats != 0) {
      *control.report_stats = 0;
      control.on_stats(stats());
    }
  }
  finish(wall_clock_ms());
  if (bgp_) {
    bgp_->stop();
  }
  return {};
}

nlohmann::json Probe::stats() {
  nlohmann::json j;
  j["flushes"] = flushes_;
  CaptureStats cap;
  for (auto& s : sources_) {
    const CaptureStats c = s.capture->stats();
    cap.received += c.received;
    cap.kernel_drops += c.kernel_drops;
    cap.interface_drops += c.interface_drops;
  }
  const auto& m = meter_.counters();
  const auto& cc = meter_.cache_counters();
  const bool by_source = sflow_mode_ || source_sampling_;
  const std::uint64_t seen = by_source ? source_frames_seen_ : m.frames_seen;
  j["packets_seen"] = seen;
  j["packets_sampled"] = by_source ? source_frames_sampled_ : m.frames_sampled;
  j["packets_metered"] = m.packets_metered;
  j["kernel_drops"] = cap.kernel_drops;
  j["interface_drops"] = cap.interface_drops;
  j["not_ip"] = m.not_ip;
  j["malformed"] = m.malformed;
  j["l4_truncated"] = m.l4_truncated;
  j["fragments"] = m.fragments;
  j["flows_created"] = cc.created;
  j["flows_ended"] = flows_ended_;
  j["flows_exported"] = exporter_ ? exporter_->counters().records : 0;
  j["active_flows"] = meter_.active_flows();
  j["evictions"] = cc.evictions;
  j["expired_idle"] = cc.expired_idle;
  j["expired_active"] = cc.expired_active;
  j["ended_tcp"] = cc.ended_tcp;
  j["datagrams_sent"] = sink_->counters().datagrams_sent;
  j["export_bytes"] = sink_->counters().bytes_sent;
  j["send_errors"] = sink_->counters().send_errors;
  j["template_sends"] = exporter_ ? exporter_->counters().template_sends : 0;
  j["v5_ipv6_skipped"] = exporter_ ? exporter_->counters().v5_ipv6_skipped : 0;
  j["sflow_flow_samples"] = sflow_ ? sflow_->flow_samples() : 0;
  j["sflow_counter_samples"] = sflow_ ? sflow_->counter_samples() : 0;
  if (fib_) {
    j["fib_lookups"] = fib_->counters().lookups;
    j["fib_cache_hits"] = fib_->counters().cache_hits;
    j["fib_no_route"] = fib_->counters().no_route;
  }
  if (bgp_) {
    j["bgp"] = bgp_->stats();
    j["unenriched"] = bgp_->counters().unenriched;
  }
  const std::uint64_t end = finished_wall_ms_ != 0 ? finished_wall_ms_ : wall_clock_ms();
  const double elapsed = static_cast<double>(end - started_wall_ms_) / 1000.0;
  j["elapsed_s"] = elapsed;
  j["packets_per_s"] = elapsed > 0 ? static_cast<double>(seen) / elapsed : 0.0;
  return j;
}

}  // namespace flowlab::probe
