#include "probes/wire/sflow.hpp"

namespace flowlab::wire {
std::vector<std::byte> encode_sflow(const SflowDatagram&) { return {}; }
Result<SflowDatagram, ParseError> decode_sflow(Bytes) {
  return Failure<ParseError>{ParseError{ParseErrorCode::kUnsupportedVersion, 0, "not yet"}};
}
}  // namespace flowlab::wire
