// flowlab::topology plan JSON — the fully derived plan of a topology as one JSON document.
//
// `labctl validate --plan` prints it and deploy stores it beside the lab state. Keys are sorted (nlohmann::json
// objects), arrays keep file order, absent optional values are left out: the same file always gives the same
// bytes from dump(). Golden tests compare it (tests/golden/topology/*.plan.json).
#pragma once

#include "model/model.hpp"

#include <nlohmann/json.hpp>

namespace flowlab::topology {

[[nodiscard]] nlohmann::json to_json(const Topology& topology);

[[nodiscard]] std::string_view format_name(ExportFormat format);          // "v5", "v9", "ipfix", "sflow"
[[nodiscard]] std::string_view direction_name(ProbeDirection direction);  // "in", "out", "both"

}  // namespace flowlab::topology
