// flowlab::scenario time steps — `collect: {interval: 5s}` (docs/scenarios.md "Time steps"): while the steps run, a
// thread reads the collector's aggregate every interval, and the runner adds a reading before every fault step
// (link, bgp, announce, withdraw, restart), so traffic before and after a fault never share a step. Each step holds
// what the aggregate gained since the reading before (ui::interval_json); finish() returns steps.json's document.
#pragma once

#include "labctl/scenario/run_context.hpp"
#include "labctl/ui/talkers.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace flowlab::scenario {

// Labels for the collector's rows (ui::RowLabels): exporter address -> node, the topology's interface roles, and the
// run-time interface names of every probed node (the names the expect steps use). Call on the runner's thread.
[[nodiscard]] ui::RowLabels record_labels(RunContext& run);

// Whether a step opens a new time step (a fault: link, bgp, announce, withdraw, restart).
[[nodiscard]] bool opens_time_step(const Step& step);

class TimeSteps {
 public:
  // Reads the collector once (the start) and starts the interval thread.
  TimeSteps(RunContext& run, const CollectOptions& options);
  ~TimeSteps();
  TimeSteps(const TimeSteps&) = delete;
  TimeSteps& operator=(const TimeSteps&) = delete;

  // Closes the current time step now; the next one is opened by `event` (a step's summary).
  void boundary(const std::string& event);
  // The last reading, the thread stopped: {"collector", "interval_seconds", "steps": [...], "readings_failed"}.
  nlohmann::json finish();

 private:
  void loop();
  void read_locked(const std::string& next_event);
  [[nodiscard]] double now() const;

  const RunContext& run_;
  const topology::Node* collector_ = nullptr;
  std::chrono::milliseconds interval_;
  ui::RowLabels labels_;
  std::chrono::steady_clock::time_point t0_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::optional<nlohmann::json> last_;  // the last table read
  double last_time_ = 0;
  std::string event_;  // what opened the current step
  nlohmann::json steps_ = nlohmann::json::array();
  std::size_t failed_ = 0;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace flowlab::scenario
