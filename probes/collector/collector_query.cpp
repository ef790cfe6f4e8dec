// The Collector's answers on the query socket (query.hpp): BGP peers and table dumps, counters, stats, and the
// request dispatch. The Collector's life cycle (start, receive, outputs, reload) is collector.cpp.
#include "probes/collector/collector.hpp"

#include "probes/bgp/format.hpp"
#include "probes/collector/named_counters.hpp"

#include <chrono>
#include <ctime>

namespace flowlab::collector {
namespace {

std::string router_id_text(std::uint32_t id) { return id == 0 ? std::string() : IpAddress::v4(id).to_string(); }

std::string protocol_name(wire::ExportProtocol p) {
  switch (p) {
    case wire::ExportProtocol::kNetflowV5:
      return "netflow_v5";
    case wire::ExportProtocol::kNetflowV9:
      return "netflow_v9";
    case wire::ExportProtocol::kIpfix:
      return "ipfix";
    case wire::ExportProtocol::kSflowV5:
      return "sflow_v5";
    case wire::ExportProtocol::kUnknown:
      break;
  }
  return "unknown";
}

std::time_t now_seconds() { return std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()); }

// Records per sampling-rate source (sampling.hpp): {"none": N, "packet": N, ...}.
nlohmann::json sampling_json(const SamplingTable& table) {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t i = 0; i < kSamplingSourceCount; ++i) {
    const auto source = static_cast<wire::SamplingSource>(i);
    out[wire::to_string(source)] = table.count(source);
  }
  return out;
}

// Every probes/wire counter, and the templates cached.
nlohmann::json decoder_json(const wire::Decoder& decoder) {
  nlohmann::json out = nlohmann::json::object();
  decoder.counters().for_each([&](std::string_view name, std::uint64_t v) { out[std::string(name)] = v; });
  out["templates"] = decoder.template_count();
  return out;
}

}  // namespace

nlohmann::json Collector::bgp_peers_json() const {
  nlohmann::json peers = nlohmann::json::array();
  std::vector<bgp::PeerStatus> status = speaker_ ? speaker_->peers() : std::vector<bgp::PeerStatus>{};
  const auto table_peers = tables_.peers();
  for (const auto& p : config_.bgp.peers) {
    nlohmann::json j{{"address", p.address.to_string()},
                     {"name", p.name.empty() ? p.address.to_string() : p.name},
                     {"asn", p.asn},
                     {"state", "Idle"},
                     {"bgp_id", ""},
                     {"routes", 0},
                     {"established_count", 0}};
    for (const auto& s : status) {
      if (s.info.address == p.address) {
        j["state"] = std::string(bgp::to_string(s.state));
        if (s.info.asn != 0) {
          j["asn"] = s.info.asn;
        }
        j["bgp_id"] = router_id_text(s.info.bgp_id);
        j["established_count"] = s.established_count;
        if (s.last_notification_received) {
          j["last_notification_received"] = s.last_notification_received->to_string();
        }
        if (s.last_notification_sent) {
          j["last_notification_sent"] = s.last_notification_sent->to_string();
        }
      }
    }
    for (const auto& t : table_peers) {
      if (t.address == p.address && t.rib != nullptr) {
        j["routes"] = t.rib->size();
        const auto now = std::chrono::steady_clock::now();
        j["sync"] = {{"ipv4", t.sync_state(Family::kIpv4, now)}, {"ipv6", t.sync_state(Family::kIpv6, now)}};
      }
    }
    peers.push_back(std::move(j));
  }
  return peers;
}

nlohmann::json Collector::bgp_dump_json(const nlohmann::json& request) const {
  const std::string peer_text = request.value("peer", "");
  auto address = IpAddress::parse(peer_text);
  if (!address) {
    // By name.
    for (const auto& p : config_.bgp.peers) {
      if (p.name == peer_text) {
        address = p.address;
      }
    }
  }
  if (!address) {
    return {{"ok", false}, {"error", "bgp_dump: unknown peer '" + peer_text + "' (an address or a peer name)"}};
  }
  const bgp::Rib* rib = tables_.by_address(*address);
  nlohmann::json lines = nlohmann::json::array();
  if (rib != nullptr) {
    bgp::DumpOptions options;
    options.peer_ip_src = address->to_string();
    options.timestamp = sql_timestamp(now_seconds());
    std::uint64_t seq = 0;
    rib->for_each([&](const bgp::RibRoute& route) { lines.push_back(bgp::table_dump_line(route, options, seq++)); });
  }
  return {{"ok", true}, {"peer", address->to_string()}, {"lines", lines}};
}

