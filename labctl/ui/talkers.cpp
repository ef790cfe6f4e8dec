#include "labctl/ui/talkers.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace flowlab::ui {

namespace {

using nlohmann::json;

// One row's values by primitive name, as text ("" when absent).
class RowFields {
 public:
  RowFields(const json& primitives, const json& row) {
    const auto& values = row.value("values", json::array());
    for (std::size_t i = 0; i < primitives.size() && i < values.size(); ++i) {
      const auto& v = values[i];
      fields_[primitives[i].get<std::string>()] = v.is_string() ? v.get<std::string>() : v.dump();
    }
  }
  [[nodiscard]] std::string text(const std::string& name) const {
    const auto it = fields_.find(name);
    return it == fields_.end() || it->second == "null" ? "" : it->second;
  }
  [[nodiscard]] std::uint64_t number(const std::string& name) const {
    const std::string t = text(name);
    std::uint64_t v = 0;
    std::from_chars(t.data(), t.data() + t.size(), v);
    return v;
  }

 private:
  std::map<std::string, std::string> fields_;
};

// "203.0.113.0/24" from src_net and src_mask; "" when the collector had no route (mask 0, or no net).
std::string net(const RowFields& f, const std::string& net_field, const std::string& mask_field) {
  std::string address = f.text(net_field);
  if (address.empty() || address.find('/') != std::string::npos) {
    return address;
  }
  const std::string mask = f.text(mask_field);
  return mask.empty() || mask == "0" ? "" : address + "/" + mask;
}

report::TrafficFact fact_of(const RowFields& f, const json& row, const RowLabels& labels) {
  report::TrafficFact fact;
  const std::string exporter = f.text("peer_src_ip");
  const auto it = labels.exporters.find(exporter);
  fact.router = it != labels.exporters.end() ? it->second->name : (exporter.empty() ? "?" : exporter);
  fact.router_asn = it != labels.exporters.end() ? it->second->asn : 0;
  fact.as_src = static_cast<std::uint32_t>(f.number("src_as"));
  fact.as_dst = static_cast<std::uint32_t>(f.number("dst_as"));
  fact.peer_as_src = static_cast<std::uint32_t>(f.number("peer_src_as"));
  fact.peer_as_dst = static_cast<std::uint32_t>(f.number("peer_dst_as"));
  fact.net_src = net(f, "src_net", "src_mask");
  fact.net_dst = net(f, "dst_net", "dst_mask");
  fact.direction =
      report::classify(fact.router_asn, fact.as_src, fact.as_dst, !fact.net_src.empty() || !fact.net_dst.empty());
  fact.bytes = row.value("bytes", std::uint64_t{0});
  fact.packets = row.value("packets", std::uint64_t{0});
  fact.flows = row.value("flows", std::uint64_t{0});
  return fact;
}

// "eth3" (or "ifindex 4" when the router's names are unknown).
std::string interface_name(const RowLabels& labels, const std::string& router, std::uint64_t ifindex) {
  if (const auto node = labels.ifnames.find(router); node != labels.ifnames.end()) {
    if (const auto i = node->second.find(static_cast<std::int64_t>(ifindex)); i != node->second.end()) {
      return i->second;
    }
  }
  return "ifindex " + std::to_string(ifindex);
}

std::string interface_key(const RowLabels& labels, const std::string& router, std::uint64_t ifindex, const char* way) {
  return router + ":" + interface_name(labels, router, ifindex) + " " + way;
}

std::string far_as(const report::TrafficFact& f) {
  if (f.direction == report::TrafficDirection::kUnenriched) {
    return "unenriched";
  }
  const std::uint32_t as = f.direction == report::TrafficDirection::kInbound ? f.as_src : f.as_dst;
  return as == 0 || as == f.router_asn ? "AS " + std::to_string(f.router_asn) + " (local)" : "AS " + std::to_string(as);
}

void add(std::map<std::string, Talker>& group, const std::string& key, const report::TrafficFact& f) {
  auto& t = group[key];
  t.key = key;
  t.counts.bytes += f.bytes;
  t.counts.packets += f.packets;
  t.counts.flows += f.flows;
}

double rate(std::uint64_t now, std::uint64_t before, double seconds) {
  return seconds > 0 && now > before ? static_cast<double>(now - before) / seconds : 0.0;
}

std::vector<Talker> sorted_with_rates(const std::map<std::string, Talker>& group, const std::vector<Talker>* before,
                                      double seconds) {
  std::map<std::string, std::uint64_t> previous;
  if (before != nullptr) {
    for (const auto& t : *before) {
      previous[t.key] = t.counts.bytes;
    }
  }
  std::vector<Talker> out;
  for (const auto& [key, t] : group) {
    out.push_back(t);
    const auto it = previous.find(key);
    out.back().bytes_per_second =
        before == nullptr ? 0 : rate(t.counts.bytes, it == previous.end() ? 0 : it->second, seconds);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Talker& a, const Talker& b) { return a.counts.bytes > b.counts.bytes; });
  return out;
}

