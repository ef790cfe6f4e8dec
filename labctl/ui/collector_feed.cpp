#include "labctl/ui/collector_feed.hpp"

#include "probes/collector/query.hpp"

namespace flowlab::ui {

Result<const topology::Node*> find_collector(const topology::Topology& topo, const std::string& name) {
  for (const auto& n : topo.nodes) {
    if (n.role == topology::Role::kCollector && (name.empty() || n.name == name)) {
      return &n;
    }
  }
  return fail(ErrorKind::kNotFound, name.empty() ? "lab " + topo.name + " has no collector node"
                                                 : "lab " + topo.name + " has no collector node '" + name + "'");
}

std::filesystem::path collector_socket(const topology::Topology& topo, const topology::Node& collector,
                                       const lab::Options& options) {
  return lab::node_context(topo, collector, options).dir / "collector.sock";
}

Result<nlohmann::json> query_collector(const topology::Topology& topo, const topology::Node& collector,
                                       const nlohmann::json& request, const lab::Options& options) {
  auto response = collector::query_socket(collector_socket(topo, collector, options).string(), request);
  if (!response) {
    return fail(response.error().kind, collector.name + ": " + response.error().message);
  }
  return response;
}

Result<nlohmann::json> collector_table(const topology::Topology& topo, const topology::Node& collector,
                                       const lab::Options& options) {
  collector::QueryOptions all;
  all.sort = "bytes";
  auto request = collector::build_request(all);
  FLOWLAB_TRY(request);
  auto response = query_collector(topo, collector, *request, options);
  FLOWLAB_TRY(response);
  if (!response->value("ok", false)) {
    return fail(ErrorKind::kParse, collector.name + ": " + response->value("error", std::string("query refused")));
  }
  return response;
}

}  // namespace flowlab::ui
