// Lab tests: deploy each shipped topology with real BIRD/FRR in real namespaces, converge, check every router's
// best AS paths from the routers' own RIBs against hand-worked expectations (tests/lab/expected/<topology>.json),
// send UDP host to host across AS hops, destroy, and check that nothing is left. Plus crash safety and two labs
// side by side.
#include "tests/lab/lab_fixture.hpp"

#include "platform/netns/namespace.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

namespace flowlab::labtest {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

#define REQUIRE_ROOT()                                            \
  do {                                                            \
    if (!is_root()) {                                             \
      GTEST_SKIP() << "lab tests need root (network namespaces)"; \
    }                                                             \
  } while (false)

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

// host name -> its first IPv4 and IPv6 interface address, from `labctl inspect --json`.
std::map<std::string, std::pair<std::string, std::string>> host_addresses(const std::string& lab) {
  auto out = labctl({"inspect", lab, "--json"});
  std::map<std::string, std::pair<std::string, std::string>> hosts;
  if (!out.success()) {
    return hosts;
  }
  const json doc = json::parse(out.out);
  for (const auto& n : doc["nodes"]) {
    if (n["interfaces"].empty()) {
      continue;
    }
    auto strip = [](std::string p) { return p.substr(0, p.find('/')); };
    hosts[n["name"]] = {strip(n["interfaces"][0]["ipv4"]), strip(n["interfaces"][0]["ipv6"])};
  }
  return hosts;
}

class ShippedTopology : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedTopology, DeploysConvergesRoutesAsExpectedAndLeavesNothing) {
  REQUIRE_ROOT();
  const std::string topo = GetParam();
  const std::string lab = unique_lab("t" + topo.substr(0, 4));
  json expected = read_json(std::string(FLOWLAB_SOURCE_DIR) + "/tests/lab/expected/" + topo + ".json");
  {
    LabGuard guard(lab);
    auto deploy = labctl({"deploy", "-t", topology_path(topo), "--name", lab});
    ASSERT_TRUE(deploy.success()) << describe(deploy);
    auto converge = labctl({"converge", lab, "--timeout", "90s"});
    ASSERT_TRUE(converge.success()) << describe(converge);

    // Every router's best AS path to every prefix, as the router itself reports it.
    auto routes = labctl({"routes", lab, "--json"});
    ASSERT_TRUE(routes.success()) << describe(routes);
    std::map<std::pair<std::string, std::string>, std::vector<std::uint32_t>> best;
    for (const auto& r : json::parse(routes.out)) {
      best[{r["router"], r["prefix"]}] = r["as_path"].get<std::vector<std::uint32_t>>();
    }
    for (const auto& [router, prefixes] : expected["best_as_paths"].items()) {
      for (const auto& [prefix, path] : prefixes.items()) {
        SCOPED_TRACE(router + " " + prefix);
        auto it = best.find({router, prefix});
        ASSERT_NE(it, best.end()) << router << " has no best route to " << prefix;
        EXPECT_EQ(it->second, path.get<std::vector<std::uint32_t>>());
      }
    }

    // Real packets across the AS hops, both families.
    auto hosts = host_addresses(lab);
    std::uint16_t port = 40000;
    for (const auto& pair : expected["udp"]) {
      const std::string from = pair[0];
      const std::string to = pair[1];
      for (int v6 = 0; v6 <= 1; ++v6) {
        const std::string dst = v6 != 0 ? hosts[to].second : hosts[to].first;
        SCOPED_TRACE(from + " -> " + to + " " + dst);
        ASSERT_FALSE(dst.empty());
        std::string payload = "flowlab " + from + "->" + to;
        EXPECT_EQ(udp_roundtrip("fl-" + lab + "-" + from, "fl-" + lab + "-" + to, dst, port++, payload), payload);
      }
    }
    auto destroy = labctl({"destroy", lab});
    EXPECT_TRUE(destroy.success()) << describe(destroy);
  }
  EXPECT_EQ(leftovers(lab), std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Lab, ShippedTopology, ::testing::Values("chain3", "janog36", "square-dualstack"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(LabCrash, DestroyAfterSigkillMidDeployLeavesNothing) {
  REQUIRE_ROOT();
  const std::string lab = unique_lab("tcrash");
  process::Spec spec{
      .name = "labctl",
      .argv = {FLOWLAB_LABCTL, "--rundir", kRunDir, "deploy", "-t", topology_path("janog36"), "--name", lab},
      .log_file = "/dev/null"};
  auto ref = process::start(spec);
  ASSERT_TRUE(ref.ok()) << ref.error().to_string();
  // Kill it once some namespaces exist (mid-deploy).
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (netns::list_namespaces("fl-" + lab + "-").size() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(2ms);
  }
  ASSERT_EQ(::kill(ref->pid, SIGKILL), 0);
  for (int i = 0; i < 200 && process::alive(*ref); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_FALSE(netns::list_namespaces("fl-" + lab + "-").empty()) << "killed too late to test anything";
  auto destroy = labctl({"destroy", lab});
  EXPECT_TRUE(destroy.success()) << describe(destroy);
  EXPECT_EQ(leftovers(lab), std::vector<std::string>{});
  // Idempotent.
  EXPECT_TRUE(labctl({"destroy", lab}).success());
}

TEST(LabSideBySide, TwoLabsOfOneTopologyDoNotInterfere) {
  REQUIRE_ROOT();
  const std::string a = unique_lab("tsa");
  const std::string b = unique_lab("tsb");
  {
    LabGuard guard_a(a);
    LabGuard guard_b(b);
    ASSERT_TRUE(labctl({"deploy", "-t", topology_path("chain3"), "--name", a}).success());
    ASSERT_TRUE(labctl({"deploy", "-t", topology_path("chain3"), "--name", b}).success());
    EXPECT_TRUE(labctl({"converge", a, "--timeout", "60s"}).success());
    EXPECT_TRUE(labctl({"converge", b, "--timeout", "60s"}).success());
    EXPECT_TRUE(labctl({"destroy", a}).success());
    EXPECT_EQ(leftovers(a), std::vector<std::string>{});
    auto still = labctl({"converge", b, "--timeout", "20s"});
    EXPECT_TRUE(still.success()) << describe(still);
    // The same lab name twice is refused, and the running lab is untouched.
    auto again = labctl({"deploy", "-t", topology_path("chain3"), "--name", b});
    EXPECT_EQ(again.exit_code, 2) << describe(again);
    EXPECT_TRUE(labctl({"converge", b, "--timeout", "20s"}).success());
  }
  EXPECT_EQ(leftovers(a), std::vector<std::string>{});
  EXPECT_EQ(leftovers(b), std::vector<std::string>{});
}

TEST(LabCli, InvalidTopologyIsAUsageErrorAndCreatesNothing) {
  REQUIRE_ROOT();
  const std::string lab = unique_lab("tbad");
  auto dir = std::filesystem::temp_directory_path() / lab;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "bad.yaml") << "name: " << lab << "\nnodes:\n  r1: {asn: 0}\n";
  auto out = labctl({"deploy", "-t", (dir / "bad.yaml").string()});
  EXPECT_EQ(out.exit_code, 2) << describe(out);
  EXPECT_NE(out.err.find("bad.yaml:3:"), std::string::npos) << out.err;
  EXPECT_EQ(leftovers(lab), std::vector<std::string>{});
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace flowlab::labtest
