#include "probes/faults/faults.hpp"

#include "common/strings.hpp"

#include <string>
#include <vector>

namespace flowlab::faults {

Status enable(std::string_view name) {
  const auto fault = find_enum(kFaultNames, name);
  if (!fault) {
    std::vector<std::string> known;
    for (const auto& entry : kFaultNames) {
      known.emplace_back(entry.name);
    }
    return fail(ErrorKind::kUsage, "--fault: unknown fault '" + std::string(name) + "' (known: " + join(known) + ")");
  }
  detail::active |= 1U << static_cast<unsigned>(*fault);
  return {};
}

}  // namespace flowlab::faults
