// flowlab::report timeline — report.html's "Time steps" section, drawn from a run's steps.json (a scenario with
// `collect: {interval}`, labctl/scenario/time_steps.hpp): a slider over the steps showing each step's Sankey and its
// traffic by peer AS and by interface, and graphs of bytes/s per peer AS, per AS and per interface across the run,
// with the faults that opened a step marked. Rendering reads only the JSON, so `labctl report` redraws it.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace flowlab::report {

// One series of a graph: a group key ("AS 65010", "r1:eth1 out") and its bytes/s in each step.
struct TimelineSeries {
  std::string key;
  std::vector<double> rates;
  double bytes = 0;  // over the run, to rank the series
};

// The `group` ("as", "peer_as", "interface") of every step as series, the busiest first, at most `top` of them.
[[nodiscard]] std::vector<TimelineSeries> timeline_series(const nlohmann::json& steps, const std::string& group,
                                                          std::size_t top);

// The section (empty when `time_steps` is null); its script and style are kTimelineScript / kTimelineStyle.
[[nodiscard]] std::string timeline_section(const nlohmann::json& time_steps);
extern const char* const kTimelineScript;
extern const char* const kTimelineStyle;

}  // namespace flowlab::report
