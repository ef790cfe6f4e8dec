#include "probes/gen/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

namespace flowlab::gen {

nlohmann::json streams_json(Mode mode, std::span<const StreamSpec> streams, std::span<const StreamCounters> counters) {
  assert(streams.size() == counters.size());
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const StreamSpec& s = streams[i];
    const StreamCounters& c = counters[i];
    nlohmann::json j;
    j["name"] = s.name;
    j["family"] = s.family == Family::kIpv6 ? 6 : 4;
    j["proto"] = protocol_name(s.protocol, s.family);
    const std::optional<IpAddress> src = s.src ? s.src : c.src;
    j["src"] = src ? nlohmann::json(src->to_string()) : nlohmann::json(nullptr);
    j["dst"] = s.dst.to_string();
    j["sport"] = flow_sport(s);
    j["dport"] = flow_dport(s);
    if (s.protocol == Protocol::kIcmp) {
      j["icmp_type"] = s.icmp_type.value_or(0);
      j["icmp_code"] = s.icmp_code;
      j["icmp_id"] = s.sport;
    }
    j["packets_expected"] = s.packets;
    j["bytes_expected"] = s.packets * s.size;
    const bool send = mode == Mode::kSend;
    j["packets_sent"] = send ? nlohmann::json(c.packets) : nlohmann::json(nullptr);
    j["bytes_sent"] = send ? nlohmann::json(c.bytes) : nlohmann::json(nullptr);
    j["packets_received"] = send ? nlohmann::json(nullptr) : nlohmann::json(c.packets);
    j["bytes_received"] = send ? nlohmann::json(nullptr) : nlohmann::json(c.bytes);
    j["first_ns"] = c.packets > 0 ? nlohmann::json(c.first_ns) : nlohmann::json(nullptr);
    j["last_ns"] = c.packets > 0 ? nlohmann::json(c.last_ns) : nlohmann::json(nullptr);
    if (send) {
      j["pps_requested"] = s.pps;
      // Achieved rate over the stream's span: (packets - 1) intervals between the first and the last packet.
      j["pps_achieved"] =
          c.packets > 1 && c.last_ns > c.first_ns
              ? nlohmann::json(static_cast<double>(c.packets - 1) * 1e9 / static_cast<double>(c.last_ns - c.first_ns))
              : nlohmann::json(nullptr);
    }
    out.push_back(std::move(j));
  }
  return out;
}

std::string summary_text(const nlohmann::json& summary) {
  const bool send = summary.value("mode", "") == "send";
  auto cell = [](const nlohmann::json& v) -> std::string {
    if (v.is_null()) {
      return "-";
    }
    if (v.is_string()) {
      return v.get<std::string>();
    }
    if (v.is_number_float()) {
      return fmt::format("{:.0f}", v.get<double>());
    }
    return v.dump();
  };
  std::vector<std::vector<std::string>> rows = {{"stream", "proto", "src", "dst", "sport", "dport", "packets", "bytes",
                                                 send ? "sent" : "received", send ? "bytes sent" : "bytes received"}};
  if (send) {
    rows.front().emplace_back("pps");
  }
  const std::string done = send ? "packets_sent" : "packets_received";
  const std::string bytes = send ? "bytes_sent" : "bytes_received";
  for (const auto& s : summary.value("streams", nlohmann::json::array())) {
    rows.push_back({cell(s["name"]), cell(s["proto"]), cell(s["src"]), cell(s["dst"]), cell(s["sport"]),
                    cell(s["dport"]), cell(s["packets_expected"]), cell(s["bytes_expected"]), cell(s[done]),
                    cell(s[bytes])});
    if (send) {
      rows.back().push_back(cell(s.value("pps_achieved", nlohmann::json())));
    }
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      // Names and protocols read left-aligned; addresses and figures right-aligned.
      line += i < 2 ? fmt::format("{:<{}}  ", row[i], widths[i]) : fmt::format("{:>{}}  ", row[i], widths[i]);
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line + "\n";
  }
  for (const auto& [key, value] : summary.items()) {
    if (key != "streams" && key != "mode") {
      out += key + ": " + cell(value) + "\n";
    }
  }
  return out;
}

}  // namespace flowlab::gen
