// UPDATE (RFC 4271 §4.3) assembly and parsing with RFC 7606 error handling: the message frame (withdrawn routes,
// path attributes, NLRI) around the attribute table walk (attributes.hpp).
#include "probes/bgp/attributes.hpp"
#include "probes/bgp/message.hpp"
#include "probes/bgp/nlri.hpp"
#include "probes/bgp/wire.hpp"

#include <algorithm>
#include <bitset>

namespace flowlab::bgp {

using detail::bgp_fail;

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

using AttrSeen = std::bitset<256>;

// One attribute's header and value, framed from the path attributes (RFC 4271 §4.3).
struct FramedAttr {
  std::uint8_t flags = 0;
  std::uint8_t type = 0;
  Reader value;
};

// Frames the next attribute; on a framing error (RFC 7606 §4: treat-as-withdraw) returns nullopt, having withdrawn.
std::optional<FramedAttr> frame_attribute(Reader& ar, detail::AttrParser& parser) {
  parser.attr_offset = ar.offset();
  const Bytes raw_start = ar.peek_rest();
  if (ar.remaining() < 3) {
    parser.withdraw("fewer than 3 octets left in the path attributes");
    return std::nullopt;
  }
  FramedAttr a;
  a.flags = ar.u8();
  a.type = ar.u8();
  const bool ext = (a.flags & attr::kFlagExtendedLength) != 0;
  if (ext && ar.remaining() < 2) {
    parser.withdraw("fewer than 4 octets left for an extended-length attribute");
    return std::nullopt;
  }
  const std::size_t len = ext ? ar.u16() : ar.u8();
  if (ar.remaining() < len) {
    parser.withdraw("attribute " + std::to_string(a.type) + " length " + std::to_string(len) +
                    " overruns the path attributes");
    return std::nullopt;
  }
  a.value = ar.sub(len);
  parser.attr_raw = raw_start.subspan(0, (ext ? 4 : 3) + len);
  return a;
}

// Walks the path attributes through the table. A duplicate is discarded (RFC 7606 §3 g), except MP_(UN)REACH.
Result<void, BgpError> parse_attributes(Reader ar, detail::AttrParser& parser, AttrSeen& seen) {
  while (ar.remaining() > 0) {
    auto framed = frame_attribute(ar, parser);
    if (!framed) {
      break;
    }
    const std::uint8_t type = framed->type;
    if (seen.test(type)) {
      if (type == attr::kMpReach || type == attr::kMpUnreach) {
        return bgp_fail(err::kUpdate, err::kMalformedAttrList, "MP_(UN)REACH_NLRI appears twice", parser.attr_offset);
      }
      ++parser.counters.bgp_attr_duplicate;
      parser.discard(type, "duplicate attribute " + std::to_string(type));
      continue;
    }
    seen.set(type);
    if (auto e = parser.parse(framed->flags, type, framed->value)) {
      return Failure<BgpError>{std::move(*e)};
    }
  }
  return {};
}

// RFC 7606 §3 d: well-known mandatory attributes are needed when something is announced.
void check_mandatory(detail::AttrParser& parser, const AttrSeen& seen) {
  const Update& u = parser.out.update;
  const PathAttributes& a = u.attrs;
  const bool announces_v4 = !u.nlri.empty();
  const bool announces_mp = a.mp_reach && !a.mp_reach->nlri.empty();
  if (!announces_v4 && !announces_mp) {
    return;
  }
  const bool origin_missing = !a.origin && !seen.test(attr::kOrigin);
  const bool path_missing = !a.as_path && !seen.test(attr::kAsPath);
  const bool nh_missing = announces_v4 && !a.next_hop && !seen.test(attr::kNextHop);
  if (origin_missing || path_missing || nh_missing) {
    const std::uint8_t missing = origin_missing ? attr::kOrigin : (path_missing ? attr::kAsPath : attr::kNextHop);
    ++parser.counters.bgp_missing_well_known;
    parser.withdraw("missing well-known attribute " + std::string(detail::find_attr(missing)->name));
  }
}

// Every attribute in canonical order: the table's rows by type code, unrecognized ones kept (RFC 4271 §5) merged in
// by their type (after a known attribute of the same code).
void write_attributes(const PathAttributes& a, const SessionContext& ctx, Writer& out) {
  std::vector<const RawAttribute*> unknown;
  unknown.reserve(a.unknown.size());
  for (const auto& raw : a.unknown) {
    unknown.push_back(&raw);
  }
  std::stable_sort(unknown.begin(), unknown.end(), [](const auto* x, const auto* y) { return x->type < y->type; });
  auto next = unknown.begin();
  const auto write_unknown_below = [&](unsigned limit) {
    for (; next != unknown.end() && (*next)->type < limit; ++next) {
      detail::write_attr(out, (*next)->flags, (*next)->type, Bytes((*next)->value));
    }
  };
  Writer value;
  for (const auto& row : detail::attr_table()) {
    write_unknown_below(row.code);
    value.clear();
    if (row.encode(a, ctx, value)) {
      detail::write_attr(out, row.flags, row.code, value.view());
    }
  }
  write_unknown_below(256);
}

}  // namespace

