// The topology diagram: DOT golden for topologies/janog36.yaml (UPDATE_GOLDEN=1 rewrites it), JSON round trip,
// and the layout's promises (deterministic, no two nodes on top of each other, AS boxes hold their routers).
#include "labctl/report/diagram.hpp"
#include "model/loader.hpp"
#include "nodes/core/driver.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace flowlab::report {
namespace {

namespace fs = std::filesystem;

const fs::path kSource{FLOWLAB_SOURCE_DIR};

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Diagram load(const std::string& file) {
  auto r = topology::load_topology_file(kSource / file, nodes::kinds());
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.ok() ? diagram_of(*r.topology) : Diagram{};
}

TEST(Diagram, DotGoldenJanog36) {
  const std::string actual = render_dot(load("topologies/janog36.yaml"));
  const fs::path golden = kSource / "tests/golden/report/janog36.dot";
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(golden) << actual;
    GTEST_SKIP() << "rewrote " << golden;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " is missing; run with UPDATE_GOLDEN=1";
  EXPECT_EQ(actual, read(golden));
}

TEST(Diagram, RolesFeedsAndProbes) {
  const Diagram d = load("topologies/janog36-model3.yaml");
  ASSERT_NE(d.find("p1"), nullptr);
  EXPECT_EQ(d.find("p1")->role, DiagramRole::kProbe);
  EXPECT_EQ(d.find("p1")->attach, "r1");
  EXPECT_EQ(d.find("p1")->probed, std::vector<std::string>{"mirror r1:eth3"});
  EXPECT_EQ(d.find("h1")->attach, "r2");
  EXPECT_EQ(d.find("r1")->asn, 64500U);
  EXPECT_EQ(d.find("c1")->role, DiagramRole::kCollector);
  bool export_feed = false;
  bool bgp_feed = false;
  for (const auto& f : d.feeds) {
    export_feed |= f.kind == "export" && f.from == "p1" && f.to == "c1" && f.label == "v9";
    bgp_feed |= f.kind == "bgp" && f.from == "r1" && f.to == "c1";
  }
  EXPECT_TRUE(export_feed);
  EXPECT_TRUE(bgp_feed);
}

TEST(Diagram, JsonRoundTrip) {
  for (const char* file :
       {"topologies/janog36.yaml", "topologies/janog36-model3.yaml", "topologies/dualstack-failover.yaml"}) {
    SCOPED_TRACE(file);
    const Diagram d = load(file);
    auto back = diagram_from_json(to_json(d));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(to_json(*back), to_json(d));
    EXPECT_EQ(render_dot(*back), render_dot(d));
  }
  EXPECT_FALSE(diagram_from_json(nlohmann::json::object()).ok());
  EXPECT_FALSE(diagram_from_json({{"nodes", {{{"name", "x"}, {"role", "blimp"}}}}}).ok());
}

TEST(Diagram, EveryRoleReadsBackByName) {
  for (const auto role :
       {DiagramRole::kRouter, DiagramRole::kHost, DiagramRole::kProbe, DiagramRole::kCollector, DiagramRole::kTee}) {
    const std::string name(to_string(role));
    SCOPED_TRACE(name);
    auto back = diagram_from_json({{"nodes", {{{"name", "x"}, {"role", name}}}}});
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->nodes.at(0).role, role);
  }
  const auto bad = diagram_from_json({{"nodes", {{{"name", "x"}, {"role", "blimp"}}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "topology: node 'x' has an unknown role 'blimp'");
}

TEST(Diagram, LayoutIsDeterministicAndUncluttered) {
  for (const char* file :
       {"topologies/janog36.yaml", "topologies/janog36-model3.yaml", "topologies/dualstack-failover.yaml",
        "topologies/square-dualstack.yaml", "topologies/localpref-pinning.yaml", "topologies/communities.yaml"}) {
    SCOPED_TRACE(file);
    const Diagram d = load(file);
    const auto layout = layout_diagram(d);
    EXPECT_EQ(render_svg(d, layout), render_svg(d, layout_diagram(load(file))));
    ASSERT_EQ(layout.nodes.size(), d.nodes.size());
    for (std::size_t i = 0; i < d.nodes.size(); ++i) {
      const auto& a = layout.nodes[i];
      EXPECT_GE(a.x - a.width / 2, 0) << d.nodes[i].name;
      EXPECT_GE(a.y - a.height / 2, 0) << d.nodes[i].name;
      EXPECT_LE(a.x + a.width / 2, layout.width) << d.nodes[i].name;
      EXPECT_LE(a.y + a.height / 2, layout.height) << d.nodes[i].name;
      for (std::size_t k = i + 1; k < d.nodes.size(); ++k) {
        const auto& b = layout.nodes[k];
        const bool apart =
            std::abs(a.x - b.x) >= (a.width + b.width) / 2 || std::abs(a.y - b.y) >= (a.height + b.height) / 2;
        EXPECT_TRUE(apart) << d.nodes[i].name << " overlaps " << d.nodes[k].name;
      }
    }
    // Each router inside its AS box.
    for (std::size_t i = 0; i < d.nodes.size(); ++i) {
      if (d.nodes[i].role != DiagramRole::kRouter) {
        continue;
      }
      bool inside = false;
      for (const auto& g : layout.groups) {
        const auto& p = layout.nodes[i];
        inside |= g.asn == d.nodes[i].asn && p.x > g.x && p.x < g.x + g.width && p.y > g.y && p.y < g.y + g.height;
      }
      EXPECT_TRUE(inside) << d.nodes[i].name;
    }
  }
}

TEST(Diagram, SvgHasEveryNodeAndLink) {
  const Diagram d = load("topologies/janog36.yaml");
  const std::string svg = render_svg(d, layout_diagram(d));
  for (const auto& n : d.nodes) {
    EXPECT_NE(svg.find("id=\"node-" + n.name + "\""), std::string::npos) << n.name;
  }
  std::size_t links = 0;
  for (std::size_t pos = 0; (pos = svg.find("<g class=\"link\" ", pos)) != std::string::npos; ++pos) {
    ++links;
  }
  EXPECT_EQ(links, d.links.size());
  EXPECT_NE(svg.find("r1:eth3 — u1:eth1  198.18.0.6/31"), std::string::npos);
  EXPECT_NE(
      svg.find("fill=\"#c0392b\" font-weight=\"bold\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">eth3<"),
      std::string::npos)
      << "the probed interface is marked";
}

}  // namespace
}  // namespace flowlab::report
