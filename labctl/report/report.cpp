#include "labctl/report/report.hpp"

#include "labctl/report/escape.hpp"

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

std::string verdict_summary(const RunRecord& run) {
  const CheckCounts n = count_checks(run);
  std::ostringstream out;
  out << outcome_text(run) << ": " << n.checks << " checks, " << n.failed << " failed, " << n.flagged << " flagged, "
      << run.steps.size() << " steps in " << std::fixed << std::setprecision(1) << run.seconds << " s";
  if (!run.error.empty()) {
    out << " — " << run.error;
  }
  return out.str();
}

std::string verdict_table(const RunRecord& run) {
  std::ostringstream out;
  out << "scenario " << run.scenario << " (lab " << run.lab << ")";
  if (!run.description.empty()) {
    out << ": " << run.description;
  }
  out << "\n";
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
  out << "\n" << verdict_summary(run) << "\n";
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
  if (run.topology) {
    j["topology"] = to_json(*run.topology);
  }
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

CheckCounts count_checks(const RunRecord& run) {
  CheckCounts n;
  for (const auto& step : run.steps) {
    for (const auto& p : step.points) {
      for (const auto& c : p.checks) {
        ++n.checks;
        n.failed += c.outcome == verify::Outcome::kFail ? 1U : 0U;
        n.flagged += c.outcome == verify::Outcome::kFlagged ? 1U : 0U;
      }
    }
  }
  return n;
}

std::string outcome_text(const RunRecord& run) {
  return run.runtime_error ? "ERROR" : std::string(verify::to_string(run.outcome));
}

Result<RunRecord> run_from_json(const nlohmann::json& j) {
  // Members are read strictly: verdict.json is written by verdict_json(), so anything else is a damaged file.
  std::string missing;
  auto text = [&](const nlohmann::json& o, const char* key, const std::string& where) -> std::string {
    const auto it = o.find(key);
    if (it == o.end() || !it->is_string()) {
      if (missing.empty()) {
        missing = where + "." + key + " (a string)";
      }
      return "";
    }
    return it->get<std::string>();
  };
  auto seconds = [&](const nlohmann::json& o, const std::string& where) -> double {
    const auto it = o.find("seconds");
    if (it == o.end() || !it->is_number()) {
      if (missing.empty()) {
        missing = where + ".seconds (a number)";
      }
      return 0;
    }
    return it->get<double>();
  };
  auto outcome = [&](const nlohmann::json& o, const std::string& where) -> verify::Outcome {
    const std::string v = text(o, "outcome", where);
    for (const auto c : {verify::Outcome::kPass, verify::Outcome::kFlagged, verify::Outcome::kFail}) {
      if (v == verify::to_string(c)) {
        return c;
      }
    }
    if (missing.empty() && !v.empty()) {
      missing = where + ".outcome (PASS, FLAGGED or FAIL, not \"" + v + "\")";
    }
    return verify::Outcome::kFail;
  };
  auto optional_text = [&](const nlohmann::json& o, const char* key, const std::string& where) {
    const auto it = o.find(key);
    if (it != o.end() && it->is_string()) {
      return std::optional<std::string>(it->get<std::string>());
    }
    if ((it == o.end() || !it->is_null()) && missing.empty()) {
      missing = where + "." + key + " (a string or null)";
    }
    return std::optional<std::string>();
  };
  auto array = [&](const nlohmann::json& o, const char* key, const std::string& where) -> const nlohmann::json& {
    static const nlohmann::json kEmpty = nlohmann::json::array();
    const auto it = o.find(key);
    if (it == o.end() || !it->is_array()) {
      if (missing.empty()) {
        missing = where + "." + key + " (an array)";
      }
      return kEmpty;
    }
    return *it;
  };
  if (!j.is_object()) {
    return fail(ErrorKind::kIo, "verdict.json: not a JSON object");
  }
  RunRecord run;
  run.scenario = text(j, "scenario", "run");
  run.description = text(j, "description", "run");
  run.source_file = text(j, "source_file", "run");
  run.lab = text(j, "lab", "run");
  run.run_dir = text(j, "run_dir", "run");
  run.error = text(j, "error", "run");
  run.seconds = seconds(j, "run");
  if (text(j, "outcome", "run") == "ERROR") {
    run.runtime_error = true;
    run.outcome = verify::Outcome::kFail;
  } else {
    run.outcome = outcome(j, "run");
  }
  if (const auto it = j.find("topology"); it != j.end() && !it->is_null()) {
    auto d = diagram_from_json(*it);
    if (!d.ok()) {
      return fail(ErrorKind::kIo, "verdict.json: " + d.error().message);
    }
    run.topology = std::move(*d);
  }
  const auto& steps = array(j, "steps", "run");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& sj = steps[i];
    const std::string where = "steps[" + std::to_string(i) + "]";
    if (!sj.is_object()) {
      return fail(ErrorKind::kIo, "verdict.json: " + where + " is not an object");
    }
    StepRecord step;
    step.kind = text(sj, "kind", where);
    step.summary = text(sj, "summary", where);
    step.where = text(sj, "where", where);
    step.outcome = outcome(sj, where);
    step.seconds = seconds(sj, where);
    step.error = text(sj, "error", where);
    if (const auto it = sj.find("details"); it != sj.end()) {
      step.details = *it;
    }
    const auto& points = array(sj, "points", where);
    for (std::size_t k = 0; k < points.size(); ++k) {
      const auto& pj = points[k];
      const std::string pw = where + ".points[" + std::to_string(k) + "]";
      if (!pj.is_object()) {
        return fail(ErrorKind::kIo, "verdict.json: " + pw + " is not an object");
      }
      verify::PointResult p;
      p.stream = text(pj, "stream", pw);
      p.point = text(pj, "point", pw);
      p.exporter = text(pj, "exporter", pw);
      p.collector = text(pj, "collector", pw);
      p.outcome = outcome(pj, pw);
      p.note = text(pj, "note", pw);
      const auto& checks = array(pj, "checks", pw);
      for (std::size_t c = 0; c < checks.size(); ++c) {
        const auto& cj = checks[c];
        const std::string cw = pw + ".checks[" + std::to_string(c) + "]";
        if (!cj.is_object()) {
          return fail(ErrorKind::kIo, "verdict.json: " + cw + " is not an object");
        }
        verify::Check check;
        check.name = text(cj, "field", cw);
        check.oracle = optional_text(cj, "oracle", cw);
        check.router = optional_text(cj, "router", cw);
        check.collector = optional_text(cj, "collector", cw);
        check.expected = optional_text(cj, "expected", cw);
        check.outcome = outcome(cj, cw);
        check.explanation = text(cj, "explanation", cw);
        p.checks.push_back(std::move(check));
      }
      step.points.push_back(std::move(p));
    }
    run.steps.push_back(std::move(step));
  }
  if (!missing.empty()) {
    return fail(ErrorKind::kIo, "verdict.json: missing or mistyped " + missing);
  }
  return run;
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
    out << "  <testsuite name=\"" << html_escape(run.scenario) << "\" tests=\"" << cases.size() << "\" failures=\""
        << failures << "\" errors=\"" << (run.runtime_error ? 1 : 0) << "\" time=\"" << run.seconds << "\">\n";
    if (run.runtime_error) {
      out << "    <testcase name=\"run\" classname=\"" << html_escape(run.scenario) << "\"><error message=\""
          << html_escape(run.error) << "\"/></testcase>\n";
    }
    for (const auto& [name, failure] : cases) {
      out << "    <testcase name=\"" << html_escape(name) << "\" classname=\"" << html_escape(run.scenario) << "\"";
      if (failure.empty()) {
        out << "/>\n";
      } else {
        out << "><failure message=\"" << html_escape(failure.substr(0, failure.find('\n'))) << "\">"
            << html_escape(failure) << "</failure></testcase>\n";
      }
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
  return out.str();
}

}  // namespace flowlab::report
