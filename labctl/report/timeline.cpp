#include "labctl/report/timeline.hpp"

#include "labctl/report/escape.hpp"
#include "labctl/report/sankey.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <utility>

namespace flowlab::report {

namespace {

using nlohmann::json;

constexpr double kChartWidth = 860;
constexpr double kChartHeight = 190;
constexpr double kLeft = 78;  // room for the rate axis
constexpr double kTop = 22;   // room for the fault labels
constexpr double kBottom = 22;
constexpr double kRight = 12;
constexpr const char* kPalette[] = {"#2f6db5", "#d9534f", "#2e8b47", "#d68910", "#7d3c98",
                                    "#17a2b8", "#8d6e63", "#e83e8c", "#6c757d", "#20c997"};

std::string e(std::string_view text) { return html_escape(text); }

std::string n(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// "1.2 Mbit/s" from bytes per second.
std::string bits_rate(double bytes_per_second) {
  static constexpr std::pair<double, const char*> kUnits[] = {{1e9, "Gbit/s"}, {1e6, "Mbit/s"}, {1e3, "kbit/s"}};
  const double bits = bytes_per_second * 8;
  double v = bits;
  const char* unit = "bit/s";
  for (const auto& [scale, name] : kUnits) {
    if (bits >= scale) {
      v = bits / scale;
      unit = name;
      break;
    }
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3g %s", v, unit);
  return buf;
}

double number(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0;
}

const json& steps_of(const json& time_steps) {
  static const json kNone = json::array();
  return time_steps.contains("steps") && time_steps["steps"].is_array() ? time_steps["steps"] : kNone;
}

// Time axis of the graphs: seconds since the run began -> x.
struct Axis {
  double t0 = 0;
  double t1 = 1;
  double max_rate = 1;
  [[nodiscard]] double x(double t) const { return kLeft + (t - t0) / (t1 - t0) * (kChartWidth - kLeft - kRight); }
  [[nodiscard]] double y(double rate) const { return kTop + (1 - rate / max_rate) * (kChartHeight - kTop - kBottom); }
};

Axis axis_of(const json& steps, const std::vector<TimelineSeries>& series) {
  Axis a;
  a.t0 = number(steps.front(), "start");
  a.t1 = std::max(a.t0 + 1, number(steps.back(), "end"));
  for (const auto& s : series) {
    for (const double r : s.rates) {
      a.max_rate = std::max(a.max_rate, r);
    }
  }
  return a;
}

// The selectable step bands, the fault marks and the axes of one graph.
void chart_frame(std::ostringstream& s, const json& steps, const Axis& a) {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const double x0 = a.x(number(steps[i], "start"));
    const double x1 = a.x(number(steps[i], "end"));
    s << "<rect class=\"step-band\" data-step=\"" << i << "\" x=\"" << n(x0) << "\" y=\"" << n(kTop) << "\" width=\""
      << n(std::max(1.0, x1 - x0)) << "\" height=\"" << n(kChartHeight - kTop - kBottom) << "\"/>\n";
  }
  for (const auto& step : steps) {
    const std::string event = step.value("event", "");
    if (!event.empty()) {
      const double x = a.x(number(step, "start"));
      s << "<line class=\"fault\" x1=\"" << n(x) << "\" x2=\"" << n(x) << "\" y1=\"" << n(kTop - 4) << "\" y2=\""
        << n(kChartHeight - kBottom) << "\"/><text class=\"fault\" x=\"" << n(x + 3) << "\" y=\"" << n(kTop - 8)
        << "\">" << e(event) << "</text>\n";
    }
  }
  const double bottom = kChartHeight - kBottom;
  s << "<line class=\"axis\" x1=\"" << n(kLeft) << "\" x2=\"" << n(kChartWidth - kRight) << "\" y1=\"" << n(bottom)
    << "\" y2=\"" << n(bottom) << "\"/><line class=\"axis\" x1=\"" << n(kLeft) << "\" x2=\"" << n(kLeft) << "\" y1=\""
    << n(kTop) << "\" y2=\"" << n(bottom) << "\"/>\n<text class=\"tick\" x=\"" << n(kLeft - 4) << "\" y=\""
    << n(kTop + 4) << "\" text-anchor=\"end\">" << bits_rate(a.max_rate) << "</text><text class=\"tick\" x=\""
    << n(kLeft - 4) << "\" y=\"" << n(bottom) << "\" text-anchor=\"end\">0</text>"
    << "<text class=\"tick\" x=\"" << n(kLeft) << "\" y=\"" << n(bottom + 15) << "\">" << n(a.t0)
    << " s</text><text class=\"tick\" x=\"" << n(kChartWidth - kRight) << "\" y=\"" << n(bottom + 15)
    << "\" text-anchor=\"end\">" << n(a.t1) << " s</text>\n";
}

// A graph of bytes/s (drawn as bits/s) of one group across the steps: one step-shaped line per key.
void chart(std::ostringstream& s, const json& steps, const std::string& group, const std::string& title) {
  const auto series = timeline_series(steps, group, std::size(kPalette));
  s << "<h3>" << e(title) << "</h3>\n";
  if (series.empty()) {
    s << "<p class=\"note\">No traffic in any step.</p>\n";
    return;
  }
  const Axis a = axis_of(steps, series);
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" id=\"timeline-" << e(group) << "\" width=\""
    << n(kChartWidth) << "\" height=\"" << n(kChartHeight) << "\">\n";
  chart_frame(s, steps, a);
  for (std::size_t k = 0; k < series.size(); ++k) {
    std::string points;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const double y = a.y(series[k].rates[i]);
      points +=
          n(a.x(number(steps[i], "start"))) + "," + n(y) + " " + n(a.x(number(steps[i], "end"))) + "," + n(y) + " ";
    }
    s << "<polyline class=\"series\" data-key=\"" << e(series[k].key) << "\" stroke=\"" << kPalette[k] << "\" points=\""
      << points << "\"><title>" << e(series[k].key) << "</title></polyline>\n";
  }
  s << "</svg>\n<p class=\"legend\">";
  for (std::size_t k = 0; k < series.size(); ++k) {
    s << "<span><span class=\"swatch\" style=\"background:" << kPalette[k] << "\"></span>" << e(series[k].key)
      << "</span>";
  }
  s << "</p>\n";
}

// One group of one step as a table: key, bytes, packets, flows, rate.
void step_table(std::ostringstream& s, const json& step, const std::string& group, const std::string& title) {
  s << "<table class=\"step-table\" data-group=\"" << e(group) << "\">\n<tr><th>" << e(title)
    << "</th><th>bytes</th><th>packets</th><th>flows</th><th>rate</th></tr>\n";
  const json& rows = step.contains("groups") && step["groups"].contains(group) ? step["groups"][group] : json();
  for (const auto& r : rows.is_array() ? rows : json::array()) {
    const auto bytes = r.value("bytes", std::uint64_t{0});
    s << "<tr data-key=\"" << e(r.value("key", "")) << "\" data-bytes=\"" << bytes << "\"><td>" << e(r.value("key", ""))
      << "</td><td class=\"num\">" << thousands(bytes) << "</td><td class=\"num\">"
      << thousands(r.value("packets", std::uint64_t{0})) << "</td><td class=\"num\">"
      << thousands(r.value("flows", std::uint64_t{0})) << "</td><td class=\"num\">"
      << bits_rate(number(r, "bytes_per_second")) << "</td></tr>\n";
  }
  s << "</table>\n";
}

// One step's view: what opened it, its Sankey and its tables. Only `shown` is visible before the script runs.
void step_view(std::ostringstream& s, const json& step, std::size_t i, std::size_t count, bool shown) {
  const std::string event = step.value("event", "");
  s << "<div class=\"time-step\" data-step=\"" << i << "\" data-start=\"" << n(number(step, "start"))
    << "\" data-end=\"" << n(number(step, "end")) << "\" data-event=\"" << e(event) << "\""
    << (shown ? "" : " hidden=\"hidden\"") << ">\n<p><b>Step " << i + 1 << " of " << count
    << "</b>: " << n(number(step, "start")) << " s – " << n(number(step, "end")) << " s"
    << (event.empty() ? "" : " · opened by <span class=\"event\">" + e(event) + "</span>") << " · "
    << thousands(step.contains("total") ? step["total"].value("bytes", std::uint64_t{0}) : 0) << " bytes</p>\n";
  std::vector<SankeyFlow> flows;
  for (const auto& j : step.value("facts", json::array())) {
    if (auto fact = traffic_fact_from_json(j); fact.ok()) {
      flows.push_back(sankey_flow(*fact));
    }
  }
  const SankeyLayout layout = layout_sankey(flows);
  if (layout.links.empty()) {
    s << "<p class=\"note\">No traffic reached the collector in this step.</p>\n";
  } else {
    s << "<div class=\"scroll\">\n" << render_sankey_svg(layout) << "\n</div>\n";
  }
  s << "<div class=\"step-tables\">\n";
  step_table(s, step, "peer_as", "peer AS");
  step_table(s, step, "as", "AS");
  step_table(s, step, "interface", "interface");
  s << "</div>\n</div>\n";
}

std::size_t first_busy_step(const json& steps) {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].contains("total") && steps[i]["total"].value("bytes", std::uint64_t{0}) > 0) {
      return i;
    }
  }
  return 0;
}

}  // namespace

