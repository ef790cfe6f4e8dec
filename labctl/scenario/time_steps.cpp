#include "labctl/scenario/time_steps.hpp"

#include "labctl/ui/intervals.hpp"

namespace flowlab::scenario {

using Clock = std::chrono::steady_clock;

bool opens_time_step(const Step& step) {
  return std::holds_alternative<LinkStep>(step.action) || std::holds_alternative<BgpStep>(step.action) ||
         std::holds_alternative<AnnounceStep>(step.action) || std::holds_alternative<WithdrawStep>(step.action) ||
         std::holds_alternative<RestartStep>(step.action);
}

ui::RowLabels record_labels(RunContext& run) {
  ui::RowLabels labels = ui::row_labels(run.topo());
  for (const auto& probe : run.topo().probes) {
    for (const auto& node : {probe.node, probe.mirror ? probe.mirror->node : std::string()}) {
      if (!node.empty() && !labels.ifnames.contains(node)) {
        for (const auto& [index, name] : run.ifnames(node)) {
          labels.ifnames[node][index] = name;
        }
      }
    }
  }
  return labels;
}

TimeSteps::TimeSteps(RunContext& run, const CollectOptions& options)
    : run_(run),
      collector_(run.topo().find_node(options.at)),
      interval_(options.interval),
      labels_(record_labels(run)),
      t0_(Clock::now()) {
  {
    const std::lock_guard lock(mutex_);
    read_locked("");
  }
  thread_ = std::thread([this] { loop(); });
}

TimeSteps::~TimeSteps() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

double TimeSteps::now() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }

void TimeSteps::loop() {
  std::unique_lock lock(mutex_);
  for (auto next = t0_ + interval_; !stop_; next += interval_) {
    if (wake_.wait_until(lock, next, [this] { return stop_; })) {
      return;
    }
    read_locked(event_);
  }
}

// One reading: the step since the last reading is what the aggregate gained. A reading that fails (the collector
// restarting) leaves the step open until the next one.
void TimeSteps::read_locked(const std::string& next_event) {
  if (collector_ == nullptr) {
    return;
  }
  const double t = now();
  auto table = run_.driver(*collector_).dump_records(run_.context(*collector_));
  if (!table.ok() || !table->has_value() || !(*table)->contains("primitives")) {
    ++failed_;
    last_error_ = !table.ok()           ? table.error().message
                  : !table->has_value() ? "kind " + collector_->kind + " keeps no records"
                                        : "kind " + collector_->kind + " gives no aggregate table";
    if (!next_event.empty()) {  // the step goes on and carries both openers
      event_ += (event_.empty() ? "" : "; ") + next_event;
    }
    return;
  }
  if (last_) {
    steps_.push_back(ui::interval_json(ui::table_delta(**table, *last_), labels_, last_time_, t, event_));
  }
  last_ = std::move(**table);
  last_time_ = t;
  event_ = next_event;
}

void TimeSteps::boundary(const std::string& event) {
  const std::lock_guard lock(mutex_);
  read_locked(event);
}

nlohmann::json TimeSteps::finish() {
  {
    const std::lock_guard lock(mutex_);
    read_locked("");
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  const std::lock_guard lock(mutex_);
  nlohmann::json out{{"collector", collector_ == nullptr ? std::string() : collector_->name},
                     {"interval_seconds", std::chrono::duration<double>(interval_).count()},
                     {"steps", steps_},
                     {"readings_failed", failed_}};
  if (!last_error_.empty()) {
    out["last_error"] = last_error_;
  }
  return out;
}

}  // namespace flowlab::scenario
