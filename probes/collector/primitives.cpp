#include "probes/collector/primitives.hpp"

#include "common/strings.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace flowlab::collector {

namespace {

using P = Primitive;
using K = ValueKind;

// Names, keys and widths as pmacct 1.7 prints them (checked against nfacctd/pmacct 1.7.7 output, see
// docs/enrichment.md). print_rank follows the print plugin's JSON/CSV order.
constexpr std::array<PrimitiveInfo, static_cast<std::size_t>(P::kCount)> kInfo{{
    {P::kInIface, "in_iface", "iface_in", "iface_in", "IN_IFACE", 12, 12, K::kNumber},
    {P::kOutIface, "out_iface", "iface_out", "iface_out", "OUT_IFACE", 12, 13, K::kNumber},
    {P::kSrcAs, "src_as", "as_src", "as_src", "SRC_AS", 12, 0, K::kNumber},
    {P::kDstAs, "dst_as", "as_dst", "as_dst", "DST_AS", 12, 1, K::kNumber},
    {P::kStdComm, "std_comm", "comms", "comms", "COMMS", 25, 2, K::kString},
    {P::kExtComm, "ext_comm", "ecomms", "ecomms", "ECOMMS", 25, 3, K::kString},
    {P::kSrcStdComm, "src_std_comm", "comms_src", "comms_src", "SRC_COMMS", 25, 4, K::kString},
    {P::kSrcExtComm, "src_ext_comm", "ecomms_src", "ecomms_src", "SRC_ECOMMS", 25, 5, K::kString},
    {P::kLrgComm, "lrg_comm", "lcomms", "lcomms", "LCOMMS", 25, 6, K::kString},
    {P::kSrcLrgComm, "src_lrg_comm", "lcomms_src", "lcomms_src", "SRC_LCOMMS", 25, 7, K::kString},
    {P::kAsPath, "as_path", "as_path", "as_path", "AS_PATH", 25, 8, K::kString},
    {P::kSrcAsPath, "src_as_path", "as_path_src", "src_as_path", "SRC_AS_PATH", 25, 9, K::kString},
    {P::kLocalPref, "local_pref", "local_pref", "local_pref", "PREF", 9, 10, K::kNumber},
    {P::kSrcLocalPref, "src_local_pref", "local_pref_src", "local_pref_src", "SRC_PREF", 9, 10, K::kNumber},
    {P::kMed, "med", "med", "med", "MED", 8, 10, K::kNumber},
    {P::kSrcMed, "src_med", "med_src", "med_src", "SRC_MED", 8, 10, K::kNumber},
    {P::kPeerSrcAs, "peer_src_as", "peer_as_src", "peer_as_src", "PEER_SRC_AS", 12, 10, K::kNumber},
    {P::kPeerDstAs, "peer_dst_as", "peer_as_dst", "peer_as_dst", "PEER_DST_AS", 12, 10, K::kNumber},
    {P::kPeerSrcIp, "peer_src_ip", "peer_ip_src", "peer_ip_src", "PEER_SRC_IP", 47, 10, K::kString},
    {P::kPeerDstIp, "peer_dst_ip", "peer_ip_dst", "peer_ip_dst", "PEER_DST_IP", 47, 10, K::kString},
    {P::kSrcHost, "src_host", "ip_src", "ip_src", "SRC_IP", 47, 14, K::kString},
    {P::kSrcNet, "src_net", "net_src", "net_src", "SRC_NET", 47, 14, K::kString},
    {P::kDstHost, "dst_host", "ip_dst", "ip_dst", "DST_IP", 47, 14, K::kString},
    {P::kDstNet, "dst_net", "net_dst", "net_dst", "DST_NET", 47, 14, K::kString},
    {P::kSrcMask, "src_mask", "mask_src", "mask_src", "SRC_MASK", 10, 14, K::kNumber},
    {P::kDstMask, "dst_mask", "mask_dst", "mask_dst", "DST_MASK", 10, 14, K::kNumber},
    {P::kSrcPort, "src_port", "port_src", "port_src", "SRC_PORT", 10, 14, K::kNumber},
    {P::kDstPort, "dst_port", "port_dst", "port_dst", "DST_PORT", 10, 14, K::kNumber},
    {P::kTcpFlags, "tcpflags", "tcp_flags", "tcp_flags", "TCP_FLAGS", 11, 14, K::kString},
    {P::kProto, "proto", "ip_proto", "ip_proto", "PROTOCOL", 12, 14, K::kString},
    {P::kTos, "tos", "tos", "tos", "TOS", 7, 14, K::kNumber},
    {P::kDirection, "direction", "direction", "direction", "DIRECTION", 10, 14, K::kString},
    {P::kSamplingRate, "sampling_rate", "sampling_rate", "sampling_rate", "SAMPLING_RATE", 14, 14, K::kNumber},
    {P::kTimestampStart, "timestamp_start", "timestamp_start", "timestamp_start", "TIMESTAMP_START", 31, 14,
     K::kString},
    {P::kTimestampEnd, "timestamp_end", "timestamp_end", "timestamp_end", "TIMESTAMP_END", 31, 14, K::kString},
    {P::kExportProtoSeqno, "export_proto_seqno", "export_proto_seqno", "export_proto_seqno", "EXPORT_PROTO_SEQNO", 20,
     14, K::kNumber},
}};

}  // namespace

