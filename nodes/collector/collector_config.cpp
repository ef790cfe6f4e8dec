#include "nodes/collector/collector_config.hpp"

#include "model/feeds.hpp"
#include "nodes/core/driver.hpp"
#include "nodes/probe/flowprobe.hpp"

#include <algorithm>
#include <optional>
#include <sstream>
#include <vector>

namespace flowlab::nodes::collector {
namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// The router whose traffic the probe meters.
const topology::Node* metered_router(const topology::Topology& topo, const topology::ProbeSpec& probe) {
  const topology::Node* node = topo.find_node(probe.node);
  if (node == nullptr) {
    return nullptr;
  }
  if (node->is_router()) {
    return node;
  }
  if (probe.mirror) {
    return topo.find_node(probe.mirror->node);
  }
  for (const auto& ifname : probe.interfaces) {
    if (const auto* itf = node->find_interface(ifname)) {
      const topology::Node* peer = topo.find_node(itf->peer_node);
      if (peer != nullptr && peer->is_router()) {
        return peer;
      }
    }
  }
  return nullptr;
}

// The router's session address with `collector` (IPv4 session first).
std::optional<IpAddress> session_address(const topology::Topology& topo, const std::string& router,
                                         const std::string& collector) {
  std::optional<IpAddress> v6;
  for (const auto& s : topo.sessions) {
    if (s.to_collector && s.remote_node == collector && s.local_node == router) {
      if (s.family == Family::kIpv4) {
        return s.local_address;
      }
      v6 = v6 ? v6 : s.local_address;
    }
  }
  return v6;
}

// The address that names `router`'s view in `collector`: its BMP session address (mgmt0) when the collector enriches
// from BMP and the router reports to it, else its BGP session address.
std::optional<IpAddress> view_address(const topology::Topology& topo, const topology::Node& collector,
                                      const std::string& router) {
  if (!collector.enriches_from_bmp()) {
    return session_address(topo, router, collector.name);
  }
  const topology::Node* r = topo.find_node(router);
  const auto& list = collector.bmp_peers;
  if (r == nullptr || std::find(list.begin(), list.end(), router) == list.end()) {
    return std::nullopt;
  }
  return r->mgmt4.address;
}

// The bgp_agent_map lines of one probe feeding the collector (directly or through tees; a non-transparent tee makes
// itself the exporter).
void agent_map_lines(const topology::Topology& topo, const topology::Node& node, std::size_t probe_index,
                     const topology::Feed& feed, std::ostringstream& agent_map) {
  const topology::ProbeSpec& probe = topo.probes[probe_index];
  const topology::Node* probe_node = topo.find_node(feed.source_node);
  const topology::Node* router = metered_router(topo, probe);
  const auto override_it = node.agent_map.find(probe.node);
  if (override_it != node.agent_map.end()) {
    router = topo.find_node(override_it->second);
  }
  if (probe_node == nullptr || router == nullptr) {
    return;
  }
  auto bgp_ip = view_address(topo, node, router->name);
  if (override_it != node.agent_map.end()) {
    agent_map << "! agent_map: " << probe.node << " -> " << router->name << " (topology override)\n";
    if (!bgp_ip) {
      agent_map << "! " << router->name << " has no session with " << node.name << ": its view is empty\n";
      bgp_ip = router->mgmt4.address;
    }
  }
  if (!bgp_ip) {
    agent_map << "! probe on " << probe.node << ": router " << router->name << " has no session with " << node.name
              << "\n";
    return;
  }
  agent_map << "! probe on " << probe.node << " meters " << router->name
            << (feed.tees.empty() ? std::string()
                                  : " (via " + topology::tee_path_text(feed) +
                                        (feed.transparent ? ", transparent" : ", sent by " + feed.source_node) + ")")
            << "\n";
  agent_map << "bgp_ip=" << bgp_ip->to_string() << " ip=" << probe_node->mgmt4.address.to_string() << "\n";
  if (probe_node->mgmt6) {
    agent_map << "bgp_ip=" << bgp_ip->to_string() << " ip=" << probe_node->mgmt6->address.to_string() << "\n";
  }
}

std::string render_agent_map(const topology::Topology& topo, const topology::Node& node) {
  std::ostringstream agent_map;
  for (const auto& [probe_index, feed] : topology::collector_feeds(topo, node.name)) {
    agent_map_lines(topo, node, probe_index, feed, agent_map);
  }
  const std::string lines = agent_map.str();
  return lines.empty() ? lines : "! bgp_agent_map for " + node.name + " (pmacct syntax), rendered by labctl\n" + lines;
}

std::vector<IpAddress> listen_addresses(const topology::Node& node) {
  std::vector<IpAddress> addresses{node.mgmt4.address};
  if (node.mgmt6) {
    addresses.push_back(node.mgmt6->address);
  }
  return addresses;
}

void listen_section(const topology::Node& node, std::ostringstream& y) {
  std::uint16_t netflow = node.listen.netflow;
  const std::uint16_t sflow = node.listen.sflow;
  if (netflow == 0 && sflow == 0) {
    netflow = kDefaultNetflowPort;
  }
  y << "listen:\n";
  for (const auto& a : listen_addresses(node)) {
    if (netflow != 0) {
      y << "  - {proto: netflow, address: " << quoted(a.to_string()) << ", port: " << netflow << "}\n";
    }
    if (sflow != 0) {
      y << "  - {proto: sflow, address: " << quoted(a.to_string()) << ", port: " << sflow << "}\n";
    }
  }
  y << "socket_buffer: 8MiB\n";
}

void bgp_section(const topology::Topology& topo, const topology::Node& node, const std::filesystem::path& dir,
                 std::ostringstream& y) {
  bool any_session = false;
  bool mirror = true;
  std::ostringstream peers;
  for (const auto& s : topo.sessions) {
    if (!s.to_collector || s.remote_node != node.name) {
      continue;
    }
    any_session = true;
    mirror = mirror && (node.asn == 0 || node.asn == s.local_asn);
    peers << "    - {address: " << quoted(s.local_address.to_string()) << ", asn: " << s.local_asn
          << ", name: " << s.local_node << "_" << (s.family == Family::kIpv4 ? "v4" : "v6")
          << (s.password.empty() ? "" : ", password: " + quoted(s.password)) << "}\n";
  }
  if (!any_session) {
    return;
  }
  y << "bgp:\n";
  if (!mirror) {
    y << "  local_as: " << node.asn << "\n";
  }
  y << "  router_id: " << quoted(node.mgmt4.address.to_string()) << "\n";
  y << "  listen:\n";
  for (const auto& a : listen_addresses(node)) {
    y << "    - {address: " << quoted(a.to_string()) << ", port: 179}\n";
  }
  y << "  peers:\n" << peers.str();
  y << "  table_dump: {path: " << quoted((dir / "bgp-%peer.jsonl").string()) << ", interval: 60s}\n";
}

// The BMP station (pmacct's bmp_daemon) on mgmt0, IPv4: the routers of `bmp:` connect to it.
void bmp_section(const topology::Node& node, std::ostringstream& y) {
  if (node.bmp_peers.empty()) {
    return;
  }
  y << "bmp:\n  listen:\n";
  y << "    - {address: " << quoted(node.mgmt4.address.to_string()) << ", port: " << topology::kBmpPort << "}\n";
}

void enrich_section(const topology::Node& node, const std::filesystem::path& dir, bool agent_map,
                    std::ostringstream& y) {
  const char* method = node.peer_src_as == topology::PeerSrcAsMethod::kMap       ? "map"
                       : node.peer_src_as == topology::PeerSrcAsMethod::kNetflow ? "netflow"
                                                                                 : "bgp";
  // as_source (pmacct nfacctd_as / nfacctd_net): netflow takes AS, peer and net fields from the records (model 1).
  const char* as = node.as_source == topology::AsSource::kNetflow   ? "netflow"
                   : node.as_source == topology::AsSource::kLongest ? "longest"
                                                                    : "bgp";
  y << "enrich:\n";
  if (node.enriches_from_bmp()) {
    y << "  source: bmp\n";
  }
  y << "  as: " << as << "\n";
  if (node.as_source != topology::AsSource::kBgp) {
    y << "  net: " << as << "\n";
  }
  y << "  peer_src_as: " << method << "\n  renormalize: true\n";
  if (node.peer_src_as == topology::PeerSrcAsMethod::kMap) {
    y << "  peer_src_as_map: " << quoted((dir / kPeerSrcAsMapFile).string()) << "\n";
  }
  if (agent_map) {
    y << "  agent_map: " << quoted((dir / kAgentMapFile).string()) << "\n";
  }
}

}  // namespace

