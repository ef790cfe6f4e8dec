// libFuzzer target: the topology YAML loader (parse, validate, derive) with the product's kind table. Either a
// topology or at least one file:line:col diagnostic, never both, never neither.
#include "model/loader.hpp"
#include "nodes/core/driver.hpp"
#include "tests/fuzz/text_input.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto result =
      flowlab::topology::load_topology_string(flowlab::fuzz::as_text(data, size), flowlab::nodes::kinds(), "f.yaml");
  if (result.ok() == !result.diagnostics.empty()) {
    std::abort();
  }
  return 0;
}
