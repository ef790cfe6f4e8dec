// The Collector's life cycle: create, start (receivers, BGP speaker, timers), datagrams to aggregates, outputs, reload
// and stop. Its query-socket answers are collector_query.cpp.
#include "probes/collector/collector.hpp"

#include "probes/bgp/format.hpp"
#include "probes/collector/steering.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace flowlab::collector {
namespace {

std::time_t now_seconds() { return std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()); }

// Whether an aggregate keys on a matched network or its mask (EnrichConfig::networks).
bool reads_networks(const std::vector<AggregateSpec>& aggregates) {
  for (const auto& a : aggregates) {
    for (const Primitive p : a.primitives) {
      if (p == Primitive::kSrcNet || p == Primitive::kDstNet || p == Primitive::kSrcMask || p == Primitive::kDstMask) {
        return true;
      }
    }
  }
  return false;
}

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

Result<std::vector<std::unique_ptr<Enricher>>> Collector::enrichers(std::size_t n) const {
  EnrichConfig enrich;
  FLOWLAB_TRY(load_maps(enrich));  // the map files read once; every worker gets a copy
  enrich.networks = config_.outputs.clickhouse.has_value() || reads_networks(config_.aggregates);
  std::vector<std::unique_ptr<Enricher>> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(std::make_unique<Enricher>(tables_, enrich, &bmp_tables_));
  }
  return out;
}

Result<std::unique_ptr<Collector>> Collector::create(boost::asio::io_context& io, CollectorConfig config) {
  std::unique_ptr<Collector> c(new Collector(io, std::move(config)));
  if (apply_default_aggregate(c->config_)) {
    spdlog::info("[collector] no aggregates configured: aggregate 'default' (src_host), as pmacct's default");
  }
  for (const auto& t : c->config_.tee) {
    auto tee = Tee::create(t);
    if (!tee) {
      return fail(tee.error().kind, "tee " + t.name + ": " + tee.error().message);
    }
    c->tees_.push_back(std::move(*tee));
  }
  c->shared_.tees = &c->tees_;
  c->shared_.decode = !(c->config_.aggregates.empty() && !c->config_.bgp.enabled && !c->tees_.empty());
  const std::size_t n = c->config_.workers == 0 ? default_workers() : c->config_.workers;
  auto enrichers = c->enrichers(n);
  if (!enrichers) {
    return fail(enrichers.error());
  }
  for (std::size_t i = 0; i < n; ++i) {
    auto w = Worker::create(i, c->config_.aggregates, c->config_.sampling, std::move((*enrichers)[i]), c->shared_);
    if (!w) {
      return fail(w.error());
    }
    c->table_lock_.add((*w)->mutex());
    c->workers_.push_back(std::move(*w));
  }
  for (const auto& f : c->config_.outputs.files) {
    c->files_.emplace_back(f);
  }
  return c;
}

Status Collector::open_receivers() {
  const std::size_t n = workers_.size();
  std::vector<ListenConfig> listen = config_.listen;
  for (std::size_t i = 0; i < n; ++i) {
    // Worker 0 binds first (port 0 picks a free port); the others join its sockets' groups on the same ports.
    auto bound = workers_[i]->open(listen, config_.socket_buffer, config_.receive_batch, n, n == 1 ? &io_ : nullptr);
    if (!bound) {
      close_receivers();
      return fail(bound.error());
    }
    listen = std::move(*bound);
  }
  bound_ = listen;
  for (const auto& r : workers_.front()->receivers()) {
    if (r->counters().socket_buffer < config_.socket_buffer) {
      const auto& l = r->config();
      spdlog::warn("[collector] {}:{}: receive buffer is {} bytes (asked {}; raise net.core.rmem_max or run as root)",
                   l.address.is_set() ? l.address.to_string() : "0.0.0.0", r->local_port(), r->counters().socket_buffer,
                   config_.socket_buffer);
    }
  }
  if (n > 1) {
    spdlog::info("[collector] {} receive workers (SO_REUSEPORT, exporters steered by source address)", n);
  }
  return {};
}

void Collector::close_receivers() {
  for (auto& w : workers_) {
    w->close_receivers();
  }
}

void Collector::start_worker_threads() {
  if (workers_.size() > 1) {
    for (auto& w : workers_) {
      w->start_thread();
    }
  }
}

