// primitives.hpp — pmacct's aggregation primitives (the `aggregate:` key words) with their print-plugin JSON keys,
// CSV header names and `pmacct -s` column headers.
#pragma once

#include "common/result.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::collector {

// In `pmacct -s` column order (src/pmacct.c write_stats_header_formatted): tables print columns in this order
// whatever the aggregate's own order.
enum class Primitive : std::uint8_t {
  kInIface,
  kOutIface,
  kSrcAs,
  kDstAs,
  kStdComm,
  kExtComm,
  kSrcStdComm,
  kSrcExtComm,
  kLrgComm,
  kSrcLrgComm,
  kAsPath,
  kSrcAsPath,
  kLocalPref,
  kSrcLocalPref,
  kMed,
  kSrcMed,
  kPeerSrcAs,
  kPeerDstAs,
  kPeerSrcIp,
  kPeerDstIp,
  kSrcHost,
  kSrcNet,
  kDstHost,
  kDstNet,
  kSrcMask,
  kDstMask,
  kSrcPort,
  kDstPort,
  kTcpFlags,
  kProto,
  kTos,
  kDirection,  // flowlab's own: the observation's direction (IPFIX flowDirection, IE 61); pmacct has none
  kSamplingRate,
  kTimestampStart,
  kTimestampEnd,
  kExportProtoSeqno,
  kCount,  // not a primitive: the number of them
};

// How a primitive's value is printed in JSON: a number, or a string.
enum class ValueKind : std::uint8_t { kNumber, kString };

struct PrimitiveInfo {
  Primitive primitive;
  std::string_view name;             // aggregate key word: "src_as"
  std::string_view json_key;         // print plugin JSON key: "as_src"
  std::string_view client_json_key;  // `pmacct -s -O json` key (differs for src_as_path: "src_as_path")
  std::string_view table_header;     // `pmacct -s` column and CSV header: "SRC_AS"
  unsigned width;                    // `pmacct -s` column width (value + separating blanks)
  unsigned print_rank;               // position in the print plugin's JSON/CSV (src/plugin_cmn_json.c order)
  ValueKind kind;
};

[[nodiscard]] const PrimitiveInfo& info(Primitive p);
[[nodiscard]] std::span<const PrimitiveInfo> all_primitives();
[[nodiscard]] inline std::string_view primitive_name(Primitive p) { return info(p).name; }
[[nodiscard]] inline std::string_view json_key(Primitive p) { return info(p).json_key; }
[[nodiscard]] inline std::string_view table_header(Primitive p) { return info(p).table_header; }

// "src_as" -> kSrcAs. Unknown names fail with a "did you mean".
Result<Primitive> parse_primitive(std::string_view name);
// A pmacct aggregate list: "src_as, dst_as peer_src_as" (commas and/or blanks). Duplicates are rejected.
Result<std::vector<Primitive>> parse_primitives(std::string_view list);

// How `proto` prints: pmacct's _protocols table (src/pmacct-data.h) names for the common ones, else the number.
[[nodiscard]] std::string ip_protocol_name(std::uint8_t proto);
// How timestamp_start/end print: "2023-11-14T22:13:21.000000Z" (pmacct client, UTC) from milliseconds.
[[nodiscard]] std::string pmacct_timestamp(std::uint64_t ms);

}  // namespace flowlab::collector