PathAttributes Update::route_attributes(bool four_octet_session) const& {
  return for_routes(attrs, four_octet_session);
}

PathAttributes Update::route_attributes(bool four_octet_session) && {
  return for_routes(std::move(attrs), four_octet_session);
}

namespace {

void append(std::vector<Nlri>& to, std::vector<Nlri>&& from) {
  if (to.empty()) {
    to = std::move(from);
  } else {
    to.insert(to.end(), from.begin(), from.end());
  }
}

}  // namespace

RouteChanges route_changes(DecodedUpdate&& decoded, bool four_octet_session) {
  Update& u = decoded.update;
  // The NLRI lists leave the UPDATE first, so its attributes can be moved (not copied) into the shared set.
  RouteChanges out;
  out.withdrawn = std::move(u.withdrawn);
  if (u.attrs.mp_unreach) {
    append(out.withdrawn, std::move(u.attrs.mp_unreach->withdrawn));
  }
  out.announced = std::move(u.nlri);
  if (u.attrs.mp_reach) {
    append(out.announced, std::move(u.attrs.mp_reach->nlri));
  }
  if (!out.announced.empty() && !decoded.verdict.treat_as_withdraw) {
    out.attrs = std::make_shared<const PathAttributes>(std::move(u).route_attributes(four_octet_session));
  }
  return out;
}

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
  if (!detail::parse_nlri_list(wr, Family::kIpv4, ctx.add_path_ipv4, out.update.withdrawn, why)) {
    return bgp_fail(err::kUpdate, err::kMalformedAttrList, "withdrawn routes: " + why, wr.offset());
  }
  const std::uint16_t attr_len = r.u16();
  Reader ar = r.sub(attr_len);
  if (!r.ok()) {
    return bgp_fail(err::kUpdate, err::kMalformedAttrList, "total path attribute length overruns the UPDATE",
                    kHeaderSize + 2 + withdrawn_len);
  }
  detail::AttrParser parser{ctx, counters, out};
  AttrSeen seen;
  if (auto parsed = parse_attributes(ar, parser, seen); !parsed) {
    return Failure<BgpError>{parsed.error()};
  }
  if (!detail::parse_nlri_list(r, Family::kIpv4, ctx.add_path_ipv4, out.update.nlri, why)) {
    return bgp_fail(err::kUpdate, err::kInvalidNetwork, "NLRI: " + why, r.offset());
  }
  check_mandatory(parser, seen);
  if (out.verdict.treat_as_withdraw) {
    ++counters.bgp_update_treat_as_withdraw;
  }
  return out;
}

std::vector<std::byte> encode(const Update& u, const SessionContext& ctx) {
  Writer w(128);
  detail::write_header(w, MessageType::kUpdate);
  Writer withdrawn;
  detail::write_nlri_list(withdrawn, u.withdrawn, ctx.add_path_ipv4);
  w.u16(static_cast<std::uint16_t>(withdrawn.size()));
  w.bytes(withdrawn.view());
  Writer attrs;
  write_attributes(u.attrs, ctx, attrs);
  w.u16(static_cast<std::uint16_t>(attrs.size()));
  w.bytes(attrs.view());
  detail::write_nlri_list(w, u.nlri, ctx.add_path_ipv4);
  return detail::finish(w);
}

}  // namespace flowlab::bgp