nlohmann::json Collector::counters_json() const {
  nlohmann::json seq = nlohmann::json::array();
  for (const auto& s : sequences_.streams()) {
    seq.push_back({{"exporter", s.key.exporter.to_string()},
                   {"domain", s.key.domain},
                   {"protocol", protocol_name(s.key.protocol)},
                   {"datagrams", s.counters.datagrams},
                   {"expected", s.counters.expected_units},
                   {"lost", s.counters.lost},
                   {"duplicate", s.counters.duplicate},
                   {"out_of_order", s.counters.out_of_order},
                   {"resets", s.counters.resets},
                   {"next", s.next}});
  }
  const auto totals = sequences_.totals();
  nlohmann::json receivers = nlohmann::json::array();
  for (const auto& r : receivers_) {
    const auto& c = r->counters();
    receivers.push_back({{"proto", std::string(to_string(r->config().proto))},
                         {"address", r->config().address.is_set() ? r->config().address.to_string() : "0.0.0.0"},
                         {"port", r->local_port()},
                         {"datagrams", c.datagrams},
                         {"bytes", c.bytes},
                         {"batches", c.batches},
                         {"kernel_drops", c.kernel_drops},
                         {"truncated", c.truncated},
                         {"errors", c.errors},
                         {"socket_buffer", c.socket_buffer}});
  }
  nlohmann::json bgp = nlohmann::json::object();
  if (speaker_) {
    bgp = named_counters(speaker_->counters().items());
    bgp["bgp_routes_refused"] = tables_.refused();
  }
  nlohmann::json tee = nlohmann::json::array();
  for (const auto& t : tees_) {
    for (const auto& c : t->counters()) {
      tee.push_back({{"tee", t->config().name},
                     {"id", c.id},
                     {"address", c.address.to_string()},
                     {"port", c.port},
                     {"datagrams", c.datagrams},
                     {"bytes", c.bytes},
                     {"errors", c.errors},
                     {"would_block", c.would_block},
                     {"dropped", c.dropped}});
    }
  }
  nlohmann::json aggregates = nlohmann::json::array();
  for (const auto& a : aggregates_) {
    aggregates.push_back({{"name", a.spec().name}, {"entries", a.size()}, {"filtered_out", a.filtered_out()}});
  }
  return {{"ok", true},
          {"collector",
           {{"datagrams", counters_.datagrams},
            {"decode_errors", counters_.decode_errors},
            {"records", counters_.records},
            {"output_writes", counters_.output_writes},
            {"output_errors", counters_.output_errors},
            {"table_dumps", counters_.table_dumps},
            {"records_unenriched_syncing", counters_.records_unenriched_syncing},
            {"records_no_sampling_rate", sampling_.no_rate()},
            {"queries", query_ ? query_->requests() : 0}}},
          {"decoder", decoder_json(decoder_)},
          {"sampling", sampling_json(sampling_)},
          {"sequence",
           {{"streams", seq},
            {"lost", totals.lost},
            {"duplicate", totals.duplicate},
            {"out_of_order", totals.out_of_order},
            {"resets", totals.resets}}},
          {"receivers", receivers},
          {"bgp", {{"counters", bgp}, {"peers", bgp_peers_json()}}},
          {"bmp", bmp_json()},
          {"tee", tee},
          {"aggregates", aggregates},
          {"store", store_json()}};
}

