// The Sankey's geometry: band widths proportional to bytes on one scale, conservation at the peer column, bands
// stacked without gaps or overlaps inside each node, colours and classification by direction.
#include "labctl/report/sankey.hpp"

#include "labctl/report/escape.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace flowlab::report {
namespace {

using D = TrafficDirection;

std::vector<SankeyFlow> sample() {
  return {
      {"r1", "AS 65530", "203.0.113.0/24", D::kOutbound, 512000, 1},
      {"r1", "AS 65530", "2001:db8:33::/48", D::kOutbound, 256000, 2},
      {"r1", "AS 65530", "203.0.113.0/24", D::kInbound, 600000, 1},
      {"r2", "AS 65531", "198.51.100.0/24", D::kTransit, 100000, 3},
      {"r2", "AS 65530", "203.0.113.0/24", D::kOutbound, 50000, 1},
      {"r2", "AS 65531", "ignored", D::kOutbound, 0, 1},  // no bytes: left out
  };
}

const SankeyNode& node(const SankeyLayout& l, std::size_t column, const std::string& label) {
  for (const auto& n : l.nodes) {
    if (n.column == column && n.label == label) {
      return n;
    }
  }
  ADD_FAILURE() << "no node " << label << " in column " << column;
  static const SankeyNode kNone;
  return kNone;
}

TEST(Sankey, ClassifiesByTheRoutersAs) {
  struct Case {
    std::uint32_t as_src, as_dst;
    bool enriched;
    D want;
  };
  const Case cases[] = {
      {65533, 0, true, D::kInbound},     {0, 65533, true, D::kOutbound}, {65533, 65530, true, D::kTransit},
      {0, 0, true, D::kInternal},        {64500, 0, true, D::kInternal}, {64500, 65533, true, D::kOutbound},
      {65533, 64500, true, D::kInbound}, {0, 0, false, D::kUnenriched},  {65533, 0, false, D::kUnenriched},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::to_string(c.as_src) + " -> " + std::to_string(c.as_dst));
    EXPECT_EQ(classify(64500, c.as_src, c.as_dst, c.enriched), c.want);
  }
}

TEST(Sankey, DirectionsHaveDistinctColoursAndNames) {
  std::set<std::string_view> colours;
  std::set<std::string_view> names;
  for (const auto d : {D::kInbound, D::kOutbound, D::kTransit, D::kInternal, D::kUnenriched}) {
    colours.insert(direction_colour(d));
    names.insert(to_string(d));
    EXPECT_EQ(parse_direction(to_string(d)), d);
  }
  EXPECT_EQ(colours.size(), 5U);
  EXPECT_EQ(names.size(), 5U);
  EXPECT_FALSE(parse_direction("sideways"));
}

TEST(Sankey, BandWidthsAreProportionalToBytes) {
  const auto l = layout_sankey(sample());
  EXPECT_EQ(l.total_bytes, 1518000U);
  ASSERT_GT(l.scale, 0);
  for (const auto& link : l.links) {
    EXPECT_DOUBLE_EQ(link.width, static_cast<double>(link.bytes) * l.scale);
  }
  // r1 -> AS 65530 carries 512000+256000 outbound and 600000 inbound: two bands, one per direction.
  const auto& r1 = node(l, 0, "r1");
  const auto& peer = node(l, 1, "AS 65530");
  std::map<D, std::uint64_t> bytes;
  for (const auto& link : l.links) {
    if (&l.nodes[link.source] == &r1 && &l.nodes[link.target] == &peer) {
      bytes[link.direction] = link.bytes;
    }
  }
  EXPECT_EQ(bytes[D::kOutbound], 768000U);
  EXPECT_EQ(bytes[D::kInbound], 600000U);
  EXPECT_DOUBLE_EQ(r1.height, 1368000.0 * l.scale);
  // Every column stands for all bytes: the tallest column fills the chart between margins and gaps.
  for (std::size_t c = 0; c < 3; ++c) {
    double sum = 0;
    for (const auto& n : l.nodes) {
      sum += n.column == c ? n.height : 0;
    }
    EXPECT_NEAR(sum, static_cast<double>(l.total_bytes) * l.scale, 1e-6) << "column " << c;
  }
  EXPECT_EQ(std::count_if(l.nodes.begin(), l.nodes.end(), [](const auto& n) { return n.label == "ignored"; }), 0);
}

