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

// Records per sampling-rate source (sampling.hpp): {"none": N, "packet": N, ...}, added into `out`.
void add_sampling_json(const SamplingTable& table, nlohmann::json& out) {
  for (std::size_t i = 0; i < kSamplingSourceCount; ++i) {
    const auto source = static_cast<wire::SamplingSource>(i);
    const std::string name(wire::to_string(source));
    out[name] = out.value(name, std::uint64_t{0}) + table.count(source);
  }
}

// Every probes/wire counter, and the templates cached, added into `out` (summed over the workers).
void add_decoder_json(const wire::Decoder& decoder, nlohmann::json& out) {
  const auto add = [&](const std::string& name, std::uint64_t v) { out[name] = out.value(name, std::uint64_t{0}) + v; };
  decoder.counters().for_each([&](std::string_view name, std::uint64_t v) { add(std::string(name), v); });
  add("templates", decoder.template_count());
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

Collector::WorkersSnapshot Collector::snapshot() const {
  WorkersSnapshot out;
  out.decoder = nlohmann::json::object();
  out.sampling = nlohmann::json::object();
  out.streams = nlohmann::json::array();
  out.workers = nlohmann::json::array();
  out.receivers.resize(bound_.size());
  for (const auto& w : workers_) {
    const std::lock_guard lock(w->mutex());
    for (const auto& s : w->sequences().streams()) {
      out.streams.push_back({{"exporter", s.key.exporter.to_string()},
                             {"domain", s.key.domain},
                             {"protocol", protocol_name(s.key.protocol)},
                             {"worker", w->index()},
                             {"datagrams", s.counters.datagrams},
                             {"expected", s.counters.expected_units},
                             {"lost", s.counters.lost},
                             {"duplicate", s.counters.duplicate},
                             {"out_of_order", s.counters.out_of_order},
                             {"resets", s.counters.resets},
                             {"next", s.next}});
    }
    out.totals += w->sequences().totals();
    add_decoder_json(w->decoder(), out.decoder);
    add_sampling_json(w->sampling(), out.sampling);
    ReceiverCounters received;
    for (std::size_t i = 0; i < w->receivers().size() && i < out.receivers.size(); ++i) {
      const auto& c = w->receivers()[i]->counters();
      out.receivers[i] += c;
      received += c;
      if (w->index() == 0) {
        out.receivers[i].socket_buffer = c.socket_buffer;
      }
    }
    const WorkerCounters& c = w->counters();
    out.counters += c;
    out.workers.push_back({{"worker", w->index()},
                           {"datagrams_received", received.datagrams},
                           {"kernel_drops", received.kernel_drops},
                           {"datagrams", c.datagrams},
                           {"decode_errors", c.decode_errors},
                           {"records", c.records},
                           {"templates", w->decoder().template_count()},
                           {"streams", w->sequences().streams().size()}});
  }
  return out;
}

nlohmann::json Collector::aggregates_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < config_.aggregates.size(); ++i) {
    std::uint64_t filtered_out = 0;
    for (const auto& w : workers_) {
      const std::lock_guard lock(w->mutex());
      filtered_out += w->aggregates()[i].filtered_out();
    }
    std::size_t entries = 0;
    if (workers_.size() == 1) {
      const std::lock_guard lock(workers_.front()->mutex());
      entries = workers_.front()->aggregates()[i].size();
    } else {
      entries = merged_rows(i).size();  // a key seen by two workers is one entry
    }
    out.push_back({{"name", config_.aggregates[i].name}, {"entries", entries}, {"filtered_out", filtered_out}});
  }
  return out;
}