std::vector<TimelineSeries> timeline_series(const json& steps, const std::string& group, std::size_t top) {
  std::map<std::string, TimelineSeries> by_key;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const json& step = steps[i];
    if (!step.contains("groups") || !step["groups"].contains(group) || !step["groups"][group].is_array()) {
      continue;
    }
    for (const auto& r : step["groups"][group]) {
      auto& series = by_key[r.value("key", "")];
      series.key = r.value("key", "");
      series.rates.resize(steps.size());
      series.rates[i] += number(r, "bytes_per_second");
      series.bytes += number(r, "bytes");
    }
  }
  std::vector<TimelineSeries> out;
  for (auto& [key, series] : by_key) {
    if (series.bytes > 0) {
      series.rates.resize(steps.size());
      out.push_back(std::move(series));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.bytes > b.bytes; });
  if (out.size() > top) {
    out.resize(top);
  }
  return out;
}

std::string timeline_section(const json& time_steps) {
  if (time_steps.is_null()) {
    return "";
  }
  const json& steps = steps_of(time_steps);
  std::ostringstream s;
  s << "<section id=\"time-steps\">\n<h2>Time steps</h2>\n<p>Collector <b>" << e(time_steps.value("collector", ""))
    << "</b> read every " << n(number(time_steps, "interval_seconds"))
    << " s and before every fault step: what its aggregate gained in each step. Move the slider (or click a graph) "
       "to see one step's Sankey and tables; dashed lines mark the faults.</p>\n";
  if (time_steps.value("readings_failed", 0) > 0) {
    s << "<p class=\"note\">" << time_steps.value("readings_failed", 0)
      << " reading(s) failed (the step went on to the "
      << "next reading): " << e(time_steps.value("last_error", "")) << "</p>\n";
  }
  if (steps.empty()) {
    s << "<p class=\"note\">No time step: the run ended before the first interval.</p>\n</section>\n";
    return s.str();
  }
  const std::size_t shown = first_busy_step(steps);
  s << "<p class=\"slider\"><input type=\"range\" id=\"step-slider\" min=\"0\" max=\"" << steps.size() - 1
    << "\" value=\"" << shown << "\" step=\"1\"/> <span id=\"step-label\">step " << shown + 1 << " of " << steps.size()
    << "</span></p>\n";
  chart(s, steps, "peer_as", "bytes/s per peer AS");
  chart(s, steps, "as", "bytes/s per AS");
  chart(s, steps, "interface", "bytes/s per interface");
  s << "<h3>The selected step</h3>\n";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    step_view(s, steps[i], i, steps.size(), i == shown);
  }
  s << "</section>\n";
  return s.str();
}

