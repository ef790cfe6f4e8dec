// libFuzzer target: the scenario YAML loader (with the topology it names, resolved against the repository's
// scenarios/ folder as the shipped scenarios are, or inline). Either a scenario or diagnostics, never both.
#include "labctl/scenario/loader.hpp"
#include "tests/fuzz/text_input.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto result = flowlab::scenario::load_scenario_string(flowlab::fuzz::as_text(data, size), "f.yaml",
                                                              FLOWLAB_SOURCE_DIR "/scenarios");
  if (result.ok() == !result.diagnostics.empty()) {
    std::abort();
  }
  if (result.ok()) {
    // Strict: the loaders reject text that is not UTF-8, so every string a scenario holds must serialise.
    (void)flowlab::scenario::to_json(*result.scenario).dump();
  }
  return 0;
}
