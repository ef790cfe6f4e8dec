#include "probes/collector/record_format.hpp"

#include <algorithm>
#include <array>
#include <numeric>

namespace flowlab::collector {

namespace {

using P = Primitive;

// pmacct's JSON key order (src/plugin_cmn_json.c compose_json handlers, for the client and the print plugin).
constexpr std::array<Primitive, static_cast<std::size_t>(P::kCount)> kJsonOrder{
    P::kSrcAs,      P::kDstAs,      P::kStdComm,      P::kExtComm,        P::kLrgComm,      P::kAsPath,
    P::kLocalPref,  P::kMed,        P::kPeerSrcAs,    P::kPeerDstAs,      P::kPeerSrcIp,    P::kPeerDstIp,
    P::kSrcStdComm, P::kSrcExtComm, P::kSrcLrgComm,   P::kSrcAsPath,      P::kSrcLocalPref, P::kSrcMed,
    P::kInIface,    P::kOutIface,   P::kSrcHost,      P::kSrcNet,         P::kDstHost,      P::kDstNet,
    P::kSrcMask,    P::kDstMask,    P::kSrcPort,      P::kDstPort,        P::kTcpFlags,     P::kProto,
    P::kTos,        P::kDirection,  P::kSamplingRate, P::kTimestampStart, P::kTimestampEnd, P::kExportProtoSeqno};

unsigned json_rank(Primitive p) {
  return static_cast<unsigned>(std::find(kJsonOrder.begin(), kJsonOrder.end(), p) - kJsonOrder.begin());
}

enum class Order : std::uint8_t { kTable, kPrintCsv, kJson };

// Positions of the spec's primitives in output order: pmacct's table order (the enum), the print plugin's CSV
// order, or the JSON order.
std::vector<std::size_t> column_order(const AggregateSpec& spec, Order order) {
  std::vector<std::size_t> idx(spec.primitives.size());
  std::iota(idx.begin(), idx.end(), 0U);
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    const Primitive pa = spec.primitives[a];
    const Primitive pb = spec.primitives[b];
    if (order == Order::kJson) {
      return json_rank(pa) < json_rank(pb);
    }
    if (order == Order::kPrintCsv && info(pa).print_rank != info(pb).print_rank) {
      return info(pa).print_rank < info(pb).print_rank;
    }
    return pa < pb;
  });
  return idx;
}

// The table's rendering of an empty value.
std::string table_value(Primitive p, const std::string& v) {
  if (!v.empty()) {
    return v;
  }
  switch (p) {
    case P::kAsPath:
    case P::kSrcAsPath:
      return "^$";
    default:
      return "0";
  }
}

std::string print_plugin_value(Primitive p, const std::string& v) {
  if ((p == P::kTimestampStart || p == P::kTimestampEnd) && v.size() > 1 && v.back() == 'Z') {
    std::string out = v.substr(0, v.size() - 1);
    std::replace(out.begin(), out.end(), 'T', ' ');
    return out;
  }
  return v;
}

unsigned header_width(Primitive p) {
  switch (p) {
    case P::kStdComm:
    case P::kExtComm:
    case P::kSrcStdComm:
    case P::kSrcExtComm:
    case P::kLrgComm:
    case P::kSrcLrgComm:
      return info(p).width - 1;  // pmacct's header strings are one blank shorter than its "%-22s   " values
    default:
      return info(p).width;
  }
}

void pad(std::string& out, const std::string& cell, unsigned width) {
  out += cell;
  const std::size_t n = cell.size() < width ? width - cell.size() : 1U;
  out.append(n, ' ');
}

void json_string(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

std::string format_table(const AggregateSpec& spec, const std::vector<Row>& rows, const FormatOptions& options) {
  const auto order = column_order(spec, Order::kTable);
  std::string out;
  for (std::size_t i : order) {
    pad(out, std::string(table_header(spec.primitives[i])), header_width(spec.primitives[i]));
  }
  pad(out, "PACKETS", 22);
  if (options.flows) {
    pad(out, "FLOWS", 22);
  }
  out += "BYTES\n";
  for (const Row& row : rows) {
    for (std::size_t i : order) {
      const Primitive p = spec.primitives[i];
      pad(out, table_value(p, i < row.values.size() ? row.values[i] : std::string()), info(p).width);
    }
    pad(out, std::to_string(row.packets), 22);
    if (options.flows) {
      pad(out, std::to_string(row.flows), 22);
    }
    out += std::to_string(row.bytes);
    out += '\n';
  }
  out += "\nFor a total of: " + std::to_string(rows.size()) + " entries\n";
  return out;
}

std::string format_csv(const AggregateSpec& spec, const std::vector<Row>& rows, const FormatOptions& options,
                       bool header) {
  const bool plugin = options.style == Style::kPrintPlugin;
  const auto order = column_order(spec, plugin ? Order::kPrintCsv : Order::kTable);
  std::string out;
  if (header) {
    for (std::size_t i : order) {
      out += table_header(spec.primitives[i]);
      out += ',';
    }
    out += options.flows ? "PACKETS,FLOWS,BYTES\n" : "PACKETS,BYTES\n";
  }
  for (const Row& row : rows) {
    for (std::size_t i : order) {
      const std::string& v = i < row.values.size() ? row.values[i] : std::string();
      out += plugin ? print_plugin_value(spec.primitives[i], v) : v;
      out += ',';
    }
    out += std::to_string(row.packets);
    out += ',';
    if (options.flows) {
      out += std::to_string(row.flows);
      out += ',';
    }
    out += std::to_string(row.bytes);
    out += '\n';
  }
  return out;
}

std::string format_json_line(const AggregateSpec& spec, const Row& row, const FormatOptions& options) {
  const bool plugin = options.style == Style::kPrintPlugin;
  const auto order = column_order(spec, Order::kJson);
  std::string out = "{";
  if (plugin) {
    out += "\"event_type\": \"purge\", ";
  }
  for (std::size_t i : order) {
    const Primitive p = spec.primitives[i];
    out += '"';
    out += plugin ? info(p).json_key : info(p).client_json_key;
    out += "\": ";
    const std::string& v = i < row.values.size() ? row.values[i] : std::string();
    if (info(p).kind == ValueKind::kNumber && !v.empty()) {
      out += v;
    } else {
      json_string(out, plugin ? print_plugin_value(p, v) : v);
    }
    out += ", ";
  }
  out += "\"packets\": " + std::to_string(row.packets) + ", ";
  if (options.flows) {
    out += "\"flows\": " + std::to_string(row.flows) + ", ";
  }
  out += "\"bytes\": " + std::to_string(row.bytes) + "}";
  return out;
}

std::string format_json_lines(const AggregateSpec& spec, const std::vector<Row>& rows, const FormatOptions& options) {
  std::string out;
  for (const Row& row : rows) {
    out += format_json_line(spec, row, options);
    out += '\n';
  }
  return out;
}

}  // namespace flowlab::collector
