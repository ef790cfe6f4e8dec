#include "probes/wire/decoder.hpp"

namespace flowlab::wire {
namespace detail {
class DecoderState {
 public:
  DecoderOptions options;
  DecodeCounters counters;
  std::vector<SflowCounterSample> sflow_counters;
};
}  // namespace detail

Decoder::Decoder(DecoderOptions options) : state_(std::make_unique<detail::DecoderState>()) {
  state_->options = options;
}
Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;

Result<DatagramInfo, ParseError> Decoder::decode(std::span<const std::byte> datagram, const IpAddress&, std::uint16_t,
                                                 std::uint64_t, std::vector<FlowRecord>&) {
  ++state_->counters.datagrams;
  return Failure<ParseError>{ParseError{ParseErrorCode::kUnsupportedVersion, datagram.size(), "not yet"}};
}
const DecodeCounters& Decoder::counters() const { return state_->counters; }
std::span<const SflowCounterSample> Decoder::sflow_counters() const { return state_->sflow_counters; }
std::size_t Decoder::template_count() const { return 0; }
const DecoderOptions& Decoder::options() const { return state_->options; }
}  // namespace flowlab::wire
