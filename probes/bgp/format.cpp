#include "probes/bgp/format.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace flowlab::bgp {

std::string origin_string(Origin origin) {
  switch (origin) {
    case Origin::kIgp:
      return "i";
    case Origin::kEgp:
      return "e";
    case Origin::kIncomplete:
      return "u";
  }
  return "u";
}

std::string communities_string(const std::vector<std::uint32_t>& list) {
  std::string out;
  for (auto c : list) {
    if (!out.empty()) {
      out += ' ';
    }
    out += std::to_string(c >> 16U) + ":" + std::to_string(c & 0xffffU);
  }
  return out;
}

std::string large_communities_string(const std::vector<LargeCommunity>& list) {
  std::string out;
  for (const auto& c : list) {
    if (!out.empty()) {
      out += ' ';
    }
    out += std::to_string(c.global_admin) + ":" + std::to_string(c.local1) + ":" + std::to_string(c.local2);
  }
  return out;
}

std::string ext_communities_string(const std::vector<std::uint64_t>& list) {
  std::string out;
  for (auto c : list) {
    if (!out.empty()) {
      out += ' ';
    }
    const auto type = static_cast<std::uint8_t>(c >> 56U);
    const auto subtype = static_cast<std::uint8_t>(c >> 48U);
    const char* kind = subtype == 0x02 ? "RT" : (subtype == 0x03 ? "SoO" : nullptr);
    if (kind != nullptr && (type & 0x3fU) == 0x00) {  // two-octet AS specific (RFC 4360 §3.1)
      out += std::string(kind) + ":" + std::to_string((c >> 32U) & 0xffffU) + ":" + std::to_string(c & 0xffffffffU);
    } else if (kind != nullptr && (type & 0x3fU) == 0x01) {  // IPv4 address specific (§3.2)
      const auto ip = IpAddress::v4(static_cast<std::uint32_t>(c >> 16U));
      out += std::string(kind) + ":" + ip.to_string() + ":" + std::to_string(c & 0xffffU);
    } else if (kind != nullptr && (type & 0x3fU) == 0x02) {  // four-octet AS specific (RFC 5668)
      out += std::string(kind) + ":" + std::to_string((c >> 16U) & 0xffffffffU) + ":" + std::to_string(c & 0xffffU);
    } else {
      char buf[24];
      std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(c));
      out += buf;
    }
  }
  return out;
}

std::string table_dump_line(const RibRoute& route, const DumpOptions& options, std::uint64_t seq) {
  const RouteAttributes& ra = *route.attrs;
  const PathAttributes& a = ra.attrs;
  nlohmann::ordered_json j;
  j["seq"] = seq;
  if (!options.timestamp.empty()) {
    j["timestamp"] = options.timestamp;
  }
  j["peer_ip_src"] = options.peer_ip_src;
  j["event_type"] = "dump";
  j["afi"] = route.prefix.address.is_v4() ? 1 : 2;
  j["safi"] = 1;
  j["ip_prefix"] = route.prefix.to_string();
  if (options.add_path) {
    j["as_path_id"] = route.path_id;
  }
  j["bgp_nexthop"] = ra.next_hop(route.prefix.family()).to_string();
  j["as_path"] = ra.as_path->to_string();
  if (!a.communities.empty()) {
    j["comms"] = communities_string(a.communities);
  }
  if (!a.ext_communities.empty()) {
    j["ecomms"] = ext_communities_string(a.ext_communities);
  }
  if (!a.large_communities.empty()) {
    j["lcomms"] = large_communities_string(a.large_communities);
  }
  j["origin"] = origin_string(a.origin.value_or(Origin::kIncomplete));
  j["local_pref"] = a.local_pref.value_or(0);
  if (a.med.value_or(0) != 0) {
    j["med"] = *a.med;
  }
  return j.dump();
}

std::size_t write_table_dump(std::ostream& out, const Rib& rib, const DumpOptions& options) {
  std::size_t n = 0;
  rib.for_each([&](const RibRoute& r) { out << table_dump_line(r, options, n++) << '\n'; });
  return n;
}

}  // namespace flowlab::bgp
