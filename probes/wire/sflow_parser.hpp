// detail: the one sFlow v5 parser, shared by decode_sflow() (model, allocates) and the Decoder (FlowRecords,
// allocation-free). It walks the datagram with a Reader and hands zero-copy views to a visitor.
#pragma once

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/result.hpp"
#include "probes/wire/parse_error.hpp"
#include "probes/wire/sflow.hpp"

#include <cstddef>
#include <cstdint>

namespace flowlab::wire::detail {

struct SflowGatewayView {
  IpAddress next_hop;
  std::uint32_t as = 0;
  std::uint32_t src_as = 0;
  std::uint32_t src_peer_as = 0;
  std::uint32_t segment_count = 0;
  Bytes segments;  // validated: segment_count x {type u32, length u32, length x u32}
  std::uint32_t community_count = 0;
  Bytes communities;  // community_count x u32
  std::uint32_t local_pref = 0;

  // Calls fn(asn) for every AS of every segment, in order.
  template <class Fn>
  void for_each_as(Fn&& fn) const {
    Reader r(segments);
    for (std::uint32_t s = 0; s < segment_count && r.ok(); ++s) {
      r.u32();  // segment type: 1 AS_SET, 2 AS_SEQUENCE
      const std::uint32_t n = r.u32();
      for (std::uint32_t k = 0; k < n && r.has(4); ++k) {
        fn(r.u32());
      }
    }
  }
};

struct SflowFlowSampleView {
  bool expanded = false;
  std::uint32_t sequence = 0;
  std::uint32_t source_id_type = 0;
  std::uint32_t source_id_index = 0;
  std::uint32_t sampling_rate = 0;
  std::uint32_t sample_pool = 0;
  std::uint32_t drops = 0;
  std::uint32_t input = 0;
  std::uint32_t output = 0;
  bool has_header = false;
  std::uint32_t header_protocol = 0;
  std::uint32_t frame_length = 0;
  std::uint32_t stripped = 0;
  Bytes header;
  bool has_switch = false;
  SflowExtendedSwitch switch_data;
  bool has_router = false;
  SflowExtendedRouter router;
  bool has_gateway = false;
  SflowGatewayView gateway;
};

struct SflowHeaderView {
  IpAddress agent;
  std::uint32_t sub_agent_id = 0;
  std::uint32_t sequence = 0;
  std::uint32_t uptime_ms = 0;
  std::uint32_t sample_count = 0;
};

class SflowVisitor {
 public:
  virtual ~SflowVisitor() = default;
  virtual void on_header(const SflowHeaderView& header) = 0;
  virtual void on_flow_sample(const SflowFlowSampleView& sample) = 0;
  virtual void on_counter_sample(const SflowCounterSample& sample) = 0;
  virtual void on_unknown_sample() {}
  virtual void on_unknown_record() {}
};

// Parses an sFlow v5 datagram (the first u32 must be 5). Stops at the first malformed sample.
Result<void, ParseError> parse_sflow(Bytes datagram, SflowVisitor& visitor, std::size_t max_samples);

}  // namespace flowlab::wire::detail
