// Path attributes (RFC 4271 §4.3, §5; RFC 7606 §7): the per-attribute table and the rows of the simple attributes.
// AS_PATH/AS4_PATH rows live in as_path.cpp, MP_REACH/MP_UNREACH rows in nlri.cpp.
#include "probes/bgp/attributes.hpp"

#include "probes/bgp/wire.hpp"

#include <array>

namespace flowlab::bgp::detail {

namespace {

using Status = std::optional<BgpError>;

std::string length_text(std::string_view name, std::size_t len) {
  return std::string(name) + " length " + std::to_string(len);
}

// ---- ORIGIN, NEXT_HOP, ATOMIC_AGGREGATE (well-known) ----

Status decode_origin(AttrParser& p, Reader& v) {
  if (v.remaining() != 1) {
    return p.malformed(err::kAttrLength, length_text("ORIGIN", v.remaining()));
  }
  const std::uint8_t o = v.u8();
  if (o > 2) {
    return p.malformed(err::kInvalidOrigin, "ORIGIN value " + std::to_string(o));
  }
  p.attrs().origin = static_cast<Origin>(o);
  return std::nullopt;
}

bool encode_origin(const PathAttributes& a, const SessionContext& /*ctx*/, Writer& v) {
  if (a.origin) {
    v.u8(static_cast<std::uint8_t>(*a.origin));
  }
  return a.origin.has_value();
}

bool valid_next_hop_v4(const IpAddress& a) {
  return !a.is_unspecified() && a.bytes[0] < 224;  // not 0.0.0.0, not multicast/class E (RFC 4271 §6.3)
}

Status decode_next_hop(AttrParser& p, Reader& v) {
  if (v.remaining() != 4) {
    return p.malformed(err::kAttrLength, length_text("NEXT_HOP", v.remaining()));
  }
  IpAddress nh = read_v4(v);
  if (!valid_next_hop_v4(nh)) {
    return p.malformed(err::kInvalidNextHop, "NEXT_HOP " + nh.to_string());
  }
  p.attrs().next_hop = nh;
  return std::nullopt;
}

bool encode_next_hop(const PathAttributes& a, const SessionContext& /*ctx*/, Writer& v) {
  if (a.next_hop) {
    write_addr(v, *a.next_hop);
  }
  return a.next_hop.has_value();
}

Status decode_atomic_aggregate(AttrParser& p, Reader& v) {
  if (v.remaining() != 0) {
    return p.malformed(err::kAttrLength, length_text("ATOMIC_AGGREGATE", v.remaining()));
  }
  p.attrs().atomic_aggregate = true;
  return std::nullopt;
}

bool encode_atomic_aggregate(const PathAttributes& a, const SessionContext& /*ctx*/, Writer& /*v*/) {
  return a.atomic_aggregate;
}

// ---- four-octet values: MULTI_EXIT_DISC, LOCAL_PREF, ORIGINATOR_ID ----

bool four_octets(const Reader& v) { return v.remaining() == 4; }
std::string want_four_text(std::size_t len) { return "length " + std::to_string(len) + " (want 4)"; }

Status decode_med(AttrParser& p, Reader& v) {
  if (!four_octets(v)) {
    return p.malformed(err::kAttrLength, want_four_text(v.remaining()));
  }
  p.attrs().med = v.u32();
  return std::nullopt;
}

Status decode_local_pref(AttrParser& p, Reader& v) {
  if (!four_octets(v)) {
    return p.malformed(err::kAttrLength, want_four_text(v.remaining()));
  }
  if (p.ctx.ebgp) {
    p.discard(attr::kLocalPref, "LOCAL_PREF from an eBGP peer");  // RFC 7606 §7.5
    return std::nullopt;
  }
  p.attrs().local_pref = v.u32();
  return std::nullopt;
}

Status decode_originator_id(AttrParser& p, Reader& v) {
  if (!four_octets(v)) {
    return p.malformed(err::kAttrLength, want_four_text(v.remaining()));
  }
  p.attrs().originator_id = read_v4(v);
  return std::nullopt;
}

bool encode_u32(const std::optional<std::uint32_t>& value, Writer& v) {
  if (value) {
    v.u32(*value);
  }
  return value.has_value();
}
bool encode_med(const PathAttributes& a, const SessionContext& /*ctx*/, Writer& v) { return encode_u32(a.med, v); }
bool encode_local_pref(const PathAttributes& a, const SessionContext& /*ctx*/, Writer& v) {
  return encode_u32(a.local_pref, v);
}
bool encode_originator_id(const PathAttributes& a, const SessionContext& /*ctx*/, Writer& v) {
  if (a.originator_id) {
    write_addr(v, *a.originator_id);
  }
  return a.originator_id.has_value();
}

// ---- AGGREGATOR, AS4_AGGREGATOR ----

Status decode_aggregator_as(AttrParser& p, Reader& v, std::string_view name, std::size_t as_size,
                            std::optional<Aggregator>& out) {
  if (v.remaining() != as_size + 4) {
    return p.malformed(err::kAttrLength, length_text(name, v.remaining()));
  }
  Aggregator g;
  g.asn = static_cast<std::uint32_t>(v.uint(as_size));
  g.address = read_v4(v);
  out = g;
  return std::nullopt;
}

Status decode_aggregator(AttrParser& p, Reader& v) {
  return decode_aggregator_as(p, v, "AGGREGATOR", p.ctx.four_octet_as ? 4 : 2, p.attrs().aggregator);
}

Status decode_as4_aggregator(AttrParser& p, Reader& v) {
  return decode_aggregator_as(p, v, "AS4_AGGREGATOR", 4, p.attrs().as4_aggregator);
}

bool encode_aggregator(const PathAttributes& a, const SessionContext& ctx, Writer& v) {
  if (!a.aggregator) {
    return false;
  }
  if (ctx.four_octet_as) {
    v.u32(a.aggregator->asn);
  } else {
    v.u16(two_octet_as(a.aggregator->asn));
  }
  write_addr(v, a.aggregator->address);
  return true;
}

bool encode_as4_aggregator(const PathAttributes& a, const SessionContext& /*ctx*/, Writer& v) {
  if (!a.as4_aggregator) {
    return false;
  }
  v.u32(a.as4_aggregator->asn);
  write_addr(v, a.as4_aggregator->address);
  return true;
}

// ---- lists: COMMUNITIES, CLUSTER_LIST, EXTENDED_COMMUNITIES, LARGE_COMMUNITY ----

Status decode_u32_list(AttrParser& p, Reader& v, std::vector<std::uint32_t>& list) {
  const std::size_t len = v.remaining();
  if (len == 0 || len % 4 != 0) {
    return p.malformed(err::kAttrLength, "length " + std::to_string(len) + " not 4n");
  }
  while (v.remaining() > 0) {
    list.push_back(v.u32());
  }
  return std::nullopt;
}

Status decode_communities(AttrParser& p, Reader& v) { return decode_u32_list(p, v, p.attrs().communities); }
Status decode_cluster_list(AttrParser& p, Reader& v) { return decode_u32_list(p, v, p.attrs().cluster_list); }

bool encode_u32_list(const std::vector<std::uint32_t>& list, Writer& v) {
  for (auto c : list) {
    v.u32(c);
  }
  return !list.empty();
}
bool encode_communities(const PathAttributes& a, const SessionContext& /*ctx*/, Writer& v) {
  return encode_u32_list(a.communities, v);
}
bool encode_cluster_list(const PathAttributes& a, const SessionContext& /*ctx*/, Writer& v) {
  return encode_u32_list(a.cluster_list, v);
}

Status decode_ext_communities(AttrParser& p, Reader& v) {
  if (v.remaining() % 8 != 0) {
    return p.malformed(err::kAttrLength, length_text("EXTENDED_COMMUNITIES", v.remaining()));
  }
  while (v.remaining() > 0) {
    p.attrs().ext_communities.push_back(v.u64());
  }
  return std::nullopt;
}

bool encode_ext_communities(const PathAttributes& a, const SessionContext& /*ctx*/, Writer& v) {
  for (auto c : a.ext_communities) {
    v.u64(c);
  }
  return !a.ext_communities.empty();
}

Status decode_large_communities(AttrParser& p, Reader& v) {
  if (v.remaining() == 0 || v.remaining() % 12 != 0) {
    return p.malformed(err::kAttrLength, length_text("LARGE_COMMUNITY", v.remaining()));
  }
  while (v.remaining() > 0) {
    LargeCommunity c;
    c.global_admin = v.u32();
    c.local1 = v.u32();
    c.local2 = v.u32();
    p.attrs().large_communities.push_back(c);
  }
  return std::nullopt;
}

bool encode_large_communities(const PathAttributes& a, const SessionContext& /*ctx*/, Writer& v) {
  for (const auto& c : a.large_communities) {
    v.u32(c.global_admin);
    v.u32(c.local1);
    v.u32(c.local2);
  }
  return !a.large_communities.empty();
}

// ---- the table ----

constexpr std::uint8_t kWellKnown = attr::kFlagTransitive;
constexpr std::uint8_t kOptNonTrans = attr::kFlagOptional;
constexpr std::uint8_t kOptTrans = attr::kFlagOptional | attr::kFlagTransitive;

// Ascending type code. RFC 7606 §7: the error action per attribute (7.1 ORIGIN ... 7.14 LARGE_COMMUNITY; MP_* reset
// the session per §7.11 since their NLRI cannot be located otherwise).
constexpr std::array kAttrTable{
    AttrDesc{attr::kOrigin, "ORIGIN", kWellKnown, OnError::kWithdraw, decode_origin, encode_origin},
    AttrDesc{attr::kAsPath, "AS_PATH", kWellKnown, OnError::kWithdraw, decode_as_path, encode_as_path},
    AttrDesc{attr::kNextHop, "NEXT_HOP", kWellKnown, OnError::kWithdraw, decode_next_hop, encode_next_hop},
    AttrDesc{attr::kMed, "MULTI_EXIT_DISC", kOptNonTrans, OnError::kWithdraw, decode_med, encode_med},
    AttrDesc{attr::kLocalPref, "LOCAL_PREF", kWellKnown, OnError::kWithdraw, decode_local_pref, encode_local_pref},
    AttrDesc{attr::kAtomicAggregate, "ATOMIC_AGGREGATE", kWellKnown, OnError::kDiscard, decode_atomic_aggregate,
             encode_atomic_aggregate},
    AttrDesc{attr::kAggregator, "AGGREGATOR", kOptTrans, OnError::kDiscard, decode_aggregator, encode_aggregator},
    AttrDesc{attr::kCommunities, "COMMUNITIES", kOptTrans, OnError::kWithdraw, decode_communities, encode_communities},
    AttrDesc{attr::kOriginatorId, "ORIGINATOR_ID", kOptNonTrans, OnError::kWithdraw, decode_originator_id,
             encode_originator_id},
    AttrDesc{attr::kClusterList, "CLUSTER_LIST", kOptNonTrans, OnError::kWithdraw, decode_cluster_list,
             encode_cluster_list},
    AttrDesc{attr::kMpReach, "MP_REACH_NLRI", kOptNonTrans, OnError::kReset, decode_mp_reach, encode_mp_reach},
    AttrDesc{attr::kMpUnreach, "MP_UNREACH_NLRI", kOptNonTrans, OnError::kReset, decode_mp_unreach, encode_mp_unreach},
    AttrDesc{attr::kExtCommunities, "EXTENDED_COMMUNITIES", kOptTrans, OnError::kWithdraw, decode_ext_communities,
             encode_ext_communities},
    AttrDesc{attr::kAs4Path, "AS4_PATH", kOptTrans, OnError::kDiscard, decode_as4_path, encode_as4_path},
    AttrDesc{attr::kAs4Aggregator, "AS4_AGGREGATOR", kOptTrans, OnError::kDiscard, decode_as4_aggregator,
             encode_as4_aggregator},
    AttrDesc{attr::kLargeCommunities, "LARGE_COMMUNITY", kOptTrans, OnError::kWithdraw, decode_large_communities,
             encode_large_communities},
};

// Type code -> row index + 1 (0: unrecognized), so a lookup is one load.
constexpr auto kAttrIndex = [] {
  std::array<std::uint8_t, 256> index{};
  for (std::size_t i = 0; i < kAttrTable.size(); ++i) {
    index[kAttrTable[i].code] = static_cast<std::uint8_t>(i + 1);
  }
  return index;
}();

}  // namespace

const AttrDesc* find_attr(std::uint8_t code) {
  const std::uint8_t i = kAttrIndex[code];
  return i == 0 ? nullptr : &kAttrTable[i - 1U];
}

std::span<const AttrDesc> attr_table() { return kAttrTable; }

void write_attr(Writer& w, std::uint8_t flags, std::uint8_t type, Bytes value) {
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
  w.bytes(value);
}

// ---- AttrParser ----

void AttrParser::withdraw(std::string why) {
  out.verdict.treat_as_withdraw = true;
  out.verdict.reasons.push_back(std::move(why));
}

void AttrParser::discard(std::uint8_t type, std::string why) {
  out.verdict.discarded.push_back(type);
  out.verdict.reasons.push_back(std::move(why));
  ++counters.bgp_attr_discard;
}

std::optional<BgpError> AttrParser::malformed(std::uint8_t subcode, const std::string& why) {
  const std::uint8_t type = current->code;
  std::string text = "attribute " + std::to_string(type) + ": " + why;
  switch (current->on_error) {
    case OnError::kWithdraw:
      withdraw(std::move(text));
      return std::nullopt;
    case OnError::kDiscard:
      discard(type, std::move(text));
      return std::nullopt;
    case OnError::kReset:
      break;
  }
  return BgpError{err::kUpdate, subcode, copy_bytes(attr_raw), std::move(text), attr_offset};
}

std::optional<BgpError> AttrParser::parse(std::uint8_t flags, std::uint8_t type, Reader v) {
  current = find_attr(type);
  if (current == nullptr) {
    if ((flags & attr::kFlagOptional) == 0) {
      return BgpError{err::kUpdate, err::kUnrecognizedWellKnown, copy_bytes(attr_raw),
                      "unrecognized well-known attribute " + std::to_string(type), attr_offset};
    }
    if ((flags & attr::kFlagTransitive) != 0) {
      attrs().unknown.push_back(RawAttribute{static_cast<std::uint8_t>(flags & ~attr::kFlagExtendedLength), type,
                                             copy_bytes(v.bytes(v.remaining()))});
      ++counters.bgp_attr_unknown_kept;
    } else {
      ++counters.bgp_attr_unknown_dropped;
    }
    return std::nullopt;
  }
  if ((flags & (attr::kFlagOptional | attr::kFlagTransitive)) != current->flags) {
    return malformed(err::kAttrFlags, "flags " + std::to_string(flags) + " conflict with the attribute type");
  }
  return current->decode(*this, v);
}

}  // namespace flowlab::bgp::detail
