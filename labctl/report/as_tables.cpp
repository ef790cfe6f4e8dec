#include "labctl/report/as_tables.hpp"

#include "labctl/report/escape.hpp"

#include <cstdio>
#include <sstream>

namespace flowlab::report {

namespace {

using nlohmann::json;

std::string e(std::string_view text) { return html_escape(text); }

const json& array_of(const json& j, const char* key) {
  static const json kNone = json::array();
  return j.is_object() && j.contains(key) && j[key].is_array() ? j[key] : kNone;
}

std::string bytes_cell(std::uint64_t bytes, const std::string& attrs = "") {
  return "<td class=\"num\" data-bytes=\"" + std::to_string(bytes) + "\"" + attrs + ">" + thousands(bytes) + "</td>";
}

void by_role_table(std::ostringstream& s, const json& tables) {
  const json& roles = array_of(tables, "roles");
  s << "<h3>Traffic by AS and interface role</h3>\n<table class=\"as-table\" id=\"as-by-role\">\n<tr><th>AS</th>";
  for (const auto& r : roles) {
    s << "<th>" << e(r.get<std::string>()) << "</th>";
  }
  s << "<th>total</th></tr>\n";
  for (const auto& row : array_of(tables, "by_as")) {
    s << "<tr data-key=\"" << e(row.value("key", "")) << "\"><td>" << e(row.value("key", "")) << "</td>";
    for (const auto& r : roles) {
      const std::string role = r.get<std::string>();
      const json& per_role = row.contains("roles") ? row["roles"] : json::object();
      s << bytes_cell(per_role.value(role, std::uint64_t{0}), " data-role=\"" + e(role) + "\"");
    }
    s << bytes_cell(row.value("total", std::uint64_t{0}), " data-role=\"total\"") << "</tr>\n";
  }
  s << "</table>\n";
}

// One row per (interface, AS) of the interfaces' `member` ("as" or "origin").
void per_interface_table(std::ostringstream& s, const json& tables, const char* member, const std::string& id,
                         const std::string& title, const std::string& column) {
  s << "<h3>" << e(title) << "</h3>\n<table class=\"as-table\" id=\"" << id
    << "\">\n<tr><th>interface</th><th>role</th><th>" << e(column) << "</th><th>bytes</th><th>share</th></tr>\n";
  for (const auto& i : array_of(tables, "interfaces")) {
    const auto total = i.value("total", std::uint64_t{0});
    for (const auto& a : array_of(i, member)) {
      const auto bytes = a.value("bytes", std::uint64_t{0});
      char share[16];
      std::snprintf(share, sizeof share, "%.1f %%",
                    total == 0 ? 0.0 : 100.0 * static_cast<double>(bytes) / static_cast<double>(total));
      s << "<tr data-interface=\"" << e(i.value("key", "")) << "\" data-key=\"" << e(a.value("key", ""))
        << "\" data-bytes=\"" << bytes << "\"><td>" << e(i.value("key", "")) << "</td><td>" << e(i.value("role", ""))
        << "</td><td>" << e(a.value("key", "")) << "</td>" << bytes_cell(bytes) << "<td class=\"num\">" << share
        << "</td></tr>\n";
    }
  }
  s << "</table>\n";
}

}  // namespace

std::string as_tables_section(const json& tables) {
  if (tables.is_null()) {
    return "";
  }
  std::ostringstream s;
  s << "<section id=\"as-analysis\">\n<h2>AS analysis</h2>\n<p>Collector <b>" << e(tables.value("collector", ""))
    << "</b>'s records at the end of the run, each counted at its edge interface: where inbound traffic entered, "
       "where other traffic left. The role is the interface's <code>roles:</code> entry in the topology "
       "(<code>transit</code>, <code>ix</code>, <code>pni</code>, <code>customer</code>; "
       "<code>unclassified</code> without one); the AS is the far side's, as in the Sankey.</p>\n";
  if (array_of(tables, "by_as").empty()) {
    s << "<p class=\"note\">The collector held no records.</p>\n</section>\n";
    return s.str();
  }
  by_role_table(s, tables);
  per_interface_table(s, tables, "as", "as-per-interface", "AS breakdown per interface", "AS");
  per_interface_table(s, tables, "origin", "origin-per-interface", "Origin AS per interface", "origin AS");
  s << "</section>\n";
  return s.str();
}

}  // namespace flowlab::report
