// libFuzzer target: the Decoder, format detected from the input.
#include "tests/fuzz/fuzz_common.hpp"

#include <array>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::array<std::uint8_t, 0> kVersion{};
  flowlab::wire::fuzz::decode_twice(data, size, kVersion);
  return 0;
}
