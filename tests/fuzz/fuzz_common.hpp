// Shared body of the wire fuzz targets: the input is one datagram, decoded twice by one Decoder (the first pass
// learns whatever templates it carries, the second decodes its data sets with them). `version` (if set) is
// written over the first bytes so each target stays on its decoder path.
#pragma once

#include "probes/wire/decoder.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

namespace flowlab::wire::fuzz {

inline void decode_twice(const std::uint8_t* data, std::size_t size, std::span<const std::uint8_t> version) {
  std::vector<std::byte> datagram(size);
  for (std::size_t i = 0; i < size; ++i) {
    datagram[i] = static_cast<std::byte>(data[i]);
  }
  for (std::size_t i = 0; i < version.size() && i < size; ++i) {
    datagram[i] = static_cast<std::byte>(version[i]);
  }
  DecoderOptions options;
  options.max_records_per_datagram = 1024;
  Decoder decoder(options);
  std::vector<FlowRecord> out;
  const IpAddress exporter = IpAddress::v4(0xc00002faU);
  for (int pass = 0; pass < 2; ++pass) {
    auto result = decoder.decode(datagram, exporter, 2055, 1700000000000ULL, out);
    if (result.ok() && result->record_count > out.size()) {
      std::abort();  // info must agree with what was appended
    }
  }
  if (out.size() > 2 * options.max_records_per_datagram) {
    std::abort();  // the record cap holds
  }
}

}  // namespace flowlab::wire::fuzz
