// libFuzzer target: sFlow v5 — the Decoder's path and the model decoder, plus a property: whatever the model
// decoder accepts re-encodes to a datagram that decodes to the same model.
#include "probes/wire/sflow.hpp"
#include "tests/fuzz/fuzz_common.hpp"

#include <array>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::array<std::uint8_t, 4> kVersion{0, 0, 0, 5};
  flowlab::wire::fuzz::decode_twice(data, size, kVersion);
  std::vector<std::byte> datagram(size);
  for (std::size_t i = 0; i < size; ++i) {
    datagram[i] = static_cast<std::byte>(i < 4 ? kVersion[i] : data[i]);
  }
  auto model = flowlab::wire::decode_sflow(datagram);
  if (model.ok() && model->flow_samples.size() + model->counter_samples.size() < 64) {
    const auto encoded = flowlab::wire::encode_sflow(*model);
    auto again = flowlab::wire::decode_sflow(encoded);
    if (!again.ok() || !(*again == *model)) {
      std::abort();
    }
  }
  return 0;
}
