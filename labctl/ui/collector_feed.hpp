// flowlab::ui collector feed — the one way labctl reads a deployed lab's flowcollector: `labctl flows` (once or
// with --watch) and the live view of `labctl ui` both find the collector node here and ask its query socket
// (<rundir>/<lab>/<node>/collector.sock, probes/collector/query.hpp) through query_collector().
#pragma once

#include "common/result.hpp"
#include "labctl/lab/lab.hpp"
#include "model/model.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace flowlab::ui {

// The collector node `name` of a deployed lab, or its first collector when name is "". Errors say which is missing.
Result<const topology::Node*> find_collector(const topology::Topology& topo, const std::string& name);

// The node's query socket.
std::filesystem::path collector_socket(const topology::Topology& topo, const topology::Node& collector,
                                       const lab::Options& options);

// One request to the collector's query socket; errors are prefixed with the node's name.
Result<nlohmann::json> query_collector(const topology::Topology& topo, const topology::Node& collector,
                                       const nlohmann::json& request, const lab::Options& options);

// The whole of the collector's first aggregate (every row, every primitive): the table the live view and
// `labctl flows --watch` group into top talkers.
Result<nlohmann::json> collector_table(const topology::Topology& topo, const topology::Node& collector,
                                       const lab::Options& options);

}  // namespace flowlab::ui
