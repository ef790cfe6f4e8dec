// flowlab::wire::Exporter — encodes FlowRecords as NetFlow v5, NetFlow v9 (RFC 3954) or IPFIX (RFC 7011) datagrams.
//
// An Exporter is one exporting process towards one collector: it owns the sequence numbers, the sysUptime origin
// and the template refresh state. v9/IPFIX use two data templates (IPv4: 256, IPv6: 257) carrying every field of
// FlowRecord that the formats have; when sampled, an options template (258) and its options data announce the
// sampling rate as sampler_announce says (by default one record scoped to the domain: SAMPLING_INTERVAL 34 /
// SAMPLING_ALGORITHM 35 for older collectors, samplingPacketInterval 305 / samplingPacketSpace 306 for newer ones —
// nfdump 1.7 applies only the latter to v9); kIpfix305 / kV9Sampler / kInRecord add one field to the data
// templates (the sampler id, or the rate itself). Templates are (re)sent in the first datagram, then every
// template_refresh_packets datagrams or template_refresh_ms milliseconds, whichever comes first.
// NetFlow v5 carries IPv4 only: IPv6 records are skipped and counted (ExportCounters::v5_ipv6_skipped).
// No I/O: encode() returns the datagrams; the caller sends them.
#pragma once

#include "common/bytes.hpp"
#include "common/enum_names.hpp"
#include "probes/wire/flow_record.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace flowlab::wire {

// Template ids the exporter uses (v9 and IPFIX alike).
inline constexpr std::uint16_t kExportTemplateIpv4 = 256;
inline constexpr std::uint16_t kExportTemplateIpv6 = 257;
inline constexpr std::uint16_t kExportTemplateSampling = 258;

// How the exporter announces its sampling rate(s) — the ways routers do (docs/flowprobe.md, --sampler-options):
//   kDomain     options data scoped to the system (v9) / observation domain (IPFIX) with 34, 35, 305 and 306, no
//               sampler id (flowprobe's classic announcement; every collector reads one of the pairs)
//   kIpfix305   one options record per sampler keyed by its id (IPFIX: scope selectorId 302; v9: SAMPLER_ID 48),
//               rate as samplingPacketInterval 305 / samplingPacketSpace 306 (Juniper, IOS XR); data records carry
//               the sampler id (302 / 48)
//   kV9Sampler  the same keyed by sampler id, rate as SAMPLING_INTERVAL 34 / SAMPLING_ALGORITHM 35 (Cisco v9)
//   kInRecord   no options data: every data record carries its rate (samplingInterval 34)
//   kNone       nothing: the collector must be configured with the rate (sampling.defaults)
enum class SamplerAnnounce : std::uint8_t { kDomain, kIpfix305, kV9Sampler, kInRecord, kNone };
inline constexpr EnumName<SamplerAnnounce> kSamplerAnnounceNames[] = {{"domain", SamplerAnnounce::kDomain},
                                                                      {"ipfix-305", SamplerAnnounce::kIpfix305},
                                                                      {"v9-34", SamplerAnnounce::kV9Sampler},
                                                                      {"in-record", SamplerAnnounce::kInRecord},
                                                                      {"none", SamplerAnnounce::kNone}};

// How the packets were sampled, as announced: the values of SAMPLING_ALGORITHM 35 (NetFlow v9, RFC 3954 §8; IPFIX
// samplingAlgorithm, IANA) and samplerMode 49, which agree; NetFlow v5 puts the same in its header's two mode bits
// (01 deterministic, 10 random).
enum class SamplingAlgorithm : std::uint8_t { kDeterministic = 1, kRandom = 2 };

// One sampler of the exporting process (kIpfix305 / kV9Sampler announce each with its own options record).
struct SamplerSpec {
  std::uint16_t id = 1;
  std::uint32_t interval = 1;
  bool operator==(const SamplerSpec&) const = default;
};

