// flowlab::bgp::detail wire helpers shared by the message codecs (message, capabilities, nlri, attributes, update):
// the NOTIFICATION-carrying failure, the 19-byte header writer and address read/write. Internal to probes/bgp.
#pragma once

#include "probes/bgp/message.hpp"

#include <span>
#include <string>
#include <utility>
#include <vector>

namespace flowlab::bgp::detail {

inline Failure<BgpError> bgp_fail(std::uint8_t code, std::uint8_t subcode, std::string message, std::size_t offset = 0,
                                  std::vector<std::byte> data = {}) {
  return Failure<BgpError>{BgpError{code, subcode, std::move(data), std::move(message), offset}};
}

inline std::vector<std::byte> u16_data(std::uint16_t v) {
  return {static_cast<std::byte>(v >> 8U), static_cast<std::byte>(v & 0xffU)};
}

inline std::vector<std::byte> copy_bytes(Bytes b) { return {b.begin(), b.end()}; }

// Marker, a length patched by finish(), type (RFC 4271 §4.1).
inline void write_header(Writer& w, MessageType type) {
  for (int i = 0; i < 16; ++i) {
    w.u8(0xff);
  }
  w.u16(0);
  w.u8(static_cast<std::uint8_t>(type));
}

inline std::vector<std::byte> finish(Writer& w) {
  w.patch_u16(16, static_cast<std::uint16_t>(w.size()));
  return w.take();
}

inline IpAddress read_v4(Reader& r) { return IpAddress::v4(r.array<4>()); }
inline IpAddress read_v6(Reader& r) { return IpAddress::v6(r.array<16>()); }

inline void write_addr(Writer& w, const IpAddress& a) {
  w.bytes(std::span<const std::uint8_t>(a.bytes.data(), a.size()));
}

// An AS number on a 2-octet session: AS_TRANS when it does not fit (RFC 6793 §4.2.2).
inline std::uint16_t two_octet_as(std::uint32_t asn) {
  return asn > 0xffffU ? kAsTrans : static_cast<std::uint16_t>(asn);
}

}  // namespace flowlab::bgp::detail
