#include "probes/gen/summary.hpp"

#include <fmt/format.h>

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
  std::string out = fmt::format("{:<16} {:<6} {:>39} {:>39} {:>5} {:>5} {:>10} {:>12} {:>10} {:>12}", "stream", "proto",
                                "src", "dst", "sport", "dport", "expected", "", send ? "sent" : "received", "bytes");
  out += send ? "       pps\n" : "\n";
  for (const auto& s : summary["streams"]) {
    const std::string done = send ? "packets_sent" : "packets_received";
    const std::string bytes = send ? "bytes_sent" : "bytes_received";
    out += fmt::format("{:<16} {:<6} {:>39} {:>39} {:>5} {:>5} {:>10} {:>12} {:>10} {:>12}", cell(s["name"]),
                       cell(s["proto"]), cell(s["src"]), cell(s["dst"]), cell(s["sport"]), cell(s["dport"]),
                       cell(s["packets_expected"]), cell(s["bytes_expected"]), cell(s[done]), cell(s[bytes]));
    out += send ? fmt::format(" {:>9}\n", cell(s["pps_achieved"])) : "\n";
  }
  for (const auto& [key, value] : summary.items()) {
    if (key != "streams" && key != "mode") {
      out += key + ": " + cell(value) + "\n";
    }
  }
  return out;
}

}  // namespace flowlab::gen
