#include "probes/collector/output_clickhouse.hpp"

#include "probes/collector/clickhouse_schema.hpp"
#include "probes/collector/record_format.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace flowlab::collector {
namespace {

using Clock = std::chrono::steady_clock;

AggregateSpec every_primitive() {
  AggregateSpec spec;
  spec.name = "clickhouse";
  for (const auto& i : all_primitives()) {
    spec.primitives.push_back(i.primitive);
  }
  return spec;
}

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
  auto formatter = Aggregate::create(every_primitive());
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

void ClickHouseOutput::add(const EnrichedFlow& flow, std::uint64_t receive_ms) {
  const Row row = formatter_.row_of(flow);
  line_ = format_json_line(formatter_.spec(), row, FormatOptions{Style::kClient, true});
  line_.insert(1, "\"time\": " + std::to_string((receive_ms != 0 ? receive_ms : now_ms()) / 1000U) + ", ");
  line_.push_back('\n');
  bool notify = false;
  {
    const std::lock_guard lock(mutex_);
    ++counters_.rows_produced;
    if (stopping_ || counters_.rows_queued >= config_.queue_rows) {
      ++counters_.rows_dropped;
      return;
    }
    if (queue_.empty() || queue_.back().rows >= config_.batch_rows) {
      queue_.push_back(Batch{{}, 0, Clock::now()});
    }
    Batch& b = queue_.back();
    b.body += line_;
    ++b.rows;
    ++counters_.rows_queued;
    notify = b.rows >= config_.batch_rows;
  }
  if (notify) {
    wake_.notify_one();
  }
}

bool ClickHouseOutput::batch_due(Clock::time_point now) const {
  if (queue_.empty()) {
    return false;
  }
  const Batch& front = queue_.front();
  return stopping_ || front.rows >= config_.batch_rows || now - front.started >= config_.flush_interval;
}

void ClickHouseOutput::run() {
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
    const Batch batch = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    const bool sent = deliver(batch);
    lock.lock();
    counters_.rows_queued -= batch.rows;
    (sent ? counters_.rows_inserted : counters_.rows_dropped) += batch.rows;
  }
}

bool ClickHouseOutput::deliver(const Batch& batch) {
  auto backoff = kFirstBackoff;
  for (;;) {
    const Status s = http_.insert_json_rows(table_, batch.body);
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
      spdlog::warn("[clickhouse] insert of {} rows failed, retrying with backoff: {}", batch.rows, s.error().message);
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
