// Golden rendering tests: the fixture topology renders to exactly tests/golden/nodes/<node>.<kind>.conf, and
// every golden config passes the daemon's own syntax check (bird -p, vtysh -C).
#include "fixture.hpp"
#include "golden.hpp"
#include "model/loader.hpp"
#include "nodes/bird/bird_config.hpp"
#include "nodes/core/driver.hpp"
#include "nodes/frr/frr_config.hpp"
#include "platform/process/process.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

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
    EXPECT_EQ(b.error().kind, ErrorKind::kConfig);
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

// A router listed under a collector's `bmp:` (topologies/janog36-bmp.yaml, r1): bgpd gets a `bmp targets` block for
// the station (mgmt0 address, port 1790, pre- and post-policy of both families) and `soft-reconfiguration inbound`
// on its sessions; the config passes vtysh's check, and bgpd is started with the bmp module.
TEST(RenderGolden, FrrBmpTargets) {
  auto loaded =
      topology::load_topology_file(std::string(FLOWLAB_SOURCE_DIR) + "/topologies/janog36-bmp.yaml", nodes::kinds());
  ASSERT_TRUE(loaded.ok()) << loaded.error_text();
  const auto& topo = *loaded.topology;
  auto cfg = frr::render_frr_config(topo, *topo.find_node("r1"));
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  expect_golden("janog36-bmp.r1.frr.conf", cfg->integrated);
  EXPECT_NE(cfg->integrated.find(" bmp targets c1\n  bmp connect 198.19.128.11 port 1790"), std::string::npos);
  const NodeContext ctx{&topo, topo.find_node("r1"), "/run/flowlab/janog36-bmp/r1"};
  const auto programs = find_driver("frr")->programs(ctx);
  ASSERT_FALSE(programs.empty());
  const auto& bgpd = programs.back().argv;
  EXPECT_NE(std::find(bgpd.begin(), bgpd.end(), "bmp"), bgpd.end());
  // r2 (BIRD) reports to no station; a topology without `bmp:` renders no bmp line at all.
  EXPECT_EQ(frr::render_frr_config(golden_topology(), *golden_topology().find_node("r3"))->integrated.find("bmp"),
            std::string::npos);
  if (have("/usr/bin/vtysh")) {
    auto out = process::run({"/usr/bin/vtysh", "-C", "-f", golden_path("janog36-bmp.r1.frr.conf").string()});
    ASSERT_TRUE(out.ok()) << out.error().to_string();
    EXPECT_TRUE(out->success()) << out->err << out->out;
    EXPECT_EQ(out->out.find("Unknown command"), std::string::npos) << out->out;
    EXPECT_EQ(out->err.find("Unknown command"), std::string::npos) << out->err;
  }
}

// Variants outside the golden fixture: an eBGP collector, an IPv4-only lab, an AS without OSPF (iBGP over the
// direct link). Each renders for both kinds, passes the daemons' syntax checks and has the distinctive lines.
topology::Topology variant(const std::string& which) {
  auto t = golden_topology();
  if (which == "ebgp_collector") {
    for (auto& n : t.nodes) {
      if (n.name == "c1") {
        n.asn = 65000;
      }
    }
    for (auto& s : t.sessions) {
      if (s.to_collector) {
        s.remote_asn = 65000;
        s.type = topology::SessionType::kEbgp;
      }
    }
  } else if (which == "md5_collector") {
    for (auto& s : t.sessions) {
      if (s.to_collector) {
        s.password = "i20-Md5_key.1";  // the collector's bgp_password
      }
    }
  } else if (which == "ipv4_only") {
    t.ipv6 = false;
    std::erase_if(t.sessions, [](const topology::BgpSession& s) { return s.family == Family::kIpv6; });
    for (auto& n : t.nodes) {
      n.loopback6.reset();
      n.mgmt6.reset();
      std::erase_if(n.announce, [](const Prefix& p) { return p.family() == Family::kIpv6; });
      for (auto& i : n.interfaces) {
        i.ipv6.reset();
      }
    }
  } else if (which == "probe_bgp") {
    // Model 1: a flowprobe with a BGP feed in r1 and in r3 (probes[].bgp: true), as derive() adds the sessions.
    for (const char* router : {"r1", "r3"}) {
      topology::BgpSession s;
      s.local_node = router;
      s.remote_node = topology::kProbeBgpNode;
      s.local_address = *IpAddress::parse(topology::kProbeBgpRouterAddress);
      s.remote_address = *IpAddress::parse(topology::kProbeBgpProbeAddress);
      s.local_asn = t.find_node(router)->asn;
      s.remote_asn = s.local_asn;
      s.type = topology::SessionType::kIbgp;
      s.to_probe = true;
      s.local_interface = "lo";
      t.sessions.push_back(s);
    }
  } else if (which == "no_ospf") {
    for (auto& n : t.nodes) {
      n.ospf = false;
      for (auto& i : n.interfaces) {
        i.ospf = false;
      }
    }
    // iBGP r1-r2 over the direct link instead of the loopbacks.
    t.sessions[0].local_address = *IpAddress::parse("198.18.0.0");
    t.sessions[0].remote_address = *IpAddress::parse("198.18.0.1");
    t.sessions[1].local_address = *IpAddress::parse("2001:db8:ffff::");
    t.sessions[1].remote_address = *IpAddress::parse("2001:db8:ffff::1");
    for (int i : {0, 1}) {
      t.sessions[static_cast<std::size_t>(i)].over_loopback = false;
      t.sessions[static_cast<std::size_t>(i)].local_interface = "eth1";
      t.sessions[static_cast<std::size_t>(i)].remote_interface = "eth1";
    }
  }
  return t;
}

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

