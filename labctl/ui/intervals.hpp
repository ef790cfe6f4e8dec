// flowlab::ui intervals — a run's time steps (scenario `collect: {interval: ...}`): what the collector's cumulative
// aggregate gained between two readings, grouped like the live view's top talkers (talkers.hpp) with rates over
// the step's length. The scenario runner reads the collector (labctl/scenario/time_steps.cpp) and writes the steps
// into the run directory (steps.json); report.html draws them (labctl/report/timeline.hpp).
#pragma once

#include "labctl/ui/talkers.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace flowlab::ui {

// The rows of `now` minus the same rows of `before` (two table responses of one aggregate, {"primitives", "rows"}),
// keeping the rows that gained traffic. A row whose counters went down (the collector restarted or was cleared in
// between) counts from zero again.
[[nodiscard]] nlohmann::json table_delta(const nlohmann::json& now, const nlohmann::json& before);

// One time step of steps.json: {"start", "end" (seconds since the run began), "event" (the fault step that opened
// it, or ""), "total", "groups" (as to_json(Talkers)), "facts" (report::TrafficFact, for the step's Sankey)}, rates
// over end - start.
[[nodiscard]] nlohmann::json interval_json(const nlohmann::json& delta, const RowLabels& labels, double start,
                                           double end, const std::string& event);

}  // namespace flowlab::ui
