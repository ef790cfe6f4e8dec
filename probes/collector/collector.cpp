// The Collector's life cycle: create, start (receivers, BGP speaker, timers), datagrams to aggregates, outputs, reload
// and stop. Its query-socket answers are collector_query.cpp.
#include "probes/collector/collector.hpp"

#include "probes/bgp/format.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace flowlab::collector {
namespace {

std::time_t now_seconds() { return std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()); }

}  // namespace

Collector::Collector(boost::asio::io_context& io, CollectorConfig config) : io_(io), config_(std::move(config)) {}

Collector::~Collector() { stop(); }

Status Collector::load_maps(EnrichConfig& out) const {
  out.source = config_.enrich.source;
  out.as_source = config_.enrich.as_source;
  out.net_source = config_.enrich.net_source;
  out.peer_src_as = config_.enrich.peer_src_as;
  out.renormalize = config_.enrich.renormalize;
  if (!config_.enrich.agent_map.empty()) {
    auto m = AgentMap::load(config_.enrich.agent_map.string());
    if (!m) {
      return fail(m.error());
    }
    out.agent_map = std::move(*m);
  }
  if (!config_.enrich.peer_src_as_map.empty()) {
    auto m = PeerSrcAsMap::load(config_.enrich.peer_src_as_map.string());
    if (!m) {
      return fail(m.error());
    }
    out.peer_src_as_map = std::move(*m);
  }
  return {};
}

Result<std::unique_ptr<Collector>> Collector::create(boost::asio::io_context& io, CollectorConfig config) {
  std::unique_ptr<Collector> c(new Collector(io, std::move(config)));
  c->sampling_.reconfigure(c->config_.sampling);
  EnrichConfig enrich;
  FLOWLAB_TRY(c->load_maps(enrich));
  c->enricher_ = std::make_unique<Enricher>(c->tables_, std::move(enrich), &c->bmp_tables_);
  if (apply_default_aggregate(c->config_)) {
    spdlog::info("[collector] no aggregates configured: aggregate 'default' (src_host), as pmacct's default");
  }
  for (const auto& spec : c->config_.aggregates) {
    auto a = Aggregate::create(spec);
    if (!a) {
      return fail(ErrorKind::kConfig, "aggregate " + spec.name + ": " + a.error().message);
    }
    c->aggregates_.push_back(std::move(*a));
  }
  for (const auto& t : c->config_.tee) {
    auto tee = Tee::create(t);
    if (!tee) {
      return fail(tee.error().kind, "tee " + t.name + ": " + tee.error().message);
    }
    c->tees_.push_back(std::move(*tee));
  }
  for (const auto& f : c->config_.outputs.files) {
    c->files_.emplace_back(f);
  }
  return c;
}

Status Collector::open_receivers() {
  for (const auto& l : config_.listen) {
    auto r = Receiver::open(io_, l, config_.socket_buffer, config_.receive_batch,
                            [this](std::span<const std::byte> d, const IpAddress& src, std::uint16_t port,
                                   std::uint64_t ms) { on_datagram(d, src, port, ms); });
    if (!r) {
      return fail(r.error());
    }
    if ((*r)->counters().socket_buffer < config_.socket_buffer) {
      spdlog::warn("[collector] {}:{}: receive buffer is {} bytes (asked {}; raise net.core.rmem_max or run as root)",
                   l.address.is_set() ? l.address.to_string() : "0.0.0.0", (*r)->local_port(),
                   (*r)->counters().socket_buffer, config_.socket_buffer);
    }
    receivers_.push_back(std::move(*r));
  }
  return {};
}

void Collector::start_bgp() {
  bgp::SpeakerConfig sc;
  sc.listen.clear();
  for (const auto& l : config_.bgp.listen) {
    sc.listen.push_back(bgp::ListenAddress{l.address, l.port});
  }
  if (sc.listen.empty()) {
    sc.listen.push_back(bgp::ListenAddress{});
  }
  sc.local_as = config_.bgp.local_as.value_or(0);
  sc.bgp_id = config_.bgp.router_id ? config_.bgp.router_id->v4_host_order() : 0;
  sc.hold_time = config_.bgp.hold_time;
  for (const auto& p : config_.bgp.peers) {
    bgp::PeerConfig pc;
    pc.address = p.address;
    pc.peer_as = p.asn;
    pc.mirror_as = !config_.bgp.local_as.has_value();
    pc.active = p.active;
    pc.port = p.port;
    pc.name = p.name.empty() ? p.address.to_string() : p.name;
    pc.password = p.password;
    sc.peers.push_back(pc);
  }
  speaker_ = std::make_unique<bgp::Speaker>(io_, sc);
  tables_.set_sync_timeout(config_.bgp.end_of_rib_timeout);
  speaker_->on_end_of_rib([this](const bgp::PeerInfo& peer, bgp::AfiSafi af) { tables_.end_of_rib(peer, af); });
  speaker_->on_update([this](const bgp::PeerInfo& peer, const bgp::RouteBatch& batch) { tables_.apply(peer, batch); });
  speaker_->on_state([this](const bgp::PeerInfo& peer, bgp::State state) {
    if (state == bgp::State::kEstablished) {
      tables_.peer_up(peer);
      spdlog::info("[bgp] {} ({}) established, AS {}", peer.name, peer.address.to_string(), peer.asn);
    }
  });
  speaker_->on_peer_down([this](const bgp::PeerInfo& peer) {
    tables_.peer_down(peer);
    spdlog::info("[bgp] {} ({}) down: its routes are withdrawn", peer.name, peer.address.to_string());
  });
  speaker_->on_log([](std::string_view line) { spdlog::debug("[bgp] {}", line); });
}

