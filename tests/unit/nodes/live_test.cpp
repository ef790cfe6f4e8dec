// Real-daemon check (ctest label `lab`, root only): the fixture topology runs with real BIRD and FRR, mixed both
// ways, in namespaces named fl-tnd<pid>-*. The test fixture builds namespaces and veths with the iproute2 CLI
// (library code never does); the nodes run exactly the programs their drivers give, and every assertion is read
// back through the drivers (ready, bgp_sessions, rib). Checks: BIRD<->FRR eBGP over IPv4 and IPv6 (MP-BGP), OSPF +
// iBGP over loopbacks, every policy kind, next hop kept towards the collector, FIB installation (ping across
// the ASes), and cleanup. FLOWLAB_CAPTURE_DIR=<dir> also stores the raw birdc/vtysh outputs there.
#include "fixture.hpp"
#include "nodes/bird/bird_driver.hpp"
#include "nodes/core/driver.hpp"
#include "nodes/frr/frr_driver.hpp"
#include "platform/process/process.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <thread>

namespace flowlab::nodes {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

process::Output sh(const std::vector<std::string>& argv) {
  auto out = process::run(argv);
  EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().to_string());
  if (!out.ok()) {
    return {};
  }
  EXPECT_TRUE(out->success()) << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << " ... : " << out->err;
  return *out;
}

void in_ns(const std::string& ns, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
  sh(argv);
}

// A BIRD standing in for the collector: passive iBGP towards every router that peers with c1, stores all.
std::string collector_config(const topology::Topology& topo) {
  std::string out = "router id 198.19.0.100;\nprotocol device {}\n";
  for (const auto& s : topo.sessions) {
    if (!s.to_collector) {
      continue;
    }
    const bool v6 = s.family == Family::kIpv6;
    out += "protocol bgp " + s.local_node + (v6 ? "_v6" : "_v4") + " {\n  local " + s.remote_address.to_string() +
           " as " + std::to_string(s.remote_asn) + ";\n  neighbor " + s.local_address.to_string() + " as " +
           std::to_string(s.local_asn) + ";\n  multihop;\n  passive;\n  " + (v6 ? "ipv6" : "ipv4") +
           " { import all; export none; gateway recursive; };\n}\n";
  }
  return out;
}

class LiveLab {
 public:
  LiveLab(topology::Topology topo, fs::path root) : topo_(std::move(topo)), root_(std::move(root)) {}
  LiveLab(const LiveLab&) = delete;
  LiveLab& operator=(const LiveLab&) = delete;
  ~LiveLab() { teardown(); }