TEST(Sankey, ConservationAtThePeerColumn) {
  const auto l = layout_sankey(sample());
  for (std::size_t i = 0; i < l.nodes.size(); ++i) {
    if (l.nodes[i].column != 1) {
      continue;
    }
    std::uint64_t in = 0;
    std::uint64_t out = 0;
    std::map<D, std::int64_t> per_direction;
    for (const auto& link : l.links) {
      if (link.target == i) {
        in += link.bytes;
        per_direction[link.direction] += static_cast<std::int64_t>(link.bytes);
      }
      if (link.source == i) {
        out += link.bytes;
        per_direction[link.direction] -= static_cast<std::int64_t>(link.bytes);
      }
    }
    SCOPED_TRACE(l.nodes[i].label);
    EXPECT_GT(in, 0U);
    EXPECT_EQ(in, out);
    EXPECT_EQ(in, l.nodes[i].bytes);
    for (const auto& [d, balance] : per_direction) {
      EXPECT_EQ(balance, 0) << to_string(d);
    }
  }
}

TEST(Sankey, BandsStackInsideTheirNodes) {
  const auto l = layout_sankey(sample());
  for (std::size_t i = 0; i < l.nodes.size(); ++i) {
    const auto& n = l.nodes[i];
    for (const bool leaving : {true, false}) {
      std::vector<std::pair<double, double>> bands;  // top, bottom
      for (const auto& link : l.links) {
        if ((leaving ? link.source : link.target) == i) {
          const double centre = leaving ? link.y_source : link.y_target;
          bands.emplace_back(centre - link.width / 2, centre + link.width / 2);
        }
      }
      if (bands.empty()) {
        continue;
      }
      std::sort(bands.begin(), bands.end());
      SCOPED_TRACE(n.label + (leaving ? " leaving" : " entering"));
      EXPECT_NEAR(bands.front().first, n.y, 1e-6);
      EXPECT_NEAR(bands.back().second, n.y + n.height, 1e-6);
      for (std::size_t k = 1; k < bands.size(); ++k) {
        EXPECT_NEAR(bands[k].first, bands[k - 1].second, 1e-6);
      }
    }
  }
  for (const auto& link : l.links) {  // links run left to right between adjacent columns
    EXPECT_EQ(l.nodes[link.target].column, l.nodes[link.source].column + 1);
    EXPECT_EQ(link.path.rfind("M ", 0), 0U) << link.path;
    EXPECT_NE(link.path.find(" C "), std::string::npos) << link.path;
  }
}

TEST(Sankey, SvgColoursBandsByDirectionAndEscapesLabels) {
  auto flows = sample();
  flows.push_back({"r<3>", "AS 1 & 2", "\"x\"", D::kInternal, 10, 1});
  const std::string svg = render_sankey_svg(layout_sankey(flows));
  for (const auto d : {D::kInbound, D::kOutbound, D::kTransit, D::kInternal}) {
    EXPECT_NE(svg.find("class=\"band " + std::string(to_string(d)) + "\" d=\""), std::string::npos);
    EXPECT_NE(svg.find("stroke=\"" + std::string(direction_colour(d)) + "\""), std::string::npos);
  }
  EXPECT_EQ(svg.find("r<3>"), std::string::npos);
  EXPECT_NE(svg.find("r&lt;3&gt;"), std::string::npos);
  EXPECT_NE(svg.find("AS 1 &amp; 2"), std::string::npos);
  EXPECT_NE(svg.find("1,368,000 bytes"), std::string::npos) << "node tooltips give byte counts";
  EXPECT_NE(svg.find("2 flows"), std::string::npos);
}

TEST(Sankey, EmptyInputGivesAnEmptyLayout) {
  const auto l = layout_sankey({});
  EXPECT_TRUE(l.nodes.empty());
  EXPECT_TRUE(l.links.empty());
  EXPECT_EQ(l.total_bytes, 0U);
}

TEST(Sankey, FactsPickTheFarSide) {
  TrafficFact in;
  in.router_asn = 64500;
  in.direction = D::kInbound;
  in.peer_as_src = 65530;
  in.peer_as_dst = 0;
  in.net_src = "203.0.113.0/24";
  in.net_dst = "192.0.2.64/26";
  EXPECT_EQ(in.peer_label(), "AS 65530");
  EXPECT_EQ(in.prefix_label(), "203.0.113.0/24");
  TrafficFact out = in;
  out.direction = D::kOutbound;
  out.peer_as_dst = 65531;
  EXPECT_EQ(out.peer_label(), "AS 65531");
  EXPECT_EQ(out.prefix_label(), "192.0.2.64/26");
  auto back = traffic_fact_from_json(to_json(out));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(to_json(*back), to_json(out));
  EXPECT_FALSE(traffic_fact_from_json({{"direction", "up"}}).ok());
}