Status Collector::start() {
  if (started_) {
    return {};
  }
  started_ = true;
  FLOWLAB_TRY(open_receivers());
  if (config_.bgp.enabled) {
    start_bgp();
    FLOWLAB_TRY(speaker_->start());
  }
  if (config_.bmp.enabled) {
    std::vector<BmpListenAddress> listen;
    for (const auto& l : config_.bmp.listen) {
      listen.push_back(BmpListenAddress{l.address, l.port});
    }
    if (listen.empty()) {
      listen.push_back(BmpListenAddress{});
    }
    bmp_tables_.set_sync_timeout(config_.bmp.end_of_rib_timeout);
    bmp_ = std::make_unique<BmpListener>(io_, bmp_tables_, std::move(listen));
    FLOWLAB_TRY(bmp_->start());
  }
  if (config_.outputs.sqlite) {
    auto s = SqliteStore::open(config_.outputs.sqlite->path, config_.aggregates);
    if (!s) {
      return fail(s.error());
    }
    sqlite_ = std::move(*s);
  }
  if (config_.outputs.clickhouse) {
    auto ch = ClickHouseOutput::open(*config_.outputs.clickhouse);
    if (!ch) {
      return fail(ch.error());
    }
    clickhouse_ = std::move(*ch);
  }
  if (!config_.outputs.socket.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(config_.outputs.socket).parent_path(), ec);
    auto q = QueryServer::open(
        io_, config_.outputs.socket, [this](const nlohmann::json& request) { return handle_query(request); },
        config_.outputs.socket_mode);
    if (!q) {
      return fail(q.error());
    }
    query_ = std::move(*q);
  }
  for (std::size_t i = 0; i < files_.size(); ++i) {
    timers_.push_back(std::make_unique<boost::asio::steady_timer>(io_));
    arm(*timers_.back(), files_[i].config().interval, [this, i] { write_file_output(i); });
  }
  if (sqlite_) {
    timers_.push_back(std::make_unique<boost::asio::steady_timer>(io_));
    arm(*timers_.back(), config_.outputs.sqlite->interval, [this] { write_sqlite(); });
  }
  if (!config_.bgp.table_dump_path.empty() && config_.bgp.table_dump_interval.count() > 0) {
    timers_.push_back(std::make_unique<boost::asio::steady_timer>(io_));
    arm(*timers_.back(), config_.bgp.table_dump_interval, [this] { dump_tables(); });
  }
  if (config_.stats_interval.count() > 0) {
    timers_.push_back(std::make_unique<boost::asio::steady_timer>(io_));
    arm(*timers_.back(), config_.stats_interval, [this] {
      if (stats_cb_) {
        stats_cb_(stats_json());
      }
    });
  }
  return {};
}

void Collector::arm(boost::asio::steady_timer& timer, std::chrono::milliseconds interval,
                    std::function<void()> action) {
  if (interval.count() <= 0) {
    return;
  }
  timer.expires_after(interval);
  timer.async_wait([this, &timer, interval, action = std::move(action)](const boost::system::error_code& ec) mutable {
    if (ec || stopped_) {
      return;
    }
    action();
    arm(timer, interval, std::move(action));
  });
}

void Collector::stop() {
  if (stopped_ || !started_) {
    stopped_ = true;
    return;
  }
  for (auto& r : receivers_) {
    r->drain();  // what the kernel still holds
  }
  write_outputs();
  if (!config_.bgp.table_dump_path.empty()) {
    dump_tables();
  }
  if (clickhouse_) {
    clickhouse_->stop();
  }
  stopped_ = true;
  for (auto& t : timers_) {
    t->cancel();
  }
  for (auto& r : receivers_) {
    r->close();
  }
  if (bmp_) {
    bmp_->stop();
  }
  if (speaker_) {
    speaker_->stop();
  }
  if (query_) {
    query_->close();
  }
}

