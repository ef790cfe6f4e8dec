#include "probes/collector/worker.hpp"

#include "probes/collector/output_clickhouse.hpp"
#include "probes/collector/tee.hpp"

#include <spdlog/spdlog.h>

#include <string>
#include <unordered_map>
#include <utility>

namespace flowlab::collector {

WorkerCounters& WorkerCounters::operator+=(const WorkerCounters& o) {
  datagrams += o.datagrams;
  decode_errors += o.decode_errors;
  records += o.records;
  records_unenriched_syncing += o.records_unenriched_syncing;
  return *this;
}

Result<std::unique_ptr<Worker>> Worker::create(std::size_t index, const std::vector<AggregateSpec>& specs,
                                               const SamplingConfig& sampling, std::unique_ptr<Enricher> enricher,
                                               WorkerShared& shared) {
  std::unique_ptr<Worker> w(new Worker(index, shared));
  w->sampling_.reconfigure(sampling);
  w->enricher_ = std::move(enricher);
  for (const auto& spec : specs) {
    auto a = Aggregate::create(spec);
    if (!a) {
      return fail(ErrorKind::kConfig, "aggregate " + spec.name + ": " + a.error().message);
    }
    w->aggregates_.push_back(std::move(*a));
  }
  return w;
}

Worker::~Worker() {
  stop_thread();
  close_receivers();
}

Result<std::vector<ListenConfig>> Worker::open(const std::vector<ListenConfig>& listen, std::size_t socket_buffer,
                                               std::size_t batch, std::size_t workers, boost::asio::io_context* io) {
  if (io == nullptr) {
    if (!own_io_) {
      own_io_ = std::make_unique<boost::asio::io_context>(1);
    }
    io = own_io_.get();
  }
  std::vector<ListenConfig> bound;
  for (const auto& l : listen) {
    Receiver::Options options;
    options.socket_buffer = socket_buffer;
    options.batch = batch;
    options.workers = workers;
    options.guard = &mutex_;  // a drained batch is processed under the worker's mutex
    auto r = Receiver::open(*io, l, options,
                            [this](std::span<const std::byte> d, const IpAddress& src, std::uint16_t port,
                                   std::uint64_t ms) { process_locked(d, src, port, ms); });
    if (!r) {
      return fail(r.error());
    }
    bound.push_back((*r)->config());
    receivers_.push_back(std::move(*r));
  }
  return bound;
}

void Worker::close_receivers() {
  for (auto& r : receivers_) {
    r->close();
  }
  receivers_.clear();
}

std::size_t Worker::drain() {
  std::size_t n = 0;
  for (auto& r : receivers_) {
    n += r->drain();
  }
  return n;
}

void Worker::start_thread() {
  if (!own_io_ || thread_.joinable()) {
    return;
  }
  own_io_->restart();
  work_ = std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
      own_io_->get_executor());
  thread_ = std::thread([this] {
    const std::string name = "flowcoll-w" + std::to_string(index_);
    ::pthread_setname_np(::pthread_self(), name.c_str());
    own_io_->run();
  });
}

void Worker::stop_thread() {
  if (!thread_.joinable()) {
    return;
  }
  work_.reset();
  own_io_->stop();
  thread_.join();
}

void Worker::process(std::span<const std::byte> datagram, const IpAddress& source, std::uint16_t port,
                     std::uint64_t receive_ms) {
  const std::lock_guard lock(mutex_);
  process_locked(datagram, source, port, receive_ms);
}

void Worker::process_locked(std::span<const std::byte> datagram, const IpAddress& source, std::uint16_t port,
                            std::uint64_t receive_ms) {
  if (shared_.tees != nullptr && !shared_.tees->empty()) {
    const std::lock_guard lock(shared_.mutex);
    for (auto& tee : *shared_.tees) {
      tee->forward(datagram, source, port);
    }
  }
  if (!shared_.decode) {
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
  if (shared_.clickhouse != nullptr) {
    const std::lock_guard lock(shared_.mutex);
    shared_.clickhouse->add(flows_, receive_ms);  // the datagram's rows under one lock
  }
  counters_.records += records_.size();
}

void Worker::reconfigure(std::unique_ptr<Enricher> enricher, const SamplingConfig& sampling) {
  enricher_ = std::move(enricher);
  sampling_.reconfigure(sampling);
}

std::vector<Row> merge_rows(std::vector<std::vector<Row>> per_worker) {
  std::vector<Row> out;
  if (per_worker.empty()) {
    return out;
  }
  out = std::move(per_worker.front());
  if (per_worker.size() == 1) {
    return out;
  }
  const auto key_of = [](const Row& r) {
    std::string key;
    for (const auto& v : r.values) {
      key += v;
      key += '\0';
    }
    return key;
  };
  std::unordered_map<std::string, std::size_t> index;
  index.reserve(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    index.emplace(key_of(out[i]), i);
  }
  for (std::size_t w = 1; w < per_worker.size(); ++w) {
    for (Row& r : per_worker[w]) {
      auto [it, added] = index.emplace(key_of(r), out.size());
      if (added) {
        out.push_back(std::move(r));
      } else {
        Row& sum = out[it->second];
        sum.packets += r.packets;
        sum.bytes += r.bytes;
        sum.flows += r.flows;
      }
    }
  }
  return out;
}

}  // namespace flowlab::collector
