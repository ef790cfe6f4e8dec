#include "labctl/report/diagram.hpp"

#include "labctl/report/escape.hpp"
#include "model/plan_json.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

namespace flowlab::report {

namespace {

// Geometry (SVG user units).
constexpr double kMargin = 20;
constexpr double kCell = 120;  // width of one lane inside an AS box
constexpr double kRow = 66;    // height of one row inside an AS box
constexpr double kPad = 14;
constexpr double kTitle = 22;  // AS label band at the top of a box
constexpr double kColumnGap = 70;
constexpr double kGroupGap = 26;
constexpr double kMonitorGap = 56;
constexpr double kHostSpacing = 80;
constexpr double kHostOffset = 62;  // hosts sit below and beside their router

struct Shade {
  const char* fill;    // box background
  const char* stroke;  // box border, router fill
};
constexpr std::array<Shade, 8> kPalette{{{"#e8f0fb", "#2f6db5"},
                                         {"#fdf0e3", "#c26a12"},
                                         {"#e9f6ec", "#2e8b47"},
                                         {"#f6e9f4", "#8e3d88"},
                                         {"#fbeaea", "#b23a3a"},
                                         {"#e8f6f6", "#227a7a"},
                                         {"#f3f1e4", "#7d7429"},
                                         {"#eeeeee", "#555555"}}};

double node_width(DiagramRole role) { return role == DiagramRole::kRouter ? 70 : role == DiagramRole::kHost ? 56 : 76; }
double node_height(DiagramRole role) { return role == DiagramRole::kHost ? 24 : 30; }

std::string str(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string dot_quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c == '\n' ? ' ' : c;
  }
  return out + "\"";
}

std::string node_tooltip(const DiagramNode& n) {
  const std::string role(to_string(n.role));
  std::string t = n.name + " — " + (n.kind == role ? role : n.kind + " " + role);
  if (n.asn != 0) {
    t += ", AS " + std::to_string(n.asn);
  }
  if (!n.attach.empty()) {
    t += ", on " + n.attach;
  }
  for (const auto& p : n.probed) {
    t += "; probe: " + p;
  }
  return t;
}

// The AS boxes' order and column: BFS over inter-AS router links from the AS with the most routers (ties: the smaller
// ASN); an AS the first BFS does not reach starts its own at column 0.
struct AsColumns {
  std::vector<std::uint32_t> order;
  std::map<std::uint32_t, std::size_t> depth;
};

AsColumns as_columns(const Diagram& d, const std::map<std::string, std::size_t>& index,
                     const std::map<std::uint32_t, std::vector<std::size_t>>& routers) {
  std::map<std::uint32_t, std::set<std::uint32_t>> adjacent;
  for (const auto& l : d.links) {
    const auto a = index.find(l.a);
    const auto b = index.find(l.b);
    if (a == index.end() || b == index.end()) {
      continue;
    }
    const auto& na = d.nodes[a->second];
    const auto& nb = d.nodes[b->second];
    if (na.role == DiagramRole::kRouter && nb.role == DiagramRole::kRouter && na.asn != nb.asn) {
      adjacent[na.asn].insert(nb.asn);
      adjacent[nb.asn].insert(na.asn);
    }
  }
  std::vector<std::uint32_t> order;
  std::map<std::uint32_t, std::size_t> depth;
  std::vector<std::uint32_t> roots;
  for (const auto& [asn, members] : routers) {
    roots.push_back(asn);
  }
  std::stable_sort(roots.begin(), roots.end(),
                   [&](std::uint32_t x, std::uint32_t y) { return routers.at(x).size() > routers.at(y).size(); });
  for (const auto root : roots) {
    if (depth.count(root) != 0) {
      continue;
    }
    depth[root] = 0;
    std::size_t head = order.size();
    order.push_back(root);
    while (head < order.size()) {
      const auto asn = order[head++];
      for (const auto next : adjacent[asn]) {
        if (depth.count(next) == 0) {
          depth[next] = depth[asn] + 1;
          order.push_back(next);
        }
      }
    }
  }
  return {order, depth};
}

// Monitoring rows (tees, collectors, unattached nodes) under the AS boxes: a node fed only by nodes above sits in
// the first row, a tee's receivers one row below the tee; in each row nodes sit under the mean position of what
// feeds them (sessions and exports), pushed apart to one cell each.
void place_monitoring(const Diagram& d, const std::map<std::string, std::size_t>& index,
                      const std::vector<std::size_t>& monitoring, DiagramLayout& out, double& right, double& bottom) {
  std::map<std::size_t, std::vector<std::size_t>> fed_by;
  for (const auto& f : d.feeds) {
    const auto a = index.find(f.from);
    const auto b = index.find(f.to);
    if (a != index.end() && b != index.end()) {
      fed_by[b->second].push_back(a->second);
    }
  }
  std::map<std::size_t, std::size_t> level;
  for (const auto m : monitoring) {
    level[m] = 0;
  }
  for (std::size_t round = 0; round < monitoring.size(); ++round) {  // longest feed chain, cycles cut off
    for (const auto m : monitoring) {
      for (const auto from : fed_by[m]) {
        if (const auto it = level.find(from); it != level.end()) {
          level[m] = std::max(level[m], std::min(it->second + 1, monitoring.size()));
        }
      }
    }
  }
  std::size_t levels = 0;
  for (const auto& [m, l] : level) {
    levels = std::max(levels, l + 1);
  }
  double y = bottom + kMonitorGap + 20;
  std::size_t placed = 0;
  for (std::size_t l = 0; l < levels; ++l) {
    std::vector<std::pair<double, std::size_t>> row;  // wanted x, node
    for (const auto m : monitoring) {
      if (level[m] != l) {
        continue;
      }
      double sum = 0;
      std::size_t count = 0;
      for (const auto from : fed_by[m]) {
        if (level.count(from) == 0 || level[from] < l) {
          sum += out.nodes[from].x;
          ++count;
        }
      }
      const double fallback = kMargin + kCell / 2 + static_cast<double>(placed) * kCell;
      row.emplace_back(count == 0 ? fallback : sum / static_cast<double>(count), m);
      ++placed;
    }
    if (row.empty()) {
      continue;
    }
    std::stable_sort(row.begin(), row.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    double next = kMargin + kCell / 2;
    for (const auto& [want, m] : row) {
      out.nodes[m].x = std::max(want, next);
      out.nodes[m].y = y;
      next = out.nodes[m].x + kCell;
      right = std::max(right, out.nodes[m].x + kCell / 2);
    }
    bottom = y + 20;
    y += kMonitorGap + 40;
  }
}

}  // namespace

std::string_view to_string(DiagramRole role) {
  switch (role) {
    case DiagramRole::kRouter:
      return "router";
    case DiagramRole::kHost:
      return "host";
    case DiagramRole::kProbe:
      return "probe";
    case DiagramRole::kCollector:
      return "collector";
    case DiagramRole::kTee:
      return "tee";
  }
  return "host";
}

const DiagramNode* Diagram::find(const std::string& node) const {
  const auto it = std::find_if(nodes.begin(), nodes.end(), [&](const DiagramNode& n) { return n.name == node; });
  return it == nodes.end() ? nullptr : &*it;
}

Diagram diagram_of(const topology::Topology& topo) {
  Diagram d;
  d.name = topo.name;
  std::map<std::string, std::vector<std::string>> probed;
  std::map<std::string, std::string> mirror_of;
  for (const auto& p : topo.probes) {
    if (p.mirror) {
      probed[p.node].push_back("mirror " + p.mirror->node + ":" + p.mirror->interface);
      mirror_of.emplace(p.node, p.mirror->node);
    }
    for (const auto& i : p.interfaces) {
      probed[p.node].push_back(i);
    }
  }
  for (const auto& n : topo.nodes) {
    DiagramNode dn;
    dn.name = n.name;
    dn.kind = n.kind;
    switch (n.role) {
      case topology::Role::kRouter:
        dn.role = DiagramRole::kRouter;
        dn.asn = n.asn;
        break;
      case topology::Role::kHost:
        dn.role = mirror_of.count(n.name) != 0 ? DiagramRole::kProbe : DiagramRole::kHost;
        break;
      case topology::Role::kCollector:
        dn.role = DiagramRole::kCollector;
        break;
      case topology::Role::kTee:
        dn.role = DiagramRole::kTee;
        break;
    }
    if (dn.role == DiagramRole::kHost || dn.role == DiagramRole::kProbe) {
      dn.attach = n.gateway;
      if (dn.attach.empty() && !n.interfaces.empty()) {
        const topology::Node* peer = topo.find_node(n.interfaces.front().peer_node);
        dn.attach = peer != nullptr && peer->is_router() ? peer->name : "";
      }
      if (dn.attach.empty() && mirror_of.count(n.name) != 0) {
        dn.attach = mirror_of[n.name];
      }
    }
    if (auto it = probed.find(n.name); it != probed.end()) {
      dn.probed = it->second;
    }
    d.nodes.push_back(std::move(dn));
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
  for (const auto& p : topo.probes) {
    if (p.mirror) {
      d.feeds.push_back({p.mirror->node, p.node, "mirror", p.mirror->interface});
    }
    d.feeds.push_back({p.node, p.export_to, "export", std::string(topology::format_name(p.format))});
  }
  for (const auto& n : topo.nodes) {
    if (n.role == topology::Role::kTee) {
      for (const auto& r : n.receivers) {
        d.feeds.push_back({n.name, r, "tee", ""});
      }
    }
  }
  std::set<std::pair<std::string, std::string>> sessions;
  for (const auto& s : topo.sessions) {
    if (s.to_collector && sessions.emplace(s.local_node, s.remote_node).second) {
      d.feeds.push_back({s.local_node, s.remote_node, "bgp", s.type == topology::SessionType::kIbgp ? "iBGP" : "eBGP"});
    }
  }
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
  d.name = str(j, "name");
  for (const auto& n : j["nodes"]) {
    if (!n.is_object()) {
      return fail(ErrorKind::kIo, "topology: a node is not an object");
    }
    DiagramNode dn;
    dn.name = str(n, "name");
    dn.kind = str(n, "kind");
    const std::string role = str(n, "role");
    bool known = false;
    for (const auto r :
         {DiagramRole::kRouter, DiagramRole::kHost, DiagramRole::kProbe, DiagramRole::kCollector, DiagramRole::kTee}) {
      if (role == to_string(r)) {
        dn.role = r;
        known = true;
      }
    }
    if (!known || dn.name.empty()) {
      return fail(ErrorKind::kIo, "topology: node '" + dn.name + "' has an unknown role '" + role + "'");
    }
    if (const auto it = n.find("asn"); it != n.end() && it->is_number_unsigned()) {
      dn.asn = it->get<std::uint32_t>();
    }
    dn.attach = str(n, "attach");
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
        d.links.push_back({str(l, "a"), str(l, "a_interface"), str(l, "b"), str(l, "b_interface"), str(l, "subnets")});
      }
    }
  }
  if (j.contains("feeds") && j["feeds"].is_array()) {
    for (const auto& f : j["feeds"]) {
      if (f.is_object()) {
        d.feeds.push_back({str(f, "from"), str(f, "to"), str(f, "kind"), str(f, "label")});
      }
    }
  }
  return d;
}

