#include "probes/probe/sflow_agent.hpp"

namespace flowlab::probe {
namespace {

std::size_t padded(std::size_t n) { return (n + 3U) & ~std::size_t{3}; }

std::size_t header_bytes(const IpAddress& agent) { return 4 + 4 + (agent.is_v6() ? 16 : 4) + 16; }

std::size_t flow_sample_bytes(const SflowAgent::Sample& s) {
  std::size_t n = 8 + 32 + 8 + 16 + padded(s.header.size());
  if (s.router) {
    n += 8 + 4 + s.router->next_hop.size() + 8;
  }
  return n;
}

constexpr std::size_t kCounterSampleBytes = 8 + 12 + 8 + 88;

}  // namespace

SflowAgent::SflowAgent(IpAddress agent, std::uint32_t sub_agent_id, std::size_t max_datagram_bytes,
                       std::uint64_t boot_ms)
    : max_bytes_(max_datagram_bytes), boot_ms_(boot_ms) {
  pending_.agent = agent;
  pending_.sub_agent_id = sub_agent_id;
  pending_bytes_ = header_bytes(agent);
}

std::uint32_t& SflowAgent::sequence_for(std::uint32_t ifindex, bool counters) {
  auto& table = counters ? counter_sequences_ : flow_sequences_;
  for (auto& [index, seq] : table) {
    if (index == ifindex) {
      return seq;
    }
  }
  table.emplace_back(ifindex, 0);
  return table.back().second;
}

void SflowAgent::make_room(std::size_t bytes, std::uint64_t now_ms, std::vector<std::vector<std::byte>>& out) {
  if (pending_bytes_ + bytes > max_bytes_) {
    flush(now_ms, out);
  }
}

void SflowAgent::add_flow_sample(const Sample& s, std::uint64_t now_ms, std::vector<std::vector<std::byte>>& out) {
  make_room(flow_sample_bytes(s), now_ms, out);
  wire::SflowFlowSample f;
  f.sequence = ++sequence_for(s.ifindex, false);
  f.source_id_type = 0;
  f.source_id_index = s.ifindex;
  f.sampling_rate = s.sampling_rate;
  f.sample_pool = s.sample_pool;
  f.drops = s.drops;
  f.input = s.input_ifindex.value_or(s.ifindex);
  f.output = s.output_ifindex;
  f.header_protocol = s.header_protocol;
  f.frame_length = s.frame_length;
  f.stripped = 0;
  f.header.assign(s.header.begin(), s.header.end());
  f.router = s.router;
  pending_.flow_samples.push_back(std::move(f));
  pending_bytes_ += flow_sample_bytes(s);
  ++flow_samples_;
}

void SflowAgent::add_counter_sample(const wire::SflowInterfaceCounters& c, std::uint64_t now_ms,
                                    std::vector<std::vector<std::byte>>& out) {
  make_room(kCounterSampleBytes, now_ms, out);
  wire::SflowCounterSample s;
  s.sequence = ++sequence_for(c.if_index, true);
  s.source_id_type = 0;
  s.source_id_index = c.if_index;
  s.counters = c;
  pending_.counter_samples.push_back(s);
  pending_bytes_ += kCounterSampleBytes;
  ++counter_samples_;
}

void SflowAgent::flush(std::uint64_t now_ms, std::vector<std::vector<std::byte>>& out) {
  if (pending_.flow_samples.empty() && pending_.counter_samples.empty()) {
    return;
  }
  pending_.sequence = ++datagram_sequence_;
  pending_.uptime_ms = static_cast<std::uint32_t>(now_ms >= boot_ms_ ? now_ms - boot_ms_ : 0);
  out.push_back(wire::encode_sflow(pending_));
  pending_.flow_samples.clear();
  pending_.counter_samples.clear();
  pending_bytes_ = header_bytes(pending_.agent);
}

}  // namespace flowlab::probe