  void build() {
    fs::create_directories(root_);
    fs::permissions(root_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
    std::vector<std::string> names;
    for (const auto& n : topo_.nodes) {
      names.push_back(n.namespace_name);
    }
    names.push_back(topo_.mgmt_namespace());
    for (const auto& ns : names) {
      sh({"ip", "netns", "add", ns});
      namespaces_.push_back(ns);
      in_ns(ns, {"ip", "link", "set", "lo", "up"});
      in_ns(ns, {"sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
                 "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0"});
    }
    // Data-plane links.
    int n = 0;
    for (const auto& node : topo_.nodes) {
      for (const auto& i : node.interfaces) {
        if (node.name > i.peer_node) {
          continue;
        }
        const auto* peer = topo_.find_node(i.peer_node);
        std::string a = "fltnd" + std::to_string(n) + "a";
        std::string b = "fltnd" + std::to_string(n++) + "b";
        sh({"ip", "link", "add", a, "netns", node.namespace_name, "type", "veth", "peer", "name", b, "netns",
            peer->namespace_name});
        sh({"ip", "-n", node.namespace_name, "link", "set", a, "name", i.name});
        sh({"ip", "-n", peer->namespace_name, "link", "set", b, "name", i.peer_interface});
      }
    }
    for (const auto& node : topo_.nodes) {
      const auto& ns = node.namespace_name;
      for (const auto& i : node.interfaces) {
        sh({"ip", "-n", ns, "addr", "add", i.ipv4->to_string(), "dev", i.name});
        sh({"ip", "-n", ns, "addr", "add", i.ipv6->to_string(), "dev", i.name, "nodad"});
        sh({"ip", "-n", ns, "link", "set", i.name, "up"});
      }
      if (node.loopback) {
        sh({"ip", "-n", ns, "addr", "add", node.loopback->to_string() + "/32", "dev", "lo"});
        sh({"ip", "-n", ns, "addr", "add", node.loopback6->to_string() + "/128", "dev", "lo"});
      }
      if (node.gateway4) {
        sh({"ip", "-n", ns, "route", "add", "default", "via", node.gateway4->to_string()});
        sh({"ip", "-n", ns, "-6", "route", "add", "default", "via", node.gateway6->to_string()});
      }
      // Management network: a bridge in the mgmt namespace, one veth per node.
      std::string m = "fltndm" + node.name;
      sh({"ip", "link", "add", "mgmt0", "netns", ns, "type", "veth", "peer", "name", m, "netns",
          topo_.mgmt_namespace()});
      sh({"ip", "-n", ns, "addr", "add", node.mgmt4.to_string(), "dev", "mgmt0"});
      if (node.mgmt6) {
        sh({"ip", "-n", ns, "addr", "add", node.mgmt6->to_string(), "dev", "mgmt0", "nodad"});
      }
      sh({"ip", "-n", ns, "link", "set", "mgmt0", "up"});
      mgmt_ports_.push_back(m);
    }
    const auto& mns = topo_.mgmt_namespace();
    sh({"ip", "-n", mns, "link", "add", "br0", "type", "bridge"});
    sh({"ip", "-n", mns, "link", "set", "br0", "up"});
    for (const auto& m : mgmt_ports_) {
      sh({"ip", "-n", mns, "link", "set", m, "master", "br0", "up"});
    }
    // Something to ping inside r3's announcements.
    sh({"ip", "-n", topo_.namespace_of("r3"), "addr", "add", "198.51.100.1/32", "dev", "lo"});
    sh({"ip", "-n", topo_.namespace_of("r3"), "addr", "add", "2001:db8:3::1/128", "dev", "lo"});
  }

  NodeContext context(const std::string& node) const {
    return NodeContext{&topo_, topo_.find_node(node), root_ / node};
  }

  void start_routers() {
    for (const auto* node : topo_.routers()) {
      auto ctx = context(node->name);
      fs::create_directories(ctx.dir);
      const auto* driver = find_driver(node->kind);
      ASSERT_NE(driver, nullptr) << node->kind;
      auto rendered = driver->render(ctx);
      ASSERT_TRUE(rendered.ok()) << rendered.error().to_string();
      const auto specs = driver->programs(ctx);
      for (std::size_t i = 0; i < specs.size(); ++i) {
        auto ref = process::start(specs[i]);
        ASSERT_TRUE(ref.ok()) << specs[i].name << ": " << ref.error().to_string();
        refs_.push_back(*ref);
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (true) {
          auto go = driver->program_ready(ctx, i);
          ASSERT_TRUE(go.ok()) << go.error().to_string();
          if (*go) {
            break;
          }
          ASSERT_LT(std::chrono::steady_clock::now(), deadline) << specs[i].name << " never got ready";
          std::this_thread::sleep_for(20ms);
        }
      }
    }
    // The stand-in collector.
    fs::path cdir = root_ / "c1";
    fs::create_directories(cdir);
    std::ofstream(cdir / "bird.conf") << collector_config(topo_);
    process::Spec spec;
    spec.name = "bird";
    spec.argv = {"bird", "-f", "-c", (cdir / "bird.conf").string(), "-s", (cdir / "bird.ctl").string()};
    spec.netns = topo_.namespace_of("c1");
    spec.log_file = cdir / "bird.log";
    auto ref = process::start(spec);
    ASSERT_TRUE(ref.ok()) << ref.error().to_string();
    refs_.push_back(*ref);
  }

  void teardown() {
    for (auto it = refs_.rbegin(); it != refs_.rend(); ++it) {
      (void)process::stop(*it);
    }
    refs_.clear();
    for (const auto& ns : namespaces_) {
      (void)process::run({"ip", "netns", "del", ns});
    }
    namespaces_.clear();
    if (std::getenv("FLOWLAB_KEEP_DIR") == nullptr) {
      std::error_code ec;
      fs::remove_all(root_, ec);
    }
  }

  const topology::Topology& topo() const { return topo_; }
  const fs::path& root() const { return root_; }

 private:
  topology::Topology topo_;
  fs::path root_;
  std::vector<std::string> namespaces_;
  std::vector<std::string> mgmt_ports_;
  std::vector<process::ProcessRef> refs_;
};

const RibEntry* find_best(const std::vector<RibEntry>& rib, const std::string& prefix) {
  for (const auto& r : rib) {
    if (r.best && r.source == "bgp" && r.prefix.to_string() == prefix) {
      return &r;
    }
  }
  return nullptr;
}

const RibEntry* find_from(const std::vector<RibEntry>& rib, const std::string& prefix, const std::string& from) {
  for (const auto& r : rib) {
    if (r.source == "bgp" && r.prefix.to_string() == prefix && r.from && r.from->to_string() == from) {
      return &r;
    }
  }
  return nullptr;
}

void capture(const fs::path& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name) << text;
}