TEST(Sankey, SamePacketsAtSeveralCollectorsCountOnce) {
  TrafficFact f;
  f.stream = "out4";
  f.router = "r1";
  f.point = "r1:eth1 out";
  f.direction = D::kOutbound;
  f.peer_as_dst = 65530;
  f.net_dst = "203.0.113.0/24";
  f.bytes = 1200000;
  f.flows = 1;
  std::vector<TrafficFact> facts;
  for (const char* c : {"c1", "c2", "c3"}) {  // behind a tee: three collectors, one stream
    f.collector = c;
    facts.push_back(f);
  }
  f.stream = "out6";
  f.net_dst = "2001:db8:33::/48";
  facts.push_back(f);
  const auto flows = sankey_flows(facts);
  ASSERT_EQ(flows.size(), 2U);
  EXPECT_EQ(layout_sankey(flows).total_bytes, 2400000U);
  EXPECT_EQ(flows[0].peer, "AS 65530");
  EXPECT_EQ(flows[1].prefix, "2001:db8:33::/48");
}

TEST(Sankey, TheTrueNeighbourStandsForCollectorsThatDisagree) {
  // asymmetric-peer-src: c1 (peer_src_as: bgp) names the router's RIB's neighbour, c2 (map) the true one.
  TrafficFact f;
  f.stream = "in4";
  f.router = "r1";
  f.point = "r1:eth1 in";
  f.direction = D::kInbound;
  f.net_src = "203.0.113.0/24";
  f.bytes = 1000;
  f.flows = 1;
  std::vector<TrafficFact> facts;
  f.collector = "c1";
  f.peer_as_src = 65531;
  f.peer_src_from_rib = true;
  facts.push_back(f);
  f.collector = "c2";
  f.peer_as_src = 65530;
  f.peer_src_from_rib = false;
  facts.push_back(f);
  auto flows = sankey_flows(facts);
  ASSERT_EQ(flows.size(), 1U);
  EXPECT_EQ(flows[0].peer, "AS 65530");
  // Only RIB-method collectors: the first stands.
  facts.pop_back();
  flows = sankey_flows(facts);
  ASSERT_EQ(flows.size(), 1U);
  EXPECT_EQ(flows[0].peer, "AS 65531");
  // The flag survives verdict.json.
  const auto back = traffic_fact_from_json(to_json(facts[0]));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->peer_src_from_rib);
}

// One large flow and many small ones with a small gap: the small nodes are next to nothing tall and 4 apart, so
// their labels (centred on them) would overlap; they keep kLabelSpacing, stay inside the chart and in node order.
TEST(Sankey, LabelsKeepTheirSpacing) {
  std::vector<SankeyFlow> flows;
  flows.push_back({"r1", "AS 65530", "203.0.113.0/24", D::kOutbound, 50'000'000, 1, 1});
  for (int i = 0; i < 12; ++i) {
    flows.push_back(
        {"r1", "AS " + std::to_string(65001 + i), "198.51." + std::to_string(i) + ".0/24", D::kInbound, 1000, 1, 1});
  }
  SankeyOptions tight;
  tight.gap = 4;
  const auto l = layout_sankey(flows, tight);
  for (std::size_t c = 0; c < 3; ++c) {
    std::vector<const SankeyNode*> column;
    for (const auto& n : l.nodes) {
      if (n.column == c) {
        column.push_back(&n);
      }
    }
    for (std::size_t i = 1; i < column.size(); ++i) {
      EXPECT_GE(column[i]->label_y - column[i - 1]->label_y, kLabelSpacing - 1e-9) << "column " << c << " node " << i;
    }
    for (const auto* n : column) {
      EXPECT_GT(n->label_y, 10.0);
      EXPECT_LE(n->label_y, l.height);
    }
  }
  // A label left where there is room sits by its node's centre.
  EXPECT_DOUBLE_EQ(node(l, 0, "r1").label_y, node(l, 0, "r1").y + node(l, 0, "r1").height / 2 + 4);
  EXPECT_NE(render_sankey_svg(l).find("y=\"" + svg_number(l.nodes.back().label_y) + "\""), std::string::npos);
}

}  // namespace
}  // namespace flowlab::report
