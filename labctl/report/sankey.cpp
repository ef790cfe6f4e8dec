#include "labctl/report/sankey.hpp"

#include "common/enum_names.hpp"
#include "labctl/report/escape.hpp"
#include "labctl/report/json_fields.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <sstream>
#include <tuple>

namespace flowlab::report {

namespace {

// Each direction's name and its band colour in the Sankey chart.
struct DirectionStyle {
  TrafficDirection value;
  std::string_view name;
  std::string_view colour;
};
constexpr std::array<DirectionStyle, 5> kDirections{{{TrafficDirection::kInbound, "inbound", "#2f6db5"},
                                                     {TrafficDirection::kOutbound, "outbound", "#e67e22"},
                                                     {TrafficDirection::kTransit, "transit", "#8e44ad"},
                                                     {TrafficDirection::kInternal, "internal", "#7f8c8d"},
                                                     {TrafficDirection::kUnenriched, "unenriched", "#bdc3c7"}}};

bool inside(std::uint32_t router_asn, std::uint32_t asn) { return asn == 0 || asn == router_asn; }

}  // namespace

std::string_view to_string(TrafficDirection direction) { return enum_name(kDirections, direction, "unenriched"); }

std::optional<TrafficDirection> parse_direction(std::string_view text) { return find_enum(kDirections, text); }

std::string_view direction_colour(TrafficDirection direction) {
  const auto* style = enum_entry(kDirections, direction);
  return style == nullptr ? "#bdc3c7" : style->colour;
}

TrafficDirection classify(std::uint32_t router_asn, std::uint32_t as_src, std::uint32_t as_dst, bool enriched) {
  if (!enriched) {
    return TrafficDirection::kUnenriched;
  }
  const bool src_in = inside(router_asn, as_src);
  const bool dst_in = inside(router_asn, as_dst);
  if (src_in && dst_in) {
    return TrafficDirection::kInternal;
  }
  if (dst_in) {
    return TrafficDirection::kInbound;
  }
  return src_in ? TrafficDirection::kOutbound : TrafficDirection::kTransit;
}

std::string TrafficFact::peer_label() const {
  switch (direction) {
    case TrafficDirection::kInbound:
      return "AS " + std::to_string(peer_as_src);
    case TrafficDirection::kOutbound:
    case TrafficDirection::kTransit:
      return "AS " + std::to_string(peer_as_dst);
    case TrafficDirection::kInternal:
      return "AS " + std::to_string(router_asn) + " (local)";
    case TrafficDirection::kUnenriched:
      return "unenriched";
  }
  return "unenriched";
}

std::string TrafficFact::prefix_label() const {
  if (direction == TrafficDirection::kUnenriched) {
    return "unenriched";
  }
  const std::string& net = direction == TrafficDirection::kInbound ? net_src : net_dst;
  return net.empty() ? "no route" : net;
}

nlohmann::json to_json(const TrafficFact& f) {
  return {{"stream", f.stream},
          {"router", f.router},
          {"point", f.point},
          {"collector", f.collector},
          {"router_asn", f.router_asn},
          {"direction", to_string(f.direction)},
          {"as_src", f.as_src},
          {"as_dst", f.as_dst},
          {"peer_as_src", f.peer_as_src},
          {"peer_as_dst", f.peer_as_dst},
          {"net_src", f.net_src},
          {"net_dst", f.net_dst},
          {"bytes", f.bytes},
          {"packets", f.packets},
          {"flows", f.flows},
          {"peer_src_from_rib", f.peer_src_from_rib}};
}

Result<TrafficFact> traffic_fact_from_json(const nlohmann::json& j) {
  if (!j.is_object()) {
    return fail(ErrorKind::kIo, "traffic: a fact is not an object");
  }
  TrafficFact f;
  f.stream = string_or_empty(j, "stream");
  f.router = string_or_empty(j, "router");
  f.point = string_or_empty(j, "point");
  f.collector = string_or_empty(j, "collector");
  const auto direction = parse_direction(string_or_empty(j, "direction"));
  if (!direction) {
    return fail(ErrorKind::kIo, "traffic: stream '" + f.stream + "' has an unknown direction '" +
                                    string_or_empty(j, "direction") + "'");
  }
  f.direction = *direction;
  f.router_asn = unsigned_or_zero<std::uint32_t>(j, "router_asn");
  f.as_src = unsigned_or_zero<std::uint32_t>(j, "as_src");
  f.as_dst = unsigned_or_zero<std::uint32_t>(j, "as_dst");
  f.peer_as_src = unsigned_or_zero<std::uint32_t>(j, "peer_as_src");
  f.peer_as_dst = unsigned_or_zero<std::uint32_t>(j, "peer_as_dst");
  f.net_src = string_or_empty(j, "net_src");
  f.net_dst = string_or_empty(j, "net_dst");
  f.bytes = unsigned_or_zero<std::uint64_t>(j, "bytes");
  f.packets = unsigned_or_zero<std::uint64_t>(j, "packets");
  f.flows = unsigned_or_zero<std::uint64_t>(j, "flows");
  f.peer_src_from_rib =
      j.contains("peer_src_from_rib") && j["peer_src_from_rib"].is_boolean() && j["peer_src_from_rib"].get<bool>();
  return f;
}

SankeyFlow sankey_flow(const TrafficFact& f) {
  return {f.router, f.peer_label(), f.prefix_label(), f.direction, f.bytes, f.flows, f.packets};
}

std::vector<SankeyFlow> sankey_flows(const std::vector<TrafficFact>& facts) {
  std::vector<std::size_t> pick;  // per (stream, point), in order of first appearance: the fact that stands for it
  std::map<std::pair<std::string, std::string>, std::size_t> slot;  // (stream, point) -> its index in pick
  for (std::size_t i = 0; i < facts.size(); ++i) {
    const auto [it, fresh] = slot.emplace(std::pair{facts[i].stream, facts[i].point}, pick.size());
    if (fresh) {
      pick.push_back(i);
    } else if (facts[pick[it->second]].peer_src_from_rib && !facts[i].peer_src_from_rib) {
      pick[it->second] = i;
    }
  }
  std::vector<SankeyFlow> out;
  out.reserve(pick.size());
  for (const std::size_t i : pick) {
    out.push_back(sankey_flow(facts[i]));
  }
  return out;
}

// ---- layout_sankey() in steps -------------------------------------------------------------------------------------

namespace {

struct Totals {
  std::uint64_t bytes = 0;
  std::uint64_t flows = 0;
  std::uint64_t packets = 0;
  void add(const SankeyFlow& f) {
    bytes += f.bytes;
    flows += f.flows;
    packets += f.packets;
  }
};
using ColumnTotals = std::array<std::map<std::string, Totals>, 3>;
using ColumnIndex = std::array<std::map<std::string, std::size_t>, 3>;  // label -> index into SankeyLayout::nodes

// Nodes per column with their byte totals; every flow crosses each column once, so each column sums to the total.
ColumnTotals column_totals(const std::vector<const SankeyFlow*>& flows) {
  ColumnTotals columns;
  for (const auto* f : flows) {
    for (const auto& [column, label] : {std::pair{0, f->router}, std::pair{1, f->peer}, std::pair{2, f->prefix}}) {
      columns[static_cast<std::size_t>(column)][label].add(*f);
    }
  }
  return columns;
}

// The nodes of each column, largest first, the column centred vertically; heights by bytes at out.scale.
ColumnIndex place_nodes(const ColumnTotals& columns, double inner, const SankeyOptions& o, SankeyLayout& out) {
  const std::array<double, 3> xs{o.margin + o.label_room, (o.width - o.node_width) / 2,
                                 o.width - o.margin - o.label_room - o.node_width};
  ColumnIndex index;
  for (std::size_t c = 0; c < 3; ++c) {
    std::vector<std::pair<std::string, Totals>> members(columns[c].begin(), columns[c].end());
    std::stable_sort(members.begin(), members.end(),
                     [](const auto& a, const auto& b) { return a.second.bytes > b.second.bytes; });
    double used = static_cast<double>(members.size() - 1) * o.gap;
    for (const auto& m : members) {
      used += static_cast<double>(m.second.bytes) * out.scale;
    }
    double y = o.margin + (inner - used) / 2;
    for (const auto& [label, totals] : members) {
      SankeyNode n;
      n.label = label;
      n.column = c;
      n.x = xs[c];
      n.y = y;
      n.width = o.node_width;
      n.height = static_cast<double>(totals.bytes) * out.scale;
      n.bytes = totals.bytes;
      n.flows = totals.flows;
      n.packets = totals.packets;
      index[c][label] = out.nodes.size();
      out.nodes.push_back(n);
      y += n.height + o.gap;
    }
  }
  return index;
}

// Each label by its node's centre, then, column by column from the top, pushed down to keep kLabelSpacing from the
// one above; labels pushed past the bottom move the column's labels back up (as far as the top allows).
void place_labels(SankeyLayout& out, const SankeyOptions& o) {
  for (std::size_t c = 0; c < 3; ++c) {
    std::vector<SankeyNode*> column;
    for (auto& n : out.nodes) {
      if (n.column == c) {
        n.label_y = n.y + n.height / 2 + 4;
        column.push_back(&n);
      }
    }
    std::stable_sort(column.begin(), column.end(),
                     [](const auto* a, const auto* b) { return a->label_y < b->label_y; });
    for (std::size_t i = 1; i < column.size(); ++i) {
      column[i]->label_y = std::max(column[i]->label_y, column[i - 1]->label_y + kLabelSpacing);
    }
    const double bottom = out.height - o.margin / 2;
    if (!column.empty() && column.back()->label_y > bottom) {
      column.back()->label_y = bottom;
      for (std::size_t i = column.size() - 1; i-- > 0;) {
        column[i]->label_y = std::min(column[i]->label_y, column[i + 1]->label_y - kLabelSpacing);
      }
    }
  }
}

// Links: router -> peer and peer -> prefix, one per (source, target, direction).
void add_links(const std::vector<const SankeyFlow*>& flows, ColumnIndex& index, SankeyLayout& out) {
  std::map<std::tuple<std::size_t, std::size_t, TrafficDirection>, Totals> links;
  for (const auto* f : flows) {
    const std::size_t r = index[0][f->router];
    const std::size_t p = index[1][f->peer];
    const std::size_t x = index[2][f->prefix];
    for (const auto& key : {std::tuple{r, p, f->direction}, std::tuple{p, x, f->direction}}) {
      links[key].add(*f);
    }
  }
  for (const auto& [key, totals] : links) {
    SankeyLink l;
    l.source = std::get<0>(key);
    l.target = std::get<1>(key);
    l.direction = std::get<2>(key);
    l.bytes = totals.bytes;
    l.flows = totals.flows;
    l.packets = totals.packets;
    l.width = static_cast<double>(l.bytes) * out.scale;
    out.links.push_back(l);
  }
}

// Band stacking: leaving a node in the order of the targets' positions, entering in the order of the sources'.
void stack_bands(SankeyLayout& out) {
  std::vector<std::size_t> order(out.links.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  auto stack = [&](auto node_of, auto other_of, double SankeyLink::*centre) {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const auto& la = out.links[a];
      const auto& lb = out.links[b];
      return std::tuple{node_of(la), out.nodes[other_of(la)].y, la.direction} <
             std::tuple{node_of(lb), out.nodes[other_of(lb)].y, lb.direction};
    });
    std::map<std::size_t, double> filled;
    for (const auto i : order) {
      auto& l = out.links[i];
      double& f = filled[node_of(l)];
      l.*centre = out.nodes[node_of(l)].y + f + l.width / 2;
      f += l.width;
    }
  };
  stack([](const SankeyLink& l) { return l.source; }, [](const SankeyLink& l) { return l.target; },
        &SankeyLink::y_source);
  stack([](const SankeyLink& l) { return l.target; }, [](const SankeyLink& l) { return l.source; },
        &SankeyLink::y_target);
}

// Each band's centre line: a horizontal S-curve from its source node's right edge to its target's left edge.
void band_paths(SankeyLayout& out) {
  for (auto& l : out.links) {
    const double x0 = out.nodes[l.source].x + out.nodes[l.source].width;
    const double x1 = out.nodes[l.target].x;
    const double xm = (x0 + x1) / 2;
    l.path = "M " + svg_number(x0) + " " + svg_number(l.y_source) + " C " + svg_number(xm) + " " +
             svg_number(l.y_source) + ", " + svg_number(xm) + " " + svg_number(l.y_target) + ", " + svg_number(x1) +
             " " + svg_number(l.y_target);
  }
}

}  // namespace

