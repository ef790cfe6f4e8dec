#include "labctl/report/report.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace flowlab::report {

namespace {

std::string value(const std::optional<std::string>& v) {
  if (!v) {
    return "-";
  }
  return v->empty() ? "\"\"" : *v;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

nlohmann::json opt(const std::optional<std::string>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

// Columns padded to their widest cell.
std::string render_rows(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()));
    for (std::size_t i = 0; i < r.size(); ++i) {
      width[i] = std::max(width[i], r[i].size());
    }
  }
  std::ostringstream out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) {
        line += std::string(width[i] - r[i].size() + 2, ' ');
      }
    }
    out << "  " << line << "\n";
  }
  return out.str();
}

}  // namespace

std::string verdict_table(const RunRecord& run) {
  std::ostringstream out;
  out << "scenario " << run.scenario << " (lab " << run.lab << ")";
  if (!run.description.empty()) {
    out << ": " << run.description;
  }
  out << "\n";
  std::size_t checks = 0;
  std::size_t failed = 0;
  std::size_t flagged = 0;
  for (const auto& step : run.steps) {
    out << "\n[" << verify::to_string(step.outcome) << "] " << step.summary;
    if (!step.where.empty()) {
      out << "  (" << step.where << ")";
    }
    out << "  " << std::fixed << std::setprecision(2) << step.seconds << " s\n";
    if (!step.error.empty()) {
      out << "  error: " << step.error << "\n";
    }
    for (const auto& point : step.points) {
      out << "  stream " << point.stream << " at " << point.point << " (exporter " << point.exporter << " -> "
          << point.collector << "): " << verify::to_string(point.outcome) << "\n";
      if (!point.note.empty()) {
        out << "    " << point.note << "\n";
      }
      std::vector<std::vector<std::string>> rows{{"FIELD", "ORACLE", "ROUTER", "COLLECTOR", "EXPECTED", "VERDICT"}};
      for (const auto& c : point.checks) {
        rows.push_back({c.name, value(c.oracle), value(c.router), value(c.collector), value(c.expected),
                        std::string(verify::to_string(c.outcome))});
        ++checks;
        failed += c.outcome == verify::Outcome::kFail ? 1U : 0U;
        flagged += c.outcome == verify::Outcome::kFlagged ? 1U : 0U;
      }
      if (!point.checks.empty()) {
        out << render_rows(rows);
      }
      for (const auto& c : point.checks) {
        if (c.outcome != verify::Outcome::kPass && !c.explanation.empty()) {
          out << "    " << verify::to_string(c.outcome) << " " << c.name << ": " << c.explanation << "\n";
        }
      }
    }
  }
  out << "\n"
      << (run.runtime_error ? "ERROR" : std::string(verify::to_string(run.outcome))) << ": " << checks << " checks, "
      << failed << " failed, " << flagged << " flagged, " << run.steps.size() << " steps in " << std::fixed
      << std::setprecision(1) << run.seconds << " s";
  if (!run.error.empty()) {
    out << " — " << run.error;
  }
  out << "\n";
  return out.str();
}

nlohmann::json verdict_json(const RunRecord& run) {
  nlohmann::json j;
  j["scenario"] = run.scenario;
  j["description"] = run.description;
  j["source_file"] = run.source_file;
  j["lab"] = run.lab;
  j["run_dir"] = run.run_dir;
  j["outcome"] = run.runtime_error ? "ERROR" : std::string(verify::to_string(run.outcome));
  j["error"] = run.error;
  j["seconds"] = run.seconds;
  j["steps"] = nlohmann::json::array();
  for (const auto& step : run.steps) {
    nlohmann::json s;
    s["kind"] = step.kind;
    s["summary"] = step.summary;
    s["where"] = step.where;
    s["outcome"] = verify::to_string(step.outcome);
    s["seconds"] = step.seconds;
    s["error"] = step.error;
    if (!step.details.is_null()) {
      s["details"] = step.details;
    }
    s["points"] = nlohmann::json::array();
    for (const auto& p : step.points) {
      nlohmann::json pj;
      pj["stream"] = p.stream;
      pj["point"] = p.point;
      pj["exporter"] = p.exporter;
      pj["collector"] = p.collector;
      pj["outcome"] = verify::to_string(p.outcome);
      pj["note"] = p.note;
      pj["checks"] = nlohmann::json::array();
      for (const auto& c : p.checks) {
        pj["checks"].push_back({{"field", c.name},
                                {"oracle", opt(c.oracle)},
                                {"router", opt(c.router)},
                                {"collector", opt(c.collector)},
                                {"expected", opt(c.expected)},
                                {"outcome", verify::to_string(c.outcome)},
                                {"explanation", c.explanation}});
      }
      s["points"].push_back(pj);
    }
    j["steps"].push_back(s);
  }
  return j;
}

std::string junit_xml(const std::vector<RunRecord>& runs) {
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  for (const auto& run : runs) {
    std::vector<std::pair<std::string, std::string>> cases;  // name, failure text ("" = pass)
    for (std::size_t i = 0; i < run.steps.size(); ++i) {
      const auto& step = run.steps[i];
      const std::string prefix = std::to_string(i + 1) + " " + step.summary;
      if (step.points.empty() || !step.error.empty()) {
        cases.emplace_back(prefix, step.outcome == verify::Outcome::kFail ? step.error : "");
        continue;
      }
      for (const auto& p : step.points) {
        std::string failure;
        if (p.outcome == verify::Outcome::kFail) {
          failure = p.note;
          for (const auto& c : p.checks) {
            if (c.outcome == verify::Outcome::kFail) {
              failure += (failure.empty() ? "" : "\n") + c.name + ": " + c.explanation;
            }
          }
        }
        cases.emplace_back(prefix + " / " + p.stream + " at " + p.point, failure);
      }
    }
    const auto failures = std::count_if(cases.begin(), cases.end(), [](const auto& c) { return !c.second.empty(); });
    out << "  <testsuite name=\"" << xml_escape(run.scenario) << "\" tests=\"" << cases.size() << "\" failures=\""
        << failures << "\" errors=\"" << (run.runtime_error ? 1 : 0) << "\" time=\"" << run.seconds << "\">\n";
    if (run.runtime_error) {
      out << "    <testcase name=\"run\" classname=\"" << xml_escape(run.scenario) << "\"><error message=\""
          << xml_escape(run.error) << "\"/></testcase>\n";
    }
    for (const auto& [name, failure] : cases) {
      out << "    <testcase name=\"" << xml_escape(name) << "\" classname=\"" << xml_escape(run.scenario) << "\"";
      if (failure.empty()) {
        out << "/>\n";
      } else {
        out << "><failure message=\"" << xml_escape(failure.substr(0, failure.find('\n'))) << "\">"
            << xml_escape(failure) << "</failure></testcase>\n";
      }
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
  return out.str();
}

}  // namespace flowlab::report