std::string full_primitives(const topology::Node& node) {
  return std::string(kFullPrimitives) + (node.aggregate_direction ? ", direction" : "");
}

Result<RenderedCollector> render_collector_config(const topology::Topology& topo, const topology::Node& node,
                                                  const std::filesystem::path& dir) {
  RenderedCollector out;
  out.agent_map = render_agent_map(topo, node);
  std::ostringstream y;
  y << "# flowcollector.yaml for node " << node.name << " of lab " << topo.name
    << " (rendered by labctl; keys: docs/flowcollector.md)\n";
  y << "log: {level: info}\n";
  listen_section(node, y);
  bgp_section(topo, node, dir, y);
  bmp_section(node, y);
  enrich_section(node, dir, !out.agent_map.empty(), y);
  y << "aggregates:\n  - {name: full, primitives: [" << full_primitives(node) << "]}\n";
  y << "outputs:\n";
  y << "  socket: " << quoted((dir / kSocketFile).string()) << "\n";
  y << "  sqlite: {path: " << quoted((dir / kDatabaseFile).string()) << ", interval: 60s}\n";
  if (const topology::Node* store = topo.find_node(node.store); store != nullptr) {
    const NodeDriver* driver = find_driver(store->kind);
    const std::string url = driver == nullptr ? std::string() : driver->store_url(*store);
    if (url.empty()) {
      return fail(ErrorKind::kConfig,
                  "node " + node.name + ": store node " + store->name + " (kind " + store->kind + ") stores no flows");
    }
    y << "  clickhouse: {url: " << quoted(url) << ", database: " << kStoreDatabase << ", table: " << kStoreTable
      << "}\n";
  }
  out.config = y.str();
  return out;
}

