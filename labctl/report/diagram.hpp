// flowlab::report diagram — the topology drawing of report.html and `labctl graph`.
//
// A Diagram is the part of a topology a picture needs (nodes with role and AS, links with interface names, the
// export feeds probe -> tee -> collector and the collectors' BGP sessions); it is built from a derived Topology and
// round-trips through JSON, so verdict.json carries it and `labctl report` redraws without the topology file.
// layout_diagram() places it deterministically (no randomness, no iteration to a fixed point): routers are grouped
// in one box per AS, the AS boxes are laid out in columns by BFS distance (over inter-AS links) from the AS with the
// most routers, routers zig-zag inside their box so triangles stay visible, hosts sit beside their gateway router
// on the box's outer side, and collectors and tees form a monitoring row underneath. render_svg() draws a layout as
// one inline <svg> element; render_dot() writes the same diagram as Graphviz DOT (clusters per AS).
// The model and its JSON live in diagram.cpp, the placement in diagram_layout.cpp, SVG and DOT in diagram_render.cpp.
#pragma once

#include "common/result.hpp"
#include "model/model.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::report {

// kProbe: a host whose only job is a probe (a mirror's receiving end); a probe running on a router keeps kRouter
// and lists its metered interfaces in DiagramNode::probed.
enum class DiagramRole : std::uint8_t { kRouter, kHost, kProbe, kCollector, kTee };
std::string_view to_string(DiagramRole role);  // "router", "host", "probe", "collector", "tee"

struct DiagramNode {
  std::string name;
  std::string kind;  // "bird", "frr", "host", ...
  DiagramRole role = DiagramRole::kHost;
  std::uint32_t asn = 0;            // routers (0 otherwise)
  std::string attach;               // hosts and probe hosts: the router they hang off ("" = none)
  std::vector<std::string> probed;  // what a probe on this node meters: "eth3", "mirror r1:eth3"
};

struct DiagramLink {
  std::string a;
  std::string a_interface;
  std::string b;
  std::string b_interface;
  std::string subnets;  // "198.18.0.6/31 2001:db8:ffff::6/127" (tooltip)
};

// A monitoring edge: "export" (probe node -> tee/collector, label = format), "tee" (tee -> receiver), "bgp" (a
// router's session to a collector), "mirror" (router -> probe host, label = the mirrored interface).
struct DiagramFeed {
  std::string from;
  std::string to;
  std::string kind;
  std::string label;
};

struct Diagram {
  std::string name;  // the lab / topology name
  std::vector<DiagramNode> nodes;
  std::vector<DiagramLink> links;
  std::vector<DiagramFeed> feeds;

  [[nodiscard]] const DiagramNode* find(const std::string& node) const;
  // Node name -> its index in `nodes`.
  [[nodiscard]] std::map<std::string, std::size_t> index_by_name() const;
};

[[nodiscard]] Diagram diagram_of(const topology::Topology& topology);
[[nodiscard]] nlohmann::json to_json(const Diagram& diagram);
[[nodiscard]] Result<Diagram> diagram_from_json(const nlohmann::json& json);

// Centre and size of one node, in SVG user units.
struct NodeBox {
  double x = 0;
  double y = 0;
  double width = 0;
  double height = 0;
};

// How many colours the AS boxes cycle through.
inline constexpr std::size_t kAsPaletteSize = 8;

struct GroupBox {  // one AS
  std::uint32_t asn = 0;
  std::size_t colour = 0;  // index into the AS palette (below kAsPaletteSize)
  double x = 0;            // top-left corner
  double y = 0;
  double width = 0;
  double height = 0;
};

struct DiagramLayout {
  double width = 0;
  double height = 0;
  std::vector<NodeBox> nodes;  // parallel to Diagram::nodes
  std::vector<GroupBox> groups;
};

[[nodiscard]] DiagramLayout layout_diagram(const Diagram& diagram);
// One <svg> element (with <title> tooltips on nodes and links), no external references.
[[nodiscard]] std::string render_svg(const Diagram& diagram, const DiagramLayout& layout);
[[nodiscard]] std::string render_dot(const Diagram& diagram);

}  // namespace flowlab::report