DiagramLayout layout_diagram(const Diagram& d) {
  DiagramLayout out;
  out.nodes.resize(d.nodes.size());
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < d.nodes.size(); ++i) {
    index[d.nodes[i].name] = i;
    out.nodes[i].width = node_width(d.nodes[i].role);
    out.nodes[i].height = node_height(d.nodes[i].role);
  }
  // Routers per AS, in file order; the AS graph from links between routers of different ASes.
  std::map<std::uint32_t, std::vector<std::size_t>> routers;
  for (std::size_t i = 0; i < d.nodes.size(); ++i) {
    if (d.nodes[i].role == DiagramRole::kRouter) {
      routers[d.nodes[i].asn].push_back(i);
    }
  }
  auto [order, depth] = as_columns(d, index, routers);
  // Hosts and probe hosts beside their router; everything else goes to the monitoring row.
  std::map<std::size_t, std::vector<std::size_t>> hosts_of;
  std::vector<std::size_t> monitoring;
  for (std::size_t i = 0; i < d.nodes.size(); ++i) {
    const auto& n = d.nodes[i];
    if (n.role == DiagramRole::kRouter) {
      continue;
    }
    const auto r = n.attach.empty() ? index.end() : index.find(n.attach);
    if ((n.role == DiagramRole::kHost || n.role == DiagramRole::kProbe) && r != index.end() &&
        d.nodes[r->second].role == DiagramRole::kRouter) {
      hosts_of[r->second].push_back(i);
    } else {
      monitoring.push_back(i);
    }
  }
  std::size_t max_depth = 0;
  for (const auto& [asn, dd] : depth) {
    max_depth = std::max(max_depth, dd);
  }
  // Size each AS box and place its members relative to the box's top-left corner: one row per router (zig-zag
  // across two lanes when the AS has three or more, so a triangle stays a triangle), and a row under each router
  // holding its hosts side by side.
  struct Group {
    std::uint32_t asn;
    double width;
    double height;
  };
  std::vector<std::vector<Group>> columns(order.empty() ? 0 : max_depth + 1);
  for (const auto asn : order) {
    const auto& members = routers[asn];
    const bool zigzag = members.size() >= 3;
    double row_y = kTitle + kRow / 2;
    double min_x = kPad + kCell / 2;
    double max_x = min_x;
    for (std::size_t k = 0; k < members.size(); ++k) {
      const auto r = members[k];
      out.nodes[r].x = kPad + (zigzag && k % 2 == 1 ? kCell : 0) + kCell / 2;
      out.nodes[r].y = row_y;
      max_x = std::max(max_x, out.nodes[r].x);
      row_y += kRow;
      if (const auto h = hosts_of.find(r); h != hosts_of.end()) {
        const double spread = kHostSpacing * static_cast<double>(h->second.size() - 1);
        for (std::size_t m = 0; m < h->second.size(); ++m) {
          // Off to the side of the router's lane (left lane leftwards, right lane rightwards), so a link running
          // down the lane to the next router never crosses a host.
          const double side = zigzag && k % 2 == 1 ? kHostOffset : -kHostOffset;
          out.nodes[h->second[m]].x = out.nodes[r].x + side - spread / 2 + kHostSpacing * static_cast<double>(m);
          out.nodes[h->second[m]].y = row_y - kRow * 0.2;
          min_x = std::min(min_x, out.nodes[h->second[m]].x);
          max_x = std::max(max_x, out.nodes[h->second[m]].x);
        }
        row_y += kRow * 0.8;
      }
    }
    // Shift right when hosts stick out on the left; the width covers every member.
    const double shift = kPad + kCell / 2 - min_x;
    for (const auto r : members) {
      out.nodes[r].x += shift;
      if (const auto h = hosts_of.find(r); h != hosts_of.end()) {
        for (const auto m : h->second) {
          out.nodes[m].x += shift;
        }
      }
    }
    const double width = max_x + shift + kCell / 2 + kPad;
    const double height = row_y - kRow / 2 + kPad + 8;
    columns[depth[asn]].push_back({asn, width, height});
  }
  // Columns left to right, groups stacked top to bottom, each group centred in its column.
  std::map<std::uint32_t, std::pair<double, double>> origin;
  double x = kMargin;
  double bottom = kMargin;
  for (const auto& column : columns) {
    double width = 0;
    for (const auto& g : column) {
      width = std::max(width, g.width);
    }
    double y = kMargin;
    for (const auto& g : column) {
      const double gx = x + (width - g.width) / 2;
      origin[g.asn] = {gx, y};
      out.groups.push_back({g.asn, 0, gx, y, g.width, g.height});
      y += g.height + kGroupGap;
    }
    bottom = std::max(bottom, y - kGroupGap);
    x += width + kColumnGap;
  }
  double right = columns.empty() ? kMargin : x - kColumnGap;
  for (std::size_t k = 0; k < out.groups.size(); ++k) {
    out.groups[k].colour = k % kPalette.size();
  }
  for (const auto& [asn, members] : routers) {
    const auto [ox, oy] = origin[asn];
    for (const auto r : members) {
      out.nodes[r].x += ox;
      out.nodes[r].y += oy;
      if (auto h = hosts_of.find(r); h != hosts_of.end()) {
        for (const auto m : h->second) {
          out.nodes[m].x += ox;
          out.nodes[m].y += oy;
        }
      }
    }
  }
  if (!monitoring.empty()) {
    place_monitoring(d, index, monitoring, out, right, bottom);
  }
  out.width = right + kMargin;
  out.height = bottom + kMargin;
  return out;
}

