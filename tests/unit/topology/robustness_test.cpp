// Untrusted input: mutated topology files never crash the loader and always yield a topology or diagnostics;
// large labs load in reasonable time.
#include "model/loader.hpp"
#include "nodes/core/driver.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace flowlab::topology {
namespace {

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Robustness, MutatedTopologiesAlwaysGiveATopologyOrDiagnostics) {
  const std::string source = FLOWLAB_SOURCE_DIR;
  const std::vector<std::string> seeds{read(source + "/topologies/janog36.yaml"),
                                       read(source + "/topologies/square-dualstack.yaml"),
                                       read(source + "/tests/golden/topology/design-example.yaml")};
  const std::string alphabet = " \n:-[]{},#'\"!&*|>0123456789abcdefrnhm./";
  std::mt19937 rng(20261124);  // fixed: the same mutations on every run
  std::size_t failures = 0;
  for (int round = 0; round < 1500; ++round) {
    std::string text = seeds[static_cast<std::size_t>(round) % seeds.size()];
    const int edits = 1 + round % 4;
    for (int e = 0; e < edits && !text.empty(); ++e) {
      std::uniform_int_distribution<std::size_t> pos(0, text.size() - 1);
      std::uniform_int_distribution<std::size_t> chr(0, alphabet.size() - 1);
      const std::size_t at = pos(rng);
      switch (rng() % 3) {
        case 0:
          text[at] = alphabet[chr(rng)];
          break;
        case 1:
          text.erase(at, 1 + rng() % 8);
          break;
        default:
          text.insert(at, 1, alphabet[chr(rng)]);
          break;
      }
    }
    LoadResult result;
    ASSERT_NO_THROW(result = load_topology_string(text, nodes::kinds(), "m.yaml")) << text;
    ASSERT_NE(result.topology.has_value(), !result.diagnostics.empty()) << text;
    for (const auto& d : result.diagnostics) {
      ASSERT_FALSE(d.message.empty());
      ASSERT_GE(d.mark.line, 0);
    }
    failures += result.ok() ? 0U : 1U;
  }
  EXPECT_GT(failures, 100U);  // the mutations do hit the checks
}

TEST(Robustness, ThousandRouterRingLoads) {
  std::string yaml = "name: ring\nnodes:\n";
  const int n = 1000;
  for (int i = 0; i < n; ++i) {
    yaml += "  r" + std::to_string(i) + ": {asn: " + std::to_string(64512 + i) + "}\n";
  }
  yaml += "links:\n";
  for (int i = 0; i < n; ++i) {
    yaml += "  - endpoints: [r" + std::to_string(i) + ":e1, r" + std::to_string((i + 1) % n) + ":e2]\n";
  }
  const auto start = std::chrono::steady_clock::now();
  auto result = load_topology_string(yaml, nodes::kinds(), "ring.yaml");
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.topology->sessions.size(), 2U * n);
  EXPECT_EQ(result.topology->nodes.back().loopback->to_string(), "198.19.3.232");
  std::cout << "1000-router ring: loaded, validated and derived in " << ms << " ms\n";
}

}  // namespace
}  // namespace flowlab::topology
