// flowlab::wire — NetFlow v5, NetFlow v9 (RFC 3954), IPFIX (RFC 7011/7012) and sFlow v5 codecs.
//
// Decoder is the one entry point for received datagrams: it detects the format from the first bytes (u16 5, 9,
// 10; or u32 5 = sFlow v5), keeps the template cache and the sampling tables per exporter, and appends normalized
// FlowRecords (probes/wire/flow_record.hpp). No I/O, no logging: every anomaly bumps a named counter in
// DecodeCounters ("weirds", as Zeek calls them) and a datagram that cannot be decoded returns a ParseError.
//
// Template cache: keyed by (exporter address, exporter port [DecoderOptions::template_key_includes_port],
// version, source id / observation domain, template id). v9 data and options templates share one id space, as do
// IPFIX's. Data arriving before its template is NOT buffered: the set is skipped and counted
// (v9_template_missing / ipfix_template_missing), as nfdump and nfacctd do; the exporter's next refresh fixes it.
// Templates expire template_expiry_ms after they were last (re)announced.
//
// Times: v5/v9 sysUptime-relative times become absolute UTC ms through the header's (unix_secs, sysUptime) pair
// using 32-bit modular differences, so a flow that started before an uptime wrap is not off by 49.7 days. IPFIX
// absolute times (IEs 150-159) are used directly; 21/22 are taken relative to systemInitTimeMilliseconds (160),
// from the same record or from the exporter's options data.
//
// Sampling: v5 header sampling_interval; v9/IPFIX options data (34, 35, 48, 49, 50, 302, 304, 305, 306; keyed by
// sampler / selector id where given, else the domain's default); sFlow sampling_rate. The rate lands in
// FlowRecord::sampling_interval (1 when unknown).
#pragma once

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "probes/wire/flow_record.hpp"
#include "probes/wire/parse_error.hpp"
#include "probes/wire/sflow.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace flowlab::wire {

struct DecoderOptions {
  std::uint64_t template_expiry_ms = 30ULL * 60 * 1000;  // a template not re-announced for this long is dropped
  bool template_key_includes_port = true;       // false: exporters behind changing source ports share templates
  std::size_t max_templates_per_source = 1024;  // per (exporter, port, version, domain)
  std::size_t max_sources = 4096;               // distinct (exporter, port, version, domain) keys
  std::size_t max_fields_per_template = 128;
  std::size_t max_records_per_datagram = 4096;  // flow records appended per datagram
  std::size_t max_sflow_samples = 512;          // samples per sFlow datagram
  bool keep_sflow_counters = true;              // keep counter samples of the last datagram (sflow_counters())
};

// What a datagram was, besides its records.
struct DatagramInfo {
  ExportProtocol protocol = ExportProtocol::kUnknown;
  IpAddress exporter;  // the datagram's source address (sFlow: also agent below)
  std::uint16_t exporter_port = 0;
  IpAddress agent;                       // sFlow agent address (unset otherwise)
  std::uint32_t observation_domain = 0;  // v5 engine_type<<8|engine_id, v9 source id, IPFIX domain, sFlow sub-agent
  std::uint32_t sequence = 0;
  std::uint64_t export_ms = 0;       // header export time (UTC ms); sFlow: receive time
  std::uint32_t uptime_ms = 0;       // v5/v9 sysUptime, sFlow uptime
  std::uint16_t header_count = 0;    // v5/v9 header count field
  std::uint32_t record_count = 0;    // flow records appended to out
  std::uint32_t template_count = 0;  // (options) templates learned or refreshed, incl. withdrawals
  std::uint32_t options_record_count = 0;
  std::uint32_t sample_count = 0;  // sFlow samples (flow + counter)
  std::uint32_t counter_sample_count = 0;
  std::uint32_t skipped_sets = 0;  // sets skipped (template missing, unknown set id)
};

