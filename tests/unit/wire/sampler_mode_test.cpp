// The exporter announces the sampling mode it was told (ExportOptions::sampling_algorithm; flowprobe
// --sampling-mode): SAMPLING_ALGORITHM 35 in the v9 / IPFIX sampling options record (RFC 3954 §8, IANA IE 35:
// 1 deterministic, 2 random), the two mode bits of the NetFlow v5 header (01, 10). Read back from the bytes.
#include "probes/wire/exporter.hpp"
#include "probes/wire/ie.hpp"
#include "tests/unit/wire/fixtures.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace flowlab::wire {
namespace {

std::uint32_t be(const std::vector<std::byte>& d, std::size_t at, std::size_t n) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    v = (v << 8) | std::to_integer<std::uint32_t>(d.at(at + i));
  }
  return v;
}

// The value of IE `ie` in every sampling options record (template 258) of a v9 / IPFIX datagram: the options
// template gives the field offsets, the data set the records.
std::vector<std::uint32_t> options_values(const std::vector<std::byte>& d, bool ipfix, std::uint16_t ie) {
  std::vector<std::pair<std::uint16_t, std::uint16_t>> fields;  // (ie, length), scope first
  std::vector<std::uint32_t> out;
  for (std::size_t at = ipfix ? 16 : 20; at + 4 <= d.size();) {
    const auto id = static_cast<std::uint16_t>(be(d, at, 2));
    const std::size_t length = be(d, at + 2, 2);
    if (length < 4) {
      break;
    }
    if (id == (ipfix ? 3 : 1) && be(d, at + 4, 2) == kExportTemplateSampling) {
      // IPFIX: field count, scope count; v9: scope bytes, option bytes (4 per field)
      const std::size_t count = ipfix ? be(d, at + 6, 2) : (be(d, at + 6, 2) + be(d, at + 8, 2)) / 4;
      for (std::size_t i = 0; i < count; ++i) {
        fields.emplace_back(static_cast<std::uint16_t>(be(d, at + 10 + 4 * i, 2)),
                            static_cast<std::uint16_t>(be(d, at + 12 + 4 * i, 2)));
      }
    } else if (id == kExportTemplateSampling) {
      std::size_t record = 0;
      for (const auto& f : fields) {
        record += f.second;
      }
      for (std::size_t r = at + 4; record > 0 && r + record <= at + length; r += record) {
        std::size_t offset = r;
        for (const auto& [field, bytes] : fields) {
          if (field == ie) {
            out.push_back(be(d, offset, bytes));
          }
          offset += bytes;
        }
      }
    }
    at += length;
  }
  return out;
}

TEST(SamplerMode, V9AndIpfixAnnounceTheAlgorithmTheyAreGiven) {
  for (const auto protocol : {ExportProtocol::kNetflowV9, ExportProtocol::kIpfix}) {
    for (const auto announce : {SamplerAnnounce::kDomain, SamplerAnnounce::kV9Sampler}) {
      for (const auto algorithm : {SamplingAlgorithm::kDeterministic, SamplingAlgorithm::kRandom}) {
        SCOPED_TRACE(std::to_string(static_cast<int>(protocol)) + " " +
                     std::string(enum_name(kSamplerAnnounceNames, announce)) + " algorithm " +
                     std::to_string(static_cast<int>(algorithm)));
        ExportOptions o;
        o.protocol = protocol;
        o.sampling_interval = 10;
        o.sampler_announce = announce;
        o.sampling_algorithm = algorithm;
        Exporter exporter(o);
        auto records = test::sample_records();
        records.resize(1);
        records[0].sampling_interval = 10;
        const auto datagrams = exporter.encode(records, test::kNowMs);
        ASSERT_FALSE(datagrams.empty());
        const bool ipfix = protocol == ExportProtocol::kIpfix;
        EXPECT_EQ(options_values(datagrams[0], ipfix, ie::kSamplingInterval), std::vector<std::uint32_t>{10});
        EXPECT_EQ(options_values(datagrams[0], ipfix, ie::kSamplingAlgorithm),
                  std::vector<std::uint32_t>{algorithm == SamplingAlgorithm::kRandom ? 2U : 1U});
      }
    }
  }
}

TEST(SamplerMode, V5HeaderCarriesTheModeBits) {
  for (const auto algorithm : {SamplingAlgorithm::kDeterministic, SamplingAlgorithm::kRandom}) {
    ExportOptions o;
    o.protocol = ExportProtocol::kNetflowV5;
    o.sampling_interval = 100;
    o.sampling_algorithm = algorithm;
    Exporter exporter(o);
    auto records = test::sample_records();
    records.resize(1);
    const auto datagrams = exporter.encode(records, test::kNowMs);
    ASSERT_FALSE(datagrams.empty());
    // Header bytes 22-23: mode (2 bits: 01 deterministic, 10 random) and interval (14 bits).
    EXPECT_EQ(be(datagrams[0], 22, 2), (algorithm == SamplingAlgorithm::kRandom ? 0x8000U : 0x4000U) | 100U);
  }
}

}  // namespace
}  // namespace flowlab::wire