class Live : public ::testing::TestWithParam<testing::FixtureKinds> {};

TEST_P(Live, MixedRoutersConvergeAndForward) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root (namespaces)";
  }
  const auto kinds = GetParam();
  const std::string lab = "tnd" + std::to_string(::getpid() % 100000);
  LiveLab live(testing::golden_topology(kinds, lab), fs::temp_directory_path() / ("fl-" + lab));
  ASSERT_NO_FATAL_FAILURE(live.build());
  ASSERT_NO_FATAL_FAILURE(live.start_routers());

  const auto started = std::chrono::steady_clock::now();
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::seconds(std::getenv("FLOWLAB_LIVE_TIMEOUT") ? std::atoi(std::getenv("FLOWLAB_LIVE_TIMEOUT")) : 60);
  // Ready.
  for (const auto* node : live.topo().routers()) {
    const auto* driver = find_driver(node->kind);
    bool up = false;
    while (!up && std::chrono::steady_clock::now() < deadline) {
      auto r = driver->ready(live.context(node->name));
      ASSERT_TRUE(r.ok()) << r.error().to_string();
      up = *r;
      if (!up) {
        std::this_thread::sleep_for(100ms);
      }
    }
    ASSERT_TRUE(up) << node->name << " never became ready";
  }
  // Converged: every session Established and the routes the assertions need present.
  const std::vector<std::pair<std::string, std::size_t>> expected_sessions{{"r1", 6}, {"r2", 5}, {"r3", 4}};
  bool converged = false;
  std::string why;
  while (!converged && std::chrono::steady_clock::now() < deadline) {
    converged = true;
    for (const auto& [name, count] : expected_sessions) {
      const auto* node = live.topo().find_node(name);
      auto sessions = find_driver(node->kind)->bgp_sessions(live.context(name));
      ASSERT_TRUE(sessions.ok()) << sessions.error().to_string();
      auto up = std::count_if(sessions->begin(), sessions->end(),
                              [](const BgpSessionStatus& s) { return s.state == SessionState::kEstablished; });
      if (static_cast<std::size_t>(up) != count) {
        converged = false;
        why = name + ": " + std::to_string(up) + "/" + std::to_string(count) + " sessions established";
      }
      auto rib = find_driver(node->kind)->rib(live.context(name));
      ASSERT_TRUE(rib.ok()) << rib.error().to_string();
      for (const char* p : {"192.0.2.0/24", "2001:db8:1::/48", "198.51.100.0/24", "2001:db8:3::/48"}) {
        const bool own = std::any_of(node->announce.begin(), node->announce.end(),
                                     [&](const Prefix& a) { return a.to_string() == p; });
        const auto* best = find_best(*rib, p);
        if (!own && best == nullptr) {
          converged = false;
          why = name + ": no best BGP route to " + p;
        }
        // r1 ends up preferring r2's route (local-pref 200) once the iBGP session has delivered it.
        if (name == "r1" && best != nullptr && !best->as_path.empty() && best->local_pref != 200U) {
          converged = false;
          why = "r1: best route to " + std::string(p) + " does not have local-pref 200 yet";
        }
      }
    }
    if (!converged) {
      std::this_thread::sleep_for(250ms);
    }
  }
  if (const char* cap = std::getenv("FLOWLAB_CAPTURE_DIR")) {
    fs::create_directories(cap);
    for (const auto* node : live.topo().routers()) {
      auto dir = live.context(node->name).dir;
      const std::string prefix = std::string(node->name) + "." + node->kind + ".";
      if (node->kind == "bird") {
        capture(cap, prefix + "show_route_all.txt", *bird::birdc(dir, {"show", "route", "all"}));
        capture(cap, prefix + "show_protocols_all.txt", *bird::birdc(dir, {"show", "protocols", "all"}));
      } else {
        capture(cap, prefix + "bgp_ipv4.json", *frr::vtysh(dir, "show bgp ipv4 unicast json detail", "bgpd"));
        capture(cap, prefix + "bgp_ipv6.json", *frr::vtysh(dir, "show bgp ipv6 unicast json detail", "bgpd"));
        capture(cap, prefix + "route_ipv4.json", *frr::vtysh(dir, "show ip route json", "zebra"));
        capture(cap, prefix + "route_ipv6.json", *frr::vtysh(dir, "show ipv6 route json", "zebra"));
        capture(cap, prefix + "bgp_neighbors.json", *frr::vtysh(dir, "show bgp neighbors json", "bgpd"));
      }
    }
  }

  ASSERT_TRUE(converged) << why;
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "converged " << seconds << " s after the daemons were started\n";
  RecordProperty("converge_seconds", std::to_string(seconds));

  // Policies as the routers hold them.
  auto rib_of = [&](const std::string& name) {
    auto r = find_driver(live.topo().find_node(name)->kind)->rib(live.context(name));
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::vector<RibEntry>{};
  };
  auto r1 = rib_of("r1");
  auto r2 = rib_of("r2");
  auto r3 = rib_of("r3");
  for (const auto& [prefix, r3_addr, r2_lo] : {std::tuple{"198.51.100.0/24", "198.18.0.5", "203.0.113.2"},
                                               std::tuple{"2001:db8:3::/48", "2001:db8:ffff::5", "2001:db8:ff::2"}}) {
    SCOPED_TRACE(prefix);
    // r2 prefers r3 (local_pref 200 on import; MED 20 set by r3's export).
    const auto* b2 = find_best(r2, prefix);
    ASSERT_NE(b2, nullptr);
    EXPECT_EQ(b2->as_path, (std::vector<std::uint32_t>{64510}));
    EXPECT_EQ(b2->local_pref, 200U);
    EXPECT_EQ(b2->med, 20U);
    // r1 takes r2's route over iBGP (local_pref 200 beats its own eBGP route), next hop r2's loopback.
    const auto* b1 = find_best(r1, prefix);
    ASSERT_NE(b1, nullptr);
    EXPECT_EQ(b1->local_pref, 200U);
    EXPECT_EQ(b1->as_path, (std::vector<std::uint32_t>{64510}));
    ASSERT_TRUE(b1->next_hop.has_value());
    EXPECT_EQ(b1->next_hop->to_string(), r2_lo);
    // r1's direct route from r3: prepended twice, communities added by r3, MED 50 set by r1's import.
    const auto* d1 = find_from(r1, prefix, r3_addr);
    ASSERT_NE(d1, nullptr);
    EXPECT_FALSE(d1->best);
    EXPECT_EQ(d1->as_path, (std::vector<std::uint32_t>{64510, 64510, 64510}));
    EXPECT_EQ(d1->med, 50U);
    EXPECT_EQ(d1->communities, (std::vector<std::string>{"64510:100"}));
    EXPECT_EQ(d1->large_communities, (std::vector<std::string>{"64510:1:2"}));
  }
  for (const char* prefix : {"192.0.2.0/24", "2001:db8:1::/48"}) {
    const auto* b3 = find_best(r3, prefix);
    ASSERT_NE(b3, nullptr) << prefix;
    EXPECT_EQ(b3->as_path, (std::vector<std::uint32_t>{64500}));
  }

  // The collector sees r2's route to r3's prefix with r3's address as next hop (next hop unchanged).
  auto c1 = bird::birdc(live.root() / "c1", {"show", "route", "all", "protocol", "r2_v4"});
  ASSERT_TRUE(c1.ok()) << c1.error().to_string();
  EXPECT_NE(c1->find("BGP.next_hop: 198.18.0.3"), std::string::npos) << *c1;

  // Packets follow the FIBs: a UDP datagram from h1 reaches an address inside r3's announcements and the answer
  // comes back, IPv4 and IPv6.
  for (const char* dst : {"198.51.100.1", "2001:db8:3::1"}) {
    SCOPED_TRACE(dst);
    auto echo = std::async(std::launch::async, [&] {
      return process::run(
          {"ip", "netns", "exec", live.topo().namespace_of("r3"), FLOWLAB_UDP_PROBE, "echo", dst, "9999"});
    });
    std::this_thread::sleep_for(200ms);
    auto send =
        process::run({"ip", "netns", "exec", live.topo().namespace_of("h1"), FLOWLAB_UDP_PROBE, "send", dst, "9999"});
    ASSERT_TRUE(send.ok());
    EXPECT_TRUE(send->success()) << send->out << send->err;
    auto echoed = echo.get();
    ASSERT_TRUE(echoed.ok());
    EXPECT_TRUE(echoed->success()) << echoed->err;
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, Live,
                         ::testing::Values(testing::FixtureKinds{"bird", "frr", "bird"},
                                           testing::FixtureKinds{"frr", "bird", "frr"}),
                         [](const auto& p) { return p.param.r1 + "_" + p.param.r2 + "_" + p.param.r3; });

}  // namespace
}  // namespace flowlab::nodes
