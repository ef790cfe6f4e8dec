#include "probes/collector/output_clickhouse.hpp"

#include "probes/collector/clickhouse_schema.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace flowlab::collector {
namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace

ClickHouseOutput::ClickHouseOutput(ClickHouseOutputConfig config, HttpUrl url, Aggregate formatter)
    : config_(std::move(config)),
      http_(std::move(url)),
      table_(config_.database + "." + config_.table),
      formatter_(std::move(formatter)) {}

Result<std::unique_ptr<ClickHouseOutput>> ClickHouseOutput::open(ClickHouseOutputConfig config) {
  auto url = parse_http_url(config.url);
  if (!url) {
    return fail(ErrorKind::kConfig, "outputs.clickhouse.url: expected http://HOST:PORT, found '" + config.url + "'");
  }
  auto formatter = Aggregate::create(store_formatter_spec());
  if (!formatter) {
    return fail(formatter.error());
  }
  std::unique_ptr<ClickHouseOutput> out(new ClickHouseOutput(std::move(config), *url, std::move(*formatter)));
  if (auto s = ensure_schema(out->http_, out->config_); !s) {
    return fail(s.error().kind, "outputs.clickhouse: " + s.error().message);
  }
  out->apply_retention();
  out->writer_ = std::thread([o = out.get()] { o->run(); });
  return out;
}

ClickHouseOutput::~ClickHouseOutput() { stop(); }

void ClickHouseOutput::fill_route(const bgp::RouteAttributes* route, StoreRoute& out) {
  if (route == nullptr) {
    out.path.reset();
    out.extras = 0;
    return;
  }
  out.path = route->as_path;
  out.extras = extras_.intern(route->attrs, unsent_extras_);
}

void ClickHouseOutput::fill_row(const EnrichedFlow& flow, std::uint64_t receive_ms, StoreRow& row) {
  row.has_record = flow.record != nullptr;
  if (row.has_record) {
    row.record = *flow.record;
  }
  row.time = static_cast<std::uint32_t>((receive_ms != 0 ? receive_ms : now_ms()) / 1000U);
  row.peer_ip_src = flow.peer_ip_src;
  row.peer_ip_dst = flow.peer_ip_dst;
  row.as_src = flow.as_src;
  row.as_dst = flow.as_dst;
  row.peer_as_src = flow.peer_as_src;
  row.peer_as_dst = flow.peer_as_dst;
  row.net_src = flow.net_src;
  row.net_dst = flow.net_dst;
  row.packets = flow.packets;
  row.bytes = flow.bytes;
  row.flows = flow.flows;
  fill_route(flow.src_route, row.src);
  fill_route(flow.dst_route, row.dst);
}

ClickHouseOutput::Batch ClickHouseOutput::take_batch() {
  Batch b;
  if (!spare_.empty()) {
    b = std::move(spare_.back());
    spare_.pop_back();
  } else {
    b.rows.reserve(std::min(config_.batch_rows, kFirstReserve));  // grows to batch_rows under load, kept
  }
  b.started = Clock::now();
  return b;
}

bool ClickHouseOutput::queue_row(StoreRow& row) {
  ++counters_.rows_produced;
  if (stopping_ || counters_.rows_queued >= config_.queue_rows) {
    ++counters_.rows_dropped;
    return false;
  }
  if (queue_.empty() || queue_.back().rows.size() >= config_.batch_rows || unsent_reset_) {
    queue_.push_back(take_batch());
  }
  Batch& b = queue_.back();
  b.reset_extras = b.reset_extras || unsent_reset_;
  unsent_reset_ = false;
  for (auto& e : unsent_extras_) {
    b.new_extras.push_back(std::move(e));
  }
  unsent_extras_.clear();
  b.rows.push_back(std::move(row));
  ++counters_.rows_queued;
  return b.rows.size() >= config_.batch_rows;
}

void ClickHouseOutput::queue_pending(std::size_t n) {
  if (n == 0) {
    return;
  }
  bool notify = false;
  {
    const std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < n; ++i) {
      notify = queue_row(pending_[i]) || notify;
    }
  }
  if (notify) {
    wake_.notify_one();
  }
}

