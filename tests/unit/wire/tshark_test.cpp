// Interop: Wireshark's dissector (tshark) reads every golden vector and our encoder's output with zero expert
// warnings (no "Malformed", no errors). Skipped when tshark is not installed.
#include "tests/unit/wire/fixtures.hpp"
#include "tests/unit/wire/wire_test_util.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <filesystem>

namespace flowlab::wire {
namespace {

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) {
    return out;
  }
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    out.append(buf, n);
  }
  pclose(p);
  return out;
}

bool have_tshark() { return run("command -v tshark 2>/dev/null").find("tshark") != std::string::npos; }

struct Vector {
  const char* name;
  std::uint16_t port;
};

class TsharkTest : public ::testing::TestWithParam<Vector> {};

TEST_P(TsharkTest, ExpertClean) {
  if (!have_tshark()) {
    GTEST_SKIP() << "tshark not installed";
  }
  const auto datagrams =
      test::load_hex_datagrams(std::string(FLOWLAB_SOURCE_DIR) + "/tests/golden/wire/" + GetParam().name + ".hex");
  ASSERT_FALSE(datagrams.empty());
  const std::string pcap = (std::filesystem::temp_directory_path() /
                            ("wire_tshark_" + std::to_string(getpid()) + "_" + GetParam().name + ".pcap"))
                               .string();
  ASSERT_TRUE(test::write_udp_pcap(pcap, datagrams, GetParam().port));
  const std::string expert = run("tshark -r '" + pcap + "' -q -z expert 2>/dev/null");
  const std::string verbose = run("tshark -r '" + pcap + "' -V 2>/dev/null");
  std::filesystem::remove(pcap);
  EXPECT_EQ(expert.find("Warns"), std::string::npos) << expert;
  EXPECT_EQ(expert.find("Errors"), std::string::npos) << expert;
  EXPECT_EQ(verbose.find("Malformed"), std::string::npos);
  const bool sflow = GetParam().port == 6343;
  EXPECT_NE(verbose.find(sflow ? "InMon sFlow" : "Cisco NetFlow/IPFIX"), std::string::npos);
}

// ipfix_withdrawal_sysuptime is left out: tshark 4.0 misreads an options template withdrawal (see README.md).
INSTANTIATE_TEST_SUITE_P(Wire, TsharkTest,
                         ::testing::Values(Vector{"exporter_v5", 2055}, Vector{"exporter_v9", 2055},
                                           Vector{"exporter_ipfix", 4739}, Vector{"sflow_samples", 6343},
                                           Vector{"v5_sampled", 2055}, Vector{"v9_options_padding_wrap", 2055},
                                           Vector{"ipfix_varlen_enterprise", 4739},
                                           Vector{"ipfix_single_ingress", 4739}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace flowlab::wire