std::string render_svg(const Diagram& d, const DiagramLayout& layout) {
  std::ostringstream s;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < d.nodes.size(); ++i) {
    index[d.nodes[i].name] = i;
  }
  std::map<std::uint32_t, std::size_t> colour;
  for (const auto& g : layout.groups) {
    colour[g.asn] = g.colour;
  }
  const auto n = svg_number;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"topology\" width=\"" << n(layout.width) << "\" height=\""
    << n(layout.height) << "\" viewBox=\"0 0 " << n(layout.width) << " " << n(layout.height)
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  s << "<title>" << html_escape("topology " + d.name) << "</title>\n";
  s << "<defs><marker id=\"topo-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
       "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker>"
       "</defs>\n";
  for (const auto& g : layout.groups) {
    const auto& shade = kPalette[g.colour];
    s << "<g class=\"as\"><title>AS " << g.asn << "</title><rect x=\"" << n(g.x) << "\" y=\"" << n(g.y) << "\" width=\""
      << n(g.width) << "\" height=\"" << n(g.height) << "\" rx=\"10\" fill=\"" << shade.fill << "\" stroke=\""
      << shade.stroke << "\" stroke-width=\"1.2\"/><text x=\"" << n(g.x + 10) << "\" y=\"" << n(g.y + 16)
      << "\" font-weight=\"bold\" fill=\"" << shade.stroke << "\">AS " << g.asn << "</text></g>\n";
  }
  // Links with interface labels a little way from each end; probed interfaces in red.
  auto probed = [&](const std::string& node, const std::string& ifname) {
    const auto it = index.find(node);
    if (it == index.end()) {
      return false;
    }
    for (const auto& p : d.nodes[it->second].probed) {
      if (p == ifname) {
        return true;
      }
    }
    for (const auto& other : d.nodes) {  // a mirror of this interface elsewhere
      for (const auto& p : other.probed) {
        if (p == "mirror " + node + ":" + ifname) {
          return true;
        }
      }
    }
    return false;
  };
  for (const auto& l : d.links) {
    const auto a = index.find(l.a);
    const auto b = index.find(l.b);
    if (a == index.end() || b == index.end()) {
      continue;
    }
    const auto& pa = layout.nodes[a->second];
    const auto& pb = layout.nodes[b->second];
    s << "<g class=\"link\"><title>"
      << html_escape(l.a + ":" + l.a_interface + " — " + l.b + ":" + l.b_interface +
                     (l.subnets.empty() ? "" : "  " + l.subnets))
      << "</title><line x1=\"" << n(pa.x) << "\" y1=\"" << n(pa.y) << "\" x2=\"" << n(pb.x) << "\" y2=\"" << n(pb.y)
      << "\" stroke=\"#666\" stroke-width=\"1.6\"/>";
    // Each label just outside its node's box, along the link; on a link too short for two labels in a row, both
    // at the middle, one either side ("eth3 | eth0").
    auto to_edge = [](const NodeBox& box, double ux, double uy) {
      return std::min(std::abs(ux) > 1e-9 ? box.width / 2 / std::abs(ux) : 1e9,
                      std::abs(uy) > 1e-9 ? box.height / 2 / std::abs(uy) : 1e9);
    };
    const double len = std::max(std::hypot(pb.x - pa.x, pb.y - pa.y), 1.0);
    const double ux = (pb.x - pa.x) / len;
    const double uy = (pb.y - pa.y) / len;
    const bool short_link = len - to_edge(pa, ux, uy) - to_edge(pb, ux, uy) < 64;
    int side = 0;
    for (const auto& [from, sign, ifname, node] :
         {std::tuple{pa, 1.0, l.a_interface, l.a}, std::tuple{pb, -1.0, l.b_interface, l.b}}) {
      const double along = short_link ? len / 2 : to_edge(from, ux * sign, uy * sign) + 16;
      const double lx = from.x + ux * sign * along + (short_link ? (side == 0 ? -5 : 5) : 0);
      const double ly = from.y + uy * sign * along + 4;
      const char* anchor = short_link ? (side == 0 ? "end" : "start") : "middle";
      ++side;
      const bool hot = probed(node, ifname);
      s << "<text class=\"ifname\" x=\"" << n(lx) << "\" y=\"" << n(ly) << "\" text-anchor=\"" << anchor << "\" fill=\""
        << (hot ? "#c0392b" : "#333") << "\"" << (hot ? " font-weight=\"bold\"" : "")
        << " stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">" << html_escape(ifname) << "</text>";
    }
    s << "</g>\n";
  }
  // Monitoring edges: export (probe -> tee/collector), tee replication, BGP sessions to collectors.
  for (const auto& f : d.feeds) {
    const auto a = index.find(f.from);
    const auto b = index.find(f.to);
    if (a == index.end() || b == index.end()) {
      continue;
    }
    const auto& pa = layout.nodes[a->second];
    const auto& pb = layout.nodes[b->second];
    if (f.kind == "bgp") {
      continue;  // drawn as the collector's "bgp: r1 r2" line (fewer lines across the picture)
    }
    if (f.kind == "mirror") {  // a copy of the router's interface into the probe host (tc mirred)
      s << "<g class=\"feed mirror\"><title>" << html_escape("mirror of " + f.from + ":" + f.label + " into " + f.to)
        << "</title><line x1=\"" << n(pa.x) << "\" y1=\"" << n(pa.y) << "\" x2=\"" << n(pb.x) << "\" y2=\"" << n(pb.y)
        << "\" stroke=\"#c0392b\" stroke-width=\"1.6\" stroke-dasharray=\"2 3\"/></g>\n";
      continue;
    }
    const char* stroke = f.kind == "tee" ? "#8e3d88" : "#c0392b";
    const double x0 = pa.x + pa.width / 2 - 5;  // beside what hangs under the node
    const double y0 = pa.y + pa.height / 2;
    const double x1 = pb.x;
    const double y1 = pb.y - pb.height / 2;
    const double my = (y0 + y1) / 2;
    s << "<g class=\"feed " << html_escape(f.kind) << "\"><title>"
      << html_escape(f.kind + ": " + f.from + " → " + f.to + (f.label.empty() ? "" : " (" + f.label + ")"))
      << "</title><path d=\"M " << n(x0) << " " << n(y0) << " C " << n(x0) << " " << n(my) << ", " << n(x1) << " "
      << n(my) << ", " << n(x1) << " " << n(y1) << "\" fill=\"none\" stroke=\"" << stroke
      << "\" stroke-width=\"1.4\" stroke-dasharray=\"6 4\" marker-end=\"url(#topo-arrow)\"/>";
    if (!f.label.empty()) {
      s << "<text x=\"" << n(x1 + 8) << "\" y=\"" << n(y1 - 16) << "\" fill=\"" << stroke
        << "\" font-size=\"10\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">" << html_escape(f.label)
        << "</text>";
    }
    s << "</g>\n";
  }
  for (std::size_t i = 0; i < d.nodes.size(); ++i) {
    const auto& node = d.nodes[i];
    const auto& p = layout.nodes[i];
    const double x0 = p.x - p.width / 2;
    const double y0 = p.y - p.height / 2;
    s << "<g class=\"node " << to_string(node.role) << "\" id=\"node-" << html_escape(node.name) << "\"><title>"
      << html_escape(node_tooltip(node)) << "</title>";
    std::string text_fill = "#222";
    switch (node.role) {
      case DiagramRole::kRouter: {
        const auto it = colour.find(node.asn);
        const auto& shade = kPalette[it == colour.end() ? kPalette.size() - 1 : it->second];
        s << "<rect x=\"" << n(x0) << "\" y=\"" << n(y0) << "\" width=\"" << n(p.width) << "\" height=\"" << n(p.height)
          << "\" rx=\"15\" fill=\"" << shade.stroke << "\" stroke=\"#222\" stroke-width=\"1\"/>";
        text_fill = "#fff";
        break;
      }
      case DiagramRole::kHost:
        s << "<rect x=\"" << n(x0) << "\" y=\"" << n(y0) << "\" width=\"" << n(p.width) << "\" height=\"" << n(p.height)
          << "\" rx=\"3\" fill=\"#f4f4f4\" stroke=\"#777\"/>";
        break;
      case DiagramRole::kProbe:
        s << "<polygon points=\"" << n(x0 + 10) << "," << n(y0) << " " << n(x0 + p.width - 10) << "," << n(y0) << " "
          << n(x0 + p.width) << "," << n(p.y) << " " << n(x0 + p.width - 10) << "," << n(y0 + p.height) << " "
          << n(x0 + 10) << "," << n(y0 + p.height) << " " << n(x0) << "," << n(p.y)
          << "\" fill=\"#fdecea\" stroke=\"#c0392b\" stroke-width=\"1.4\"/>";
        break;
      case DiagramRole::kCollector:
        s << "<rect x=\"" << n(x0) << "\" y=\"" << n(y0) << "\" width=\"" << n(p.width) << "\" height=\"" << n(p.height)
          << "\" rx=\"4\" fill=\"#e9f6ec\" stroke=\"#2e8b47\" stroke-width=\"2\"/><line x1=\"" << n(x0) << "\" y1=\""
          << n(y0 + 7) << "\" x2=\"" << n(x0 + p.width) << "\" y2=\"" << n(y0 + 7) << "\" stroke=\"#2e8b47\"/>";
        break;
      case DiagramRole::kTee:
        s << "<polygon points=\"" << n(p.x) << "," << n(y0 - 4) << " " << n(x0 + p.width) << "," << n(p.y) << " "
          << n(p.x) << "," << n(y0 + p.height + 4) << " " << n(x0) << "," << n(p.y)
          << "\" fill=\"#f6e9f4\" stroke=\"#8e3d88\" stroke-width=\"1.4\"/>";
        break;
    }
    s << "<text x=\"" << n(p.x) << "\" y=\"" << n(p.y + 4) << "\" text-anchor=\"middle\" fill=\"" << text_fill
      << "\" font-weight=\"bold\">" << html_escape(node.name) << "</text>";
    std::string peers;
    for (const auto& f : d.feeds) {
      peers += f.kind == "bgp" && f.to == node.name ? (peers.empty() ? "" : " ") + f.from : "";
    }
    if (!peers.empty()) {
      s << "<text x=\"" << n(p.x) << "\" y=\"" << n(y0 + p.height + 12) << "\" text-anchor=\"middle\" "
        << "fill=\"#2e8b47\" font-size=\"9.5\">bgp: " << html_escape(peers) << "</text>";
    }
    if (node.role == DiagramRole::kRouter && !node.probed.empty()) {
      s << "<circle cx=\"" << n(x0 + p.width - 4) << "\" cy=\"" << n(y0 + 2) << "\" r=\"7\" fill=\"#c0392b\" "
        << "stroke=\"#fff\"/><text x=\"" << n(x0 + p.width - 4) << "\" y=\"" << n(y0 + 5.5)
        << "\" text-anchor=\"middle\" fill=\"#fff\" font-size=\"9\" font-weight=\"bold\">P</text>";
    }
    s << "</g>\n";
  }
  s << "</svg>";
  return s.str();
}