struct ExportOptions {
  ExportProtocol protocol = ExportProtocol::kIpfix;  // kNetflowV5, kNetflowV9 or kIpfix (sFlow: see sflow.hpp)
  // v9 source id / IPFIX observation domain id; v5: engine_type = bits 8..15, engine_id = bits 0..7.
  std::uint32_t observation_domain = 0;
  std::uint32_t sampling_interval = 1;  // 1:N packet sampling the records were metered with (1 = unsampled)
  SamplingAlgorithm sampling_algorithm = SamplingAlgorithm::kDeterministic;  // the sampler's mode (announced)
  SamplerAnnounce sampler_announce = SamplerAnnounce::kDomain;
  // The samplers announced by kIpfix305 / kV9Sampler (empty: one, id 1, at sampling_interval). A data record
  // carries its own sampler_id, or the first sampler's when it has none.
  std::vector<SamplerSpec> samplers;
  std::uint32_t template_refresh_packets = 20;  // resend templates after this many datagrams (0 = never by count)
  std::uint32_t template_refresh_ms = 60000;    // ... or after this much time (0 = never by time)
  std::size_t max_datagram_bytes = 1400;        // UDP payload cap; clamped to 512..65507
  std::uint64_t boot_time_ms = 0;               // sysUptime origin (UTC ms) for v5/v9 header and switched times
};

struct ExportCounters {
  std::uint64_t datagrams = 0;
  std::uint64_t records = 0;          // flow data records written
  std::uint64_t template_sends = 0;   // datagrams that carried the templates
  std::uint64_t v5_ipv6_skipped = 0;  // IPv6 records NetFlow v5 cannot carry
  std::uint64_t unencodable = 0;      // records without a usable address family
};

class Exporter {
 public:
  explicit Exporter(ExportOptions options);

  // Encodes records into as many datagrams as needed (each <= max_datagram_bytes), templates (and the sampling
  // options template + record when sampling_interval > 1) included when due. now_ms = wall clock UTC ms.
  // With no records and templates due, returns one datagram with just the templates (a keep-alive refresh).
  std::vector<std::vector<std::byte>> encode(std::span<const FlowRecord> records, std::uint64_t now_ms);

  // Send the templates again in the next datagram (e.g. after the collector restarted).
  void force_template_refresh() { force_templates_ = true; }

  [[nodiscard]] const ExportOptions& options() const { return options_; }
  [[nodiscard]] const ExportCounters& counters() const { return counters_; }
  // v5: flows sent so far; v9: datagrams sent so far; IPFIX: data records sent so far (all mod 2^32).
  [[nodiscard]] std::uint32_t sequence() const { return sequence_; }

 private:
  std::vector<std::vector<std::byte>> encode_v5(std::span<const FlowRecord> records, std::uint64_t now_ms);
  std::vector<std::vector<std::byte>> encode_template_based(std::span<const FlowRecord> records, std::uint64_t now_ms);
  [[nodiscard]] bool templates_due(std::uint64_t now_ms) const;

  // What one v9 / IPFIX message holds, for its header.
  struct MessageCounts {
    std::uint16_t v9_count = 0;      // v9 header count: every template, options and data record
    std::uint32_t data_records = 0;  // IPFIX sequence advance: data + options data records
  };
  void write_message_header(Writer& w, bool ipfix, std::uint64_t now_ms) const;
  void write_templates(Writer& w, bool ipfix, std::uint64_t now_ms, MessageCounts& n);
  void write_sampling_options(Writer& w, bool ipfix, MessageCounts& n) const;
  [[nodiscard]] std::vector<SamplerSpec> announced_samplers() const;
  // The field kIpfix305 / kV9Sampler / kInRecord append to each data record (ie 0: none) and its value.
  struct TailField {
    std::uint16_t ie = 0;
    std::uint16_t length = 0;
  };
  [[nodiscard]] TailField tail_field(bool ipfix) const;
  [[nodiscard]] std::uint64_t tail_value(const FlowRecord& r) const;
  // Data sets from records[i...], one per run of same-family records, while the datagram has room; advances i.
  void write_data_sets(Writer& w, bool ipfix, std::span<const FlowRecord> records, std::size_t& i, MessageCounts& n);
  void finish_message(Writer& w, bool ipfix, const MessageCounts& n);

  ExportOptions options_;
  ExportCounters counters_;
  std::uint32_t sequence_ = 0;
  std::uint64_t datagrams_since_templates_ = 0;
  std::uint64_t last_templates_ms_ = 0;
  bool templates_sent_ = false;
  bool force_templates_ = false;
};

}  // namespace flowlab::wire
