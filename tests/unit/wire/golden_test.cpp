// Golden vectors in tests/golden/wire/, both directions:
//   encode: fixtures -> exact bytes (<name>.hex, regenerated with UPDATE_GOLDEN=1);
//   decode: <name>.hex -> exact records, per-datagram info and counters (<name>.json, same switch).
// The hand-built decode vectors come from tests/golden/wire/make_vectors.py (annotated, checked with tshark).
// Every truncation of every golden datagram must fail cleanly: an error, fewer records, or a counter.
#include "probes/wire/decoder.hpp"
#include "tests/unit/wire/fixtures.hpp"
#include "tests/unit/wire/wire_test_util.hpp"

#include <gtest/gtest.h>

namespace flowlab::wire {
namespace {

const std::string kDir = std::string(FLOWLAB_SOURCE_DIR) + "/tests/golden/wire/";
const IpAddress kExporter = *IpAddress::parse("192.0.2.250");
constexpr std::uint16_t kPort = 2055;
constexpr std::uint64_t kReceiveMs = 1700000005000ULL;

const std::vector<std::string> kEncodeCases = {"exporter_v5", "exporter_v9", "exporter_ipfix", "sflow_samples"};
const std::vector<std::string> kDecodeOnlyCases = {"v5_sampled", "v9_options_padding_wrap", "ipfix_varlen_enterprise",
                                                   "ipfix_withdrawal_sysuptime", "ipfix_single_ingress"};

std::vector<std::string> all_cases() {
  auto all = kDecodeOnlyCases;
  all.insert(all.end(), kEncodeCases.begin(), kEncodeCases.end());
  return all;
}

nlohmann::json info_json(const DatagramInfo& i) {
  return {{"protocol", static_cast<int>(i.protocol)},
          {"agent", i.agent.to_string()},
          {"observation_domain", i.observation_domain},
          {"sequence", i.sequence},
          {"export_ms", i.export_ms},
          {"uptime_ms", i.uptime_ms},
          {"header_count", i.header_count},
          {"record_count", i.record_count},
          {"template_count", i.template_count},
          {"options_record_count", i.options_record_count},
          {"sample_count", i.sample_count},
          {"counter_sample_count", i.counter_sample_count},
          {"skipped_sets", i.skipped_sets}};
}

nlohmann::json decode_all(const std::vector<std::vector<std::byte>>& datagrams) {
  Decoder decoder;
  nlohmann::json out;
  out["datagrams"] = nlohmann::json::array();
  out["records"] = nlohmann::json::array();
  out["sflow_counters"] = nlohmann::json::array();
  for (const auto& d : datagrams) {
    std::vector<FlowRecord> records;
    auto info = decoder.decode(d, kExporter, kPort, kReceiveMs, records);
    out["datagrams"].push_back(info.ok() ? info_json(*info) : nlohmann::json{{"error", info.error().to_string()}});
    for (const auto& r : records) {
      out["records"].push_back(test::to_json(r));
    }
    for (const auto& c : decoder.sflow_counters()) {
      out["sflow_counters"].push_back({{"if_index", c.counters.if_index},
                                       {"in_octets", c.counters.in_octets},
                                       {"out_octets", c.counters.out_octets},
                                       {"in_errors", c.counters.in_errors},
                                       {"expanded", c.expanded}});
    }
  }
  out["counters"] = test::to_json(decoder.counters());
  return out;
}

class EncodeGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(EncodeGolden, BytesMatch) {
  const std::string path = kDir + GetParam() + ".hex";
  const auto encoded = test::encode_case(GetParam());
  ASSERT_FALSE(encoded.empty());
  if (test::update_golden()) {
    test::save_hex_datagrams(path,
                             "Encoder golden: written by tests/unit/wire (UPDATE_GOLDEN=1) from fixtures.cpp;\n"
                             "checked with tshark -V (tests/golden/wire/README.md).",
                             encoded);
  }
  const auto golden = test::load_hex_datagrams(path);
  ASSERT_EQ(golden.size(), encoded.size()) << path;
  for (std::size_t i = 0; i < golden.size(); ++i) {
    EXPECT_EQ(to_hex(golden[i]), to_hex(encoded[i])) << GetParam() << " datagram " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Wire, EncodeGolden, ::testing::ValuesIn(kEncodeCases),
                         [](const auto& param_info) { return param_info.param; });

class DecodeGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(DecodeGolden, RecordsMatch) {
  const auto datagrams = test::load_hex_datagrams(kDir + GetParam() + ".hex");
  ASSERT_FALSE(datagrams.empty());
  const nlohmann::json decoded = decode_all(datagrams);
  const std::string json_path = kDir + GetParam() + ".json";
  if (test::update_golden()) {
    test::write_file(json_path, decoded.dump(2) + "\n");
  }
  const std::string text = test::read_file(json_path);
  ASSERT_FALSE(text.empty()) << json_path << " missing: run with UPDATE_GOLDEN=1 and read the diff";
  EXPECT_EQ(nlohmann::json::parse(text).dump(2), decoded.dump(2));
}

// Every prefix of every datagram (after the ones before it, so templates are known) fails cleanly.
TEST_P(DecodeGolden, EveryTruncationFailsCleanly) {
  const auto datagrams = test::load_hex_datagrams(kDir + GetParam() + ".hex");
  for (std::size_t k = 0; k < datagrams.size(); ++k) {
    auto prime = [&](Decoder& d) {
      std::vector<FlowRecord> ignored;
      for (std::size_t j = 0; j < k; ++j) {
        (void)d.decode(datagrams[j], kExporter, kPort, kReceiveMs, ignored);
      }
    };
    Decoder full;
    prime(full);
    const DecodeCounters before = full.counters();
    std::vector<FlowRecord> full_records;
    ASSERT_TRUE(full.decode(datagrams[k], kExporter, kPort, kReceiveMs, full_records).ok());
    const std::string full_counters = test::to_json(full.counters()).dump();
    for (std::size_t length = 0; length < datagrams[k].size(); ++length) {
      SCOPED_TRACE(GetParam() + " datagram " + std::to_string(k) + " cut at " + std::to_string(length));
      Decoder d;
      prime(d);
      std::vector<FlowRecord> records;
      auto result =
          d.decode(std::span<const std::byte>(datagrams[k]).first(length), kExporter, kPort, kReceiveMs, records);
      const bool failed = !result.ok();
      const bool fewer = records.size() < full_records.size();
      const bool counted = test::to_json(d.counters()).dump() != full_counters;
      EXPECT_TRUE(failed || fewer || counted);
      EXPECT_LE(records.size(), full_records.size());
      if (failed) {
        EXPECT_GT(d.counters().datagrams_bad, before.datagrams_bad);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Wire, DecodeGolden, ::testing::ValuesIn(all_cases()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace flowlab::wire
