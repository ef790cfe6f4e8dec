// render_svg() and render_dot(): a Diagram drawn as one inline <svg> element (from a layout) or as Graphviz DOT.
#include "labctl/report/diagram.hpp"
#include "labctl/report/escape.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <sstream>
#include <tuple>

namespace flowlab::report {

namespace {

struct Shade {
  const char* fill;    // box background
  const char* stroke;  // box border, router fill
};
constexpr std::array<Shade, kAsPaletteSize> kPalette{{{"#e8f0fb", "#2f6db5"},
                                                      {"#fdf0e3", "#c26a12"},
                                                      {"#e9f6ec", "#2e8b47"},
                                                      {"#f6e9f4", "#8e3d88"},
                                                      {"#fbeaea", "#b23a3a"},
                                                      {"#e8f6f6", "#227a7a"},
                                                      {"#f3f1e4", "#7d7429"},
                                                      {"#eeeeee", "#555555"}}};

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

std::string node_tooltip(const DiagramNode& node) {
  const std::string role(to_string(node.role));
  std::string t = node.name + " — " + (node.kind == role ? role : node.kind + " " + role);
  if (node.asn != 0) {
    t += ", AS " + std::to_string(node.asn);
  }
  if (!node.attach.empty()) {
    t += ", on " + node.attach;
  }
  for (const auto& p : node.probed) {
    t += "; probe: " + p;
  }
  return t;
}

// ---- SVG ---------------------------------------------------------------------------------------------------------

const auto n = svg_number;

// The two ends of an edge between named nodes; false when either is not in the diagram.
bool ends_of(const std::map<std::string, std::size_t>& index, const DiagramLayout& layout, const std::string& a,
             const std::string& b, NodeBox& pa, NodeBox& pb) {
  const auto ia = index.find(a);
  const auto ib = index.find(b);
  if (ia == index.end() || ib == index.end()) {
    return false;
  }
  pa = layout.nodes[ia->second];
  pb = layout.nodes[ib->second];
  return true;
}

// Whether a probe meters this interface: on its own node, or as a mirror of it elsewhere.
bool is_probed(const Diagram& d, const std::map<std::string, std::size_t>& index, const std::string& node,
               const std::string& ifname) {
  const auto it = index.find(node);
  if (it == index.end()) {
    return false;
  }
  const auto& own = d.nodes[it->second].probed;
  if (std::find(own.begin(), own.end(), ifname) != own.end()) {
    return true;
  }
  const std::string mirror = "mirror " + node + ":" + ifname;
  return std::any_of(d.nodes.begin(), d.nodes.end(), [&](const DiagramNode& other) {
    return std::find(other.probed.begin(), other.probed.end(), mirror) != other.probed.end();
  });
}

void svg_open(std::ostringstream& s, const Diagram& d, const DiagramLayout& layout) {
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"topology\" width=\"" << n(layout.width) << "\" height=\""
    << n(layout.height) << "\" viewBox=\"0 0 " << n(layout.width) << " " << n(layout.height)
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  s << "<title>" << html_escape("topology " + d.name) << "</title>\n";
  s << "<defs><marker id=\"topo-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
       "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker>"
       "</defs>\n";
}

void svg_as_boxes(std::ostringstream& s, const DiagramLayout& layout) {
  for (const auto& g : layout.groups) {
    const auto& shade = kPalette[g.colour];
    s << "<g class=\"as\"><title>AS " << g.asn << "</title><rect x=\"" << n(g.x) << "\" y=\"" << n(g.y) << "\" width=\""
      << n(g.width) << "\" height=\"" << n(g.height) << "\" rx=\"10\" fill=\"" << shade.fill << "\" stroke=\""
      << shade.stroke << "\" stroke-width=\"1.2\"/><text x=\"" << n(g.x + 10) << "\" y=\"" << n(g.y + 16)
      << "\" font-weight=\"bold\" fill=\"" << shade.stroke << "\">AS " << g.asn << "</text></g>\n";
  }
}

// Each interface label just outside its node's box, along the link; on a link too short for two labels in a row,
// both at the middle, one either side ("eth3 | eth0"). Probed interfaces in red.
void svg_link_labels(std::ostringstream& s, const Diagram& d, const std::map<std::string, std::size_t>& index,
                     const DiagramLink& l, const NodeBox& pa, const NodeBox& pb) {
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
    const bool hot = is_probed(d, index, node, ifname);
    s << "<text class=\"ifname\" x=\"" << n(lx) << "\" y=\"" << n(ly) << "\" text-anchor=\"" << anchor << "\" fill=\""
      << (hot ? "#c0392b" : "#333") << "\"" << (hot ? " font-weight=\"bold\"" : "")
      << " stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">" << html_escape(ifname) << "</text>";
  }
}

void svg_links(std::ostringstream& s, const Diagram& d, const DiagramLayout& layout,
               const std::map<std::string, std::size_t>& index) {
  for (const auto& l : d.links) {
    NodeBox pa;
    NodeBox pb;
    if (!ends_of(index, layout, l.a, l.b, pa, pb)) {
      continue;
    }
    s << "<g class=\"link\" data-a=\"" << html_escape(l.a + ":" + l.a_interface) << "\" data-b=\""
      << html_escape(l.b + ":" + l.b_interface) << "\"><title>"
      << html_escape(l.a + ":" + l.a_interface + " — " + l.b + ":" + l.b_interface +
                     (l.subnets.empty() ? "" : "  " + l.subnets))
      << "</title><line x1=\"" << n(pa.x) << "\" y1=\"" << n(pa.y) << "\" x2=\"" << n(pb.x) << "\" y2=\"" << n(pb.y)
      << "\" stroke=\"#666\" stroke-width=\"1.6\"/>";
    svg_link_labels(s, d, index, l, pa, pb);
    s << "</g>\n";
  }
}

// An export or tee feed: a dashed curve with an arrow from beside the feeding node down to the fed one.
void svg_feed_curve(std::ostringstream& s, const DiagramFeed& f, const NodeBox& pa, const NodeBox& pb) {
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

// Monitoring edges: export (probe -> tee/collector), tee replication, mirrors. BGP sessions to collectors are drawn
// as the collector's "bgp: r1 r2" line instead (fewer lines across the picture).
void svg_feeds(std::ostringstream& s, const Diagram& d, const DiagramLayout& layout,
               const std::map<std::string, std::size_t>& index) {
  for (const auto& f : d.feeds) {
    NodeBox pa;
    NodeBox pb;
    if (!ends_of(index, layout, f.from, f.to, pa, pb) || f.kind == "bgp") {
      continue;
    }
    if (f.kind == "mirror") {  // a copy of the router's interface into the probe host (tc mirred)
      s << "<g class=\"feed mirror\"><title>" << html_escape("mirror of " + f.from + ":" + f.label + " into " + f.to)
        << "</title><line x1=\"" << n(pa.x) << "\" y1=\"" << n(pa.y) << "\" x2=\"" << n(pb.x) << "\" y2=\"" << n(pb.y)
        << "\" stroke=\"#c0392b\" stroke-width=\"1.6\" stroke-dasharray=\"2 3\"/></g>\n";
      continue;
    }
    svg_feed_curve(s, f, pa, pb);
  }
}

// The node's shape by role; returns the colour its name is written in.
const char* svg_node_shape(std::ostringstream& s, const DiagramNode& node, const NodeBox& p,
                           const std::map<std::uint32_t, std::size_t>& colour) {
  const double x0 = p.x - p.width / 2;
  const double y0 = p.y - p.height / 2;
  switch (node.role) {
    case DiagramRole::kRouter: {
      const auto it = colour.find(node.asn);
      const auto& shade = kPalette[it == colour.end() ? kPalette.size() - 1 : it->second];
      s << "<rect x=\"" << n(x0) << "\" y=\"" << n(y0) << "\" width=\"" << n(p.width) << "\" height=\"" << n(p.height)
        << "\" rx=\"15\" fill=\"" << shade.stroke << "\" stroke=\"#222\" stroke-width=\"1\"/>";
      return "#fff";
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
  return "#222";
}

// The node's name, a collector's BGP peers underneath, and a red "P" on a router a probe runs on.
void svg_node_labels(std::ostringstream& s, const Diagram& d, const DiagramNode& node, const NodeBox& p,
                     const char* text_fill) {
  const double x0 = p.x - p.width / 2;
  const double y0 = p.y - p.height / 2;
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
}

void svg_nodes(std::ostringstream& s, const Diagram& d, const DiagramLayout& layout) {
  std::map<std::uint32_t, std::size_t> colour;
  for (const auto& g : layout.groups) {
    colour[g.asn] = g.colour;
  }
  for (std::size_t i = 0; i < d.nodes.size(); ++i) {
    const auto& node = d.nodes[i];
    s << "<g class=\"node " << to_string(node.role) << "\" id=\"node-" << html_escape(node.name) << "\"><title>"
      << html_escape(node_tooltip(node)) << "</title>";
    const char* text_fill = svg_node_shape(s, node, layout.nodes[i], colour);
    svg_node_labels(s, d, node, layout.nodes[i], text_fill);
    s << "</g>\n";
  }
}

// ---- DOT ---------------------------------------------------------------------------------------------------------

const char* dot_shape(DiagramRole role) {
  switch (role) {
    case DiagramRole::kRouter:
      return "shape=ellipse, style=filled, fillcolor=\"#dde8f7\"";
    case DiagramRole::kHost:
      return "shape=box";
    case DiagramRole::kProbe:
      return "shape=hexagon, color=\"#c0392b\"";
    case DiagramRole::kCollector:
      return "shape=cylinder, color=\"#2e8b47\"";
    case DiagramRole::kTee:
      return "shape=diamond, color=\"#8e3d88\"";
  }
  return "";
}

void dot_node(std::ostringstream& s, const DiagramNode& node, const std::string& indent) {
  s << indent << dot_quote(node.name) << " [" << dot_shape(node.role) << ", tooltip=" << dot_quote(node_tooltip(node));
  if (!node.probed.empty() && node.role == DiagramRole::kRouter) {
    s << ", peripheries=2";
  }
  s << "];\n";
}

// Routers in one cluster per AS, then every other node.
void dot_nodes(std::ostringstream& s, const Diagram& d) {
  std::map<std::uint32_t, std::vector<const DiagramNode*>> by_as;
  for (const auto& node : d.nodes) {
    if (node.role == DiagramRole::kRouter) {
      by_as[node.asn].push_back(&node);
    }
  }
  for (const auto& [asn, members] : by_as) {
    s << "  subgraph " << dot_quote("cluster_as" + std::to_string(asn)) << " {\n"
      << "    label=" << dot_quote("AS " + std::to_string(asn)) << ";\n";
    for (const auto* m : members) {
      dot_node(s, *m, "    ");
    }
    s << "  }\n";
  }
  for (const auto& node : d.nodes) {
    if (node.role != DiagramRole::kRouter) {
      dot_node(s, node, "  ");
    }
  }
}

void dot_edges(std::ostringstream& s, const Diagram& d) {
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
}

}  // namespace

std::string render_svg(const Diagram& d, const DiagramLayout& layout) {
  std::ostringstream s;
  const auto index = d.index_by_name();
  svg_open(s, d, layout);
  svg_as_boxes(s, layout);
  svg_links(s, d, layout, index);
  svg_feeds(s, d, layout, index);
  svg_nodes(s, d, layout);
  s << "</svg>";
  return s.str();
}

std::string render_dot(const Diagram& d) {
  std::ostringstream s;
  s << "graph " << dot_quote(d.name) << " {\n"
    << "  graph [rankdir=LR, fontname=\"Helvetica\"];\n"
    << "  node [fontname=\"Helvetica\", fontsize=11];\n"
    << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  dot_nodes(s, d);
  dot_edges(s, d);
  s << "}\n";
  return s.str();
}

}  // namespace flowlab::report