void Collector::on_datagram(std::span<const std::byte> datagram, const IpAddress& source, std::uint16_t port,
                            std::uint64_t receive_ms) {
  for (auto& tee : tees_) {
    tee->forward(datagram, source, port);
  }
  if (aggregates_.empty() && !config_.bgp.enabled && !tees_.empty()) {
    return;  // a tee-only collector does not decode
  }
  ++counters_.datagrams;
  records_.clear();
  auto info = decoder_.decode(datagram, source, port, receive_ms, records_);
  if (!info) {
    ++counters_.decode_errors;
  } else {
    sequences_.observe(*info);
  }
  for (auto& record : records_) {
    sampling_.apply(record);
  }
  enricher_->enrich(records_, flows_);  // the datagram's records as one batch (their cache misses overlap)
  for (const auto& flow : flows_) {
    counters_.records_unenriched_syncing += flow.view_syncing ? 1U : 0U;
  }
  for (auto& a : aggregates_) {
    a.add(flows_);
  }
  if (clickhouse_) {
    clickhouse_->add(flows_, receive_ms);  // the datagram's rows under one lock
  }
  counters_.records += records_.size();
}

void Collector::write_file_output(std::size_t index) {
  auto& out = files_[index];
  const Aggregate* a = find_aggregate(out.config().aggregate);
  if (a == nullptr) {
    return;
  }
  auto r = out.write(*a, now_seconds());
  if (!r) {
    ++counters_.output_errors;
    spdlog::warn("[output] {}", r.error().message);
  } else {
    ++counters_.output_writes;
  }
}

void Collector::write_sqlite() {
  if (!sqlite_) {
    return;
  }
  const std::time_t now = now_seconds();
  const auto interval = std::max<std::int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(config_.outputs.sqlite->interval).count());
  const std::time_t start = now - now % interval;
  for (const auto& a : aggregates_) {
    auto r = sqlite_->write(a, start, now);
    if (!r) {
      ++counters_.output_errors;
      spdlog::warn("[output] {}", r.error().message);
    } else {
      ++counters_.output_writes;
    }
  }
}

void Collector::write_outputs() {
  for (std::size_t i = 0; i < files_.size(); ++i) {
    write_file_output(i);
  }
  write_sqlite();
  if (stats_cb_) {
    stats_cb_(stats_json());
  }
}

void Collector::dump_tables() {
  if (config_.bgp.table_dump_path.empty()) {
    return;
  }
  const std::time_t now = now_seconds();
  const std::string stamp = sql_timestamp(now);
  for (const auto& peer : tables_.peers()) {
    if (peer.rib == nullptr) {
      continue;
    }
    const std::string path = expand_path(config_.bgp.table_dump_path, now, peer.address.to_string());
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
      std::filesystem::create_directories(parent, ec);
    }
    std::ofstream out(path, std::ios::trunc);
    if (!out) {
      ++counters_.output_errors;
      spdlog::warn("[bgp] cannot write the table dump {}", path);
      continue;
    }
    bgp::DumpOptions options;
    options.peer_ip_src = peer.address.to_string();
    options.timestamp = stamp;
    bgp::write_table_dump(out, *peer.rib, options);
    ++counters_.table_dumps;
  }
}

Status Collector::reload() {
  if (config_.source_file.empty() || config_.source_file == "<string>") {
    return fail(ErrorKind::kConfig, "no config file to reload");
  }
  auto fresh = load_config(config_.source_file);
  if (!fresh) {
    return fail(fresh.error());
  }
  // Maps and tees.
  CollectorConfig next = config_;
  next.enrich = fresh->enrich;
  next.sampling = fresh->sampling;
  std::swap(config_, next);
  EnrichConfig enrich;
  if (auto s = load_maps(enrich); !s) {
    std::swap(config_, next);
    return s;
  }
  sampling_.reconfigure(config_.sampling);
  enricher_ = std::make_unique<Enricher>(tables_, std::move(enrich), &bmp_tables_);  // the BMP view stays
  for (auto& t : tees_) {
    if (auto s = t->reload(); !s) {
      spdlog::warn("[tee] {}: reload failed, keeping the old receivers: {}", t->config().name, s.error().message);
    }
  }
  // Listeners: reopen when the list changed.
  if (started_ && fresh->listen != config_.listen) {
    std::vector<std::unique_ptr<Receiver>> old;
    old.swap(receivers_);
    for (auto& r : old) {
      r->close();
    }
    config_.listen = fresh->listen;
    FLOWLAB_TRY(open_receivers());
  }
  spdlog::info("[collector] reloaded {}", config_.source_file);
  return {};
}

const Aggregate* Collector::find_aggregate(const std::string& name) const {
  for (const auto& a : aggregates_) {
    if (a.spec().name == name) {
      return &a;
    }
  }
  return nullptr;
}

std::vector<std::uint16_t> Collector::listening_ports() const {
  std::vector<std::uint16_t> out;
  for (const auto& r : receivers_) {
    out.push_back(r->local_port());
  }
  return out;
}

std::vector<bgp::ListenAddress> Collector::bgp_listening() const {
  return speaker_ ? speaker_->listening() : std::vector<bgp::ListenAddress>{};
}

}  // namespace flowlab::collector
