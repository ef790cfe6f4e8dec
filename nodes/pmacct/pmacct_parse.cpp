#include "nodes/pmacct/pmacct_parse.hpp"

#include "common/strings.hpp"
#include "nodes/collector/collector_driver.hpp"

#include <nlohmann/json.hpp>

#include <sstream>
#include <string_view>

namespace flowlab::nodes::pmacct {
namespace {

std::string field_of_key(const std::string& key) {
  static const std::map<std::string, std::string> kRenamed{{"ip_src", "src_host"},   {"ip_dst", "dst_host"},
                                                           {"port_src", "src_port"}, {"port_dst", "dst_port"},
                                                           {"ip_proto", "proto"},    {"ecomms", "ext_comm"}};
  const auto it = kRenamed.find(key);
  return it == kRenamed.end() ? key : it->second;
}

std::uint64_t counter(const nlohmann::json& row, const char* key) {
  const auto it = row.find(key);
  return it != row.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

// "::ffff:192.0.2.1" (an IPv4 peer on a dual-stack socket) -> 192.0.2.1.
std::optional<IpAddress> peer_address(const nlohmann::json& line) {
  std::string text = line.value("peer_ip_src", "");
  constexpr std::string_view kMapped = "::ffff:";
  if (text.rfind(kMapped, 0) == 0 && text.find('.') != std::string::npos) {
    text = text.substr(kMapped.size());
  }
  return IpAddress::parse(text);
}

// "agent=198.19.128.2:0" -> the address part.
std::string value_after(const std::string& line, const std::string& key) {
  const auto at = line.find(" " + key + "=");
  if (at == std::string::npos) {
    return "";
  }
  const auto begin = at + key.size() + 2;
  const auto end = line.find(' ', begin);
  return line.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

std::uint64_t number_after(const std::string& line, const std::string& key) {
  return parse_decimal<std::uint64_t>(value_after(line, key)).value_or(0);
}

}  // namespace

Result<std::vector<FlowRow>> parse_table_json(const std::string& text) {
  std::vector<FlowRow> out;
  std::istringstream in(text);
  std::size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty()) {
      continue;
    }
    auto row = nlohmann::json::parse(line, nullptr, false);
    if (row.is_discarded() || !row.is_object()) {
      return fail(ErrorKind::kParse,
                  "pmacct -s -O json, line " + std::to_string(number) + ": not a JSON object: " + line.substr(0, 80));
    }
    FlowRow r;
    for (const auto& [key, value] : row.items()) {
      if (key == "packets" || key == "bytes" || key == "flows") {
        continue;
      }
      r.fields[field_of_key(key)] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    r.packets = counter(row, "packets");
    r.bytes = counter(row, "bytes");
    r.flows = counter(row, "flows");
    out.push_back(std::move(r));
  }
  return out;
}

Result<MsglogState> parse_msglog(const std::string& text) {
  MsglogState state;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      continue;  // a line being written right now
    }
    const auto peer = peer_address(j);
    if (!peer) {
      continue;
    }
    const std::string event = j.value("event_type", "");
    auto& p = state.peers[*peer];
    if (event == "log_init" || event == "log_close") {
      p.up = event == "log_init";
      p.routes.clear();
      continue;
    }
    if (event != "log" || !j.contains("ip_prefix")) {
      continue;
    }
    auto entry = collector::parse_dump_line(line, *peer);
    FLOWLAB_TRY(entry);
    if (j.value("log_type", "") == "update") {
      p.routes[entry->prefix] = std::move(*entry);
    } else {
      p.routes.erase(entry->prefix);
    }
  }
  return state;
}

AgentStats parse_agent_stats(const std::string& log, const IpAddress& exporter) {
  AgentStats stats;
  DeliveryCounters block;
  bool open = false;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("): +++") != std::string::npos) {
      open = true;
      block = {};
    } else if (open && line.find("): ---") != std::string::npos) {
      open = false;
      ++stats.blocks;
      stats.counters = block;
    } else if (open && line.find(" agent=") != std::string::npos) {
      const std::string agent = value_after(line, "agent");
      const auto colon = agent.rfind(':');
      if (IpAddress::parse(agent.substr(0, colon)) == exporter) {
        block.datagrams += number_after(line, "packets");
        block.lost += number_after(line, "seq_jmp_fwd");
        block.out_of_order += number_after(line, "seq_jmp_bck");
      }
    }
  }
  return stats;
}

}  // namespace flowlab::nodes::pmacct
