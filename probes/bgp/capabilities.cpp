// OPEN and its capabilities (RFC 4271 §4.2, RFC 5492; each capability's RFC at its struct in message.hpp).
#include "probes/bgp/message.hpp"
#include "probes/bgp/wire.hpp"

#include <algorithm>

namespace flowlab::bgp {

using detail::bgp_fail;
using detail::u16_data;

namespace {

bool parse_multiprotocol(Reader& v, Capability& out) {
  if (v.remaining() != 4) {
    return false;
  }
  MultiprotocolCap c;
  c.af.afi = v.u16();
  v.skip(1);
  c.af.safi = v.u8();
  out = c;
  return true;
}

bool parse_add_path(Reader& v, Capability& out) {
  if (v.remaining() % 4 != 0) {
    return false;
  }
  AddPathCap c;
  while (v.remaining() > 0) {
    AddPathCap::Entry e;
    e.af.afi = v.u16();
    e.af.safi = v.u8();
    const std::uint8_t mode = v.u8();
    if (mode < 1 || mode > 3) {
      return false;
    }
    e.mode = static_cast<AddPathMode>(mode);
    c.entries.push_back(e);
  }
  out = std::move(c);
  return true;
}

bool parse_graceful_restart(Reader& v, Capability& out) {
  if (v.remaining() < 2 || (v.remaining() - 2) % 4 != 0) {
    return false;
  }
  GracefulRestartCap c;
  const std::uint16_t head = v.u16();
  c.restart_flags = static_cast<std::uint8_t>(head >> 12U);
  c.restart_time = static_cast<std::uint16_t>(head & 0x0fffU);
  while (v.remaining() > 0) {
    GracefulRestartCap::Entry e;
    e.af.afi = v.u16();
    e.af.safi = v.u8();
    e.flags = v.u8();
    c.entries.push_back(e);
  }
  out = std::move(c);
  return true;
}

bool parse_capability(std::uint8_t code, Reader v, Capability& out) {
  switch (code) {
    case cap::kMultiprotocol:
      return parse_multiprotocol(v, out);
    case cap::kRouteRefresh:
      out = RouteRefreshCap{};
      return v.remaining() == 0;
    case cap::kEnhancedRouteRefresh:
      out = EnhancedRouteRefreshCap{};
      return v.remaining() == 0;
    case cap::kFourOctetAs:
      if (v.remaining() != 4) {
        return false;
      }
      out = FourOctetAsCap{v.u32()};
      return true;
    case cap::kAddPath:
      return parse_add_path(v, out);
    case cap::kGracefulRestart:
      return parse_graceful_restart(v, out);
    default:
      out = UnknownCap{code, detail::copy_bytes(v.bytes(v.remaining()))};
      return true;
  }
}

// One capability's code, length and value.
struct CapabilityWriter {
  Writer& w;

  void operator()(const MultiprotocolCap& c) const {
    head(cap::kMultiprotocol, 4);
    w.u16(c.af.afi);
    w.u8(0);
    w.u8(c.af.safi);
  }
  void operator()(const RouteRefreshCap& /*c*/) const { head(cap::kRouteRefresh, 0); }
  void operator()(const EnhancedRouteRefreshCap& /*c*/) const { head(cap::kEnhancedRouteRefresh, 0); }
  void operator()(const FourOctetAsCap& c) const {
    head(cap::kFourOctetAs, 4);
    w.u32(c.asn);
  }
  void operator()(const AddPathCap& c) const {
    head(cap::kAddPath, 4 * c.entries.size());
    for (const auto& e : c.entries) {
      w.u16(e.af.afi);
      w.u8(e.af.safi);
      w.u8(static_cast<std::uint8_t>(e.mode));
    }
  }
  void operator()(const GracefulRestartCap& c) const {
    head(cap::kGracefulRestart, 2 + 4 * c.entries.size());
    w.u16(static_cast<std::uint16_t>((static_cast<unsigned>(c.restart_flags) << 12U) | (c.restart_time & 0x0fffU)));
    for (const auto& e : c.entries) {
      w.u16(e.af.afi);
      w.u8(e.af.safi);
      w.u8(e.flags);
    }
  }
  void operator()(const UnknownCap& c) const {
    head(c.code, c.value.size());
    w.bytes(Bytes(c.value));
  }

