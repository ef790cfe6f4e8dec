// record_format.hpp — pmacct-compatible text for aggregate rows: the `pmacct -s` table, CSV and JSON lines, with
// key/header names, column order and value formats as pmacct 1.7 prints them (checked against nfacctd + pmacct
// 1.7.7: docs/enrichment.md).
//
// Two flavours exist in pmacct and differ in small ways; `Style` picks one:
//   kPrintPlugin — the print plugin's files (print_output: json|csv): JSON key `as_path_src`, `"event_type":
//                  "purge"` first, CSV in the plugin's column order, timestamps "2023-11-14 22:13:20.000000";
//   kClient      — `pmacct -s -O json|csv`: JSON key `src_as_path`, CSV in the table's column order, timestamps
//                  "2023-11-14T22:13:20.000000Z".
// Both print an empty AS path / community list / unset peer_ip_dst as "" (the table prints "^$" / "0" / "0").
#pragma once

#include "probes/collector/aggregate.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace flowlab::collector {

enum class Style : std::uint8_t { kPrintPlugin, kClient };

struct FormatOptions {
  Style style = Style::kPrintPlugin;
  bool flows = false;  // add the flows counter (pmacct prints it only when `flows` is aggregated)
};

// `pmacct -s`: fixed-width columns in pmacct's column order, PACKETS, BYTES, then "\nFor a total of: N entries\n".
std::string format_table(const AggregateSpec& spec, const std::vector<Row>& rows, const FormatOptions& options = {});
// CSV: a header line (pmacct's upper-case names, e.g. SRC_AS,...,PACKETS,BYTES) and one line per row.
std::string format_csv(const AggregateSpec& spec, const std::vector<Row>& rows, const FormatOptions& options = {},
                       bool header = true);
// JSON: one object, no newline, pmacct spacing: {"as_src": 0, "as_dst": 65533, ..., "packets": 12, "bytes": 840}.
std::string format_json_line(const AggregateSpec& spec, const Row& row, const FormatOptions& options = {});
// Every row as JSON lines (each followed by '\n').
std::string format_json_lines(const AggregateSpec& spec, const std::vector<Row>& rows,
                              const FormatOptions& options = {});

}  // namespace flowlab::collector
