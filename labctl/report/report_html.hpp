// flowlab::report HTML — report.html, the run directory's one-page summary (DESIGN.md section 9).
//
// Self-contained: inline CSS and inline SVG only, no scripts, fonts or URLs, so it renders offline from the run
// directory. Sections: a header (scenario, description, lab, outcome, duration, check counts), the topology
// diagram (diagram.hpp), the verdicts (failures listed first, then the steps with outcome and time, then every
// expect step's per-stream, per-point table of oracle / router / collector / expected values; failing points
// open, passing ones folded), and the traffic Sankey (sankey.hpp) with a table of the facts behind it. The page is
// well-formed XML apart from its doctype (void elements self-closed) and every string from the run goes through
// html_escape(). Rendering reads only the RunRecord, so `labctl report` redraws it from verdict.json.
#pragma once

#include "labctl/report/report.hpp"
#include "labctl/report/sankey.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace flowlab::report {

// The traffic facts of a run's expect steps ("traffic" in their details). The collector's counters are cumulative,
// so for a stream seen at the same point by the same collector in several expect steps only the last fact counts.
[[nodiscard]] std::vector<TrafficFact> traffic_facts(const RunRecord& run);

[[nodiscard]] std::string report_html(const RunRecord& run);
// The page's CSS, for other pages in the same style (labctl matrix's matrix.html).
[[nodiscard]] std::string_view page_style();

}  // namespace flowlab::report
