// libFuzzer target: the tee's receivers file (pmacct syntax). A parsed file rendered back parses again to the
// same rendering.
#include "probes/collector/tee.hpp"
#include "tests/fuzz/text_input.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto pools = flowlab::collector::parse_tee_receivers(flowlab::fuzz::as_text(data, size), "receivers.lst");
  if (!pools.ok()) {
    return 0;
  }
  const std::string rendered = flowlab::collector::render_tee_receivers(*pools);
  auto again = flowlab::collector::parse_tee_receivers(rendered, "rendered");
  if (!again.ok() || flowlab::collector::render_tee_receivers(*again) != rendered) {
    std::abort();
  }
  return 0;
}
