#include "probes/bgp/message.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <string_view>
#include <utility>

namespace flowlab::bgp {

namespace {

using flowlab::Failure;

Failure<BgpError> bgp_fail(std::uint8_t code, std::uint8_t subcode, std::string message, std::size_t offset = 0,
                           std::vector<std::byte> data = {}) {
  return Failure<BgpError>{BgpError{code, subcode, std::move(data), std::move(message), offset}};
}

std::vector<std::byte> u16_data(std::uint16_t v) {
  return {static_cast<std::byte>(v >> 8U), static_cast<std::byte>(v & 0xffU)};
}

std::vector<std::byte> copy_bytes(Bytes b) { return {b.begin(), b.end()}; }

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

// ---- prefixes ----

// Reads one NLRI list (RFC 4271 §4.3, RFC 7911 §3) until r is empty. Host bits past the length are cleared.
bool parse_nlri_list(Reader& r, Family family, bool add_path, std::vector<Nlri>& out, std::string& why) {
  const unsigned max_len = family == Family::kIpv4 ? 32U : 128U;
  if (r.remaining() > 0) {
    out.reserve(out.size() + r.remaining() / (add_path ? 8U : 4U) + 1U);  // one allocation for typical lists
  }
  while (r.remaining() > 0) {
    Nlri n;
    if (add_path) {
      if (!r.has(5)) {
        why = "truncated ADD-PATH NLRI";
        return false;
      }
      n.path_id = r.u32();
    }
    const std::uint8_t len = r.u8();
    if (len > max_len) {
      why = "prefix length " + std::to_string(len) + " exceeds " + std::to_string(max_len);
      return false;
    }
    const std::size_t nbytes = (len + 7U) / 8U;
    Bytes b = r.bytes(nbytes);
    if (!r.ok()) {
      why = "truncated prefix";
      return false;
    }
    n.prefix.address.family = family;
    for (std::size_t i = 0; i < nbytes; ++i) {
      n.prefix.address.bytes[i] = std::to_integer<std::uint8_t>(b[i]);
    }
    if (len % 8U != 0) {  // host bits live only in the last byte read; the bytes past it are zero
      n.prefix.address.bytes[nbytes - 1] &= static_cast<std::uint8_t>(0xffU << (8U - len % 8U));
    }
    n.prefix.length = len;
    out.push_back(n);
  }
  return true;
}

void write_nlri_list(Writer& w, const std::vector<Nlri>& list, bool add_path) {
  for (const auto& n : list) {
    if (add_path) {
      w.u32(n.path_id);
    }
    w.u8(n.prefix.length);
    const std::size_t nbytes = (n.prefix.length + 7U) / 8U;
    w.bytes(std::span<const std::uint8_t>(n.prefix.address.bytes.data(), nbytes));
  }
}

IpAddress read_v4(Reader& r) { return IpAddress::v4(r.array<4>()); }
IpAddress read_v6(Reader& r) { return IpAddress::v6(r.array<16>()); }

void write_addr(Writer& w, const IpAddress& a) { w.bytes(std::span<const std::uint8_t>(a.bytes.data(), a.size())); }

// ---- AS paths ----

bool parse_as_path(Reader& r, std::size_t as_size, AsPath& out, std::string& why) {
  while (r.remaining() > 0) {
    if (r.remaining() < 2) {
      why = "AS_PATH segment underrun";
      return false;
    }
    const std::uint8_t type = r.u8();
    const std::uint8_t count = r.u8();
    if (type < 1 || type > 4) {
      why = "AS_PATH segment type " + std::to_string(type);
      return false;
    }
    if (count == 0) {
      why = "AS_PATH segment of length 0";
      return false;
    }
    if (r.remaining() < count * as_size) {
      why = "AS_PATH segment overrun";
      return false;
    }
    AsPathSegment seg;
    seg.type = static_cast<SegmentType>(type);
    seg.asns.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
      seg.asns.push_back(static_cast<std::uint32_t>(r.uint(as_size)));
    }
    out.segments.push_back(std::move(seg));
  }
  return r.ok();
}

void write_as_path(Writer& w, const AsPath& path, bool four_octet) {
  for (const auto& seg : path.segments) {
    for (std::size_t start = 0; start < seg.asns.size(); start += 255) {
      const std::size_t n = std::min<std::size_t>(255, seg.asns.size() - start);
      w.u8(static_cast<std::uint8_t>(seg.type));
      w.u8(static_cast<std::uint8_t>(n));
      for (std::size_t i = start; i < start + n; ++i) {
        const std::uint32_t asn = seg.asns[i];
        if (four_octet) {
          w.u32(asn);
        } else {
          w.u16(asn > 0xffffU ? kAsTrans : static_cast<std::uint16_t>(asn));
        }
      }
    }
  }
}

// ---- capabilities ----

bool parse_capability(std::uint8_t code, Reader v, Capability& out) {
  switch (code) {
    case cap::kMultiprotocol: {
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
    case cap::kAddPath: {
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
    case cap::kGracefulRestart: {
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
    default: {
      UnknownCap c;
      c.code = code;
      c.value = copy_bytes(v.bytes(v.remaining()));
      out = std::move(c);
      return true;
    }
  }
}

void write_capability(Writer& w, const Capability& c) {
  std::visit(
      [&w](const auto& cap_value) {
        using T = std::decay_t<decltype(cap_value)>;
        if constexpr (std::is_same_v<T, MultiprotocolCap>) {
          w.u8(cap::kMultiprotocol);
          w.u8(4);
          w.u16(cap_value.af.afi);
          w.u8(0);
          w.u8(cap_value.af.safi);
        } else if constexpr (std::is_same_v<T, RouteRefreshCap>) {
          w.u8(cap::kRouteRefresh);
          w.u8(0);
        } else if constexpr (std::is_same_v<T, EnhancedRouteRefreshCap>) {
          w.u8(cap::kEnhancedRouteRefresh);
          w.u8(0);
        } else if constexpr (std::is_same_v<T, FourOctetAsCap>) {
          w.u8(cap::kFourOctetAs);
          w.u8(4);
          w.u32(cap_value.asn);
        } else if constexpr (std::is_same_v<T, AddPathCap>) {
          w.u8(cap::kAddPath);
          w.u8(static_cast<std::uint8_t>(4 * cap_value.entries.size()));
          for (const auto& e : cap_value.entries) {
            w.u16(e.af.afi);
            w.u8(e.af.safi);
            w.u8(static_cast<std::uint8_t>(e.mode));
          }
        } else if constexpr (std::is_same_v<T, GracefulRestartCap>) {
          w.u8(cap::kGracefulRestart);
          w.u8(static_cast<std::uint8_t>(2 + 4 * cap_value.entries.size()));
          w.u16(static_cast<std::uint16_t>((static_cast<unsigned>(cap_value.restart_flags) << 12U) |
                                           (cap_value.restart_time & 0x0fffU)));
          for (const auto& e : cap_value.entries) {
            w.u16(e.af.afi);
            w.u8(e.af.safi);
            w.u8(e.flags);
          }
        } else {
          w.u8(cap_value.code);
          w.u8(static_cast<std::uint8_t>(cap_value.value.size()));
          w.bytes(Bytes(cap_value.value));
        }
      },
      c);
}

void write_header(Writer& w, MessageType type) {
  for (int i = 0; i < 16; ++i) {
    w.u8(0xff);
  }
  w.u16(0);  // patched by finish()
  w.u8(static_cast<std::uint8_t>(type));
}

std::vector<std::byte> finish(Writer& w) {
  w.patch_u16(16, static_cast<std::uint16_t>(w.size()));
  return w.take();
}

// ---- path attributes ----

// What RFC 7606 §7 prescribes when an attribute is malformed.
enum class OnError : std::uint8_t { kWithdraw, kDiscard, kReset };

struct AttrSpec {
  std::uint8_t flags;  // expected optional+transitive bits
  OnError on_error;
};

std::optional<AttrSpec> spec_for(std::uint8_t type) {
  constexpr std::uint8_t kWellKnown = attr::kFlagTransitive;
  constexpr std::uint8_t kOptNonTrans = attr::kFlagOptional;
  constexpr std::uint8_t kOptTrans = attr::kFlagOptional | attr::kFlagTransitive;
  switch (type) {
    case attr::kOrigin:
    case attr::kAsPath:
    case attr::kNextHop:
    case attr::kLocalPref:
      return AttrSpec{kWellKnown, OnError::kWithdraw};
    case attr::kAtomicAggregate:
      return AttrSpec{kWellKnown, OnError::kDiscard};
    case attr::kMed:
    case attr::kOriginatorId:
    case attr::kClusterList:
      return AttrSpec{kOptNonTrans, OnError::kWithdraw};
    case attr::kMpReach:
    case attr::kMpUnreach:
      return AttrSpec{kOptNonTrans, OnError::kReset};
    case attr::kAggregator:
    case attr::kAs4Path:
    case attr::kAs4Aggregator:
      return AttrSpec{kOptTrans, OnError::kDiscard};
    case attr::kCommunities:
    case attr::kExtCommunities:
    case attr::kLargeCommunities:
      return AttrSpec{kOptTrans, OnError::kWithdraw};
    default:
      return std::nullopt;
  }
}

bool valid_next_hop_v4(const IpAddress& a) {
  return !a.is_unspecified() && a.bytes[0] < 224;  // not 0.0.0.0, not multicast/class E (RFC 4271 §6.3)
}

bool parse_mp_next_hop(Reader& v, std::uint16_t afi, MpReach& mp) {
  const std::uint8_t nh_len = v.u8();
  Reader nh = v.sub(nh_len);
  if (!v.ok()) {
    return false;
  }
  if (afi == 1 && nh_len == 4) {
    mp.next_hop = read_v4(nh);
  } else if (nh_len == 16 || nh_len == 32) {  // IPv6 (also IPv4 NLRI over an IPv6 next hop, RFC 8950)
    mp.next_hop = read_v6(nh);
    if (nh_len == 32) {
      mp.link_local_next_hop = read_v6(nh);
    }
  } else {
    return false;
  }
  return nh.ok();
}

Family family_of(std::uint16_t afi) { return afi == 1 ? Family::kIpv4 : (afi == 2 ? Family::kIpv6 : Family::kNone); }

struct AttrParser {
  const SessionContext& ctx;
  Counters& counters;
  DecodedUpdate& out;
  std::size_t attr_offset = 0;
  Bytes attr_raw;  // the whole attribute (flags..value) for NOTIFICATION data

  void withdraw(std::string why) {
    out.verdict.treat_as_withdraw = true;
    out.verdict.reasons.push_back(std::move(why));
  }
  void discard(std::uint8_t type, std::string why) {
    out.verdict.discarded.push_back(type);
    out.verdict.reasons.push_back(std::move(why));
    ++counters.bgp_attr_discard;
  }

  // Applies the RFC 7606 action for a malformed attribute. Returns a session-reset error when that is the action.
  std::optional<BgpError> malformed(std::uint8_t type, OnError action, std::uint8_t subcode, const std::string& why) {
    const std::string text = "attribute " + std::to_string(type) + ": " + why;
    switch (action) {
      case OnError::kWithdraw:
        withdraw(text);
        return std::nullopt;
      case OnError::kDiscard:
        discard(type, text);
        return std::nullopt;
      case OnError::kReset:
        break;
    }
    return BgpError{err::kUpdate, subcode, copy_bytes(attr_raw), text, attr_offset};
  }

  std::optional<BgpError> parse(std::uint8_t flags, std::uint8_t type, Reader v) {
    PathAttributes& a = out.update.attrs;
    const auto spec = spec_for(type);
    if (!spec) {
      if ((flags & attr::kFlagOptional) == 0) {
        return BgpError{err::kUpdate, err::kUnrecognizedWellKnown, copy_bytes(attr_raw),
                        "unrecognized well-known attribute " + std::to_string(type), attr_offset};
      }
      if ((flags & attr::kFlagTransitive) != 0) {
        a.unknown.push_back(RawAttribute{static_cast<std::uint8_t>(flags & ~attr::kFlagExtendedLength), type,
                                         copy_bytes(v.bytes(v.remaining()))});
        ++counters.bgp_attr_unknown_kept;
      } else {
        ++counters.bgp_attr_unknown_dropped;
      }
      return std::nullopt;
    }
    const OnError on_error = spec->on_error;
    if ((flags & (attr::kFlagOptional | attr::kFlagTransitive)) != spec->flags) {
      return malformed(type, on_error, err::kAttrFlags,
                       "flags " + std::to_string(flags) + " conflict with the attribute type");
    }
    const std::size_t len = v.remaining();
    switch (type) {
      case attr::kOrigin: {
        if (len != 1) {
          return malformed(type, on_error, err::kAttrLength, "ORIGIN length " + std::to_string(len));
        }
        const std::uint8_t o = v.u8();
        if (o > 2) {
          return malformed(type, on_error, err::kInvalidOrigin, "ORIGIN value " + std::to_string(o));
        }
        a.origin = static_cast<Origin>(o);
        return std::nullopt;
      }
      case attr::kAsPath: {
        AsPath path;
        std::string why;
        if (!parse_as_path(v, ctx.four_octet_as ? 4 : 2, path, why)) {
          return malformed(type, on_error, err::kMalformedAsPath, why);
        }
        a.as_path = std::move(path);
        return std::nullopt;
      }
      case attr::kNextHop: {
        if (len != 4) {
          return malformed(type, on_error, err::kAttrLength, "NEXT_HOP length " + std::to_string(len));
        }
        IpAddress nh = read_v4(v);
        if (!valid_next_hop_v4(nh)) {
          return malformed(type, on_error, err::kInvalidNextHop, "NEXT_HOP " + nh.to_string());
        }
        a.next_hop = nh;
        return std::nullopt;
      }
      case attr::kMed:
      case attr::kLocalPref:
      case attr::kOriginatorId: {
        if (len != 4) {
          return malformed(type, on_error, err::kAttrLength, "length " + std::to_string(len) + " (want 4)");
        }
        if (type == attr::kMed) {
          a.med = v.u32();
        } else if (type == attr::kLocalPref) {
          if (ctx.ebgp) {
            discard(type, "LOCAL_PREF from an eBGP peer");
            return std::nullopt;
          }
          a.local_pref = v.u32();
        } else {
          a.originator_id = read_v4(v);
        }
        return std::nullopt;
      }
      case attr::kAtomicAggregate:
        if (len != 0) {
          return malformed(type, on_error, err::kAttrLength, "ATOMIC_AGGREGATE length " + std::to_string(len));
        }
        a.atomic_aggregate = true;
        return std::nullopt;
      case attr::kAggregator: {
        const std::size_t want = ctx.four_octet_as ? 8 : 6;
        if (len != want) {
          return malformed(type, on_error, err::kAttrLength, "AGGREGATOR length " + std::to_string(len));
        }
        Aggregator g;
        g.asn = static_cast<std::uint32_t>(v.uint(ctx.four_octet_as ? 4 : 2));
        g.address = read_v4(v);
        a.aggregator = g;
        return std::nullopt;
      }
      case attr::kAs4Aggregator: {
        if (len != 8) {
          return malformed(type, on_error, err::kAttrLength, "AS4_AGGREGATOR length " + std::to_string(len));
        }
        Aggregator g;
        g.asn = v.u32();
        g.address = read_v4(v);
        a.as4_aggregator = g;
        return std::nullopt;
      }
      case attr::kCommunities:
      case attr::kClusterList: {
        if (len == 0 || len % 4 != 0) {
          return malformed(type, on_error, err::kAttrLength, "length " + std::to_string(len) + " not 4n");
        }
        auto& list = type == attr::kCommunities ? a.communities : a.cluster_list;
        while (v.remaining() > 0) {
          list.push_back(v.u32());
        }
        return std::nullopt;
      }
      case attr::kExtCommunities:
        if (len % 8 != 0) {
          return malformed(type, on_error, err::kAttrLength, "EXTENDED_COMMUNITIES length " + std::to_string(len));
        }
        while (v.remaining() > 0) {
          a.ext_communities.push_back(v.u64());
        }
        return std::nullopt;
      case attr::kLargeCommunities:
        if (len == 0 || len % 12 != 0) {
          return malformed(type, on_error, err::kAttrLength, "LARGE_COMMUNITY length " + std::to_string(len));
        }
        while (v.remaining() > 0) {
          LargeCommunity c;
          c.global_admin = v.u32();
          c.local1 = v.u32();
          c.local2 = v.u32();
          a.large_communities.push_back(c);
        }
        return std::nullopt;
      case attr::kAs4Path: {
        AsPath path;
        std::string why;
        if (!parse_as_path(v, 4, path, why)) {
          return malformed(type, on_error, err::kMalformedAsPath, "AS4_PATH: " + why);
        }
        // RFC 6793 §6: confederation segments must not appear in AS4_PATH; they are dropped.
        std::erase_if(path.segments, [](const AsPathSegment& s) {
          return s.type == SegmentType::kConfedSequence || s.type == SegmentType::kConfedSet;
        });
        a.as4_path = std::move(path);
        return std::nullopt;
      }
      case attr::kMpReach: {
        MpReach mp;
        mp.af.afi = v.u16();
        mp.af.safi = v.u8();
        if (!v.ok()) {
          return malformed(type, on_error, err::kOptionalAttr, "MP_REACH_NLRI truncated");
        }
        const Family fam = family_of(mp.af.afi);
        if (fam == Family::kNone || mp.af.safi != 1) {
          discard(type, "MP_REACH_NLRI for unsupported AFI/SAFI " + std::to_string(mp.af.afi) + "/" +
                            std::to_string(mp.af.safi));
          return std::nullopt;
        }
        if (!parse_mp_next_hop(v, mp.af.afi, mp)) {
          return malformed(type, on_error, err::kOptionalAttr, "MP_REACH_NLRI next hop");
        }
        v.skip(1);  // reserved
        std::string why;
        if (!v.ok() || !parse_nlri_list(v, fam, ctx.add_path(mp.af), mp.nlri, why)) {
          return malformed(type, on_error, err::kOptionalAttr, "MP_REACH_NLRI: " + (why.empty() ? "truncated" : why));
        }
        a.mp_reach = std::move(mp);
        return std::nullopt;
      }
      case attr::kMpUnreach: {
        MpUnreach mp;
        mp.af.afi = v.u16();
        mp.af.safi = v.u8();
        if (!v.ok()) {
          return malformed(type, on_error, err::kOptionalAttr, "MP_UNREACH_NLRI truncated");
        }
        const Family fam = family_of(mp.af.afi);
        if (fam == Family::kNone || mp.af.safi != 1) {
          discard(type, "MP_UNREACH_NLRI for unsupported AFI/SAFI");
          return std::nullopt;
        }
        std::string why;
        if (!parse_nlri_list(v, fam, ctx.add_path(mp.af), mp.withdrawn, why)) {
          return malformed(type, on_error, err::kOptionalAttr, "MP_UNREACH_NLRI: " + why);
        }
        a.mp_unreach = std::move(mp);
        return std::nullopt;
      }
      default:
        return std::nullopt;
    }
  }
};

std::uint8_t wire_flags(std::uint8_t type) {
  const auto spec = spec_for(type);
  return spec ? spec->flags : static_cast<std::uint8_t>(attr::kFlagOptional | attr::kFlagTransitive);
}

void write_attr(Writer& w, std::uint8_t flags, std::uint8_t type, const Writer& value) {
  const std::size_t len = value.size();
  if (len > 255) {
    w.u8(static_cast<std::uint8_t>(flags | attr::kFlagExtendedLength));
    w.u8(type);
    w.u16(static_cast<std::uint16_t>(len));
  } else {
    w.u8(static_cast<std::uint8_t>(flags & ~attr::kFlagExtendedLength));
    w.u8(type);
    w.u8(static_cast<std::uint8_t>(len));
  }
  w.bytes(value.view());
}

}  // namespace

// ---- small members ----

std::string BgpError::to_string() const {
  return Notification{code, subcode, data}.to_string() + ": " + message + " (offset " + std::to_string(offset) + ")";
}

std::string Notification::to_string() const {
  return std::string(code_name(code)) + " (" + std::to_string(code) + "/" + std::to_string(subcode) + ")";
}

std::uint32_t Open::asn() const {
  for (const auto& c : capabilities) {
    if (const auto* f = std::get_if<FourOctetAsCap>(&c)) {
      return f->asn;
    }
  }
  return my_as;
}

bool Open::has_four_octet_as() const {
  return std::any_of(capabilities.begin(), capabilities.end(),
                     [](const Capability& c) { return std::holds_alternative<FourOctetAsCap>(c); });
}
bool Open::has_route_refresh() const {
  return std::any_of(capabilities.begin(), capabilities.end(),
                     [](const Capability& c) { return std::holds_alternative<RouteRefreshCap>(c); });
}
bool Open::has_enhanced_route_refresh() const {
  return std::any_of(capabilities.begin(), capabilities.end(),
                     [](const Capability& c) { return std::holds_alternative<EnhancedRouteRefreshCap>(c); });
}
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

std::size_t AsPath::length() const {
  std::size_t n = 0;
  for (const auto& s : segments) {
    if (s.type == SegmentType::kSequence) {
      n += s.asns.size();
    } else if (s.type == SegmentType::kSet) {
      n += 1;
    }
  }
  return n;
}

std::uint32_t AsPath::first_as() const {
  for (const auto& s : segments) {
    if (s.type == SegmentType::kConfedSequence || s.type == SegmentType::kConfedSet) {
      continue;
    }
    return s.type == SegmentType::kSequence && !s.asns.empty() ? s.asns.front() : 0;
  }
  return 0;
}

std::uint32_t AsPath::origin_as() const {
  if (segments.empty()) {
    return 0;
  }
  const auto& s = segments.back();
  return (s.type == SegmentType::kSequence || s.type == SegmentType::kConfedSequence) && !s.asns.empty() ? s.asns.back()
                                                                                                         : 0;
}

std::string AsPath::to_string() const {
  std::string out;
  for (const auto& s : segments) {
    if (!out.empty()) {
      out += ' ';
    }
    char open = 0;
    char close = 0;
    char sep = ' ';
    switch (s.type) {
      case SegmentType::kSequence:
        break;
      case SegmentType::kSet:
        open = '{', close = '}', sep = ',';
        break;
      case SegmentType::kConfedSequence:
        open = '(', close = ')';
        break;
      case SegmentType::kConfedSet:
        open = '[', close = ']', sep = ',';
        break;
    }
    if (open != 0) {
      out += open;
    }
    for (std::size_t i = 0; i < s.asns.size(); ++i) {
      if (i > 0) {
        out += sep;
      }
      out += std::to_string(s.asns[i]);
    }
    if (close != 0) {
      out += close;
    }
  }
  return out;
}

IpAddress PathAttributes::next_hop_for(Family family) const {
  if (family == Family::kIpv4 && next_hop) {
    return *next_hop;
  }
  if (mp_reach) {
    return mp_reach->next_hop;
  }
  return next_hop.value_or(IpAddress{});
}

bool Update::is_end_of_rib() const {
  if (!withdrawn.empty() || !nlri.empty()) {
    return false;
  }
  const PathAttributes empty;
  if (attrs == empty) {
    return true;  // IPv4 unicast End-of-RIB: an empty UPDATE
  }
  if (!attrs.mp_unreach || !attrs.mp_unreach->withdrawn.empty()) {
    return false;
  }
  PathAttributes only_unreach;
  only_unreach.mp_unreach = attrs.mp_unreach;
  return attrs == only_unreach;
}

namespace {

PathAttributes for_routes(PathAttributes a, bool four_octet_session) {
  if (a.mp_reach) {
    a.mp_reach->nlri.clear();
  }
  a.mp_unreach.reset();
  normalize(a, four_octet_session);
  return a;
}

}  // namespace

PathAttributes Update::route_attributes(bool four_octet_session) const& {
  return for_routes(attrs, four_octet_session);
}

PathAttributes Update::route_attributes(bool four_octet_session) && {
  return for_routes(std::move(attrs), four_octet_session);
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

// ---- OPEN ----

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
    while (p.remaining() > 0) {
      const std::size_t cap_offset = p.offset();
      const std::uint8_t code = p.u8();
      const std::uint8_t clen = p.u8();
      Reader v = p.sub(clen);
      Capability c;
      if (!p.ok() || !parse_capability(code, v, c)) {
        return bgp_fail(err::kOpen, 0, "malformed capability " + std::to_string(code), cap_offset);
      }
      o.capabilities.push_back(std::move(c));
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
  write_header(w, MessageType::kOpen);
  w.u8(open.version);
  w.u16(open.my_as);
  w.u16(open.hold_time);
  w.u32(open.bgp_id);
  // One optional parameter with every capability (as BIRD sends it); a new one whenever 255 bytes would overflow.
  std::vector<Writer> params;
  for (const auto& c : open.capabilities) {
    Writer one;
    write_capability(one, c);
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
  return finish(w);
}

// ---- UPDATE ----

BgpResult<DecodedUpdate> parse_update(Bytes body, const SessionContext& ctx, Counters& counters) {
  ++counters.bgp_updates_in;
  DecodedUpdate out;
  Reader r(body, kHeaderSize);
  const std::uint16_t withdrawn_len = r.u16();
  Reader wr = r.sub(withdrawn_len);
  if (!r.ok()) {
    return bgp_fail(err::kUpdate, err::kMalformedAttrList, "withdrawn routes length overruns the UPDATE", kHeaderSize);
  }
  std::string why;
  if (!parse_nlri_list(wr, Family::kIpv4, ctx.add_path_ipv4, out.update.withdrawn, why)) {
    return bgp_fail(err::kUpdate, err::kMalformedAttrList, "withdrawn routes: " + why, wr.offset());
  }
  const std::uint16_t attr_len = r.u16();
  Reader ar = r.sub(attr_len);
  if (!r.ok()) {
    return bgp_fail(err::kUpdate, err::kMalformedAttrList, "total path attribute length overruns the UPDATE",
                    kHeaderSize + 2 + withdrawn_len);
  }
  AttrParser parser{ctx, counters, out};
  std::bitset<256> seen;
  while (ar.remaining() > 0) {
    const std::size_t attr_offset = ar.offset();
    Bytes raw_start = ar.peek_rest();
    if (ar.remaining() < 3) {
      parser.withdraw("fewer than 3 octets left in the path attributes");
      break;
    }
    const std::uint8_t flags = ar.u8();
    const std::uint8_t type = ar.u8();
    const bool ext = (flags & attr::kFlagExtendedLength) != 0;
    if (ext && ar.remaining() < 2) {
      parser.withdraw("fewer than 4 octets left for an extended-length attribute");
      break;
    }
    const std::size_t len = ext ? ar.u16() : ar.u8();
    if (ar.remaining() < len) {
      parser.withdraw("attribute " + std::to_string(type) + " length " + std::to_string(len) +
                      " overruns the path attributes");
      break;
    }
    Reader v = ar.sub(len);
    const std::size_t header_len = ext ? 4 : 3;
    parser.attr_offset = attr_offset;
    parser.attr_raw = raw_start.subspan(0, header_len + len);
    if (seen.test(type)) {
      if (type == attr::kMpReach || type == attr::kMpUnreach) {
        return bgp_fail(err::kUpdate, err::kMalformedAttrList, "MP_(UN)REACH_NLRI appears twice", attr_offset);
      }
      ++counters.bgp_attr_duplicate;
      parser.discard(type, "duplicate attribute " + std::to_string(type));
      continue;
    }
    seen.set(type);
    if (auto e = parser.parse(flags, type, v)) {
      return Failure<BgpError>{std::move(*e)};
    }
  }
  std::string nlri_why;
  if (!parse_nlri_list(r, Family::kIpv4, ctx.add_path_ipv4, out.update.nlri, nlri_why)) {
    return bgp_fail(err::kUpdate, err::kInvalidNetwork, "NLRI: " + nlri_why, r.offset());
  }
  // RFC 7606 §3 d: well-known mandatory attributes are needed when something is announced.
  const PathAttributes& a = out.update.attrs;
  const bool announces_v4 = !out.update.nlri.empty();
  const bool announces_mp = a.mp_reach && !a.mp_reach->nlri.empty();
  if (announces_v4 || announces_mp) {
    const bool origin_missing = !a.origin && !seen.test(attr::kOrigin);
    const bool path_missing = !a.as_path && !seen.test(attr::kAsPath);
    const bool nh_missing = announces_v4 && !a.next_hop && !seen.test(attr::kNextHop);
    if (origin_missing || path_missing || nh_missing) {
      ++counters.bgp_missing_well_known;
      parser.withdraw(std::string("missing well-known attribute ") +
                      (origin_missing ? "ORIGIN" : (path_missing ? "AS_PATH" : "NEXT_HOP")));
    }
  }
  if (out.verdict.treat_as_withdraw) {
    ++counters.bgp_update_treat_as_withdraw;
  }
  return out;
}

std::vector<std::byte> encode(const Update& u, const SessionContext& ctx) {
  Writer w(128);
  write_header(w, MessageType::kUpdate);
  Writer withdrawn;
  write_nlri_list(withdrawn, u.withdrawn, ctx.add_path_ipv4);
  w.u16(static_cast<std::uint16_t>(withdrawn.size()));
  w.bytes(withdrawn.view());

  const PathAttributes& a = u.attrs;
  // (type, encoded attribute) pairs, then sorted by type: canonical order.
  std::vector<std::pair<std::uint8_t, Writer>> list;
  auto add = [&list](std::uint8_t type) -> Writer& { return list.emplace_back(type, Writer{}).second; };
  if (a.origin) {
    add(attr::kOrigin).u8(static_cast<std::uint8_t>(*a.origin));
  }
  if (a.as_path) {
    write_as_path(add(attr::kAsPath), *a.as_path, ctx.four_octet_as);
  }
  if (a.next_hop) {
    write_addr(add(attr::kNextHop), *a.next_hop);
  }
  if (a.med) {
    add(attr::kMed).u32(*a.med);
  }
  if (a.local_pref) {
    add(attr::kLocalPref).u32(*a.local_pref);
  }
  if (a.atomic_aggregate) {
    add(attr::kAtomicAggregate);
  }
  if (a.aggregator) {
    Writer& v = add(attr::kAggregator);
    if (ctx.four_octet_as) {
      v.u32(a.aggregator->asn);
    } else {
      v.u16(a.aggregator->asn > 0xffffU ? kAsTrans : static_cast<std::uint16_t>(a.aggregator->asn));
    }
    write_addr(v, a.aggregator->address);
  }
  if (!a.communities.empty()) {
    Writer& v = add(attr::kCommunities);
    for (auto c : a.communities) {
      v.u32(c);
    }
  }
  if (a.originator_id) {
    write_addr(add(attr::kOriginatorId), *a.originator_id);
  }
  if (!a.cluster_list.empty()) {
    Writer& v = add(attr::kClusterList);
    for (auto c : a.cluster_list) {
      v.u32(c);
    }
  }
  if (a.mp_reach) {
    Writer& v = add(attr::kMpReach);
    v.u16(a.mp_reach->af.afi);
    v.u8(a.mp_reach->af.safi);
    const bool ll = a.mp_reach->link_local_next_hop.is_set();
    v.u8(static_cast<std::uint8_t>(a.mp_reach->next_hop.size() + (ll ? 16 : 0)));
    write_addr(v, a.mp_reach->next_hop);
    if (ll) {
      write_addr(v, a.mp_reach->link_local_next_hop);
    }
    v.u8(0);
    write_nlri_list(v, a.mp_reach->nlri, ctx.add_path(a.mp_reach->af));
  }
  if (a.mp_unreach) {
    Writer& v = add(attr::kMpUnreach);
    v.u16(a.mp_unreach->af.afi);
    v.u8(a.mp_unreach->af.safi);
    write_nlri_list(v, a.mp_unreach->withdrawn, ctx.add_path(a.mp_unreach->af));
  }
  if (!a.ext_communities.empty()) {
    Writer& v = add(attr::kExtCommunities);
    for (auto c : a.ext_communities) {
      v.u64(c);
    }
  }
  if (a.as4_path) {
    write_as_path(add(attr::kAs4Path), *a.as4_path, true);
  }
  if (a.as4_aggregator) {
    Writer& v = add(attr::kAs4Aggregator);
    v.u32(a.as4_aggregator->asn);
    write_addr(v, a.as4_aggregator->address);
  }
  if (!a.large_communities.empty()) {
    Writer& v = add(attr::kLargeCommunities);
    for (const auto& c : a.large_communities) {
      v.u32(c.global_admin);
      v.u32(c.local1);
      v.u32(c.local2);
    }
  }
  std::vector<std::pair<std::uint8_t, std::size_t>> order;  // (type, index into list or unknown)
  for (std::size_t i = 0; i < list.size(); ++i) {
    order.emplace_back(list[i].first, i);
  }
  for (std::size_t i = 0; i < a.unknown.size(); ++i) {
    order.emplace_back(a.unknown[i].type, list.size() + i);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  Writer attrs;
  for (const auto& [type, index] : order) {
    if (index < list.size()) {
      write_attr(attrs, wire_flags(type), type, list[index].second);
    } else {
      const RawAttribute& raw = a.unknown[index - list.size()];
      Writer v;
      v.bytes(Bytes(raw.value));
      write_attr(attrs, raw.flags, raw.type, v);
    }
  }
  w.u16(static_cast<std::uint16_t>(attrs.size()));
  w.bytes(attrs.view());
  write_nlri_list(w, u.nlri, ctx.add_path_ipv4);
  return finish(w);
}

// ---- AS4 merge (RFC 6793 §4.2.3) ----

void normalize(PathAttributes& a, bool four_octet_session) {
  if (four_octet_session) {
    a.as4_path.reset();
    a.as4_aggregator.reset();
    return;
  }
  if (a.aggregator && a.aggregator->asn != kAsTrans) {
    // The aggregating speaker was 2-octet only, so the AS4_* attributes are stale: ignore both.
    a.as4_path.reset();
    a.as4_aggregator.reset();
    return;
  }
  if (a.aggregator && a.as4_aggregator) {
    a.aggregator = a.as4_aggregator;
  }
  a.as4_aggregator.reset();
  if (!a.as4_path) {
    return;
  }
  if (!a.as_path || a.as_path->length() < a.as4_path->length()) {
    a.as4_path.reset();  // §4.2.3: AS4_PATH longer than AS_PATH is ignored
    return;
  }
  std::size_t take = a.as_path->length() - a.as4_path->length();
  AsPath merged;
  for (const auto& seg : a.as_path->segments) {
    if (take == 0) {
      break;
    }
    if (seg.type == SegmentType::kSequence) {
      const std::size_t n = std::min(take, seg.asns.size());
      merged.segments.push_back(AsPathSegment{seg.type, {seg.asns.begin(), seg.asns.begin() + static_cast<long>(n)}});
      take -= n;
    } else if (seg.type == SegmentType::kSet) {
      merged.segments.push_back(seg);
      take -= 1;
    } else {
      merged.segments.push_back(seg);
    }
  }
  for (const auto& seg : a.as4_path->segments) {
    if (!merged.segments.empty() && seg.type == SegmentType::kSequence &&
        merged.segments.back().type == SegmentType::kSequence) {
      auto& back = merged.segments.back().asns;
      back.insert(back.end(), seg.asns.begin(), seg.asns.end());
    } else {
      merged.segments.push_back(seg);
    }
  }
  a.as_path = std::move(merged);
  a.as4_path.reset();
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
  n.data = copy_bytes(r.bytes(r.remaining()));
  return n;
}

std::vector<std::byte> encode(const Notification& n) {
  Writer w(32);
  write_header(w, MessageType::kNotification);
  w.u8(n.code);
  w.u8(n.subcode);
  w.bytes(Bytes(n.data));
  return finish(w);
}

BgpResult<RouteRefresh> parse_route_refresh(Bytes body) {
  Reader r(body, kHeaderSize);
  if (body.size() != 4) {
    // RFC 7313 §5: the data is the complete message, which we rebuild from the body.
    Writer whole;
    for (int i = 0; i < 16; ++i) {
      whole.u8(0xff);
    }
    whole.u16(static_cast<std::uint16_t>(body.size() + kHeaderSize));
    whole.u8(static_cast<std::uint8_t>(MessageType::kRouteRefresh));
    whole.bytes(body);
    return bgp_fail(err::kRouteRefresh, err::kInvalidMessageLength,
                    "ROUTE-REFRESH length " + std::to_string(body.size() + kHeaderSize), kHeaderSize, whole.take());
  }
  RouteRefresh rr;
  rr.af.afi = r.u16();
  rr.subtype = r.u8();
  rr.af.safi = r.u8();
  return rr;
}

std::vector<std::byte> encode(const RouteRefresh& rr) {
  Writer w(23);
  write_header(w, MessageType::kRouteRefresh);
  w.u16(rr.af.afi);
  w.u8(rr.subtype);
  w.u8(rr.af.safi);
  return finish(w);
}

std::vector<std::byte> encode(const Keepalive& /*keepalive*/) {
  Writer w(19);
  write_header(w, MessageType::kKeepalive);
  return finish(w);
}

}  // namespace flowlab::bgp
