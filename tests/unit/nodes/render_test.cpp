// Golden rendering tests: the fixture topology renders to exactly tests/golden/nodes/<node>.<kind>.conf, and
// every golden config passes the daemon's own syntax check (bird -p, vtysh -C).
#include "fixture.hpp"
#include "golden.hpp"
#include "labctl/process/process.hpp"
#include "nodes/bird/bird_config.hpp"
#include "nodes/frr/frr_config.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

namespace flowlab::nodes {
namespace {

using testing::expect_golden;
using testing::golden_path;
using testing::golden_topology;

const char* const kRouters[] = {"r1", "r2", "r3"};

TEST(RenderGolden, BirdConfigs) {
  auto topo = golden_topology();
  for (const char* name : kRouters) {
    SCOPED_TRACE(name);
    auto text = bird::render_bird_config(topo, *topo.find_node(name));
    ASSERT_TRUE(text.ok()) << text.error().to_string();
    expect_golden(std::string(name) + ".bird.conf", *text);
  }
}

TEST(RenderGolden, FrrConfigs) {
  auto topo = golden_topology();
  for (const char* name : kRouters) {
    SCOPED_TRACE(name);
    auto cfg = frr::render_frr_config(topo, *topo.find_node(name));
    ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
    expect_golden(std::string(name) + ".frr.conf", cfg->integrated);
    // The per-daemon files are the integrated file's sections, each with its own header.
    for (const auto& d : cfg->daemons) {
      EXPECT_NE(cfg->integrated.find(d.text.substr(d.text.find("!\n") + 2)), std::string::npos) << d.daemon;
    }
  }
}

TEST(RenderGolden, SameTopologySameBytes) {
  auto a = golden_topology();
  auto b = golden_topology();
  for (const char* name : kRouters) {
    EXPECT_EQ(*bird::render_bird_config(a, *a.find_node(name)), *bird::render_bird_config(b, *b.find_node(name)));
    EXPECT_EQ(frr::render_frr_config(a, *a.find_node(name))->integrated,
              frr::render_frr_config(b, *b.find_node(name))->integrated);
  }
}

TEST(RenderGolden, RejectsNonRoutersAndBadCommunities) {
  auto topo = golden_topology();
  EXPECT_FALSE(bird::render_bird_config(topo, *topo.find_node("h1")).ok());
  EXPECT_FALSE(frr::render_frr_config(topo, *topo.find_node("c1")).ok());
  for (const char* bad : {"64510", "64510:70000", "a:b", "64510:100:", ""}) {
    SCOPED_TRACE(bad);
    auto t = golden_topology();
    t.policies[2].communities = {bad};
    auto b = bird::render_bird_config(t, *t.find_node("r3"));
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, "policy");
    EXPECT_FALSE(frr::render_frr_config(t, *t.find_node("r3")).ok());
  }
}

bool have(const char* program) { return ::access(program, X_OK) == 0; }

TEST(RenderSyntax, BirdAcceptsEveryGoldenConfig) {
  if (!have("/usr/sbin/bird")) {
    GTEST_SKIP() << "bird not installed";
  }
  for (const char* name : kRouters) {
    SCOPED_TRACE(name);
    auto out = process::run({"/usr/sbin/bird", "-p", "-c", golden_path(std::string(name) + ".bird.conf").string()});
    ASSERT_TRUE(out.ok()) << out.error().to_string();
    EXPECT_TRUE(out->success()) << out->err << out->out;
  }
}

TEST(RenderSyntax, FrrAcceptsEveryGoldenConfig) {
  if (!have("/usr/bin/vtysh")) {
    GTEST_SKIP() << "vtysh not installed";
  }
  for (const char* name : kRouters) {
    SCOPED_TRACE(name);
    auto out = process::run({"/usr/bin/vtysh", "-C", "-f", golden_path(std::string(name) + ".frr.conf").string()});
    ASSERT_TRUE(out.ok()) << out.error().to_string();
    EXPECT_TRUE(out->success()) << out->err << out->out;
    // vtysh reports unknown commands on stdout/stderr even where its exit code is lenient.
    EXPECT_EQ(out->out.find("Unknown command"), std::string::npos) << out->out;
    EXPECT_EQ(out->err.find("Unknown command"), std::string::npos) << out->err;
  }
}

}  // namespace
}  // namespace flowlab::nodes
