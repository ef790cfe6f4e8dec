// The matrix as text, JSON and HTML (matrix.hpp): one printer per form over the same Matrix.
#include "labctl/matrix/matrix.hpp"

#include "labctl/report/escape.hpp"
#include "labctl/report/report_html.hpp"

#include <cstdio>
#include <sstream>

namespace flowlab::matrix {
namespace {

std::string cell_name(Cell c) { return std::string(enum_name(kCellNames, c)); }

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

std::vector<std::string> header_row() {
  std::vector<std::string> row{"scenario", "probe", "collector"};
  for (const auto& f : kFamilyNames) {
    row.emplace_back(f.name);
  }
  row.emplace_back("run");
  return row;
}

std::vector<std::string> combination_row(const Combination& c) {
  std::vector<std::string> row{c.scenario, c.probe, c.collector};
  for (const auto& r : c.families) {
    row.push_back(cell_name(r.cell));
  }
  row.push_back(c.runnable ? c.outcome + " " + seconds_text(c.seconds) : "n/a");
  return row;
}

void print_rows(std::ostringstream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i] + (i + 1 < row.size() ? std::string(width[i] - row[i].size() + 2, ' ') : "");
    }
    out << line << "\n";
  }
}

// What the table cannot show: per combination, its FAIL, ERROR and FLAGGED details and the n/a reasons.
void print_details(std::ostringstream& out, const Combination& c) {
  if (!c.runnable) {
    out << "  " << c.scenario << " " << c.probe << " x " << c.collector << ": n/a — " << c.reason << "\n";
    return;
  }
  std::string lines;
  for (std::size_t i = 0; i < kFamilies; ++i) {
    for (const auto& d : c.families[i].details) {
      lines += "    " + std::string(kFamilyNames[i].name) + ": " + d + "\n";
    }
  }
  if (!c.reason.empty()) {
    lines += "    error: " + c.reason + "\n";
  }
  if (!lines.empty()) {
    out << "  " << c.scenario << " " << c.probe << " x " << c.collector << " (lab " << c.lab << ", " << c.run_dir
        << "):\n"
        << lines;
  }
}

std::size_t count(const Matrix& m, Cell cell) {
  std::size_t n = 0;
  for (const auto& c : m.combinations) {
    for (const auto& r : c.families) {
      n += r.cell == cell ? 1 : 0;
    }
  }
  return n;
}

std::string summary(const Matrix& m) {
  std::size_t runnable = 0;
  for (const auto& c : m.combinations) {
    runnable += c.runnable ? 1 : 0;
  }
  const std::string verdict = !m.interrupted.empty() ? "INTERRUPTED" : failed(m) ? "FAIL" : "PASS";
  return verdict + ": " + std::to_string(m.combinations.size()) + " combinations (" + std::to_string(runnable) +
         " run, " + std::to_string(m.combinations.size() - runnable) + " n/a); family cells " +
         std::to_string(count(m, Cell::kPass)) + " PASS, " + std::to_string(count(m, Cell::kFlagged)) + " FLAGGED, " +
         std::to_string(count(m, Cell::kFail)) + " FAIL, " + std::to_string(count(m, Cell::kError)) + " ERROR, " +
         std::to_string(count(m, Cell::kNotApplicable)) + " n/a; " + seconds_text(m.seconds) +
         (m.interrupted.empty() ? "" : "; " + m.interrupted);
}

}  // namespace

std::string matrix_text(const Matrix& m) {
  std::ostringstream out;
  std::vector<std::vector<std::string>> rows{header_row()};
  for (const auto& c : m.combinations) {
    rows.push_back(combination_row(c));
  }
  print_rows(out, rows);
  out << "\ndetails (FAIL: the field and its values; FLAGGED and n/a: why):\n";
  for (const auto& c : m.combinations) {
    print_details(out, c);
  }
  out << summary(m) << "\n";
  return out.str();
}

nlohmann::json matrix_json(const Matrix& m) {
  nlohmann::json j{{"probes", m.probes},    {"collectors", m.collectors}, {"failed", failed(m)},
                   {"summary", summary(m)}, {"seconds", m.seconds},       {"combinations", nlohmann::json::array()}};
  if (!m.interrupted.empty()) {
    j["interrupted"] = m.interrupted;
  }
  for (const auto& c : m.combinations) {
    nlohmann::json families = nlohmann::json::object();
    for (std::size_t i = 0; i < kFamilies; ++i) {
      families[std::string(kFamilyNames[i].name)] = {{"cell", cell_name(c.families[i].cell)},
                                                     {"details", c.families[i].details}};
    }
    j["combinations"].push_back({{"scenario", c.scenario},
                                 {"probe", c.probe},
                                 {"collector", c.collector},
                                 {"lab", c.lab},
                                 {"runnable", c.runnable},
                                 {"reason", c.reason},
                                 {"outcome", c.outcome},
                                 {"run_dir", c.run_dir},
                                 {"seconds", c.seconds},
                                 {"families", families}});
  }
  return j;
}

std::string matrix_html(const Matrix& m) {
  using report::html_escape;
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>labctl matrix — "
    << (failed(m) ? "FAIL" : "PASS") << "</title>\n<style>" << report::page_style()
    << ".badge.NA{background:#9a9a9a}</style>\n</head>\n<body>\n<header>\n<h1>labctl matrix</h1>\n<p "
       "class=\"desc\">"
    << html_escape(summary(m)) << "</p>\n</header>\n<h2>Per field family</h2>\n<div class=\"scroll\"><table>\n<tr>";
  for (const auto& h : header_row()) {
    s << "<th>" << html_escape(h) << "</th>";
  }
  s << "</tr>\n";
  for (const auto& c : m.combinations) {
    s << "<tr><td>" << html_escape(c.scenario) << "</td><td>" << html_escape(c.probe) << "</td><td>"
      << html_escape(c.collector) << "</td>";
    for (const auto& r : c.families) {
      const std::string name = cell_name(r.cell);
      std::string title;
      for (const auto& d : r.details) {
        title += (title.empty() ? "" : "\n") + d;
      }
      s << "<td title=\"" << html_escape(title) << "\"><span class=\"badge "
        << (r.cell == Cell::kNotApplicable ? std::string("NA") : name) << "\">" << html_escape(name) << "</span></td>";
    }
    s << "<td>" << html_escape(c.runnable ? c.outcome + " " + seconds_text(c.seconds) : "n/a") << "</td></tr>\n";
  }
  s << "</table></div>\n<h2>Details</h2>\n<pre class=\"note\">";
  std::ostringstream details;
  for (const auto& c : m.combinations) {
    print_details(details, c);
  }
  s << html_escape(details.str()) << "</pre>\n<footer>written by labctl matrix</footer>\n</body>\n</html>\n";
  return s.str();
}

}  // namespace flowlab::matrix