std::string render_dot(const Diagram& d) {
  std::ostringstream s;
  s << "graph " << dot_quote(d.name) << " {\n"
    << "  graph [rankdir=LR, fontname=\"Helvetica\"];\n"
    << "  node [fontname=\"Helvetica\", fontsize=11];\n"
    << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  auto node_line = [&](const DiagramNode& n, const std::string& indent) {
    std::string attrs;
    switch (n.role) {
      case DiagramRole::kRouter:
        attrs = "shape=ellipse, style=filled, fillcolor=\"#dde8f7\"";
        break;
      case DiagramRole::kHost:
        attrs = "shape=box";
        break;
      case DiagramRole::kProbe:
        attrs = "shape=hexagon, color=\"#c0392b\"";
        break;
      case DiagramRole::kCollector:
        attrs = "shape=cylinder, color=\"#2e8b47\"";
        break;
      case DiagramRole::kTee:
        attrs = "shape=diamond, color=\"#8e3d88\"";
        break;
    }
    s << indent << dot_quote(n.name) << " [" << attrs << ", tooltip=" << dot_quote(node_tooltip(n));
    if (!n.probed.empty() && n.role == DiagramRole::kRouter) {
      s << ", peripheries=2";
    }
    s << "];\n";
  };
  std::map<std::uint32_t, std::vector<const DiagramNode*>> by_as;
  for (const auto& n : d.nodes) {
    if (n.role == DiagramRole::kRouter) {
      by_as[n.asn].push_back(&n);
    }
  }
  for (const auto& [asn, members] : by_as) {
    s << "  subgraph " << dot_quote("cluster_as" + std::to_string(asn)) << " {\n"
      << "    label=" << dot_quote("AS " + std::to_string(asn)) << ";\n";
    for (const auto* m : members) {
      node_line(*m, "    ");
    }
    s << "  }\n";
  }
  for (const auto& n : d.nodes) {
    if (n.role != DiagramRole::kRouter) {
      node_line(n, "  ");
    }
  }
  for (const auto& l : d.links) {
    s << "  " << dot_quote(l.a) << " -- " << dot_quote(l.b) << " [taillabel=" << dot_quote(l.a_interface)
      << ", headlabel=" << dot_quote(l.b_interface);
    if (!l.subnets.empty()) {
      s << ", tooltip=" << dot_quote(l.subnets);
    }
    s << "];\n";
  }
  for (const auto& f : d.feeds) {
    const bool undirected = f.kind == "bgp" || f.kind == "mirror";
    s << "  " << dot_quote(f.from) << " -- " << dot_quote(f.to) << " [style=" << (undirected ? "dotted" : "dashed")
      << ", dir=" << (undirected ? "none" : "forward") << ", constraint=false";
    if (!f.label.empty()) {
      s << ", label=" << dot_quote(f.kind == "mirror" ? "mirror " + f.label : f.label);
    }
    s << "];\n";
  }
  s << "}\n";
  return s.str();
}

}  // namespace flowlab::report
