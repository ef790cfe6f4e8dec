// flowlab::report AS tables — report.html's "AS analysis" section (seed 002), drawn from ui::as_tables()'s JSON
// (labctl/ui/talkers.hpp), which the run computes from the collector's records before the lab is destroyed:
// traffic by AS split by the role of the interface it crossed (`roles:` in the topology), the AS breakdown of each
// interface, and the origin (source) AS of each interface's traffic. Cells carry data-key / data-role / data-bytes.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace flowlab::report {

// The section; empty when `tables` is null.
[[nodiscard]] std::string as_tables_section(const nlohmann::json& tables);

}  // namespace flowlab::report