// Every anomaly and drop has a name. X-macro: one list for the struct, for_each() and docs/wire.md.
#define FLOWLAB_WIRE_COUNTERS(X)                                                                   \
  X(datagrams)                                                                                     \
  X(datagrams_bad) /* decode() returned an error */                                                \
  X(records)       /* flow records produced */                                                     \
  X(unsupported_version)                                                                           \
  X(v5_truncated)                                                                                  \
  X(v5_count_bad) /* header count 0 or > 30, or longer than the datagram */                        \
  X(v9_truncated)                                                                                  \
  X(v9_flowset_length_bad) /* flowset length < 4 or past the datagram */                           \
  X(v9_template_bad)                                                                               \
  X(v9_template_missing) /* data flowset with no (live) template: skipped */                       \
  X(v9_padding_bad)      /* trailing bytes in a data flowset that are not zero padding */          \
  X(v9_count_mismatch)   /* header count != template + options + data records seen */              \
  X(v9_record_short)     /* a record cut by the end of its flowset */                              \
  X(ipfix_truncated)                                                                               \
  X(ipfix_length_bad) /* message length != datagram length, or set length < 4 */                   \
  X(ipfix_template_bad)                                                                            \
  X(ipfix_template_missing)                                                                        \
  X(ipfix_template_withdrawn)                                                                      \
  X(ipfix_padding_bad)                                                                             \
  X(ipfix_varlen_bad)        /* a variable-length field runs past its set */                       \
  X(ipfix_enterprise_fields) /* enterprise-specific field values skipped (kept opaque) */          \
  X(set_id_reserved)         /* v9 flowset id 2..255 / IPFIX set id 0,1,4..255: skipped */         \
  X(templates_learned)                                                                             \
  X(templates_replaced) /* same id re-announced with a different layout */                         \
  X(templates_expired)                                                                             \
  X(template_cap_exceeded)                                                                         \
  X(source_cap_exceeded)                                                                           \
  X(field_length_bad) /* known IE with a length it cannot have (address not 4/16, ...): ignored */ \
  X(options_records)                                                                               \
  X(sampling_updates) /* sampler rates learned from options data */                                \
  X(record_cap_exceeded)                                                                           \
  X(sflow_truncated)                                                                               \
  X(sflow_samples_bad)                                                                             \
  X(sflow_flow_samples)                                                                            \
  X(sflow_counter_samples)                                                                         \
  X(sflow_unknown_samples) /* sample formats other than 1..4 or enterprise != 0: skipped */        \
  X(sflow_unknown_records)                                                                         \
  X(sflow_header_unparsed) /* raw header not Ethernet/IPv4/IPv6 or too short for the IP header */  \
  X(sflow_as_path_truncated)

struct DecodeCounters {
#define FLOWLAB_WIRE_COUNTER_FIELD(name) std::uint64_t name = 0;
  FLOWLAB_WIRE_COUNTERS(FLOWLAB_WIRE_COUNTER_FIELD)
#undef FLOWLAB_WIRE_COUNTER_FIELD

  // Calls fn(std::string_view name, std::uint64_t value) for every counter, in declaration order.
  template <class Fn>
  void for_each(Fn&& fn) const {
#define FLOWLAB_WIRE_COUNTER_VISIT(name) fn(std::string_view(#name), name);
    FLOWLAB_WIRE_COUNTERS(FLOWLAB_WIRE_COUNTER_VISIT)
#undef FLOWLAB_WIRE_COUNTER_VISIT
  }
};

namespace detail {
class DecoderState;  // template cache, sampler tables (decoder_state.hpp)
}

class Decoder {
 public:
  explicit Decoder(DecoderOptions options = {});
  ~Decoder();
  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decodes one datagram received from exporter:port at receive time (UTC ms). Appends records to out.
  // On error, records decoded before the error stay appended (DatagramInfo is lost; the counters say what).
  Result<DatagramInfo, ParseError> decode(std::span<const std::byte> datagram, const IpAddress& exporter,
                                          std::uint16_t exporter_port, std::uint64_t receive_ms,
                                          std::vector<FlowRecord>& out);

  [[nodiscard]] const DecodeCounters& counters() const;
  // sFlow counter samples of the last decoded datagram (when keep_sflow_counters).
  [[nodiscard]] std::span<const SflowCounterSample> sflow_counters() const;
  // Templates currently cached (all exporters).
  [[nodiscard]] std::size_t template_count() const;
  [[nodiscard]] const DecoderOptions& options() const;

 private:
  std::unique_ptr<detail::DecoderState> state_;
};

}  // namespace flowlab::wire