// No '&' and no '<' (report.html stays well-formed XML): the slider shows one step and marks it on every graph.
const char* const kTimelineScript = R"JS(
(function () {
  'use strict';
  var slider = document.getElementById('step-slider');
  if (!slider) { return; }
  function show(i) {
    var views = document.querySelectorAll('.time-step');
    views.forEach(function (v) { v.hidden = v.getAttribute('data-step') !== String(i); });
    document.querySelectorAll('rect.step-band').forEach(function (r) {
      r.classList.toggle('sel', r.getAttribute('data-step') === String(i));
    });
    var v = document.querySelector('.time-step[data-step="' + i + '"]');
    var event = v ? v.getAttribute('data-event') : '';
    document.getElementById('step-label').textContent = 'step ' + (Number(i) + 1) + ' of ' + views.length + ': ' +
        v.getAttribute('data-start') + ' s - ' + v.getAttribute('data-end') + ' s' + (event ? ' (' + event + ')' : '');
  }
  slider.addEventListener('input', function () { show(slider.value); });
  document.addEventListener('click', function (e) {
    var r = e.target.closest ? e.target.closest('rect.step-band') : null;
    if (r) { slider.value = r.getAttribute('data-step'); show(slider.value); }
  });
  show(slider.value);
})();
)JS";

const char* const kTimelineStyle = R"CSS(
svg.timeline { background: #fff; border: 1px solid #e0e0e0; }
svg.timeline rect.step-band { fill: transparent; cursor: pointer; }
svg.timeline rect.step-band:hover { fill: #f4f4f4; }
svg.timeline rect.step-band.sel { fill: #fff3c4; }
svg.timeline polyline.series { fill: none; stroke-width: 2; pointer-events: none; }
svg.timeline line.axis { stroke: #999; }
svg.timeline line.fault { stroke: #c0392b; stroke-dasharray: 4 3; }
svg.timeline text { font: 11px sans-serif; fill: #555; }
svg.timeline text.fault { fill: #c0392b; }
#step-slider { width: 600px; vertical-align: middle; }
.step-tables { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; margin-top: 8px; }
.time-step .event { color: #c0392b; font-weight: 600; }
)CSS";

}  // namespace flowlab::report
