#include "labctl/scenario/steps/expect_record.hpp"

#include "common/strings.hpp"

namespace flowlab::scenario::expect_detail {
namespace {

// Whether one row of the collector's table is this stream's, from this exporter, at this observation.
bool row_matches(const std::map<std::string, std::string>& f, const Stream& s, const IpAddress& exporter,
                 const std::string& direction, std::optional<std::uint32_t> observed_ifindex) {
  auto has = [&](const char* key) { return f.count(key) != 0; };
  if (has("peer_ip_src") && f.at("peer_ip_src") != exporter.to_string()) {
    return false;
  }
  if (has("direction") && f.at("direction") != "unknown") {
    if (f.at("direction") != direction) {
      return false;
    }
    const auto side = f.find(direction == "ingress" ? "iface_in" : "iface_out");
    if (observed_ifindex && side != f.end() && side->second != std::to_string(*observed_ifindex)) {
      return false;
    }
  }
  const std::string proto = s.proto == Proto::kIcmp
                                ? (s.family == Family::kIpv6 ? std::string("ipv6-icmp") : std::string("icmp"))
                                : std::string(proto_name(s.proto));
  if (has("proto") && f.at("proto") != proto &&
      f.at("proto") != std::to_string(ip_protocol_number(s.proto, s.family))) {
    return false;
  }
  return s.proto == Proto::kIcmp || !((has("src_port") && f.at("src_port") != std::to_string(s.sport)) ||
                                      (has("dst_port") && f.at("dst_port") != std::to_string(s.dport)));
}

// The address a router's records are looked up under at `collector`: its session address, else its mgmt0 address
// (what the rendered agent map names for a router without a session).
std::pair<IpAddress, bool> collector_peer_address(const RunContext& run, const std::string& router,
                                                  const std::string& collector) {
  std::optional<IpAddress> v6;
  for (const auto& ss : run.current.sessions) {
    if (ss.to_collector && ss.local_node == router && ss.remote_node == collector) {
      if (ss.family == Family::kIpv4) {
        return {ss.local_address, true};
      }
      v6 = v6 ? v6 : ss.local_address;
    }
  }
  if (v6) {
    return {*v6, true};
  }
  const topology::Node* n = run.topo().find_node(router);
  return {n == nullptr ? IpAddress{} : n->mgmt4.address, false};
}

}  // namespace

Result<CollectorRecord> collector_record(RunContext& run, const topology::Node& collector, const Stream& s,
                                         const IpAddress& exporter, const std::string& direction,
                                         std::optional<std::uint32_t> observed_ifindex, RecordSource from) {
  const nodes::NodeDriver& driver = run.driver(collector);
  const nodes::RecordQuery query{s.src, s.dst};
  nodes::StoredQuery stored;
  stored.pair = query;
  stored.settle = true;
  auto rows = from == RecordSource::kStore ? driver.stored_records(run.context(collector), stored)
                                           : driver.records(run.context(collector), query);
  FLOWLAB_TRY(rows);
  CollectorRecord rec;
  for (auto& row : *rows) {
    if (!row_matches(row.fields, s, exporter, direction, observed_ifindex)) {
      continue;
    }
    if (!rec.found) {
      rec.fields = std::move(row.fields);
      rec.found = true;
    }
    rec.packets += row.packets;
    rec.bytes += row.bytes;
    rec.flows += row.flows;
    ++rec.rows;
  }
  return rec;
}

std::optional<std::uint32_t> observed_ifindex(RunContext& run, const oracle::Observation& obs) {
  if (obs.probe_node != obs.metering_router) {
    return std::nullopt;
  }
  const auto& probe = run.topo().probes[obs.probe_index];
  if (const auto o = probe.ifindex.find(obs.observed_interface); o != probe.ifindex.end()) {
    return o->second;  // the probe records its override (`ifindex:`)
  }
  std::optional<std::uint32_t> found;
  for (const auto& [index, name] : run.ifnames(obs.metering_router)) {
    if (name == obs.observed_interface) {
      found = index;
    }
  }
  return found;
}

void name_interfaces(RunContext& run, const oracle::Observation& obs, CollectorRecord& rec) {
  const bool on_router = obs.probe_node == obs.metering_router;
  for (const char* key : {"iface_in", "iface_out"}) {
    auto it = rec.fields.find(key);
    if (it == rec.fields.end()) {
      continue;
    }
    if (!on_router) {
      rec.fields.erase(it);
      continue;
    }
    const auto& names = run.ifnames(obs.metering_router);
    const auto parsed = parse_decimal<std::uint32_t>(it->second);
    if (!parsed) {
      continue;
    }
    const std::uint32_t index = *parsed;
    const auto n = names.find(index);
    it->second = index == 0 ? "" : (n == names.end() ? "ifindex " + it->second : n->second);
  }
}

report::TrafficFact traffic_fact(const RunContext& run, const Stream& s, const oracle::Observation& obs,
                                 const CollectorRecord& c, const topology::Node& collector, const std::string& point) {
  report::TrafficFact f;
  f.stream = s.name;
  f.router = obs.metering_router;
  f.point = point;
  f.collector = collector.name;
  const topology::Node* router = run.topo().find_node(obs.metering_router);
  f.router_asn = router != nullptr ? router->asn : 0;
  auto asn = [&](const char* key, std::uint32_t fallback) -> std::uint32_t {
    const auto it = c.fields.find(key);
    return it == c.fields.end() ? fallback : parse_decimal<std::uint32_t>(it->second).value_or(fallback);
  };
  auto net = [&](const char* net_key, const char* mask_key, const std::optional<Prefix>& fallback) -> std::string {
    const auto n = c.fields.find(net_key);
    if (n == c.fields.end()) {
      return fallback ? fallback->to_string() : "";
    }
    if (n->second.empty() || n->second == "0.0.0.0" || n->second == "::") {
      return "";
    }
    const auto m = c.fields.find(mask_key);
    return n->second + (m == c.fields.end() ? "" : "/" + m->second);
  };
  f.as_src = asn("as_src", obs.as_src);
  f.as_dst = asn("as_dst", obs.as_dst);
  f.peer_as_src = asn("peer_as_src", obs.peer_as_src_truth);
  f.peer_as_dst = asn("peer_as_dst", obs.peer_as_dst);
  f.peer_src_from_rib = collector.peer_src_as == topology::PeerSrcAsMethod::kBgp && c.fields.count("peer_as_src") != 0;
  f.net_src = net("net_src", "mask_src", obs.net_src);
  f.net_dst = net("net_dst", "mask_dst", obs.net_dst);
  f.direction = report::classify(f.router_asn, f.as_src, f.as_dst, !f.net_src.empty() || !f.net_dst.empty());
  f.bytes = c.bytes;
  f.packets = c.packets;
  f.flows = c.flows;
  return f;
}

std::string agent_map_explanation(const RunContext& run, const topology::Node& collector,
                                  const oracle::Observation& obs, const std::string& field, const std::string& value,
                                  const Stream& s) {
  const auto it = collector.agent_map.find(obs.probe_node);
  if (it == collector.agent_map.end() || it->second == obs.metering_router) {
    return "";
  }
  const auto [peer, has_session] = collector_peer_address(run, it->second, collector.name);
  const bool about_src = field.find("src") != std::string::npos;
  return "collector reported " + field + " " + (value.empty() ? std::string("(empty)") : value) + ": no route for " +
         (about_src ? s.src : s.dst).to_string() + " in the view of peer " + peer.to_string() + " (" + it->second +
         ", by agent_map " + obs.probe_node + " -> " + it->second +
         (has_session ? "" : "; " + it->second + " has no BGP session with " + collector.name) +
         "; the packets crossed " + obs.metering_router + ") — agent map?";
}

std::string ifindex_explanation(RunContext& run, const std::string& router, const std::string& field,
                                const std::string& expected, const std::string& reported) {
  std::string expected_index = "unknown";
  for (const auto& [index, ifname] : run.ifnames(router)) {
    if (ifname == expected) {
      expected_index = std::to_string(index);
    }
  }
  const bool unknown = reported.rfind("ifindex ", 0) == 0;
  return "collector reported " + field + " " + (reported.empty() ? std::string("(none)") : reported) +
         (unknown ? ", which is no interface of " + router : "") + " (" + expected + " is ifindex " + expected_index +
         ") — the probe's ifindex mapping?";
}

}  // namespace flowlab::scenario::expect_detail
