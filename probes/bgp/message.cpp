// BGP-4 messages (RFC 4271 §4): the header and the small messages (NOTIFICATION, ROUTE-REFRESH, KEEPALIVE).
// OPEN is in capabilities.cpp, UPDATE in update.cpp over the attribute table (attributes.cpp), NLRI in nlri.cpp.
#include "probes/bgp/message.hpp"

#include "probes/bgp/wire.hpp"

#include <string_view>

namespace flowlab::bgp {

using detail::bgp_fail;
using detail::u16_data;

namespace {

std::string_view code_name(std::uint8_t code) {
  switch (code) {
    case err::kHeader:
      return "Message Header Error";
    case err::kOpen:
      return "OPEN Message Error";
    case err::kUpdate:
      return "UPDATE Message Error";
    case err::kHoldTimer:
      return "Hold Timer Expired";
    case err::kFsm:
      return "Finite State Machine Error";
    case err::kCease:
      return "Cease";
    case err::kRouteRefresh:
      return "ROUTE-REFRESH Message Error";
    default:
      return "Unknown";
  }
}

}  // namespace

std::string BgpError::to_string() const {
  return Notification{code, subcode, data}.to_string() + ": " + message + " (offset " + std::to_string(offset) + ")";
}

std::string Notification::to_string() const {
  return std::string(code_name(code)) + " (" + std::to_string(code) + "/" + std::to_string(subcode) + ")";
}

// ---- header ----

std::size_t peek_length(Bytes data) {
  if (data.size() < kHeaderSize) {
    return 0;
  }
  return (std::to_integer<std::size_t>(data[16]) << 8U) | std::to_integer<std::size_t>(data[17]);
}

BgpResult<Header> parse_header(Bytes data) {
  Reader r(data);
  for (int i = 0; i < 16; ++i) {
    if (r.u8() != 0xff) {
      return bgp_fail(err::kHeader, err::kNotSynchronized, r.ok() ? "marker is not all ones" : "truncated header",
                      r.offset());
    }
  }
  Header h;
  h.length = r.u16();
  const std::uint8_t type = r.u8();
  if (!r.ok()) {
    return bgp_fail(err::kHeader, err::kBadLength, "truncated header", r.offset());
  }
  if (h.length < kHeaderSize || h.length > kMaxMessageSize) {
    return bgp_fail(err::kHeader, err::kBadLength, "message length " + std::to_string(h.length), 16,
                    u16_data(h.length));
  }
  std::size_t min = kHeaderSize;
  switch (type) {
    case 1:
      min = 29;
      break;
    case 2:
      min = 23;
      break;
    case 3:
      min = 21;
      break;
    case 4:
    case 5:
      break;
    default:
      return bgp_fail(err::kHeader, err::kBadType, "message type " + std::to_string(type), 18,
                      {static_cast<std::byte>(type)});
  }
  h.type = static_cast<MessageType>(type);
  if (h.length < min || (h.type == MessageType::kKeepalive && h.length != kHeaderSize)) {
    return bgp_fail(err::kHeader, err::kBadLength,
                    "message length " + std::to_string(h.length) + " for type " + std::to_string(type), 16,
                    u16_data(h.length));
  }
  if (data.size() < h.length) {
    return bgp_fail(err::kHeader, err::kBadLength, "message shorter than its length field", data.size(),
                    u16_data(h.length));
  }
  return h;
}

// ---- NOTIFICATION, ROUTE-REFRESH, KEEPALIVE ----

BgpResult<Notification> parse_notification(Bytes body) {
  Reader r(body, kHeaderSize);
  Notification n;
  n.code = r.u8();
  n.subcode = r.u8();
  if (!r.ok()) {
    return bgp_fail(err::kHeader, err::kBadLength, "NOTIFICATION shorter than 21 bytes", kHeaderSize);
  }
  n.data = detail::copy_bytes(r.bytes(r.remaining()));
  return n;
}

std::vector<std::byte> encode(const Notification& n) {
  Writer w(32);
  detail::write_header(w, MessageType::kNotification);
  w.u8(n.code);
  w.u8(n.subcode);
  w.bytes(Bytes(n.data));
  return detail::finish(w);
}

BgpResult<RouteRefresh> parse_route_refresh(Bytes body) {
  Reader r(body, kHeaderSize);
  if (body.size() != 4) {
    // RFC 7313 §5: the data is the complete message, which we rebuild from the body.
    Writer whole;
    detail::write_header(whole, MessageType::kRouteRefresh);
    whole.bytes(body);
    return bgp_fail(err::kRouteRefresh, err::kInvalidMessageLength,
                    "ROUTE-REFRESH length " + std::to_string(body.size() + kHeaderSize), kHeaderSize,
                    detail::finish(whole));
  }
  RouteRefresh rr;
  rr.af.afi = r.u16();
  rr.subtype = r.u8();
  rr.af.safi = r.u8();
  return rr;
}

std::vector<std::byte> encode(const RouteRefresh& rr) {
  Writer w(23);
  detail::write_header(w, MessageType::kRouteRefresh);
  w.u16(rr.af.afi);
  w.u8(rr.subtype);
  w.u8(rr.af.safi);
  return detail::finish(w);
}

std::vector<std::byte> encode(const Keepalive& /*keepalive*/) {
  Writer w(19);
  detail::write_header(w, MessageType::kKeepalive);
  return detail::finish(w);
}

}  // namespace flowlab::bgp
