// The Diagram model: built from a derived Topology, and to / from the JSON verdict.json carries.
#include "labctl/report/diagram.hpp"

#include "common/enum_names.hpp"
#include "labctl/report/json_fields.hpp"
#include "model/plan_json.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace flowlab::report {

namespace {

constexpr std::array<EnumName<DiagramRole>, 5> kRoleNames{{{"router", DiagramRole::kRouter},
                                                           {"host", DiagramRole::kHost},
                                                           {"probe", DiagramRole::kProbe},
                                                           {"collector", DiagramRole::kCollector},
                                                           {"tee", DiagramRole::kTee}}};

// What probes meter, per node ("eth3", "mirror r1:eth3"), and which hosts receive a mirror of which router.
struct ProbeSites {
  std::map<std::string, std::vector<std::string>> probed;
  std::map<std::string, std::string> mirror_of;  // probe host -> the mirrored router
};

ProbeSites probe_sites(const topology::Topology& topo) {
  ProbeSites sites;
  for (const auto& p : topo.probes) {
    if (p.mirror) {
      sites.probed[p.node].push_back("mirror " + p.mirror->node + ":" + p.mirror->interface);
      sites.mirror_of.emplace(p.node, p.mirror->node);
    }
    for (const auto& i : p.interfaces) {
      sites.probed[p.node].push_back(i);
    }
  }
  return sites;
}

DiagramRole role_of(const topology::Node& n, const ProbeSites& probes) {
  switch (n.role) {
    case topology::Role::kRouter:
      return DiagramRole::kRouter;
    case topology::Role::kHost:
    case topology::Role::kStore:
      return probes.mirror_of.count(n.name) != 0 ? DiagramRole::kProbe : DiagramRole::kHost;
    case topology::Role::kCollector:
      return DiagramRole::kCollector;
    case topology::Role::kTee:
      return DiagramRole::kTee;
  }
  return DiagramRole::kHost;
}

// The router a host or probe host hangs off: its gateway, else the router its first interface reaches, else the
// router it receives a mirror of ("" = none).
std::string attach_of(const topology::Topology& topo, const topology::Node& n, const ProbeSites& probes) {
  std::string attach = n.gateway;
  if (attach.empty() && !n.interfaces.empty()) {
    const topology::Node* peer = topo.find_node(n.interfaces.front().peer_node);
    attach = peer != nullptr && peer->is_router() ? peer->name : "";
  }
  if (const auto it = probes.mirror_of.find(n.name); attach.empty() && it != probes.mirror_of.end()) {
    attach = it->second;
  }
  return attach;
}

DiagramNode diagram_node(const topology::Topology& topo, const topology::Node& n, const ProbeSites& probes) {
  DiagramNode dn;
  dn.name = n.name;
  dn.kind = n.kind;
  dn.role = role_of(n, probes);
  if (dn.role == DiagramRole::kRouter) {
    dn.asn = n.asn;
  }
  if (dn.role == DiagramRole::kHost || dn.role == DiagramRole::kProbe) {
    dn.attach = attach_of(topo, n, probes);
  }
  if (auto it = probes.probed.find(n.name); it != probes.probed.end()) {
    dn.probed = it->second;
  }
  return dn;
}

// Mirrors and exports per probe, tee replication, and each router's sessions to collectors (once per pair).
std::vector<DiagramFeed> feeds_of(const topology::Topology& topo) {
  std::vector<DiagramFeed> feeds;
  for (const auto& p : topo.probes) {
    if (p.mirror) {
      feeds.push_back({p.mirror->node, p.node, "mirror", p.mirror->interface});
    }
    feeds.push_back({p.node, p.export_to, "export", std::string(topology::format_name(p.format))});
  }
  for (const auto& n : topo.nodes) {
    if (n.role == topology::Role::kTee) {
      for (const auto& r : n.receivers) {
        feeds.push_back({n.name, r, "tee", ""});
      }
    }
  }
  std::set<std::pair<std::string, std::string>> sessions;
  for (const auto& s : topo.sessions) {
    if (s.to_collector && sessions.emplace(s.local_node, s.remote_node).second) {
      feeds.push_back({s.local_node, s.remote_node, "bgp", s.type == topology::SessionType::kIbgp ? "iBGP" : "eBGP"});
    }
  }
  return feeds;
}

}  // namespace