SankeyLayout layout_sankey(const std::vector<SankeyFlow>& input, const SankeyOptions& o) {
  SankeyLayout out;
  std::vector<const SankeyFlow*> flows;
  for (const auto& f : input) {
    if (f.bytes > 0) {
      flows.push_back(&f);
      out.total_bytes += f.bytes;
    }
  }
  out.width = o.width;
  out.height = o.height;
  if (flows.empty()) {
    return out;
  }
  const ColumnTotals columns = column_totals(flows);
  std::size_t most = 0;
  for (const auto& c : columns) {
    most = std::max(most, c.size());
  }
  constexpr double kMinNode = 16;  // room per node when sizing the chart (not a minimum band width)
  out.height = std::max(o.height, 2 * o.margin + static_cast<double>(most) * (kMinNode + o.gap));
  const double inner = out.height - 2 * o.margin;
  out.scale = (inner - static_cast<double>(most - 1) * o.gap) / static_cast<double>(out.total_bytes);
  ColumnIndex index = place_nodes(columns, inner, o, out);
  add_links(flows, index, out);
  stack_bands(out);
  band_paths(out);
  place_labels(out, o);
  return out;
}

namespace {

std::string data_counts(const std::string& label, std::uint64_t bytes, std::uint64_t packets, std::uint64_t flows) {
  return " data-label=\"" + html_escape(label) + "\" data-bytes=\"" + std::to_string(bytes) + "\" data-packets=\"" +
         std::to_string(packets) + "\" data-flows=\"" + std::to_string(flows) + "\"";
}

}  // namespace

