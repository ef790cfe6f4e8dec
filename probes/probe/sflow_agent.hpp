// flowlab::probe::SflowAgent — sFlow v5 export: packet sampling without a flow cache. Each sampled frame becomes a
// flow sample (its first --sflow-header-bytes as a raw Ethernet header record, with extended_router data when the
// FIB is on), each interface is reported by a generic interface counter sample every counter interval, and
// samples are packed into datagrams no larger than --max-datagram.
#pragma once

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "probes/wire/sflow.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace flowlab::probe {

class SflowAgent {
 public:
  SflowAgent(IpAddress agent, std::uint32_t sub_agent_id, std::size_t max_datagram_bytes, std::uint64_t boot_ms);

  struct Sample {
    std::uint32_t ifindex = 0;  // the data source (and the input interface unless input_ifindex says otherwise)
    std::optional<std::uint32_t> input_ifindex;  // sampled leaving `ifindex`: the interface towards the source
    std::uint32_t output_ifindex = 0;
    std::uint32_t header_protocol = wire::kSflowHeaderEthernet;
    Bytes header;  // already cut to the configured header size
    std::uint32_t frame_length = 0;
    std::uint32_t sampling_rate = 1;
    std::uint32_t sample_pool = 0;
    std::uint32_t drops = 0;
    std::optional<wire::SflowExtendedRouter> router;
  };
  // Queue a flow sample; full datagrams are appended to out.
  void add_flow_sample(const Sample& s, std::uint64_t now_ms, std::vector<std::vector<std::byte>>& out);
  // Queue an interface counter sample.
  void add_counter_sample(const wire::SflowInterfaceCounters& c, std::uint64_t now_ms,
                          std::vector<std::vector<std::byte>>& out);
  // Emit whatever is queued.
  void flush(std::uint64_t now_ms, std::vector<std::vector<std::byte>>& out);

  [[nodiscard]] std::uint64_t flow_samples() const { return flow_samples_; }
  [[nodiscard]] std::uint64_t counter_samples() const { return counter_samples_; }

 private:
  void make_room(std::size_t bytes, std::uint64_t now_ms, std::vector<std::vector<std::byte>>& out);
  std::uint32_t& sequence_for(std::uint32_t ifindex, bool counters);

  wire::SflowDatagram pending_;
  std::size_t pending_bytes_ = 0;
  std::size_t max_bytes_;
  std::uint64_t boot_ms_;
  std::uint32_t datagram_sequence_ = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> flow_sequences_;     // ifindex -> sequence
  std::vector<std::pair<std::uint32_t, std::uint32_t>> counter_sequences_;  // ifindex -> sequence
  std::uint64_t flow_samples_ = 0;
  std::uint64_t counter_samples_ = 0;
};

}  // namespace flowlab::probe