std::string_view to_string(DiagramRole role) { return enum_name(kRoleNames, role, "host"); }

const DiagramNode* Diagram::find(const std::string& node) const {
  const auto it = std::find_if(nodes.begin(), nodes.end(), [&](const DiagramNode& n) { return n.name == node; });
  return it == nodes.end() ? nullptr : &*it;
}

std::map<std::string, std::size_t> Diagram::index_by_name() const {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    index[nodes[i].name] = i;
  }
  return index;
}

Diagram diagram_of(const topology::Topology& topo) {
  Diagram d;
  d.name = topo.name;
  const ProbeSites probes = probe_sites(topo);
  for (const auto& n : topo.nodes) {
    d.nodes.push_back(diagram_node(topo, n, probes));
  }
  for (const auto& l : topo.links) {
    DiagramLink dl{l.a.node, l.a.interface, l.b.node, l.b.interface, ""};
    if (l.ipv4) {
      dl.subnets = l.ipv4->to_string();
    }
    if (l.ipv6) {
      dl.subnets += (dl.subnets.empty() ? "" : " ") + l.ipv6->to_string();
    }
    d.links.push_back(std::move(dl));
  }
  d.feeds = feeds_of(topo);
  return d;
}

nlohmann::json to_json(const Diagram& d) {
  nlohmann::json j;
  j["name"] = d.name;
  j["nodes"] = nlohmann::json::array();
  for (const auto& n : d.nodes) {
    j["nodes"].push_back({{"name", n.name},
                          {"kind", n.kind},
                          {"role", to_string(n.role)},
                          {"asn", n.asn},
                          {"attach", n.attach},
                          {"probed", n.probed}});
  }
  j["links"] = nlohmann::json::array();
  for (const auto& l : d.links) {
    j["links"].push_back({{"a", l.a},
                          {"a_interface", l.a_interface},
                          {"b", l.b},
                          {"b_interface", l.b_interface},
                          {"subnets", l.subnets}});
  }
  j["feeds"] = nlohmann::json::array();
  for (const auto& f : d.feeds) {
    j["feeds"].push_back({{"from", f.from}, {"to", f.to}, {"kind", f.kind}, {"label", f.label}});
  }
  return j;
}

Result<Diagram> diagram_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("nodes") || !j["nodes"].is_array()) {
    return fail(ErrorKind::kIo, "topology: expected an object with a \"nodes\" array");
  }
  Diagram d;
  d.name = string_or_empty(j, "name");
  for (const auto& n : j["nodes"]) {
    if (!n.is_object()) {
      return fail(ErrorKind::kIo, "topology: a node is not an object");
    }
    DiagramNode dn;
    dn.name = string_or_empty(n, "name");
    dn.kind = string_or_empty(n, "kind");
    const std::string role = string_or_empty(n, "role");
    const auto known = find_enum(kRoleNames, role);
    if (!known || dn.name.empty()) {
      return fail(ErrorKind::kIo, "topology: node '" + dn.name + "' has an unknown role '" + role + "'");
    }
    dn.role = *known;
    if (const auto it = n.find("asn"); it != n.end() && it->is_number_unsigned()) {
      dn.asn = it->get<std::uint32_t>();
    }
    dn.attach = string_or_empty(n, "attach");
    if (const auto it = n.find("probed"); it != n.end() && it->is_array()) {
      for (const auto& p : *it) {
        if (p.is_string()) {
          dn.probed.push_back(p.get<std::string>());
        }
      }
    }
    d.nodes.push_back(std::move(dn));
  }
  if (j.contains("links") && j["links"].is_array()) {
    for (const auto& l : j["links"]) {
      if (l.is_object()) {
        d.links.push_back({string_or_empty(l, "a"), string_or_empty(l, "a_interface"), string_or_empty(l, "b"),
                           string_or_empty(l, "b_interface"), string_or_empty(l, "subnets")});
      }
    }
  }
  if (j.contains("feeds") && j["feeds"].is_array()) {
    for (const auto& f : j["feeds"]) {
      if (f.is_object()) {
        d.feeds.push_back({string_or_empty(f, "from"), string_or_empty(f, "to"), string_or_empty(f, "kind"),
                           string_or_empty(f, "label")});
      }
    }
  }
  return d;
}

}  // namespace flowlab::report
