// flowlab::wire::ParseError — what a decoder returns for a datagram it cannot (fully) decode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace flowlab::wire {

enum class ParseErrorCode : std::uint8_t {
  kTruncated,           // a header, set or record runs past the end of its container
  kUnsupportedVersion,  // not NetFlow v5/v9, IPFIX or sFlow v5
  kBadLength,           // a length field contradicts the datagram (IPFIX message length, set length < 4, ...)
  kBadTemplate,         // a template record is malformed (zero-length field, too many fields, ...)
  kBadSample,           // an sFlow sample or record is malformed
  kBadAddress,          // an address type that is neither IPv4 nor IPv6
  kCapExceeded,         // a configured cap (templates, fields, records, samples) was hit
};

std::string_view to_string(ParseErrorCode code);

struct ParseError {
  ParseErrorCode code = ParseErrorCode::kTruncated;
  std::size_t offset = 0;  // byte offset in the datagram where decoding stopped
  std::string context;     // e.g. "ipfix set 256 record 3"

  [[nodiscard]] std::string to_string() const;
};

}  // namespace flowlab::wire
