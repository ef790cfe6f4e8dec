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
  if (!run.as_tables.is_null()) {
    j["as_tables"] = run.as_tables;
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

// ---- run_from_json() ---------------------------------------------------------------------------------------------

namespace {

// Members are read strictly: verdict.json is written by verdict_json(), so anything else is a damaged file. Each
// read notes the first missing or mistyped member (by its path, "steps[2].points[0].outcome") and goes on with an
// empty value, so one error names the first problem of the whole file.
class StrictReader {
 public:
  std::string text(const nlohmann::json& o, const char* key, const std::string& where) {
    const auto it = o.find(key);
    if (it == o.end() || !it->is_string()) {
      note(where + "." + key + " (a string)");
      return "";
    }
    return it->get<std::string>();
  }

  double seconds(const nlohmann::json& o, const std::string& where) {
    const auto it = o.find("seconds");
    if (it == o.end() || !it->is_number()) {
      note(where + ".seconds (a number)");
      return 0;
    }
    return it->get<double>();
  }

  verify::Outcome outcome(const nlohmann::json& o, const std::string& where) {
    const std::string v = text(o, "outcome", where);
    for (const auto c : {verify::Outcome::kPass, verify::Outcome::kFlagged, verify::Outcome::kFail}) {
      if (v == verify::to_string(c)) {
        return c;
      }
    }
    if (!v.empty()) {
      note(where + ".outcome (PASS, FLAGGED or FAIL, not \"" + v + "\")");
    }
    return verify::Outcome::kFail;
  }

  std::optional<std::string> optional_text(const nlohmann::json& o, const char* key, const std::string& where) {
    const auto it = o.find(key);
    if (it != o.end() && it->is_string()) {
      return it->get<std::string>();
    }
    if (it == o.end() || !it->is_null()) {
      note(where + "." + key + " (a string or null)");
    }
    return std::nullopt;
  }

  // Calls read(element, prefix + "key[i]") on each element of the array member `key` of `o` (at `where`), in order;
  // fails on an element that is not an object, or with the first failure of `read`. The prefix is "" at the top
  // level (paths read "steps[2]", not "run.steps[2]") and where + "." below it.
  template <class Read>
  Status each_object(const nlohmann::json& o, const char* key, const std::string& where, const std::string& prefix,
                     Read read) {
    const auto it = o.find(key);
    if (it == o.end() || !it->is_array()) {
      note(where + "." + key + " (an array)");
      return {};
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string element = prefix + key + "[" + std::to_string(i) + "]";
      if (!(*it)[i].is_object()) {
        return fail(ErrorKind::kIo, "verdict.json: " + element + " is not an object");
      }
      FLOWLAB_TRY(read((*it)[i], element));
    }
    return {};
  }

  [[nodiscard]] const std::string& missing() const { return missing_; }

 private:
  void note(std::string what) {
    if (missing_.empty()) {
      missing_ = std::move(what);
    }
  }

  std::string missing_;
};

verify::Check read_check(StrictReader& in, const nlohmann::json& cj, const std::string& cw) {
  verify::Check check;
  check.name = in.text(cj, "field", cw);
  check.oracle = in.optional_text(cj, "oracle", cw);
  check.router = in.optional_text(cj, "router", cw);
  check.collector = in.optional_text(cj, "collector", cw);
  check.expected = in.optional_text(cj, "expected", cw);
  check.outcome = in.outcome(cj, cw);
  check.explanation = in.text(cj, "explanation", cw);
  return check;
}

Status read_point(StrictReader& in, const nlohmann::json& pj, const std::string& pw, verify::PointResult& p) {
  p.stream = in.text(pj, "stream", pw);
  p.point = in.text(pj, "point", pw);
  p.exporter = in.text(pj, "exporter", pw);
  p.collector = in.text(pj, "collector", pw);
  p.outcome = in.outcome(pj, pw);
  p.note = in.text(pj, "note", pw);
  return in.each_object(pj, "checks", pw, pw + ".", [&](const nlohmann::json& cj, const std::string& cw) -> Status {
    p.checks.push_back(read_check(in, cj, cw));
    return {};
  });
}

Status read_step(StrictReader& in, const nlohmann::json& sj, const std::string& where, StepRecord& step) {
  step.kind = in.text(sj, "kind", where);
  step.summary = in.text(sj, "summary", where);
  step.where = in.text(sj, "where", where);
  step.outcome = in.outcome(sj, where);
  step.seconds = in.seconds(sj, where);
  step.error = in.text(sj, "error", where);
  if (const auto it = sj.find("details"); it != sj.end()) {
    step.details = *it;
  }
  return in.each_object(sj, "points", where, where + ".",
                        [&](const nlohmann::json& pj, const std::string& pw) -> Status {
                          verify::PointResult p;
                          FLOWLAB_TRY(read_point(in, pj, pw, p));
                          step.points.push_back(std::move(p));
                          return {};
                        });
}

}  // namespace

Result<RunRecord> run_from_json(const nlohmann::json& j) {
  if (!j.is_object()) {
    return fail(ErrorKind::kIo, "verdict.json: not a JSON object");
  }
  StrictReader in;
  RunRecord run;
  run.scenario = in.text(j, "scenario", "run");
  run.description = in.text(j, "description", "run");
  run.source_file = in.text(j, "source_file", "run");
  run.lab = in.text(j, "lab", "run");
  run.run_dir = in.text(j, "run_dir", "run");
  run.error = in.text(j, "error", "run");
  run.seconds = in.seconds(j, "run");
  if (in.text(j, "outcome", "run") == "ERROR") {
    run.runtime_error = true;
    run.outcome = verify::Outcome::kFail;
  } else {
    run.outcome = in.outcome(j, "run");
  }
  if (const auto it = j.find("topology"); it != j.end() && !it->is_null()) {
    auto d = diagram_from_json(*it);
    if (!d.ok()) {
      return fail(ErrorKind::kIo, "verdict.json: " + d.error().message);
    }
    run.topology = std::move(*d);
  }
  if (const auto it = j.find("as_tables"); it != j.end()) {
    run.as_tables = *it;
  }
  const Status steps =
      in.each_object(j, "steps", "run", "", [&](const nlohmann::json& sj, const std::string& where) -> Status {
        StepRecord step;
        FLOWLAB_TRY(read_step(in, sj, where, step));
        run.steps.push_back(std::move(step));
        return {};
      });
  if (!steps.ok()) {
    return fail(steps.error());
  }
  if (!in.missing().empty()) {
    return fail(ErrorKind::kIo, "verdict.json: missing or mistyped " + in.missing());
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
