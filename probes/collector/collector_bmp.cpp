// The Collector's BMP answers on the query socket: counters and routers (`counters`' "bmp"), and `bmp_dump` —
// a router's view or one peer's RIB of one kind, as pmacct table dump lines.
#include "probes/bgp/format.hpp"
#include "probes/collector/collector.hpp"
#include "probes/collector/named_counters.hpp"

#include <array>
#include <chrono>
#include <ctime>

namespace flowlab::collector {

namespace {

constexpr std::array kRibKinds = {bmp::RibKind::kAdjInPre, bmp::RibKind::kAdjInPost, bmp::RibKind::kAdjOutPre,
                                  bmp::RibKind::kAdjOutPost, bmp::RibKind::kLocRib};

nlohmann::json dump_lines(const bgp::Rib& rib, const std::string& peer_ip_src) {
  bgp::DumpOptions options;
  options.peer_ip_src = peer_ip_src;
  options.timestamp = sql_timestamp(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()));
  nlohmann::json lines = nlohmann::json::array();
  std::uint64_t seq = 0;
  rib.for_each([&](const bgp::RibRoute& route) { lines.push_back(bgp::table_dump_line(route, options, seq++)); });
  return lines;
}

}  // namespace

nlohmann::json Collector::bmp_json() const {
  nlohmann::json counters = nlohmann::json::object();
  nlohmann::json routers = nlohmann::json::array();
  if (bmp_) {
    const BmpCounters c = bmp_->counters();
    nlohmann::json sessions{{"sessions", bmp_->sessions()},
                            {"sessions_accepted", c.sessions_accepted},
                            {"sessions_closed", c.sessions_closed},
                            {"sessions_replaced", c.sessions_replaced},
                            {"stream_errors", c.stream_errors}};
    counters = named_counters(c.feed.bgp.items(), named_counters(c.feed.items(), std::move(sessions)));
  }
  for (const auto& r : bmp_tables_.routers()) {
    routers.push_back({{"address", r.address.to_string()},
                       {"sys_name", r.sys_name},
                       {"bgp_id", r.bgp_id == 0 ? std::string() : IpAddress::v4(r.bgp_id).to_string()},
                       {"peers_up", r.peers_up},
                       {"view_routes", r.view_routes},
                       {"syncing", {{"ipv4", r.syncing_ipv4}, {"ipv6", r.syncing_ipv6}}}});
  }
  return {{"counters", counters}, {"routers", routers}};
}

// {"cmd": "bmp_dump", "router": ADDRESS, "rib": "view" (default) | adj-rib-in-pre | ..., "peer": ADDRESS}
nlohmann::json Collector::bmp_dump_json(const nlohmann::json& request) const {
  const std::string router_text = request.value("router", "");
  const std::string rib_text = request.value("rib", "view");
  const auto router = IpAddress::parse(router_text);
  if (!router) {
    return {{"ok", false}, {"error", "bmp_dump: router '" + router_text + "' is not an address"}};
  }
  if (rib_text == "view") {
    const bgp::Rib* view = bmp_tables_.view(*router);
    return {{"ok", true},
            {"router", router->to_string()},
            {"rib", rib_text},
            {"lines", view == nullptr ? nlohmann::json::array() : dump_lines(*view, router->to_string())}};
  }
  for (const auto kind : kRibKinds) {
    if (rib_text != bmp::to_string(kind)) {
      continue;
    }
    const std::string peer_text = request.value("peer", "");
    const auto peer = IpAddress::parse(peer_text);
    if (!peer) {
      return {{"ok", false}, {"error", "bmp_dump: peer '" + peer_text + "' is not an address"}};
    }
    const BgpTables* tables = bmp_tables_.tables(*router, kind);
    const bgp::Rib* rib = tables == nullptr ? nullptr : tables->by_address(*peer);
    return {{"ok", true},
            {"router", router->to_string()},
            {"rib", rib_text},
            {"peer", peer->to_string()},
            {"lines", rib == nullptr ? nlohmann::json::array() : dump_lines(*rib, peer->to_string())}};
  }
  return {{"ok", false},
          {"error", "bmp_dump: rib '" + rib_text +
                        "': expected view, adj-rib-in-pre, adj-rib-in-post, adj-rib-out-pre, adj-rib-out-post or "
                        "loc-rib"}};
}

}  // namespace flowlab::collector
