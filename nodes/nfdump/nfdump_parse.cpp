#include "nodes/nfdump/nfdump_parse.hpp"

#include "common/strings.hpp"
#include "nodes/core/files.hpp"

#include <nlohmann/json.hpp>

namespace flowlab::nodes::nfdump {
namespace {

std::string text_of(const nlohmann::json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

std::uint64_t counter(const nlohmann::json& record, const char* key) {
  const auto it = record.find(key);
  return it != record.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

// The fields of one record (see parse_flows_json).
std::map<std::string, std::string> fields_of(const nlohmann::json& record) {
  static const std::pair<const char*, const char*> kRenamed[] = {{"src4_addr", "src_host"},
                                                                 {"src6_addr", "src_host"},
                                                                 {"dst4_addr", "dst_host"},
                                                                 {"dst6_addr", "dst_host"},
                                                                 {"src_port", "src_port"},
                                                                 {"dst_port", "dst_port"},
                                                                 {"proto", "proto"},
                                                                 {"input_snmp", "iface_in"},
                                                                 {"output_snmp", "iface_out"},
                                                                 {"src_as", "as_src"},
                                                                 {"dst_as", "as_dst"},
                                                                 {"prev_as", "peer_as_src"},
                                                                 {"next_as", "peer_as_dst"},
                                                                 {"bgp4_next_hop", "peer_ip_dst"},
                                                                 {"bgp6_next_hop", "peer_ip_dst"},
                                                                 {"ip4_router", "peer_ip_src"},
                                                                 {"ip6_router", "peer_ip_src"}};
  std::map<std::string, std::string> out;
  for (const auto& [key, field] : kRenamed) {
    if (const auto it = record.find(key); it != record.end()) {
      out[field] = text_of(*it);
    }
  }
  for (const auto& [mask, net, field_mask, field_net] : {std::tuple{"src_mask", "src_net", "mask_src", "net_src"},
                                                         std::tuple{"dst_mask", "dst_net", "mask_dst", "net_dst"}}) {
    const auto m = record.find(mask);
    if (m != record.end() && m->is_number_unsigned() && m->get<unsigned>() != 0) {
      out[field_mask] = text_of(*m);
      out[field_net] = record.value(net, "");
    }
  }
  return out;
}

}  // namespace

Result<std::vector<FlowRow>> parse_flows_json(const std::string& text) {
  std::vector<FlowRow> out;
  if (trim(text).empty()) {
    return out;  // no matching record: nfdump prints nothing
  }
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    return fail(ErrorKind::kParse, "nfdump -o json: not a JSON array: " + text.substr(0, 80));
  }
  for (const auto& record : doc) {
    // sfcapd 1.7.1 marks its IPv6 records "EVENT" (V3_FLAG_EVENT set; src/output/output_json.c prints the flag):
    // they are flows all the same.
    const std::string type = record.is_object() ? record.value("type", "") : "";
    if (type != "FLOW" && type != "EVENT") {
      continue;
    }
    FlowRow row;
    row.fields = fields_of(record);
    row.packets = counter(record, "in_packets");
    row.bytes = counter(record, "in_bytes");
    row.flows = 1;
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace flowlab::nodes::nfdump
