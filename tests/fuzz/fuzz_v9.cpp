// libFuzzer target: the Decoder's v9 path (version bytes forced).
#include "tests/fuzz/fuzz_common.hpp"

#include <array>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::array<std::uint8_t, 2> kVersion{0x00, 0x09};
  flowlab::wire::fuzz::decode_twice(data, size, kVersion);
  return 0;
}
