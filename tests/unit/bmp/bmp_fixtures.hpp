// Synthetic BMP messages built from bgp:: structures (the codecs under test encode their BGP PDUs).
#pragma once

#include "probes/bgp/message.hpp"
#include "probes/bmp/encode.hpp"
#include "probes/bmp/message.hpp"

#include <string>
#include <vector>

namespace flowlab::bmp::testing {

inline IpAddress addr(const std::string& text) { return *IpAddress::parse(text); }
inline Prefix prefix(const std::string& text) { return *Prefix::parse(text); }

inline PeerHeader peer(const std::string& address, std::uint32_t asn, std::uint8_t flags = 0) {
  PeerHeader h;
  h.address = addr(address);
  h.flags = static_cast<std::uint8_t>(flags | (h.address.is_v6() ? flag::kIpv6 : 0));
  h.asn = asn;
  h.bgp_id = 0x0a000000U | (asn & 0xffU);
  h.timestamp_sec = 1700000000;
  return h;
}

inline bgp::Open open(std::uint32_t asn, std::uint32_t bgp_id, bool add_path_v4 = false,
                      bgp::AddPathMode mode = bgp::AddPathMode::kBoth) {
  bgp::Open o;
  o.my_as = asn > 0xffffU ? bgp::kAsTrans : static_cast<std::uint16_t>(asn);
  o.bgp_id = bgp_id;
  o.capabilities = {bgp::MultiprotocolCap{bgp::kIpv4Unicast}, bgp::MultiprotocolCap{bgp::kIpv6Unicast},
                    bgp::FourOctetAsCap{asn}};
  if (add_path_v4) {
    o.capabilities.emplace_back(bgp::AddPathCap{{{bgp::kIpv4Unicast, mode}}});
  }
  return o;
}

inline PeerUp peer_up_message(const PeerHeader& p, std::uint32_t local_as, bool add_path_v4 = false) {
  PeerUp up;
  up.peer = p;
  up.local_address = p.address.is_v6() ? addr("2001:db8::1") : addr("192.0.2.1");
  up.local_port = 179;
  up.remote_port = 40000;
  up.sent = open(local_as, 0xc0000201U, add_path_v4);
  up.received = open(p.asn, p.bgp_id, add_path_v4);
  return up;
}

inline std::vector<std::byte> peer_up(const PeerHeader& p, std::uint32_t local_as, bool add_path_v4 = false) {
  return encode(Message{peer_up_message(p, local_as, add_path_v4)});
}

// An UPDATE announcing `prefixes` (one family) with AS path `path`, or withdrawing them when path is empty.
inline std::vector<std::byte> update(const std::vector<std::string>& prefixes, const std::vector<std::uint32_t>& path,
                                     std::uint32_t local_pref = 0, std::uint32_t path_id = 0) {
  bgp::Update u;
  const bool v6 = prefix(prefixes.front()).address.is_v6();
  std::vector<bgp::Nlri> nlri;
  for (const auto& p : prefixes) {
    nlri.push_back(bgp::Nlri{prefix(p), path_id});
  }
  bgp::SessionContext ctx;
  ctx.add_path_ipv4 = path_id != 0;
  if (path.empty()) {
    if (v6) {
      u.attrs.mp_unreach = bgp::MpUnreach{bgp::kIpv6Unicast, nlri};
    } else {
      u.withdrawn = nlri;
    }
    return bgp::encode(u, ctx);
  }
  u.attrs.origin = bgp::Origin::kIgp;
  u.attrs.as_path = bgp::AsPath{{bgp::AsPathSegment{bgp::SegmentType::kSequence, path}}};
  if (local_pref != 0) {
    u.attrs.local_pref = local_pref;
  }
  if (v6) {
    u.attrs.mp_reach = bgp::MpReach{bgp::kIpv6Unicast, addr("2001:db8::2"), {}, nlri};
  } else {
    u.attrs.next_hop = addr("192.0.2.2");
    u.nlri = nlri;
  }
  return bgp::encode(u, ctx);
}

inline std::vector<std::byte> route_monitoring(const PeerHeader& p, const std::vector<std::byte>& bgp_update) {
  return encode(Message{RouteMonitoring{p, Bytes(bgp_update)}});
}

// The router's End-of-RIB marker for the peer's RIB (its header's flags) and one family (RFC 4724 §2).
inline std::vector<std::byte> end_of_rib(const PeerHeader& p, bool v6) {
  bgp::Update u;
  if (v6) {
    u.attrs.mp_unreach = bgp::MpUnreach{bgp::kIpv6Unicast, {}};
  }
  return route_monitoring(p, bgp::encode(u, bgp::SessionContext{}));
}

inline std::vector<std::byte> peer_down(const PeerHeader& p) {
  PeerDown d;
  d.peer = p;
  d.reason = PeerDownReason::kRemoteNotification;
  d.notification = bgp::Notification{bgp::err::kCease, bgp::err::kAdminShutdown, {}};
  return encode(Message{d});
}

inline std::vector<std::byte> initiation(const std::string& sys_name) {
  return encode(Message{Initiation{{InfoTlv{info::kSysDescr, "flowlab test"}, InfoTlv{info::kSysName, sys_name}}}});
}

}  // namespace flowlab::bmp::testing
