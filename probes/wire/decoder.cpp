#include "probes/wire/decoder.hpp"

#include "probes/wire/decoder_state.hpp"

#include <string>

namespace flowlab::wire {
namespace detail {

SourceState* DecoderState::source_for(const SourceKey& key) {
  auto it = sources.find(key);
  if (it != sources.end()) {
    return &it->second;
  }
  if (sources.size() >= options.max_sources) {
    ++counters.source_cap_exceeded;
    return nullptr;
  }
  return &sources.emplace(key, SourceState{}).first->second;
}

Result<DatagramInfo, ParseError> DecoderState::decode(Bytes datagram, const IpAddress& exporter, std::uint16_t port,
                                                      std::uint64_t receive_ms, std::vector<FlowRecord>& out) {
  ++counters.datagrams;
  DatagramInfo info;
  info.exporter = exporter;
  info.exporter_port = port;
  Reader r(datagram);
  const std::uint16_t version = r.u16();
  if (!r.ok()) {
    ++counters.unsupported_version;
    ++counters.datagrams_bad;
    return error(ParseErrorCode::kTruncated, 0, "datagram shorter than a version field");
  }
  Result<DatagramInfo, ParseError> result = error(ParseErrorCode::kUnsupportedVersion, 0, "");
  if (version == 5) {
    result = decode_v5(datagram, info, out);
  } else if (version == 9) {
    result = decode_template_based(datagram, false, info, receive_ms, out);
  } else if (version == 10) {
    result = decode_template_based(datagram, true, info, receive_ms, out);
  } else if (version == 0 && r.u16() == 5) {
    result = decode_sflow_datagram(datagram, info, receive_ms, out);
  } else {
    ++counters.unsupported_version;
    result = error(ParseErrorCode::kUnsupportedVersion, 0, "version " + std::to_string(version));
  }
  if (!result.ok()) {
    ++counters.datagrams_bad;
  }
  return result;
}

}  // namespace detail

Decoder::Decoder(DecoderOptions options) : state_(std::make_unique<detail::DecoderState>(options)) {}
Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;

Result<DatagramInfo, ParseError> Decoder::decode(std::span<const std::byte> datagram, const IpAddress& exporter,
                                                 std::uint16_t exporter_port, std::uint64_t receive_ms,
                                                 std::vector<FlowRecord>& out) {
  return state_->decode(datagram, exporter, exporter_port, receive_ms, out);
}

const DecodeCounters& Decoder::counters() const { return state_->counters; }
std::span<const SflowCounterSample> Decoder::sflow_counters() const { return state_->sflow_counters; }
std::size_t Decoder::template_count() const {
  std::size_t n = 0;
  for (const auto& [key, source] : state_->sources) {
    n += source.templates.size();
  }
  return n;
}
const DecoderOptions& Decoder::options() const { return state_->options; }

}  // namespace flowlab::wire