nlohmann::json Collector::counters_json() const {
  const WorkersSnapshot snap = snapshot();
  nlohmann::json receivers = nlohmann::json::array();
  for (std::size_t i = 0; i < bound_.size(); ++i) {
    const ListenConfig& l = bound_[i];
    const ReceiverCounters& c = snap.receivers[i];
    receivers.push_back({{"proto", std::string(to_string(l.proto))},
                         {"address", l.address.is_set() ? l.address.to_string() : "0.0.0.0"},
                         {"port", l.port},
                         {"sockets", workers_.size()},
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
  const auto aggregates = aggregates_json();
  return {{"ok", true},
          {"collector",
           {{"datagrams", snap.counters.datagrams},
            {"decode_errors", snap.counters.decode_errors},
            {"records", snap.counters.records},
            {"output_writes", counters_.output_writes},
            {"output_errors", counters_.output_errors},
            {"table_dumps", counters_.table_dumps},
            {"records_unenriched_syncing", snap.counters.records_unenriched_syncing},
            {"records_no_sampling_rate", snap.sampling.value("none", std::uint64_t{0})},
            {"queries", query_ ? query_->requests() : 0},
            {"workers", workers_.size()}}},
          {"decoder", snap.decoder},
          {"sampling", snap.sampling},
          {"sequence",
           {{"streams", snap.streams},
            {"lost", snap.totals.lost},
            {"duplicate", snap.totals.duplicate},
            {"out_of_order", snap.totals.out_of_order},
            {"resets", snap.totals.resets}}},
          {"receivers", receivers},
          {"workers", snap.workers},
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
  const WorkersSnapshot snap = snapshot();
  ReceiverCounters received;
  for (const auto& r : snap.receivers) {
    received += r;
  }
  return {{"datagrams_received", received.datagrams},
          {"kernel_drops", received.kernel_drops},
          {"datagrams_decoded", snap.counters.datagrams},
          {"decode_errors", snap.counters.decode_errors},
          {"records", snap.counters.records},
          {"records_no_sampling_rate", snap.sampling.value("none", std::uint64_t{0})},
          {"sequence_lost", snap.totals.lost},
          {"templates", snap.decoder.value("templates", std::uint64_t{0})},
          {"workers", workers_.size()},
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
    nlohmann::json list = aggregates_json();
    for (auto& a : list) {
      for (const auto& spec : config_.aggregates) {
        if (spec.name == a["name"]) {
          nlohmann::json prims = nlohmann::json::array();
          for (auto p : spec.primitives) {
            prims.push_back(std::string(primitive_name(p)));
          }
          a["primitives"] = prims;
          a["filter"] = spec.filter;
        }
      }
      a.erase("filtered_out");
    }
    return {{"ok", true}, {"aggregates", list}};
  }
  if (cmd == "table" || cmd == "clear") {
    auto q = parse_table_query(request);
    if (!q) {
      return {{"ok", false}, {"error", q.error().message}};
    }
    if (config_.aggregates.empty()) {
      return {{"ok", false}, {"error", "no aggregates configured"}};
    }
    std::optional<std::size_t> target;
    for (std::size_t i = 0; i < config_.aggregates.size(); ++i) {
      if (config_.aggregates[i].name == q->aggregate || (q->aggregate.empty() && i == 0)) {
        target = i;
      }
    }
    if (!target) {
      return {{"ok", false}, {"error", "no aggregate named '" + q->aggregate + "'"}};
    }
    if (cmd == "clear") {
      for (const auto& w : workers_) {
        const std::lock_guard lock(w->mutex());
        for (std::size_t i = 0; i < config_.aggregates.size(); ++i) {
          if (q->aggregate.empty() || i == *target) {
            w->aggregates()[i].clear();
          }
        }
      }
      return {{"ok", true}};
    }
    const AggregateSpec& spec = config_.aggregates[*target];
    auto rows = merged_rows(*target);
    const std::size_t total = rows.size();
    auto selected = select_rows(spec, std::move(rows), *q);
    if (!selected) {
      return {{"ok", false}, {"error", selected.error().message}};
    }
    return table_response(spec, *selected, total);
  }
  return {{"ok", false},
          {"error", "unknown cmd '" + cmd + "' (table, clear, counters, bgp_peers, bgp_dump, flush, aggregates)"}};
} catch (const nlohmann::json::exception& e) {  // a request of the wrong shape is an answer, never a crash
  return {{"ok", false}, {"error", std::string("malformed query: ") + e.what()}};
}

}  // namespace flowlab::collector
