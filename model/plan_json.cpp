#include "model/plan_json.hpp"

#include "model/feeds.hpp"
#include "model/kinds.hpp"

namespace flowlab::topology {
namespace {

using nlohmann::json;

json prefixes(const std::vector<Prefix>& list) {
  json out = json::array();
  for (const auto& p : list) {
    out.push_back(p.to_string());
  }
  return out;
}

json interface_json(const Interface& i) {
  json j;
  j["name"] = i.name;
  if (i.ipv4) {
    j["ipv4"] = i.ipv4->to_string();
  }
  if (i.ipv6) {
    j["ipv6"] = i.ipv6->to_string();
  }
  j["peer_node"] = i.peer_node;
  j["peer_interface"] = i.peer_interface;
  j["link"] = i.link_index;
  j["mtu"] = i.mtu;
  j["ospf"] = i.ospf;
  if (i.role != InterfaceRole::kNone) {
    j["role"] = interface_role_name(i.role);
  }
  if (i.ospf) {
    j["ospf_cost"] = i.ospf_cost;
  }
  return j;
}

json node_json(const Node& n) {
  json j;
  j["name"] = n.name;
  j["kind"] = n.kind;
  j["role"] = role_name(n.role);
  j["namespace"] = n.namespace_name;
  j["mgmt4"] = n.mgmt4.to_string();
  if (n.mgmt6) {
    j["mgmt6"] = n.mgmt6->to_string();
  }
  switch (n.role) {
    case Role::kRouter:
      j["asn"] = n.asn;
      if (n.loopback) {
        j["loopback"] = n.loopback->to_string();
      }
      if (n.loopback6) {
        j["loopback6"] = n.loopback6->to_string();
      }
      j["router_id"] = n.router_id.to_string();
      j["announce"] = prefixes(n.announce);
      j["igp"] = n.ospf ? "ospf" : "none";
      break;
    case Role::kHost:
      if (!n.gateway.empty()) {
        j["gateway"] = n.gateway;
      }
      if (n.gateway4) {
        j["gateway4"] = n.gateway4->to_string();
      }
      if (n.gateway6) {
        j["gateway6"] = n.gateway6->to_string();
      }
      break;
    case Role::kCollector:
      j["asn"] = n.asn;
      j["bgp_peers"] = n.bgp_peers;
      if (!n.bmp_peers.empty()) {
        j["bmp_peers"] = n.bmp_peers;
      }
      j["listen"] = json{{"netflow", n.listen.netflow}, {"sflow", n.listen.sflow}};
      if (n.peer_src_as != PeerSrcAsMethod::kBgp) {
        j["peer_src_as"] = enum_name(kPeerSrcAsNames, n.peer_src_as);
      }
      if (!n.agent_map.empty()) {
        j["agent_map"] = n.agent_map;
      }
      if (n.as_source != AsSource::kBgp) {
        j["as_source"] = enum_name(kAsSourceNames, n.as_source);
      }
      if (n.aggregate_direction) {
        j["aggregate_direction"] = true;
      }
      if (!n.store.empty()) {
        j["store"] = n.store;
      }
      break;
    case Role::kTee:
      j["listen"] = json{{"netflow", n.listen.netflow}, {"sflow", n.listen.sflow}};
      j["receivers"] = n.receivers;
      j["transparent"] = n.transparent;
      j["balance"] = enum_name(kTeeBalanceNames, n.balance);
      break;
    case Role::kStore:
      break;
  }
  j["interfaces"] = json::array();
  for (const auto& i : n.interfaces) {
    j["interfaces"].push_back(interface_json(i));
  }
  return j;
}

json link_json(const Link& l) {
  json j;
  j["a"] = l.a.node + ":" + l.a.interface;
  j["b"] = l.b.node + ":" + l.b.interface;
  if (l.ipv4) {
    j["ipv4"] = l.ipv4->to_string();
  }
  if (l.ipv6) {
    j["ipv6"] = l.ipv6->to_string();
  }
  j["mtu"] = l.mtu;
  j["cost"] = l.ospf_cost;
  return j;
}

json session_json(const BgpSession& s) {
  json j;
  j["local_node"] = s.local_node;
  j["remote_node"] = s.remote_node;
  j["local_address"] = s.local_address.to_string();
  j["remote_address"] = s.remote_address.to_string();
  j["local_asn"] = s.local_asn;
  j["remote_asn"] = s.remote_asn;
  j["family"] = s.family == Family::kIpv4 ? "ipv4" : "ipv6";
  j["type"] = enum_name(kSessionTypeNames, s.type);
  j["over_loopback"] = s.over_loopback;
  j["to_collector"] = s.to_collector;
  if (s.to_probe) {
    j["to_probe"] = true;
  }
  if (!s.local_interface.empty()) {
    j["local_interface"] = s.local_interface;
    j["remote_interface"] = s.remote_interface;
  }
  return j;
}

json policy_json(const Policy& p) {
  json j;
  j["node"] = p.node;
  j["neighbor"] = p.neighbor;
  j["direction"] = enum_name(kDirectionNames, p.direction);
  if (p.local_pref) {
    j["local_pref"] = *p.local_pref;
  }
  if (p.med) {
    j["med"] = *p.med;
  }
  if (p.prepend != 0) {
    j["prepend"] = p.prepend;
  }
  if (!p.communities.empty()) {
    j["communities"] = p.communities;
  }
  if (!p.large_communities.empty()) {
    j["large_communities"] = p.large_communities;
  }
  if (!p.deny.empty()) {
    j["deny"] = prefixes(p.deny);
  }
  return j;
}

// Where a probe exporting to a tee ends up: one entry per final collector (feeds.hpp).
json feeds_json(const Topology& t, const ProbeSpec& p) {
  json out = json::array();
  for (const auto& f : probe_feeds(t, p)) {
    out.push_back(json{{"collector", f.collector}, {"via", f.tees}, {"exporter", f.exporter.to_string()}});
  }
  return out;
}

json probe_json(const ProbeSpec& p) {
  json j;
  j["node"] = p.node;
  j["interfaces"] = p.interfaces;
  if (p.mirror) {
    j["mirror"] = p.mirror->node + ":" + p.mirror->interface;
  }
  j["export"] = p.export_to;
  j["format"] = format_name(p.format);
  j["direction"] = direction_name(p.direction);
  j["sampling"] = p.sampling;
  j["active_timeout_s"] = p.active_timeout_s;
  j["inactive_timeout_s"] = p.inactive_timeout_s;
  if (!p.ifindex.empty()) {
    j["ifindex"] = p.ifindex;
  }
  if (p.bgp) {
    j["bgp"] = true;
  }
  return j;
}

}  // namespace

std::string_view direction_name(ProbeDirection direction) { return enum_name(kProbeDirectionNames, direction); }

std::string_view format_name(ExportFormat format) { return enum_name(kExportFormatNames, format); }

nlohmann::json to_json(const Topology& t) {
  json j;
  j["name"] = t.name;
  j["ipv6"] = t.ipv6;
  j["mgmt"] = json{{"namespace", t.mgmt_namespace()}, {"ipv4", t.mgmt_subnet4.to_string()}};
  if (t.mgmt_subnet6) {
    j["mgmt"]["ipv6"] = t.mgmt_subnet6->to_string();
  }
  j["nodes"] = json::array();
  for (const auto& n : t.nodes) {
    j["nodes"].push_back(node_json(n));
  }
  j["links"] = json::array();
  for (const auto& l : t.links) {
    j["links"].push_back(link_json(l));
  }
  j["sessions"] = json::array();
  for (const auto& s : t.sessions) {
    j["sessions"].push_back(session_json(s));
  }
  j["policies"] = json::array();
  for (const auto& p : t.policies) {
    j["policies"].push_back(policy_json(p));
  }
  j["probes"] = json::array();
  for (const auto& p : t.probes) {
    j["probes"].push_back(probe_json(p));
    if (const Node* target = t.find_node(p.export_to); target != nullptr && target->role == Role::kTee) {
      j["probes"].back()["feeds"] = feeds_json(t, p);
    }
  }
  return j;
}

}  // namespace flowlab::topology
