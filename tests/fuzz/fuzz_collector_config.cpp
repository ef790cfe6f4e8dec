// libFuzzer target: flowcollector.yaml (parse_config). Errors are Results, never exceptions or crashes.
#include "probes/collector/config.hpp"
#include "tests/fuzz/text_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)flowlab::collector::parse_config(flowlab::fuzz::as_text(data, size), "f.yaml");
  return 0;
}