Result<std::string> render_peer_src_as_map(const topology::Topology& topo, const topology::Node& node,
                                           const IfindexLookup& ifindex_of) {
  std::ostringstream out;
  out << "! bgp_peer_src_as_map for " << node.name << " (pmacct syntax), rendered by labctl\n";
  // Probes feeding this collector, directly or through tees (the exporter address is the one the collector sees).
  for (const auto& [index, feed] : topology::collector_feeds(topo, node.name)) {
    const topology::ProbeSpec& probe = topo.probes[index];
    const topology::Node* probe_node = topo.find_node(probe.node);
    if (probe_node == nullptr) {
      continue;
    }
    // (captured interface on the probe node, the router interface it observes)
    struct Observed {
      std::string captured;
      const topology::Node* router = nullptr;
      const topology::Interface* iface = nullptr;
    };
    std::vector<Observed> observed;
    for (const auto& ifname : probe.interfaces) {
      observed.push_back({ifname, probe_node, probe_node->find_interface(ifname)});
    }
    if (probe.mirror) {
      const topology::Node* mirrored = topo.find_node(probe.mirror->node);
      observed.push_back({span_interface(index), mirrored,
                          mirrored == nullptr ? nullptr : mirrored->find_interface(probe.mirror->interface)});
    }
    for (const auto& o : observed) {
      if (o.router == nullptr || o.iface == nullptr || !o.router->is_router()) {
        continue;
      }
      const topology::Node* peer = topo.find_node(o.iface->peer_node);
      const std::string where = o.router->name + ":" + o.iface->name;
      if (peer == nullptr || !peer->is_router() || peer->asn == o.router->asn) {
        out << "! " << where << " faces " << o.iface->peer_node << " (no neighbour AS)\n";
        continue;
      }
      std::uint32_t ifindex = 0;
      if (auto it = probe.ifindex.find(o.captured); it != probe.ifindex.end()) {
        ifindex = it->second;
      } else {
        auto looked_up = ifindex_of(*probe_node, o.captured);
        if (!looked_up.ok()) {
          return fail(looked_up.error().kind, "peer_src_as map of " + node.name + ": ifindex of " + probe_node->name +
                                                  ":" + o.captured + ": " + looked_up.error().message);
        }
        ifindex = *looked_up;
      }
      out << "! " << where << " faces " << peer->name << " (AS " << peer->asn << "), probe #" << index << " on "
          << probe_node->name << ":" << o.captured << "\n";
      out << "id=" << peer->asn << " ip=" << feed.exporter.to_string() << " in=" << ifindex << "\n";
    }
  }
  return out.str();
}

}  // namespace flowlab::nodes::collector