json counts_json(const Counts& c) { return {{"bytes", c.bytes}, {"packets", c.packets}, {"flows", c.flows}}; }

}  // namespace

RowLabels row_labels(const topology::Topology& topo) {
  RowLabels labels;
  for (const auto& n : topo.nodes) {
    labels.exporters[n.mgmt4.address.to_string()] = &n;
    for (const auto& i : n.interfaces) {
      if (i.role != topology::InterfaceRole::kNone) {
        labels.roles[n.name][i.name] = std::string(topology::interface_role_name(i.role));
      }
    }
    for (const auto& lo : {n.loopback, n.loopback6}) {
      if (lo) {
        labels.exporters[lo->to_string()] = &n;
      }
    }
    for (const auto& i : n.interfaces) {
      for (const auto& a : {i.ipv4, i.ipv6}) {
        if (a) {
          labels.exporters[a->address.to_string()] = &n;
        }
      }
    }
  }
  return labels;
}

Talkers group_talkers(const json& table, const RowLabels& labels, const Talkers* previous, double seconds) {
  Talkers out;
  std::map<std::string, std::map<std::string, Talker>> groups;
  const auto& primitives = table.value("primitives", json::array());
  for (const auto& row : table.value("rows", json::array())) {
    const RowFields f(primitives, row);
    const auto fact = fact_of(f, row, labels);
    add(groups["as"], far_as(fact), fact);
    add(groups["peer_as"], fact.peer_label(), fact);
    add(groups["prefix"], fact.prefix_label(), fact);
    if (!f.text("in_iface").empty()) {
      add(groups["interface"], interface_key(labels, fact.router, f.number("in_iface"), "in"), fact);
    }
    if (!f.text("out_iface").empty()) {
      add(groups["interface"], interface_key(labels, fact.router, f.number("out_iface"), "out"), fact);
    }
    out.total.bytes += fact.bytes;
    out.total.packets += fact.packets;
    out.total.flows += fact.flows;
    out.facts.push_back(fact);
  }
  for (const char* name : kTalkerGroups) {
    const std::vector<Talker>* before = nullptr;
    if (previous != nullptr) {
      const auto it = previous->groups.find(name);
      static const std::vector<Talker> kNone;
      before = it == previous->groups.end() ? &kNone : &it->second;
    }
    out.groups[name] = sorted_with_rates(groups[name], before, seconds);
  }
  out.bytes_per_second = previous == nullptr ? 0 : rate(out.total.bytes, previous->total.bytes, seconds);
  return out;
}

json to_json(const Talkers& talkers, std::size_t top) {
  json groups = json::object();
  for (const auto& [name, list] : talkers.groups) {
    json rows = json::array();
    for (std::size_t i = 0; i < list.size() && i < top; ++i) {
      json r = counts_json(list[i].counts);
      r["key"] = list[i].key;
      r["bytes_per_second"] = list[i].bytes_per_second;
      rows.push_back(std::move(r));
    }
    groups[name] = std::move(rows);
  }
  json total = counts_json(talkers.total);
  total["bytes_per_second"] = talkers.bytes_per_second;
  return {{"groups", groups}, {"total", total}};
}