 private:
  void head(std::uint8_t code, std::size_t len) const {
    w.u8(code);
    w.u8(static_cast<std::uint8_t>(len));
  }
};

// The capabilities of one optional parameter of type 2 (RFC 5492 §4).
Result<void, BgpError> parse_capabilities(Reader& p, std::vector<Capability>& out) {
  while (p.remaining() > 0) {
    const std::size_t cap_offset = p.offset();
    const std::uint8_t code = p.u8();
    const std::uint8_t clen = p.u8();
    Reader v = p.sub(clen);
    Capability c;
    if (!p.ok() || !parse_capability(code, v, c)) {
      return bgp_fail(err::kOpen, 0, "malformed capability " + std::to_string(code), cap_offset);
    }
    out.push_back(std::move(c));
  }
  return {};
}

template <class T>
bool has_capability(const std::vector<Capability>& caps) {
  return std::any_of(caps.begin(), caps.end(), [](const Capability& c) { return std::holds_alternative<T>(c); });
}

}  // namespace

std::uint32_t Open::asn() const {
  for (const auto& c : capabilities) {
    if (const auto* f = std::get_if<FourOctetAsCap>(&c)) {
      return f->asn;
    }
  }
  return my_as;
}

bool Open::has_four_octet_as() const { return has_capability<FourOctetAsCap>(capabilities); }
bool Open::has_route_refresh() const { return has_capability<RouteRefreshCap>(capabilities); }
bool Open::has_enhanced_route_refresh() const { return has_capability<EnhancedRouteRefreshCap>(capabilities); }

std::vector<AfiSafi> Open::multiprotocol() const {
  std::vector<AfiSafi> out;
  for (const auto& c : capabilities) {
    if (const auto* m = std::get_if<MultiprotocolCap>(&c)) {
      out.push_back(m->af);
    }
  }
  return out;
}

std::optional<AddPathMode> Open::add_path(AfiSafi af) const {
  for (const auto& c : capabilities) {
    if (const auto* ap = std::get_if<AddPathCap>(&c)) {
      for (const auto& e : ap->entries) {
        if (e.af == af) {
          return e.mode;
        }
      }
    }
  }
  return std::nullopt;
}

BgpResult<Open> parse_open(Bytes body) {
  Reader r(body, kHeaderSize);
  Open o;
  o.version = r.u8();
  o.my_as = r.u16();
  o.hold_time = r.u16();
  o.bgp_id = r.u32();
  const std::uint8_t opt_len = r.u8();
  if (!r.ok() || r.remaining() != opt_len) {
    return bgp_fail(err::kHeader, err::kBadLength, "OPEN length inconsistent with optional parameters length",
                    r.offset(), u16_data(static_cast<std::uint16_t>(body.size() + kHeaderSize)));
  }
  if (o.version != 4) {
    return bgp_fail(err::kOpen, err::kUnsupportedVersion, "BGP version " + std::to_string(o.version), kHeaderSize,
                    u16_data(4));
  }
  while (r.remaining() > 0) {
    const std::size_t param_offset = r.offset();
    const std::uint8_t type = r.u8();
    const std::uint8_t len = r.u8();
    Reader p = r.sub(len);
    if (!r.ok()) {
      return bgp_fail(err::kOpen, 0, "optional parameter overruns the OPEN", param_offset);
    }
    if (type != 2) {
      return bgp_fail(err::kOpen, err::kUnsupportedOptParam, "optional parameter type " + std::to_string(type),
                      param_offset);
    }
    if (auto parsed = parse_capabilities(p, o.capabilities); !parsed) {
      return Failure<BgpError>{parsed.error()};
    }
  }
  return o;
}

Result<void, BgpError> check_open(const Open& open, std::uint32_t expected_peer_as, std::uint32_t local_bgp_id) {
  if (open.version != 4) {
    return bgp_fail(err::kOpen, err::kUnsupportedVersion, "BGP version " + std::to_string(open.version), 0,
                    u16_data(4));
  }
  if (open.hold_time == 1 || open.hold_time == 2) {
    return bgp_fail(err::kOpen, err::kUnacceptableHoldTime, "hold time " + std::to_string(open.hold_time));
  }
  if (open.bgp_id == 0 || (local_bgp_id != 0 && open.bgp_id == local_bgp_id)) {
    // RFC 6286 §2.2: zero is invalid, and a peer must not use our own identifier.
    return bgp_fail(err::kOpen, err::kBadBgpId, "BGP identifier " + std::to_string(open.bgp_id));
  }
  if (expected_peer_as != 0 && open.asn() != expected_peer_as) {
    return bgp_fail(err::kOpen, err::kBadPeerAs,
                    "peer AS " + std::to_string(open.asn()) + ", expected " + std::to_string(expected_peer_as), 0,
                    u16_data(open.my_as));
  }
  return {};
}

std::vector<std::byte> encode(const Open& open) {
  Writer w(64);
  detail::write_header(w, MessageType::kOpen);
  w.u8(open.version);
  w.u16(open.my_as);
  w.u16(open.hold_time);
  w.u32(open.bgp_id);
  // One optional parameter with every capability (as BIRD sends it); a new one whenever 255 bytes would overflow.
  std::vector<Writer> params;
  for (const auto& c : open.capabilities) {
    Writer one;
    std::visit(CapabilityWriter{one}, c);
    if (params.empty() || params.back().size() + one.size() > 255) {
      params.emplace_back();
    }
    params.back().bytes(one.view());
  }
  std::size_t opt_len = 0;
  for (const auto& p : params) {
    opt_len += 2 + p.size();
  }
  w.u8(static_cast<std::uint8_t>(std::min<std::size_t>(opt_len, 255)));
  for (const auto& p : params) {
    w.u8(2);
    w.u8(static_cast<std::uint8_t>(p.size()));
    w.bytes(p.view());
  }
  return detail::finish(w);
}

}  // namespace flowlab::bgp