void Collector::stop_worker_threads() {
  for (auto& w : workers_) {
    w->stop_thread();
  }
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
  // Every change to the tables holds every worker's mutex (TableLock): the workers read them on their threads.
  speaker_->on_end_of_rib([this](const bgp::PeerInfo& peer, bgp::AfiSafi af) {
    const auto held = table_lock_.hold();
    tables_.end_of_rib(peer, af);
  });
  speaker_->on_update([this](const bgp::PeerInfo& peer, const bgp::RouteBatch& batch) {
    const auto held = table_lock_.hold();
    tables_.apply(peer, batch);
  });
  speaker_->on_state([this](const bgp::PeerInfo& peer, bgp::State state) {
    if (state == bgp::State::kEstablished) {
      {
        const auto held = table_lock_.hold();
        tables_.peer_up(peer);
      }
      spdlog::info("[bgp] {} ({}) established, AS {}", peer.name, peer.address.to_string(), peer.asn);
    }
  });
  speaker_->on_peer_down([this](const bgp::PeerInfo& peer) {
    {
      const auto held = table_lock_.hold();
      tables_.peer_down(peer);
    }
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
    bmp_ = std::make_unique<BmpListener>(io_, bmp_tables_, std::move(listen), &table_lock_);
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
    const std::lock_guard lock(shared_.mutex);
    shared_.clickhouse = clickhouse_.get();
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
  start_worker_threads();
  io_work_.emplace(io_.get_executor());
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
  stop_worker_threads();
  for (auto& w : workers_) {
    w->drain();  // what the kernel still holds
  }
  write_outputs();
  if (!config_.bgp.table_dump_path.empty()) {
    dump_tables();
  }
  if (clickhouse_) {
    clickhouse_->stop();
  }
  {
    const std::lock_guard lock(shared_.mutex);
    shared_.clickhouse = nullptr;
  }
  stopped_ = true;
  io_work_.reset();
  for (auto& t : timers_) {
    t->cancel();
  }
  close_receivers();
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
  workers_[exporter_worker(source, workers_.size())]->process(datagram, source, port, receive_ms);
}

std::vector<Row> Collector::merged_rows(std::size_t aggregate) const {
  std::vector<std::vector<Row>> per_worker;
  per_worker.reserve(workers_.size());
  for (const auto& w : workers_) {
    const std::lock_guard lock(w->mutex());
    per_worker.push_back(w->aggregates()[aggregate].rows());
  }
  return merge_rows(std::move(per_worker));
}

std::optional<std::vector<Row>> Collector::rows(const std::string& aggregate) const {
  for (std::size_t i = 0; i < config_.aggregates.size(); ++i) {
    if (config_.aggregates[i].name == aggregate) {
      return merged_rows(i);
    }
  }
  return std::nullopt;
}

CollectorCounters Collector::counters() const {
  CollectorCounters out = counters_;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    const WorkerCounters w = worker_counters(i);
    out.datagrams += w.datagrams;
    out.decode_errors += w.decode_errors;
    out.records += w.records;
    out.records_unenriched_syncing += w.records_unenriched_syncing;
  }
  return out;
}

WorkerCounters Collector::worker_counters(std::size_t index) const {
  const std::lock_guard lock(workers_.at(index)->mutex());
  return workers_[index]->counters();
}

void Collector::write_file_output(std::size_t index) {
  auto& out = files_[index];
  for (std::size_t a = 0; a < config_.aggregates.size(); ++a) {
    if (config_.aggregates[a].name != out.config().aggregate) {
      continue;
    }
    auto r = out.write(config_.aggregates[a], merged_rows(a), now_seconds());
    if (!r) {
      ++counters_.output_errors;
      spdlog::warn("[output] {}", r.error().message);
    } else {
      ++counters_.output_writes;
    }
    return;
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
  for (std::size_t a = 0; a < config_.aggregates.size(); ++a) {
    auto r = sqlite_->write(config_.aggregates[a], merged_rows(a), start, now);
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
  auto enrichers_now = enrichers(workers_.size());
  if (!enrichers_now) {
    std::swap(config_, next);
    return fail(enrichers_now.error());
  }
  {
    const auto held = table_lock_.hold();
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      workers_[i]->reconfigure(std::move((*enrichers_now)[i]), config_.sampling);  // the BMP view stays
    }
  }
  for (auto& t : tees_) {
    if (auto s = t->reload(); !s) {
      spdlog::warn("[tee] {}: reload failed, keeping the old receivers: {}", t->config().name, s.error().message);
    }
  }
  // Listeners: reopen when the list changed.
  if (started_ && fresh->listen != config_.listen) {
    stop_worker_threads();
    close_receivers();
    config_.listen = fresh->listen;
    auto opened = open_receivers();
    start_worker_threads();
    FLOWLAB_TRY(opened);
  }
  spdlog::info("[collector] reloaded {}", config_.source_file);
  return {};
}

std::vector<std::uint16_t> Collector::listening_ports() const {
  std::vector<std::uint16_t> out;
  for (const auto& l : bound_) {
    out.push_back(l.port);
  }
  return out;
}

std::vector<bgp::ListenAddress> Collector::bgp_listening() const {
  return speaker_ ? speaker_->listening() : std::vector<bgp::ListenAddress>{};
}

}  // namespace flowlab::collector