// `outputs.clickhouse`'s counters ({} when not configured).
nlohmann::json Collector::store_json() const {
  if (!clickhouse_) {
    return nlohmann::json::object();
  }
  const ClickHouseCounters c = clickhouse_->counters();
  return {{"clickhouse",
           {{"url", clickhouse_->config().url},
            {"table", clickhouse_->config().database + "." + clickhouse_->config().table},
            {"rows_produced", c.rows_produced},
            {"rows_inserted", c.rows_inserted},
            {"rows_dropped", c.rows_dropped},
            {"rows_queued", c.rows_queued},
            {"inserts", c.inserts},
            {"insert_errors", c.insert_errors},
            {"retries", c.retries},
            {"partitions_dropped", c.partitions_dropped}}}};
}

nlohmann::json Collector::stats_json() const {
  std::uint64_t kernel_drops = 0;
  std::uint64_t received = 0;
  for (const auto& r : receivers_) {
    kernel_drops += r->counters().kernel_drops;
    received += r->counters().datagrams;
  }
  const auto totals = sequences_.totals();
  return {{"datagrams_received", received},
          {"kernel_drops", kernel_drops},
          {"datagrams_decoded", counters_.datagrams},
          {"decode_errors", counters_.decode_errors},
          {"records", counters_.records},
          {"records_no_sampling_rate", sampling_.no_rate()},
          {"sequence_lost", totals.lost},
          {"templates", decoder_.template_count()},
          {"bgp_peers_up",
           [&] {
             std::size_t up = 0;
             for (const auto& p : tables_.peers()) {
               up += p.up ? 1U : 0U;
             }
             return up;
           }()},
          {"bmp_routers", bmp_tables_.routers().size()}};
}

nlohmann::json Collector::handle_query(const nlohmann::json& request) try {
  const std::string cmd = request.value("cmd", "");
  if (cmd == "counters") {
    return counters_json();
  }
  if (cmd == "bgp_peers") {
    return {{"ok", true}, {"peers", bgp_peers_json()}};
  }
  if (cmd == "bgp_dump") {
    return bgp_dump_json(request);
  }
  if (cmd == "bmp_dump") {
    return bmp_dump_json(request);
  }
  if (cmd == "flush") {
    write_outputs();
    dump_tables();
    return {{"ok", true}};
  }
  if (cmd == "aggregates") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& a : aggregates_) {
      nlohmann::json prims = nlohmann::json::array();
      for (auto p : a.spec().primitives) {
        prims.push_back(std::string(primitive_name(p)));
      }
      list.push_back(
          {{"name", a.spec().name}, {"primitives", prims}, {"filter", a.spec().filter}, {"entries", a.size()}});
    }
    return {{"ok", true}, {"aggregates", list}};
  }
  if (cmd == "table" || cmd == "clear") {
    auto q = parse_table_query(request);
    if (!q) {
      return {{"ok", false}, {"error", q.error().message}};
    }
    if (aggregates_.empty()) {
      return {{"ok", false}, {"error", "no aggregates configured"}};
    }
    if (cmd == "clear" && q->aggregate.empty()) {
      for (auto& a : aggregates_) {
        a.clear();
      }
      return {{"ok", true}};
    }
    Aggregate* target = q->aggregate.empty() ? &aggregates_.front() : nullptr;
    for (auto& a : aggregates_) {
      if (a.spec().name == q->aggregate) {
        target = &a;
      }
    }
    if (target == nullptr) {
      return {{"ok", false}, {"error", "no aggregate named '" + q->aggregate + "'"}};
    }
    if (cmd == "clear") {
      target->clear();
      return {{"ok", true}};
    }
    auto rows = target->rows();
    const std::size_t total = rows.size();
    auto selected = select_rows(target->spec(), std::move(rows), *q);
    if (!selected) {
      return {{"ok", false}, {"error", selected.error().message}};
    }
    auto response = table_response(target->spec(), *selected, total);
    return response;
  }
  return {{"ok", false},
          {"error", "unknown cmd '" + cmd + "' (table, clear, counters, bgp_peers, bgp_dump, flush, aggregates)"}};
} catch (const nlohmann::json::exception& e) {  // a request of the wrong shape is an answer, never a crash
  return {{"ok", false}, {"error", std::string("malformed query: ") + e.what()}};
}

}  // namespace flowlab::collector
