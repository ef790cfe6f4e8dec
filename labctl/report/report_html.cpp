#include "labctl/report/report_html.hpp"

#include "labctl/report/as_tables.hpp"
#include "labctl/report/diagram.hpp"
#include "labctl/report/escape.hpp"
#include "labctl/report/timeline.hpp"

#include <cstdio>
#include <map>
#include <sstream>
#include <tuple>

namespace flowlab::report {

namespace {

constexpr const char* kStyle = R"(
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;padding:0 24px 40px;color:#222;
  background:#fafafa;font-size:14px}
header{padding:18px 0 6px;border-bottom:1px solid #ddd}
h1{font-size:22px;margin:0 0 6px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #e3e3e3}
h3{font-size:15px;margin:18px 0 8px}
.desc{color:#555;margin:2px 0 10px}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid #e0e0e0;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f1f1f1;font-weight:600}
table.facts th{background:none;border:none;padding:1px 12px 1px 0;color:#666;font-weight:normal}
table.facts td{border:none;padding:1px 0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:700;color:#fff}
.badge.PASS{background:#2e8b47}.badge.FAIL{background:#c0392b}.badge.FLAGGED{background:#d68910}
.badge.ERROR{background:#7b241c}
tr.FAIL td{background:#fdecea}tr.FLAGGED td{background:#fef5e7}
td.v{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
td.why{color:#7b241c;max-width:520px}
.scroll{overflow-x:auto;background:#fff;border:1px solid #e0e0e0;padding:6px}
details.point{margin:6px 0;background:#fff;border:1px solid #e0e0e0;padding:4px 8px}
details.point.FAIL{border-color:#c0392b}details.point.FLAGGED{border-color:#d68910}
details.point summary{cursor:pointer}
.note{color:#555;margin:4px 0}
.error{color:#7b241c;font-weight:600}
ul.failures li{margin:3px 0}
.legend span{display:inline-block;margin-right:14px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;margin-right:4px}
footer{margin-top:30px;color:#888;font-size:12px}
)";

std::string e(std::string_view text) { return html_escape(text); }

std::string cell(const std::optional<std::string>& v) {
  if (!v) {
    return "<td class=\"v\">-</td>";
  }
  return "<td class=\"v\">" + (v->empty() ? std::string("&quot;&quot;") : e(*v)) + "</td>";
}

std::string badge(std::string_view outcome) {
  return "<span class=\"badge " + e(outcome) + "\">" + e(outcome) + "</span>";
}

std::string fixed(double v, int digits) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string point_id(std::size_t step, std::size_t point) {
  return "p-" + std::to_string(step + 1) + "-" + std::to_string(point + 1);
}

void header(std::ostringstream& s, const RunRecord& run) {
  const auto counts = count_checks(run);
  const std::string outcome = outcome_text(run);
  s << "<header>\n<h1>" << e(run.scenario.empty() ? std::string("scenario") : run.scenario) << " " << badge(outcome)
    << "</h1>\n";
  if (!run.description.empty()) {
    s << "<p class=\"desc\">" << e(run.description) << "</p>\n";
  }
  s << "<table class=\"facts\">\n";
  auto row = [&](const std::string& k, const std::string& v_escaped) {
    s << "<tr><th>" << e(k) << "</th><td>" << v_escaped << "</td></tr>\n";
  };
  row("outcome", badge(outcome) + (run.error.empty() ? "" : " <span class=\"error\">" + e(run.error) + "</span>"));
  row("lab", e(run.lab));
  if (!run.source_file.empty()) {
    row("scenario file", e(run.source_file));
  }
  if (!run.run_dir.empty()) {
    row("run directory", e(run.run_dir));
  }
  row("duration", fixed(run.seconds, 1) + " s");
  row("checks", std::to_string(counts.checks) + " checks, " + std::to_string(counts.failed) + " failed, " +
                    std::to_string(counts.flagged) + " flagged");
  row("steps", std::to_string(run.steps.size()));
  s << "</table>\n<p><a href=\"#topology\">Topology</a> · <a href=\"#verdicts\">Verdicts</a> · "
       "<a href=\"#traffic\">Traffic</a>"
    << (run.as_tables.is_null() ? "" : " · <a href=\"#as-analysis\">AS analysis</a>")
    << (run.time_steps.is_null() ? "" : " · <a href=\"#time-steps\">Time steps</a>") << "</p>\n</header>\n";
}

void topology_section(std::ostringstream& s, const RunRecord& run) {
  s << "<section id=\"topology\">\n<h2>Topology</h2>\n";
  if (!run.topology) {
    s << "<p class=\"note\">This run directory has no topology recorded.</p>\n</section>\n";
    return;
  }
  s << "<p class=\"legend\"><span>rounded, coloured: router (one box per AS)</span><span>grey box: host</span>"
       "<span>hexagon: probe host</span><span>green box: collector</span><span>diamond: tee</span>"
       "<span>red P / red interface: probe (red dotted: mirror)</span><span>dashed: export / tee feed</span>"
       "<span>green “bgp:” under a collector: its BGP peers</span></p>\n<div class=\"scroll\">\n"
    << render_svg(*run.topology, layout_diagram(*run.topology)) << "\n</div>\n</section>\n";
}

// One failing or flagged point, linked to its table, with its failing checks.
void problem_item(std::ostringstream& problems, std::size_t i, std::size_t k, const verify::PointResult& p) {
  problems << "<li>" << badge(verify::to_string(p.outcome)) << " <a href=\"#" << point_id(i, k) << "\">step " << i + 1
           << ": stream " << e(p.stream) << " at " << e(p.point) << "</a>";
  if (!p.note.empty()) {
    problems << " — " << e(p.note);
  }
  problems << "<ul>";
  for (const auto& c : p.checks) {
    if (c.outcome != verify::Outcome::kPass) {
      problems << "<li><b>" << e(c.name) << "</b>: " << e(c.explanation) << "</li>";
    }
  }
  problems << "</ul></li>\n";
}

// Failures first: every step error and every failing or flagged point and check, linked to its table.
void failures_list(std::ostringstream& s, const RunRecord& run) {
  std::ostringstream problems;
  std::size_t problem_count = 0;
  for (std::size_t i = 0; i < run.steps.size(); ++i) {
    const auto& step = run.steps[i];
    if (!step.error.empty()) {
      ++problem_count;
      problems << "<li>" << badge(verify::to_string(step.outcome)) << " step " << i + 1 << " " << e(step.summary)
               << ": " << e(step.error) << "</li>\n";
    }
    for (std::size_t k = 0; k < step.points.size(); ++k) {
      if (step.points[k].outcome != verify::Outcome::kPass) {
        ++problem_count;
        problem_item(problems, i, k, step.points[k]);
      }
    }
  }
  if (problem_count == 0) {
    s << "<p>No failures: every check passed.</p>\n";
  } else {
    s << "<h3>Failures and flags (" << problem_count << ")</h3>\n<ul class=\"failures\">\n"
      << problems.str() << "</ul>\n";
  }
}

void steps_table(std::ostringstream& s, const RunRecord& run) {
  s << "<h3>Steps</h3>\n<table class=\"steps\">\n<tr><th>#</th><th>step</th><th>where</th><th>outcome</th>"
       "<th>time</th><th>error</th></tr>\n";
  for (std::size_t i = 0; i < run.steps.size(); ++i) {
    const auto& step = run.steps[i];
    const std::string outcome(verify::to_string(step.outcome));
    s << "<tr class=\"" << outcome << "\"><td class=\"num\">" << i + 1 << "</td><td>" << e(step.summary) << "</td><td>"
      << e(step.where) << "</td><td>" << badge(outcome) << "</td><td class=\"num\">" << fixed(step.seconds, 2)
      << " s</td><td>" << e(step.error) << "</td></tr>\n";
  }
  s << "</table>\n";
}

// One point's checks as a collapsible table, open when it did not pass.
void point_details(std::ostringstream& s, std::size_t i, std::size_t k, const verify::PointResult& p) {
  const std::string outcome(verify::to_string(p.outcome));
  s << "<details class=\"point " << outcome << "\" id=\"" << point_id(i, k) << "\""
    << (p.outcome == verify::Outcome::kPass ? "" : " open=\"open\"") << "><summary>" << badge(outcome) << " stream <b>"
    << e(p.stream) << "</b> at " << e(p.point) << " (exporter " << e(p.exporter) << " → " << e(p.collector)
    << ")</summary>\n";
  if (!p.note.empty()) {
    s << "<p class=\"note\">" << e(p.note) << "</p>\n";
  }
  if (!p.checks.empty()) {
    s << "<table class=\"checks\">\n<tr><th>field</th><th>oracle</th><th>router</th><th>collector</th>"
         "<th>expected</th><th>verdict</th><th>explanation</th></tr>\n";
    for (const auto& c : p.checks) {
      const std::string v(verify::to_string(c.outcome));
      s << "<tr class=\"" << v << "\"><td>" << e(c.name) << "</td>" << cell(c.oracle) << cell(c.router)
        << cell(c.collector) << cell(c.expected) << "<td>" << badge(v) << "</td><td class=\"why\">" << e(c.explanation)
        << "</td></tr>\n";
    }
    s << "</table>\n";
  }
  s << "</details>\n";
}

void verdict_section(std::ostringstream& s, const RunRecord& run) {
  s << "<section id=\"verdicts\">\n<h2>Verdicts</h2>\n";
  if (run.runtime_error) {
    s << "<p class=\"error\">The run could not complete: " << e(run.error) << "</p>\n";
  }
  failures_list(s, run);
  steps_table(s, run);
  for (std::size_t i = 0; i < run.steps.size(); ++i) {
    const auto& step = run.steps[i];
    if (step.points.empty()) {
      continue;
    }
    s << "<h3>Step " << i + 1 << ": " << e(step.summary) << " " << badge(verify::to_string(step.outcome)) << "</h3>\n";
    for (std::size_t k = 0; k < step.points.size(); ++k) {
      point_details(s, i, k, step.points[k]);
    }
  }
  s << "</section>\n";
}

void traffic_section(std::ostringstream& s, const RunRecord& run) {
  s << "<section id=\"traffic\">\n<h2>Traffic</h2>\n";
  const auto facts = traffic_facts(run);
  if (facts.empty()) {
    s << "<p class=\"note\">No traffic facts: this run verified no stream at a collector.</p>\n</section>\n";
    return;
  }
  s << "<p>What the collectors reported for the verified streams, router → peer → prefix (the far side's peer AS "
       "and prefix), band width by bytes; hover for byte and flow counts. Collectors fed the same packets (tees) "
       "count once in the chart; the table lists every collector.</p>\n<p class=\"legend\">";
  for (const auto d : {TrafficDirection::kInbound, TrafficDirection::kOutbound, TrafficDirection::kTransit,
                       TrafficDirection::kInternal, TrafficDirection::kUnenriched}) {
    s << "<span><span class=\"swatch\" style=\"background:" << direction_colour(d) << "\"></span>" << to_string(d)
      << "</span>";
  }
  s << "</p>\n";
  s << "<div class=\"scroll\">\n" << render_sankey_svg(layout_sankey(sankey_flows(facts))) << "\n</div>\n";
  s << "<table class=\"traffic\">\n<tr><th>stream</th><th>router</th><th>point</th><th>collector</th>"
       "<th>direction</th><th>peer</th><th>prefix</th><th>bytes</th><th>packets</th><th>flows</th></tr>\n";
  for (const auto& f : facts) {
    s << "<tr><td>" << e(f.stream) << "</td><td>" << e(f.router) << "</td><td>" << e(f.point) << "</td><td>"
      << e(f.collector) << "</td><td><span class=\"swatch\" style=\"background:" << direction_colour(f.direction)
      << "\"></span>" << to_string(f.direction) << "</td><td>" << e(f.peer_label()) << "</td><td>"
      << e(f.prefix_label()) << "</td><td class=\"num\">" << thousands(f.bytes) << "</td><td class=\"num\">"
      << thousands(f.packets) << "</td><td class=\"num\">" << thousands(f.flows) << "</td></tr>\n";
  }
  s << "</table>\n</section>\n";
}

}  // namespace

std::vector<TrafficFact> traffic_facts(const RunRecord& run) {
  std::vector<TrafficFact> out;
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> seen;  // stream, point, collector
  for (const auto& step : run.steps) {
    if (!step.details.is_object() || !step.details.contains("traffic") || !step.details["traffic"].is_array()) {
      continue;
    }
    for (const auto& j : step.details["traffic"]) {
      auto fact = traffic_fact_from_json(j);
      if (!fact.ok()) {
        continue;
      }
      const auto key = std::tuple{fact->stream, fact->point, fact->collector};
      if (const auto it = seen.find(key); it != seen.end()) {
        out[it->second] = std::move(*fact);
      } else {
        seen[key] = out.size();
        out.push_back(std::move(*fact));
      }
    }
  }
  return out;
}

std::string_view page_style() { return kStyle; }

std::string report_html(const RunRecord& run) {
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>flowlab: "
    << e(run.scenario) << " — " << e(outcome_text(run)) << "</title>\n<style>" << kStyle << kSankeyHoverStyle
    << kTimelineStyle << "</style>\n</head>\n<body>\n";
  header(s, run);
  topology_section(s, run);
  verdict_section(s, run);
  traffic_section(s, run);
  s << as_tables_section(run.as_tables) << timeline_section(run.time_steps);
  s << "<footer>Written by labctl from verdict.json; re-render with <code>labctl report "
    << e(run.run_dir.empty() ? std::string("RUN_DIR") : run.run_dir) << "</code>.</footer>\n<script>"
    << kSankeyHoverScript << kTimelineScript << "</script>\n</body>\n</html>\n";
  return s.str();
}

}  // namespace flowlab::report
