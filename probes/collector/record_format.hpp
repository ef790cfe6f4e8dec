// record_format.hpp — pmacct-compatible text for aggregate rows: the `pmacct -s` table, the print plugin's CSV
// and JSON lines (key names and value formats as pmacct prints them).
#pragma once

#include "probes/collector/aggregate.hpp"

#include <string>
#include <vector>

namespace flowlab::collector {

// `pmacct -s`: a header line of column names, one line per row, then "\nFor a total of: N entries\n".
std::string format_table(const AggregateSpec& spec, const std::vector<Row>& rows);
// Print plugin CSV: a header line (lowercase pmacct names, then packets,bytes[,flows]) and one line per row.
std::string format_csv(const AggregateSpec& spec, const std::vector<Row>& rows, bool header = true);
// Print plugin JSON: one object, no newline: {"as_src":0,...,"packets":12,"bytes":840}.
std::string format_json_line(const AggregateSpec& spec, const Row& row);
// Every row as JSON lines (each followed by '\n').
std::string format_json_lines(const AggregateSpec& spec, const std::vector<Row>& rows);

}  // namespace flowlab::collector
