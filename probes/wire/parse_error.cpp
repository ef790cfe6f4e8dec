#include "probes/wire/parse_error.hpp"

namespace flowlab::wire {

std::string_view to_string(ParseErrorCode code) {
  switch (code) {
    case ParseErrorCode::kTruncated:
      return "truncated";
    case ParseErrorCode::kUnsupportedVersion:
      return "unsupported_version";
    case ParseErrorCode::kBadLength:
      return "bad_length";
    case ParseErrorCode::kBadTemplate:
      return "bad_template";
    case ParseErrorCode::kBadSample:
      return "bad_sample";
    case ParseErrorCode::kBadAddress:
      return "bad_address";
    case ParseErrorCode::kCapExceeded:
      return "cap_exceeded";
  }
  return "unknown";
}

std::string ParseError::to_string() const {
  std::string out(wire::to_string(code));
  out += " at offset ";
  out += std::to_string(offset);
  if (!context.empty()) {
    out += ": ";
    out += context;
  }
  return out;
}

}  // namespace flowlab::wire
