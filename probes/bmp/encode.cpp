#include "probes/bmp/encode.hpp"

#include <optional>
#include <span>

namespace flowlab::bmp {

namespace {

void write_address(Writer& w, const IpAddress& a) {
  if (a.is_v6()) {
    w.bytes(std::span<const std::uint8_t>(a.bytes.data(), 16));
    return;
  }
  w.zeros(12);
  w.bytes(std::span<const std::uint8_t>(a.bytes.data(), 4));
}

void write_peer(Writer& w, const PeerHeader& h) {
  w.u8(static_cast<std::uint8_t>(h.type));
  w.u8(h.flags);
  w.u64(h.distinguisher);
  write_address(w, h.address);
  w.u32(h.asn);
  w.u32(h.bgp_id);
  w.u32(h.timestamp_sec);
  w.u32(h.timestamp_usec);
}

void write_tlvs(Writer& w, const std::vector<InfoTlv>& tlvs) {
  for (const auto& t : tlvs) {
    w.u16(t.type);
    w.u16(static_cast<std::uint16_t>(t.value.size()));
    w.bytes(std::as_bytes(std::span<const char>(t.value.data(), t.value.size())));
  }
}

// A Peer Up's OPEN, or for an absent one the bare OPEN header FRR sends (marker, length 19, type 1).
void write_open(Writer& w, const std::optional<bgp::Open>& open) {
  if (open) {
    w.bytes(Bytes(bgp::encode(*open)));
    return;
  }
  for (std::size_t i = 0; i < 16; ++i) {
    w.u8(0xff);
  }
  w.u16(static_cast<std::uint16_t>(bgp::kHeaderSize));
  w.u8(static_cast<std::uint8_t>(bgp::MessageType::kOpen));
}

struct BodyWriter {
  Writer& w;

  MessageType operator()(const RouteMonitoring& m) const {
    write_peer(w, m.peer);
    w.bytes(m.update);
    return MessageType::kRouteMonitoring;
  }
  MessageType operator()(const StatsReport& m) const {
    write_peer(w, m.peer);
    w.u32(static_cast<std::uint32_t>(m.stats.size()));
    for (const auto& s : m.stats) {
      w.u16(s.type);
      if (s.afi_safi) {
        w.u16(11);
        w.u16(s.afi_safi->afi);
        w.u8(s.afi_safi->safi);
        w.u64(s.value);
      } else {
        const bool gauge = s.value > 0xffffffffULL || s.type == 7 || s.type == 8;
        w.u16(gauge ? 8 : 4);
        w.uint(s.value, gauge ? 8 : 4);
      }
    }
    return MessageType::kStatsReport;
  }
  MessageType operator()(const PeerDown& m) const {
    write_peer(w, m.peer);
    w.u8(static_cast<std::uint8_t>(m.reason));
    if (m.notification) {
      w.bytes(Bytes(bgp::encode(*m.notification)));
    } else if (m.reason == PeerDownReason::kLocalNoNotification) {
      w.u16(m.fsm_event);
    }
    return MessageType::kPeerDown;
  }
  MessageType operator()(const PeerUp& m) const {
    write_peer(w, m.peer);
    write_address(w, m.local_address);
    w.u16(m.local_port);
    w.u16(m.remote_port);
    write_open(w, m.sent);
    write_open(w, m.received);
    write_tlvs(w, m.info);
    return MessageType::kPeerUp;
  }
  MessageType operator()(const Initiation& m) const {
    write_tlvs(w, m.tlvs);
    return MessageType::kInitiation;
  }
  MessageType operator()(const Termination& m) const {
    write_tlvs(w, m.tlvs);
    return MessageType::kTermination;
  }
  MessageType operator()(const RouteMirroring& m) const {
    write_peer(w, m.peer);
    return MessageType::kRouteMirroring;
  }
};

}  // namespace

std::vector<std::byte> encode(const Message& message) {
  Writer w(256);
  w.u8(kVersion);
  w.u32(0);
  w.u8(0);
  const MessageType type = std::visit(BodyWriter{w}, message);
  w.patch_u32(1, static_cast<std::uint32_t>(w.size()));
  std::vector<std::byte> out = w.take();
  out[5] = static_cast<std::byte>(type);
  return out;
}

}  // namespace flowlab::bmp
