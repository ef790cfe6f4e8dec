// flowlab::report sankey — the traffic Sankey of report.html (DESIGN.md section 9): router -> peer -> prefix.
//
// The runner records one TrafficFact per verified stream and observation point: what the collector reported for
// it (bytes, flows, AS and peer fields, nets) and the observing router's AS. classify() gives its direction
// relative to that AS (source outside & destination inside = inbound, the reverse = outbound, both outside =
// transit, both inside = internal, no BGP data = unenriched). A fact becomes one Sankey flow router -> peer AS ->
// prefix, where peer and prefix are the far side's: the source's for inbound traffic (peer_as_src, net_src), the
// destination's otherwise (peer_as_dst, net_dst).
//
// layout_sankey() is pure geometry, unit-tested without HTML: three columns, node heights and band widths
// proportional to bytes (one scale for the whole chart), bands stacked inside each node in the order of the node
// at their other end, links drawn as cubic Béziers between band centres. render_sankey_svg() draws it, coloured
// by direction, with byte and flow counts in <title> tooltips.
#pragma once

#include "common/result.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::report {

enum class TrafficDirection : std::uint8_t { kInbound, kOutbound, kTransit, kInternal, kUnenriched };
std::string_view to_string(TrafficDirection direction);  // "inbound", "outbound", "transit", "internal", "unenriched"
std::optional<TrafficDirection> parse_direction(std::string_view text);
std::string_view direction_colour(TrafficDirection direction);  // "#2f6db5", ...

// An AS number is "inside" when it is 0 (pmacct: local / empty path) or the router's own.
TrafficDirection classify(std::uint32_t router_asn, std::uint32_t as_src, std::uint32_t as_dst, bool enriched);

// What the collector reported for one stream at one observation point.
struct TrafficFact {
  std::string stream;
  std::string router;     // the observing (metering) router
  std::string point;      // "r1:eth3 out"
  std::string collector;  // the collector node that reported it
  std::uint32_t router_asn = 0;
  TrafficDirection direction = TrafficDirection::kUnenriched;
  std::uint32_t as_src = 0;
  std::uint32_t as_dst = 0;
  std::uint32_t peer_as_src = 0;
  std::uint32_t peer_as_dst = 0;
  std::string net_src;  // "203.0.113.0/24" ("" when the collector had no route)
  std::string net_dst;
  std::uint64_t bytes = 0;
  std::uint64_t packets = 0;
  std::uint64_t flows = 0;
  // peer_as_src by pmacct's `bgp` method: the neighbour the router's own RIB names towards the source, which is not
  // the one the traffic came from when paths are asymmetric (scenario asymmetric-peer-src).
  bool peer_src_from_rib = false;

  [[nodiscard]] std::string peer_label() const;    // "AS 65530", "AS 64500 (local)", "unenriched"
  [[nodiscard]] std::string prefix_label() const;  // the far side's net, or "unenriched" / "no route"
};

[[nodiscard]] nlohmann::json to_json(const TrafficFact& fact);
[[nodiscard]] Result<TrafficFact> traffic_fact_from_json(const nlohmann::json& json);

struct SankeyFlow {
  std::string router;
  std::string peer;
  std::string prefix;
  TrafficDirection direction = TrafficDirection::kInbound;
  std::uint64_t bytes = 0;
  std::uint64_t flows = 0;
  std::uint64_t packets = 0;
};
[[nodiscard]] SankeyFlow sankey_flow(const TrafficFact& fact);
// One flow per (stream, observation point): collectors fed the same packets (behind tees) count once, the first
// collector's fact standing for them — the first whose peer_as_src is not from_rib when there is one, so that the
// chart shows where inbound traffic really came from.
[[nodiscard]] std::vector<SankeyFlow> sankey_flows(const std::vector<TrafficFact>& facts);

struct SankeyOptions {
  double width = 860;
  double height = 360;  // grows when a column needs more room (kMinNode per node)
  double node_width = 14;
  double gap = 14;          // between nodes of a column
  double label_room = 150;  // left of the first and right of the last column
  double margin = 14;
};

struct SankeyNode {
  std::string label;
  std::size_t column = 0;  // 0 router, 1 peer, 2 prefix
  double x = 0;            // top-left corner
  double y = 0;
  double width = 0;
  double height = 0;
  std::uint64_t bytes = 0;  // max(in, out): what the node's height stands for
  std::uint64_t flows = 0;
  std::uint64_t packets = 0;
  double label_y = 0;  // the label's baseline: by the node's centre, moved apart so labels keep kLabelSpacing
};

inline constexpr double kLabelSpacing = 14;  // between the baselines of two labels of a column (font size 11)

struct SankeyLink {
  std::size_t source = 0;  // index into SankeyLayout::nodes
  std::size_t target = 0;
  TrafficDirection direction = TrafficDirection::kInbound;
  std::uint64_t bytes = 0;
  std::uint64_t flows = 0;
  std::uint64_t packets = 0;
  double width = 0;     // band width: bytes * scale
  double y_source = 0;  // band centre where it leaves the source node
  double y_target = 0;  // ... and where it enters the target node
  std::string path;     // "M x0 y0 C xm y0, xm y1, x1 y1" (stroke of `width`)
};

struct SankeyLayout {
  double width = 0;
  double height = 0;
  double scale = 0;  // units per byte
  std::vector<SankeyNode> nodes;
  std::vector<SankeyLink> links;
  std::uint64_t total_bytes = 0;
};

// Flows with zero bytes are left out (they have no width); an empty input gives an empty layout.
[[nodiscard]] SankeyLayout layout_sankey(const std::vector<SankeyFlow>& flows, const SankeyOptions& options = {});
// Bands and nodes carry data-bytes, data-packets and data-flows (and a <title>); kSankeyHoverScript (sankey_hover.cpp)
// turns those into a hover highlight with a box of sums, in report.html and in the live view of `labctl ui`.
[[nodiscard]] std::string render_sankey_svg(const SankeyLayout& layout);
extern const char* const kSankeyHoverScript;
extern const char* const kSankeyHoverStyle;

}  // namespace flowlab::report