const PrimitiveInfo& info(Primitive p) { return kInfo[static_cast<std::size_t>(p)]; }

std::span<const PrimitiveInfo> all_primitives() { return kInfo; }

Result<Primitive> parse_primitive(std::string_view name) {
  // pmacct aliases.
  if (name == "tcp_flags") {
    return P::kTcpFlags;
  }
  if (name == "src_std_comm" || name == "src_comm") {
    return P::kSrcStdComm;
  }
  for (const auto& i : kInfo) {
    if (i.name == name) {
      return i.primitive;
    }
  }
  std::vector<std::string_view> names;
  names.reserve(std::size(kInfo));
  for (const auto& i : kInfo) {
    names.push_back(i.name);
  }
  std::string msg = "unknown aggregation primitive '" + std::string(name) + "'";
  if (auto guess = closest_match(name, names)) {
    msg += " (did you mean '" + *guess + "'?)";
  }
  return fail(ErrorKind::kConfig, msg);
}

Result<std::vector<Primitive>> parse_primitives(std::string_view list) {
  std::vector<Primitive> out;
  std::size_t i = 0;
  while (i < list.size()) {
    if (list[i] == ',' || list[i] == ' ' || list[i] == '\t') {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < list.size() && list[i] != ',' && list[i] != ' ' && list[i] != '\t') {
      ++i;
    }
    auto p = parse_primitive(list.substr(start, i - start));
    if (!p.ok()) {
      return fail(ErrorKind::kConfig, "col " + std::to_string(start + 1) + ": " + p.error().message);
    }
    if (std::find(out.begin(), out.end(), *p) != out.end()) {
      return fail(ErrorKind::kConfig, "col " + std::to_string(start + 1) + ": '" +
                                          std::string(list.substr(start, i - start)) + "' listed twice");
    }
    out.push_back(*p);
  }
  if (out.empty()) {
    return fail(ErrorKind::kConfig, "empty aggregation primitive list");
  }
  return out;
}

std::string ip_protocol_name(std::uint8_t proto) {
  switch (proto) {
    case 1:
      return "icmp";
    case 2:
      return "igmp";
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 41:
      return "ipv6";
    case 47:
      return "gre";
    case 50:
      return "esp";
    case 51:
      return "ah";
    case 58:
      return "ipv6-icmp";
    case 89:
      return "ospf";
    case 103:
      return "pim";
    case 132:
      return "sctp";
    default:
      return std::to_string(proto);
  }
}

std::string pmacct_timestamp(std::uint64_t ms) {
  constexpr std::uint64_t kYear10000Ms = 253'402'300'800'000ULL;  // 10000-01-01T00:00:00Z
  if (ms >= kYear10000Ms) {                                       // more than four year digits: printf's widths
    const auto secs = static_cast<std::time_t>(ms / 1000U);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<unsigned>(ms % 1000U) * 1000U);
    return buf;
  }
  // The digits written by hand, the date from std::chrono's civil calendar: snprintf and gmtime_r (with its time
  // zone lock) were most of the cost of a stored row's text (docs/store.md).
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(static_cast<std::int64_t>(ms))};
  const sys_days day = floor<days>(t);
  const year_month_day date(day);
  const auto in_day = static_cast<std::uint64_t>((t - day).count());  // ms since midnight
  std::string out = "0000-00-00T00:00:00.000000Z";
  const auto put = [&out](std::size_t at, std::uint64_t value, std::size_t digits) {
    for (std::size_t i = digits; i-- > 0; value /= 10U) {
      out[at + i] = static_cast<char>('0' + value % 10U);
    }
  };
  put(0, static_cast<std::uint64_t>(static_cast<int>(date.year())), 4);
  put(5, static_cast<unsigned>(date.month()), 2);
  put(8, static_cast<unsigned>(date.day()), 2);
  put(11, in_day / 3'600'000U, 2);
  put(14, in_day / 60'000U % 60U, 2);
  put(17, in_day / 1000U % 60U, 2);
  put(20, in_day % 1000U * 1000U, 6);
  return out;
}

}  // namespace flowlab::collector