TEST(RenderVariants, RenderAndPassSyntaxChecks) {
  const bool can_check = have("/usr/sbin/bird") && have("/usr/bin/vtysh");
  const auto dir = std::filesystem::temp_directory_path() / ("fl-tndrender-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const char* which : {"ebgp_collector", "md5_collector", "ipv4_only", "no_ospf", "probe_bgp"}) {
    SCOPED_TRACE(which);
    auto t = variant(which);
    for (const char* name : kRouters) {
      SCOPED_TRACE(name);
      auto b = bird::render_bird_config(t, *t.find_node(name));
      ASSERT_TRUE(b.ok()) << b.error().to_string();
      auto f = frr::render_frr_config(t, *t.find_node(name));
      ASSERT_TRUE(f.ok()) << f.error().to_string();
      const std::string w(which);
      if (w == "ebgp_collector" && std::string(name) != "r3") {
        EXPECT_TRUE(contains(*b, "next hop keep;"));
        EXPECT_FALSE(contains(*b, "rr client"));
        EXPECT_TRUE(contains(f->integrated, "attribute-unchanged next-hop"));
        EXPECT_FALSE(contains(f->integrated, "route-reflector-client"));
      } else if (w == "md5_collector") {
        // TCP-MD5 on the collector sessions only (r1 and r2 peer with c1 in the fixture), in each daemon's syntax.
        const bool peers = std::string(name) != "r3";
        EXPECT_EQ(contains(*b, "  password \"i20-Md5_key.1\";"), peers) << *b;
        EXPECT_EQ(contains(f->integrated, " password i20-Md5_key.1\n"), peers) << f->integrated;
        const auto other = variant("ebgp_collector");
        EXPECT_FALSE(contains(*bird::render_bird_config(other, *other.find_node(name)), "password"));
      } else if (w == "ipv4_only") {
        EXPECT_FALSE(contains(*b, "_v6"));
        EXPECT_FALSE(contains(*b, "ospf v3"));
        EXPECT_FALSE(contains(*b, "announce6"));
        EXPECT_FALSE(contains(f->integrated, "address-family ipv6"));
      } else if (w == "probe_bgp" && std::string(name) != "r2") {
        EXPECT_TRUE(contains(*b, "protocol bgp flowprobe_v4 {"));
        EXPECT_TRUE(contains(*b, "  neighbor 100.127.255.2 port 1179 as "));
        EXPECT_TRUE(contains(*b, "  local 100.127.255.1 as "));
        EXPECT_TRUE(contains(f->integrated, " neighbor 100.127.255.2 port 1179\n"));
        EXPECT_TRUE(contains(f->integrated, " neighbor 100.127.255.2 update-source 100.127.255.1\n"));
        // One IPv4 session, activated for IPv6 unicast too.
        const auto v6 = f->integrated.find(" address-family ipv6 unicast");
        ASSERT_NE(v6, std::string::npos);
        EXPECT_NE(f->integrated.find("  neighbor 100.127.255.2 activate", v6), std::string::npos);
        expect_golden(std::string(name) + ".probe-bgp.bird.conf", *b);
        expect_golden(std::string(name) + ".probe-bgp.frr.conf", f->integrated);
      } else if (w == "no_ospf") {
        EXPECT_FALSE(contains(*b, "protocol ospf"));
        EXPECT_FALSE(contains(*b, "multihop"));
        EXPECT_FALSE(contains(f->integrated, "router ospf"));
        for (const auto& d : f->daemons) {
          EXPECT_NE(d.daemon, "ospfd");
        }
      }
      if (!can_check) {
        continue;
      }
      const auto bird_file = dir / (w + "." + name + ".bird.conf");
      const auto frr_file = dir / (w + "." + name + ".frr.conf");
      std::ofstream(bird_file) << *b;
      std::ofstream(frr_file) << f->integrated;
      auto bo = process::run({"/usr/sbin/bird", "-p", "-c", bird_file.string()});
      ASSERT_TRUE(bo.ok());
      EXPECT_TRUE(bo->success()) << bo->err << bo->out;
      auto fo = process::run({"/usr/bin/vtysh", "-C", "-f", frr_file.string()});
      ASSERT_TRUE(fo.ok());
      EXPECT_TRUE(fo->success()) << fo->err << fo->out;
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace flowlab::nodes