namespace {

// AS -> bytes, as the tables list it: busiest first.
json ranked(const std::map<std::string, std::uint64_t>& bytes) {
  std::vector<std::pair<std::string, std::uint64_t>> v(bytes.begin(), bytes.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  json out = json::array();
  for (const auto& [key, n] : v) {
    out.push_back({{"key", key}, {"bytes", n}});
  }
  return out;
}

std::string origin_as(const report::TrafficFact& f) {
  if (f.direction == report::TrafficDirection::kUnenriched) {
    return "unenriched";
  }
  return f.as_src == 0 || f.as_src == f.router_asn ? "AS " + std::to_string(f.router_asn) + " (local)"
                                                   : "AS " + std::to_string(f.as_src);
}

struct InterfaceTotals {
  std::string role;
  std::uint64_t total = 0;
  std::map<std::string, std::uint64_t> as;
  std::map<std::string, std::uint64_t> origin;
};

struct AsTotals {
  std::uint64_t total = 0;
  std::map<std::string, std::uint64_t> roles;
};

json sorted_by_total(const std::map<std::string, json>& rows) {
  std::vector<json> v;
  for (const auto& [key, row] : rows) {
    v.push_back(row);
  }
  std::stable_sort(v.begin(), v.end(), [](const json& a, const json& b) { return a["total"] > b["total"]; });
  return v;
}

}  // namespace

json as_tables(const json& table, const RowLabels& labels) {
  std::map<std::string, AsTotals> by_as;
  std::map<std::string, InterfaceTotals> by_interface;
  const auto& primitives = table.value("primitives", json::array());
  for (const auto& row : table.value("rows", json::array())) {
    const RowFields f(primitives, row);
    const auto fact = fact_of(f, row, labels);
    const char* edge = fact.direction == report::TrafficDirection::kInbound ? "in_iface" : "out_iface";
    if (f.text(edge).empty()) {
      continue;
    }
    const std::string ifname = interface_name(labels, fact.router, f.number(edge));
    std::string role = kUnclassified;
    if (const auto node = labels.roles.find(fact.router); node != labels.roles.end()) {
      if (const auto r = node->second.find(ifname); r != node->second.end()) {
        role = r->second;
      }
    }
    auto& a = by_as[far_as(fact)];
    a.total += fact.bytes;
    a.roles[role] += fact.bytes;
    auto& i = by_interface[fact.router + ":" + ifname];
    i.role = role;
    i.total += fact.bytes;
    i.as[far_as(fact)] += fact.bytes;
    i.origin[origin_as(fact)] += fact.bytes;
  }
  std::set<std::string> seen;
  for (const auto& [key, i] : by_interface) {
    seen.insert(i.role);
  }
  json roles = json::array();
  for (const auto& name : enum_names(topology::kInterfaceRoleNames)) {
    if (seen.contains(std::string(name))) {
      roles.push_back(std::string(name));
    }
  }
  if (seen.contains(kUnclassified)) {
    roles.push_back(kUnclassified);
  }
  std::map<std::string, json> as_rows;
  for (const auto& [key, a] : by_as) {
    as_rows[key] = {{"key", key}, {"total", a.total}, {"roles", a.roles}};
  }
  std::map<std::string, json> interface_rows;
  for (const auto& [key, i] : by_interface) {
    interface_rows[key] = {
        {"key", key}, {"role", i.role}, {"total", i.total}, {"as", ranked(i.as)}, {"origin", ranked(i.origin)}};
  }
  return {{"roles", roles}, {"by_as", sorted_by_total(as_rows)}, {"interfaces", sorted_by_total(interface_rows)}};
}

std::string talkers_sankey_svg(const Talkers& talkers) {
  std::vector<report::SankeyFlow> flows;
  flows.reserve(talkers.facts.size());
  for (const auto& f : talkers.facts) {
    flows.push_back(report::sankey_flow(f));
  }
  return report::render_sankey_svg(report::layout_sankey(flows));
}

}  // namespace flowlab::ui