void ClickHouseOutput::add(std::span<const EnrichedFlow> flows, std::uint64_t receive_ms) {
  std::size_t n = 0;
  for (const auto& flow : flows) {
    if (extras_.full()) {
      // The rows filled so far use the old ids: queue them first; the writer forgets its extras at the next row.
      queue_pending(n);
      n = 0;
      extras_.clear();
      unsent_extras_.clear();
      unsent_reset_ = true;
    }
    if (n == pending_.size()) {
      pending_.emplace_back();
    }
    fill_row(flow, receive_ms, pending_[n++]);
  }
  queue_pending(n);
}

bool ClickHouseOutput::batch_due(Clock::time_point now) const {
  if (queue_.empty()) {
    return false;
  }
  const Batch& front = queue_.front();
  return stopping_ || front.rows.size() >= config_.batch_rows || now - front.started >= config_.flush_interval;
}

void ClickHouseOutput::run() {
  ::pthread_setname_np(::pthread_self(), "flowcoll-store");  // top -H, perf: the writer's share apart
  auto next_retention = Clock::now() + kRetentionInterval;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, std::min<Clock::duration>(config_.flush_interval, std::chrono::milliseconds(200)),
                   [this] { return batch_due(Clock::now()) || (stopping_ && queue_.empty()); });
    if (stopping_ && queue_.empty()) {
      return;
    }
    if (Clock::now() >= next_retention) {
      next_retention = Clock::now() + kRetentionInterval;
      lock.unlock();
      apply_retention();
      lock.lock();
    }
    if (!batch_due(Clock::now())) {
      continue;
    }
    Batch batch = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    encoder_.take(batch.new_extras, batch.reset_extras);
    for (const StoreRow& row : batch.rows) {
      encoder_.append(formatter_, row);
    }
    encoder_.finish(body_);
    const std::size_t rows = batch.rows.size();
    const bool sent = deliver(rows, body_);
    batch.rows.clear();  // releases the rows' AS paths here, keeps the storage
    batch.reset_extras = false;
    lock.lock();
    counters_.rows_queued -= rows;
    (sent ? counters_.rows_inserted : counters_.rows_dropped) += rows;
    if (spare_.size() < kSpareBatches) {
      spare_.push_back(std::move(batch));
    }
  }
}

bool ClickHouseOutput::deliver(std::size_t rows, const std::string& body) {
  auto backoff = kFirstBackoff;
  for (;;) {
    const Status s = http_.insert_rows(table_, "Native", body);
    std::unique_lock lock(mutex_);
    if (s) {
      ++counters_.inserts;
      if (failing_) {
        spdlog::info("[clickhouse] inserting again into {}", table_);
      }
      failing_ = false;
      return true;
    }
    ++counters_.insert_errors;
    if (!failing_) {
      spdlog::warn("[clickhouse] insert of {} rows failed, retrying with backoff: {}", rows, s.error().message);
    }
    failing_ = true;
    if (stopping_ && Clock::now() >= give_up_at_) {
      return false;
    }
    ++counters_.retries;
    wake_.wait_for(lock, backoff, [this] { return stopping_ && Clock::now() >= give_up_at_; });
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

void ClickHouseOutput::apply_retention() {
  auto dropped = drop_expired_partitions(http_, config_);
  if (!dropped) {
    spdlog::warn("[clickhouse] retention: {}", dropped.error().message);
    return;
  }
  const std::lock_guard lock(mutex_);
  counters_.partitions_dropped += *dropped;
}

void ClickHouseOutput::stop(std::chrono::milliseconds grace) {
  {
    const std::lock_guard lock(mutex_);
    if (!stopping_) {
      stopping_ = true;
      give_up_at_ = Clock::now() + grace;
    }
  }
  wake_.notify_all();
  if (writer_.joinable()) {
    writer_.join();
  }
}

ClickHouseCounters ClickHouseOutput::counters() const {
  const std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace flowlab::collector
