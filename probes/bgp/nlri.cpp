#include "probes/bgp/nlri.hpp"

#include "probes/bgp/attributes.hpp"
#include "probes/bgp/wire.hpp"

namespace flowlab::bgp::detail {

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

namespace {

Family family_of(std::uint16_t afi) { return afi == 1 ? Family::kIpv4 : (afi == 2 ? Family::kIpv6 : Family::kNone); }

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

}  // namespace

// RFC 4760 §3. Only unicast IPv4/IPv6 carry routes here; other families are discarded, not an error.
std::optional<BgpError> decode_mp_reach(AttrParser& p, Reader& v) {
  MpReach mp;
  mp.af.afi = v.u16();
  mp.af.safi = v.u8();
  if (!v.ok()) {
    return p.malformed(err::kOptionalAttr, "MP_REACH_NLRI truncated");
  }
  const Family fam = family_of(mp.af.afi);
  if (fam == Family::kNone || mp.af.safi != 1) {
    p.discard(attr::kMpReach,
              "MP_REACH_NLRI for unsupported AFI/SAFI " + std::to_string(mp.af.afi) + "/" + std::to_string(mp.af.safi));
    return std::nullopt;
  }
  if (!parse_mp_next_hop(v, mp.af.afi, mp)) {
    return p.malformed(err::kOptionalAttr, "MP_REACH_NLRI next hop");
  }
  v.skip(1);  // reserved
  std::string why;
  if (!v.ok() || !parse_nlri_list(v, fam, p.ctx.add_path(mp.af), mp.nlri, why)) {
    return p.malformed(err::kOptionalAttr, "MP_REACH_NLRI: " + (why.empty() ? "truncated" : why));
  }
  p.attrs().mp_reach = std::move(mp);
  return std::nullopt;
}

// RFC 4760 §4.
std::optional<BgpError> decode_mp_unreach(AttrParser& p, Reader& v) {
  MpUnreach mp;
  mp.af.afi = v.u16();
  mp.af.safi = v.u8();
  if (!v.ok()) {
    return p.malformed(err::kOptionalAttr, "MP_UNREACH_NLRI truncated");
  }
  const Family fam = family_of(mp.af.afi);
  if (fam == Family::kNone || mp.af.safi != 1) {
    p.discard(attr::kMpUnreach, "MP_UNREACH_NLRI for unsupported AFI/SAFI");
    return std::nullopt;
  }
  std::string why;
  if (!parse_nlri_list(v, fam, p.ctx.add_path(mp.af), mp.withdrawn, why)) {
    return p.malformed(err::kOptionalAttr, "MP_UNREACH_NLRI: " + why);
  }
  p.attrs().mp_unreach = std::move(mp);
  return std::nullopt;
}

bool encode_mp_reach(const PathAttributes& a, const SessionContext& ctx, Writer& v) {
  if (!a.mp_reach) {
    return false;
  }
  const MpReach& mp = *a.mp_reach;
  v.u16(mp.af.afi);
  v.u8(mp.af.safi);
  const bool ll = mp.link_local_next_hop.is_set();
  v.u8(static_cast<std::uint8_t>(mp.next_hop.size() + (ll ? 16 : 0)));
  write_addr(v, mp.next_hop);
  if (ll) {
    write_addr(v, mp.link_local_next_hop);
  }
  v.u8(0);
  write_nlri_list(v, mp.nlri, ctx.add_path(mp.af));
  return true;
}

bool encode_mp_unreach(const PathAttributes& a, const SessionContext& ctx, Writer& v) {
  if (!a.mp_unreach) {
    return false;
  }
  v.u16(a.mp_unreach->af.afi);
  v.u8(a.mp_unreach->af.safi);
  write_nlri_list(v, a.mp_unreach->withdrawn, ctx.add_path(a.mp_unreach->af));
  return true;
}

}  // namespace flowlab::bgp::detail
