// detail: the Decoder's state and the helpers its parts share. The decoder is split by meaning:
//   decoder.cpp       the public Decoder, format detection, the per-exporter source table
//   decode_v5.cpp     NetFlow v5
//   decode_v9_ipfix.cpp  v9 / IPFIX message headers and the set loop
//   templates.cpp     template and options template sets (IE -> action through the IE table, ie_table.hpp)
//   data.cpp          data sets and records (the generic and the direct walk), options data
//   decode_sflow.cpp  sFlow v5 samples -> FlowRecords (sampled headers through probes/packet)
#pragma once

#include "common/bytes.hpp"
#include "probes/wire/decoder.hpp"
#include "probes/wire/ie_table.hpp"
#include "probes/wire/template_cache.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace flowlab::wire::detail {

inline constexpr std::uint64_t kTwo32 = 1ULL << 32U;

// Absolute time of a sysUptime value, anchored at the header's (export_ms, uptime) pair with a signed 32-bit
// difference: a flow that started before the uptime counter wrapped (t_up > uptime) is still in the past.
inline std::uint64_t uptime_to_ms(std::uint32_t t_up, std::uint32_t uptime, std::uint64_t export_ms) {
  const auto delta = static_cast<std::int32_t>(uptime - t_up);
  const std::int64_t abs = static_cast<std::int64_t>(export_ms) - delta;
  return abs > 0 ? static_cast<std::uint64_t>(abs) : 0;
}

// IPFIX flowStart/EndSysUpTime relative to systemInitTimeMilliseconds; the u32 wraps every 49.7 days, so pick
// the wrap count that puts the time closest to (not after) the export time.
inline std::uint64_t init_relative_ms(std::uint32_t t_up, std::uint64_t system_init_ms, std::uint64_t export_ms) {
  std::uint64_t t = system_init_ms + t_up;
  if (export_ms > t + kTwo32 / 2) {
    t += ((export_ms - t + kTwo32 / 2) / kTwo32) * kTwo32;
  }
  return t;
}

// Unsigned field of 1..8 bytes; the common widths take the Reader's fixed-size paths.
[[gnu::always_inline]] inline std::uint64_t read_uint(Reader& r, std::size_t length) {
  switch (length) {
    case 1:
      return r.u8();
    case 2:
      return r.u16();
    case 4:
      return r.u32();
    case 8:
      return r.u64();
    default:
      return r.uint(length);
  }
}

// Addresses are written in place (no temporary IpAddress): the record is fresh, so the tail bytes are zero.
// `b` holds the N address bytes (checked by the caller).
template <std::size_t N>
[[gnu::always_inline]] inline void store_address(Bytes b, IpAddress& a) {
  static_assert(N == 4 || N == 16);
  a.family = N == 4 ? Family::kIpv4 : Family::kIpv6;
  std::memcpy(a.bytes.data(), b.data(), N);
}

template <std::size_t N>
[[gnu::always_inline]] inline void read_address(Reader& r, IpAddress& a) {
  const Bytes b = r.bytes(N);
  if (b.size() == N) {
    store_address<N>(b, a);
  }
}

inline Failure<ParseError> error(ParseErrorCode code, std::size_t offset, std::string context) {
  return Failure<ParseError>{ParseError{code, offset, std::move(context)}};
}

// True when every byte is zero (set padding).
inline bool all_zero(Bytes bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
}

class DecoderState {
 public:
  explicit DecoderState(DecoderOptions o) : options(o) {}

  DecoderOptions options;
  DecodeCounters counters;
  std::vector<SflowCounterSample> sflow_counters;
  std::unordered_map<SourceKey, SourceState, SourceKeyHash> sources;

  Result<DatagramInfo, ParseError> decode(Bytes datagram, const IpAddress& exporter, std::uint16_t port,
                                          std::uint64_t receive_ms, std::vector<FlowRecord>& out);

 private:
  // Per-datagram context for the template-based formats.
  struct Context {
    bool ipfix = false;
    SourceState* source = nullptr;
    DatagramInfo* info = nullptr;
    std::vector<FlowRecord>* out = nullptr;
    std::uint64_t receive_ms = 0;
    std::uint64_t export_ms = 0;
    std::uint32_t uptime = 0;
  };
  // A template record's header: how many fields, how many of them scope fields.
  struct TemplateHeader {
    std::size_t field_count = 0;
    std::size_t scope_count = 0;
    bool withdrawal = false;
  };

  // decode_v5.cpp
  Result<DatagramInfo, ParseError> decode_v5(Bytes datagram, DatagramInfo& info, std::vector<FlowRecord>& out);
  // decode_v9_ipfix.cpp
  Result<DatagramInfo, ParseError> decode_template_based(Bytes datagram, bool ipfix, DatagramInfo& info,
                                                         std::uint64_t receive_ms, std::vector<FlowRecord>& out);
  Result<Reader, ParseError> read_ipfix_header(Bytes datagram, DatagramInfo& info);
  Result<Reader, ParseError> read_v9_header(Bytes datagram, DatagramInfo& info);
  Result<void, ParseError> read_sets(Reader& r, Context& ctx);
  void check_trailer(Reader& r, const Context& ctx);
  // decode_sflow.cpp
  Result<DatagramInfo, ParseError> decode_sflow_datagram(Bytes datagram, DatagramInfo& info, std::uint64_t receive_ms,
                                                         std::vector<FlowRecord>& out);
  // decoder.cpp
  SourceState* source_for(const SourceKey& key);
  // templates.cpp
  Result<void, ParseError> parse_template_set(Reader& set, bool options_set, Context& ctx);
  Result<TemplateHeader, ParseError> read_template_header(Reader& set, Template& t, std::size_t record_offset,
                                                          Context& ctx);
  Result<void, ParseError> read_template_fields(Reader& set, Template& t, const TemplateHeader& h,
                                                std::size_t record_offset, bool ipfix);
  void withdraw_templates(std::uint16_t id, bool options_set, Context& ctx);
  void store_template(Template&& t, Context& ctx);
  // data.cpp
  Result<void, ParseError> parse_data_set(Reader& set, std::uint16_t set_id, Context& ctx);
  const Template* live_template(std::uint16_t set_id, Context& ctx);
  bool decode_record(Reader& r, const Template& t, FlowRecord& rec, Scratch& s);
  void decode_direct(Bytes record, const Template& t, FlowRecord& rec, Scratch& s);
  void finish_flow(FlowRecord& rec, const Scratch& s, Context& ctx) const;
  void apply_options(const Scratch& s, Context& ctx);
  std::uint64_t& truncated_counter(bool ipfix) { return ipfix ? counters.ipfix_truncated : counters.v9_truncated; }
};

}  // namespace flowlab::wire::detail
