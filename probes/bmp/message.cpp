// BMP message parsing (RFC 7854 §4): the common and per-peer headers, each message type's body; the BGP PDUs inside
// go through probes/bgp's decoders.
#include "probes/bmp/message.hpp"

#include <algorithm>
#include <string_view>

namespace flowlab::bmp {

namespace {

Failure<Error> bmp_fail(const std::string& what, std::size_t offset) {
  return fail(ErrorKind::kParse, "bmp: " + what + " (offset " + std::to_string(offset) + ")");
}

std::string as_string(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

Result<PeerHeader> parse_peer_header(Reader& r) {
  const std::size_t at = r.offset();
  if (r.remaining() < kPeerHeaderSize) {
    return bmp_fail("per-peer header truncated", at);
  }
  PeerHeader h;
  const std::uint8_t type = r.u8();
  if (type > static_cast<std::uint8_t>(PeerType::kLocRib)) {
    return bmp_fail("peer type " + std::to_string(type), at);
  }
  h.type = static_cast<PeerType>(type);
  h.flags = r.u8();
  h.distinguisher = r.u64();
  const auto addr = r.array<16>();
  if ((h.flags & flag::kIpv6) != 0) {
    h.address = IpAddress::v6(addr);
  } else {
    h.address = IpAddress::v4(std::array<std::uint8_t, 4>{addr[12], addr[13], addr[14], addr[15]});
  }
  h.asn = r.u32();
  h.bgp_id = r.u32();
  h.timestamp_sec = r.u32();
  h.timestamp_usec = r.u32();
  return h;
}

// Type-length-value information fields up to the end of r (RFC 7854 §4.4).
Result<std::vector<InfoTlv>> parse_tlvs(Reader& r) {
  std::vector<InfoTlv> out;
  while (r.remaining() > 0) {
    const std::size_t at = r.offset();
    if (r.remaining() < 4) {
      return bmp_fail("information TLV header truncated", at);
    }
    InfoTlv t;
    t.type = r.u16();
    const std::uint16_t len = r.u16();
    if (r.remaining() < len) {
      return bmp_fail("information TLV length " + std::to_string(len) + " overruns the message", at);
    }
    t.value = as_string(r.bytes(len));
    out.push_back(std::move(t));
  }
  return out;
}

// One embedded BGP message of the expected type: its bytes (header included), checked by bgp::parse_header.
Result<Bytes> embedded_bgp(Reader& r, bgp::MessageType want, std::string_view what) {
  const std::size_t at = r.offset();
  const Bytes rest = r.peek_rest();
  auto h = bgp::parse_header(rest);
  if (!h) {
    return bmp_fail(std::string(what) + ": " + h.error().to_string(), at);
  }
  if (h->type != want) {
    return bmp_fail(std::string(what) + ": BGP message type " + std::to_string(static_cast<int>(h->type)), at);
  }
  return r.bytes(h->length);
}

// A BGP header with the OPEN type and length 19: no OPEN body at all (bgp::parse_header refuses it as a message).
bool is_bare_open_header(Bytes rest) {
  if (rest.size() < bgp::kHeaderSize) {
    return false;
  }
  for (std::size_t i = 0; i < 16; ++i) {
    if (rest[i] != std::byte{0xff}) {
      return false;
    }
  }
  return rest[16] == std::byte{0} && rest[17] == std::byte{bgp::kHeaderSize} &&
         rest[18] == std::byte{static_cast<std::uint8_t>(bgp::MessageType::kOpen)};
}

// A Peer Up's OPEN; nullopt for a bare 19-octet OPEN header (the router kept no copy of that OPEN).
Result<std::optional<bgp::Open>> embedded_open(Reader& r, std::string_view what) {
  const std::size_t at = r.offset();
  if (is_bare_open_header(r.peek_rest())) {
    r.skip(bgp::kHeaderSize);
    return std::optional<bgp::Open>{};
  }
  auto raw = embedded_bgp(r, bgp::MessageType::kOpen, what);
  if (!raw) {
    return fail(raw.error());
  }
  auto open = bgp::parse_open(raw->subspan(bgp::kHeaderSize));
  if (!open) {
    return bmp_fail(std::string(what) + ": " + open.error().to_string(), at);
  }
  return std::optional<bgp::Open>{std::move(*open)};
}

Result<Message> parse_peer_up(Reader& r, const PeerHeader& peer) {
  PeerUp up;
  up.peer = peer;
  if (r.remaining() < 20) {
    return bmp_fail("Peer Up: local address and ports truncated", r.offset());
  }
  const auto local = r.array<16>();
  up.local_address = (peer.flags & flag::kIpv6) != 0
                         ? IpAddress::v6(local)
                         : IpAddress::v4(std::array<std::uint8_t, 4>{local[12], local[13], local[14], local[15]});
  up.local_port = r.u16();
  up.remote_port = r.u16();
  auto sent = embedded_open(r, "Peer Up sent OPEN");
  if (!sent) {
    return fail(sent.error());
  }
  auto received = embedded_open(r, "Peer Up received OPEN");
  if (!received) {
    return fail(received.error());
  }
  up.sent = std::move(*sent);
  up.received = std::move(*received);
  auto tlvs = parse_tlvs(r);
  if (!tlvs) {
    return fail(tlvs.error());
  }
  up.info = std::move(*tlvs);
  return Message{std::move(up)};
}

Result<Message> parse_peer_down(Reader& r, const PeerHeader& peer) {
  PeerDown down;
  down.peer = peer;
  const std::size_t at = r.offset();
  const std::uint8_t reason = r.u8();
  if (!r.ok() || reason < 1 || reason > 5) {
    return bmp_fail(r.ok() ? "Peer Down reason " + std::to_string(reason) : "Peer Down reason missing", at);
  }
  down.reason = static_cast<PeerDownReason>(reason);
  if (down.reason == PeerDownReason::kLocalNotification || down.reason == PeerDownReason::kRemoteNotification) {
    auto raw = embedded_bgp(r, bgp::MessageType::kNotification, "Peer Down NOTIFICATION");
    if (!raw) {
      return fail(raw.error());
    }
    auto n = bgp::parse_notification(raw->subspan(bgp::kHeaderSize));
    if (!n) {
      return bmp_fail("Peer Down NOTIFICATION: " + n.error().to_string(), at + 1);
    }
    down.notification = std::move(*n);
  } else if (down.reason == PeerDownReason::kLocalNoNotification) {
    down.fsm_event = r.u16();
    if (!r.ok()) {
      return bmp_fail("Peer Down FSM event code truncated", at + 1);
    }
  }
  // Reasons 4 and 5 carry no data; whatever else follows is ignored as RFC 7854 §4.9 allows no more.
  return Message{std::move(down)};
}

Result<Message> parse_route_monitoring(Reader& r, const PeerHeader& peer) {
  auto raw = embedded_bgp(r, bgp::MessageType::kUpdate, "Route Monitoring");
  if (!raw) {
    return fail(raw.error());
  }
  if (r.remaining() != 0) {
    return bmp_fail("Route Monitoring: " + std::to_string(r.remaining()) + " octets after the UPDATE", r.offset());
  }
  return Message{RouteMonitoring{peer, *raw}};
}

Result<Message> parse_stats(Reader& r, const PeerHeader& peer) {
  StatsReport s;
  s.peer = peer;
  const std::uint32_t count = r.u32();
  if (!r.ok()) {
    return bmp_fail("Stats Report count truncated", r.offset());
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t at = r.offset();
    Stat st;
    st.type = r.u16();
    const std::uint16_t len = r.u16();
    Reader v = r.sub(len);
    if (!r.ok()) {
      return bmp_fail("Stats Report entry " + std::to_string(i) + " overruns the message", at);
    }
    if (len == 11) {  // AFI (2), SAFI (1), 64-bit gauge (RFC 7854 §4.8 types 9, 10)
      st.afi_safi = bgp::AfiSafi{v.u16(), v.u8()};
      st.value = v.u64();
    } else if (len == 4 || len == 8) {
      st.value = v.uint(len);
    } else {
      return bmp_fail("Stats Report entry " + std::to_string(i) + " length " + std::to_string(len), at);
    }
    s.stats.push_back(st);
  }
  return Message{std::move(s)};
}

Result<Message> parse_body(MessageType type, Reader& r) {
  if (type == MessageType::kInitiation || type == MessageType::kTermination) {
    auto tlvs = parse_tlvs(r);
    if (!tlvs) {
      return fail(tlvs.error());
    }
    if (type == MessageType::kInitiation) {
      return Message{Initiation{std::move(*tlvs)}};
    }
    Termination t{std::move(*tlvs), std::nullopt};
    for (const auto& tlv : t.tlvs) {
      if (tlv.type == info::kReason && tlv.value.size() == 2) {
        t.reason = static_cast<std::uint16_t>((static_cast<unsigned char>(tlv.value[0]) << 8U) |
                                              static_cast<unsigned char>(tlv.value[1]));
      }
    }
    return Message{std::move(t)};
  }
  auto peer = parse_peer_header(r);
  if (!peer) {
    return fail(peer.error());
  }
  switch (type) {
    case MessageType::kRouteMonitoring:
      return parse_route_monitoring(r, *peer);
    case MessageType::kStatsReport:
      return parse_stats(r, *peer);
    case MessageType::kPeerDown:
      return parse_peer_down(r, *peer);
    case MessageType::kPeerUp:
      return parse_peer_up(r, *peer);
    default:
      return Message{RouteMirroring{*peer}};
  }
}

std::string tlv_value(const std::vector<InfoTlv>& tlvs, std::uint16_t type) {
  for (const auto& t : tlvs) {
    if (t.type == type) {
      return t.value;
    }
  }
  return {};
}

bool receives(const bgp::Open& receiver, const bgp::Open& sender, bgp::AfiSafi af) {
  const auto r = receiver.add_path(af);
  const auto s = sender.add_path(af);
  return r && s && *r != bgp::AddPathMode::kSend && *s != bgp::AddPathMode::kReceive;
}

// The OPEN offers the family: it lists it, or (IPv4 unicast) it has no multiprotocol capability at all.
bool offers(const bgp::Open& open, bgp::AfiSafi af) {
  const auto families = open.multiprotocol();
  return std::ranges::find(families, af) != families.end() || (families.empty() && af == bgp::kIpv4Unicast);
}

}  // namespace

std::string_view to_string(RibKind kind) {
  switch (kind) {
    case RibKind::kAdjInPre:
      return "adj-rib-in-pre";
    case RibKind::kAdjInPost:
      return "adj-rib-in-post";
    case RibKind::kAdjOutPre:
      return "adj-rib-out-pre";
    case RibKind::kAdjOutPost:
      return "adj-rib-out-post";
    case RibKind::kLocRib:
      return "loc-rib";
  }
  return "?";
}

RibKind PeerHeader::rib_kind() const {
  if (type == PeerType::kLocRib) {
    return RibKind::kLocRib;
  }
  if (adj_rib_out()) {
    return post_policy() ? RibKind::kAdjOutPost : RibKind::kAdjOutPre;
  }
  return post_policy() ? RibKind::kAdjInPost : RibKind::kAdjInPre;
}

std::string Initiation::sys_name() const { return tlv_value(tlvs, info::kSysName); }
std::string Initiation::sys_descr() const { return tlv_value(tlvs, info::kSysDescr); }

Result<std::size_t> peek_length(Bytes data) {
  if (data.size() < kCommonHeaderSize) {
    return std::size_t{0};
  }
  Reader r(data);
  const std::uint8_t version = r.u8();
  const std::uint32_t length = r.u32();
  if (version != kVersion) {
    return bmp_fail("version " + std::to_string(version) + ", expected 3", 0);
  }
  if (length < kCommonHeaderSize || length > kMaxMessageSize) {
    return bmp_fail("message length " + std::to_string(length), 1);
  }
  return std::size_t{length};
}

Result<Message> parse_message(Bytes data) {
  auto length = peek_length(data);
  if (!length) {
    return fail(length.error());
  }
  if (*length == 0 || *length != data.size()) {
    return bmp_fail("message length " + std::to_string(*length) + " for " + std::to_string(data.size()) + " octets", 1);
  }
  Reader r(data);
  r.skip(5);
  const std::uint8_t type = r.u8();
  if (type > static_cast<std::uint8_t>(MessageType::kRouteMirroring)) {
    return bmp_fail("message type " + std::to_string(type), 5);
  }
  return parse_body(static_cast<MessageType>(type), r);
}

bgp::SessionContext session_context(const PeerUp& up, bool adj_rib_out) {
  bgp::SessionContext ctx;
  ctx.four_octet_as = (!up.sent || up.sent->has_four_octet_as()) && (!up.received || up.received->has_four_octet_as());
  if (up.sent && up.received) {
    const bgp::Open& receiver = adj_rib_out ? *up.received : *up.sent;
    const bgp::Open& sender = adj_rib_out ? *up.sent : *up.received;
    ctx.add_path_ipv4 = receives(receiver, sender, bgp::kIpv4Unicast);
    ctx.add_path_ipv6 = receives(receiver, sender, bgp::kIpv6Unicast);
  }
  ctx.ebgp = up.sent && up.sent->asn() != up.peer.asn;
  ctx.ipv4_unicast =
      up.sent && up.received && offers(*up.sent, bgp::kIpv4Unicast) && offers(*up.received, bgp::kIpv4Unicast);
  ctx.ipv6_unicast =
      up.sent && up.received && offers(*up.sent, bgp::kIpv6Unicast) && offers(*up.received, bgp::kIpv6Unicast);
  return ctx;
}

bgp::BgpResult<bgp::DecodedUpdate> decode_update(const RouteMonitoring& rm, bgp::SessionContext ctx,
                                                 bgp::Counters& counters) {
  auto h = bgp::parse_header(rm.update);
  if (!h) {
    return Failure<bgp::BgpError>{h.error()};
  }
  ctx.four_octet_as = !rm.peer.two_octet_as();
  ctx.ebgp = false;  // a monitored router's LOCAL_PREF is reported as it is, from any peer
  return bgp::parse_update(rm.update.subspan(bgp::kHeaderSize, h->length - bgp::kHeaderSize), ctx, counters);
}

}  // namespace flowlab::bmp