std::string render_sankey_svg(const SankeyLayout& layout) {
  std::ostringstream s;
  const auto n = svg_number;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sankey\" width=\"" << n(layout.width) << "\" height=\""
    << n(layout.height) << "\" viewBox=\"0 0 " << n(layout.width) << " " << n(layout.height)
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  s << "<title>traffic: router → peer → prefix, width by bytes</title>\n";
  for (const auto& l : layout.links) {
    const auto& a = layout.nodes[l.source];
    const auto& b = layout.nodes[l.target];
    const std::string band = a.label + " → " + b.label + " (" + std::string(to_string(l.direction)) + ")";
    s << "<path class=\"band " << to_string(l.direction) << "\" d=\"" << l.path << "\" fill=\"none\" stroke=\""
      << direction_colour(l.direction) << "\" stroke-opacity=\"0.55\" stroke-width=\"" << n(std::max(l.width, 1.0))
      << "\"" << data_counts(band, l.bytes, l.packets, l.flows) << "><title>"
      << html_escape(band + ": " + thousands(l.bytes) + " bytes, " + thousands(l.packets) + " packets, " +
                     thousands(l.flows) + (l.flows == 1 ? " flow" : " flows"))
      << "</title></path>\n";
  }
  for (const auto& node : layout.nodes) {
    s << "<g class=\"sankey-node\"" << data_counts(node.label, node.bytes, node.packets, node.flows) << "><title>"
      << html_escape(node.label + ": " + thousands(node.bytes) + " bytes, " + thousands(node.packets) + " packets, " +
                     thousands(node.flows) + (node.flows == 1 ? " flow" : " flows"))
      << "</title><rect x=\"" << n(node.x) << "\" y=\"" << n(node.y) << "\" width=\"" << n(node.width) << "\" height=\""
      << n(std::max(node.height, 1.0)) << "\" fill=\"#34495e\"/>";
    const bool left = node.column == 0;
    const double tx = left ? node.x - 6 : node.x + node.width + 6;
    s << "<text x=\"" << n(tx) << "\" y=\"" << n(node.label_y) << "\" text-anchor=\"" << (left ? "end" : "start")
      << "\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">" << html_escape(node.label) << "</text></g>\n";
  }
  s << "</svg>";
  return s.str();
}

}  // namespace flowlab::report
