// flowlab::nodes::clickhouse — the `clickhouse` store kind (role store): a real clickhouse-server in the node's
// namespace, which the collectors naming the node under `store:` insert every enriched record into
// (flowcollector `outputs.clickhouse`, docs/store.md).
//
//   render()       config.xml + users.xml (clickhouse_config.hpp) in the node dir: listening on the node's mgmt0
//                  addresses only (HTTP kHttpPort, native kTcpPort), data/, tmp/ and the logs under the node dir,
//                  the `default` user allowed from the management network and loopback
//   programs()     `clickhouse-server --config-file=<dir>/config.xml` in the namespace (stdout: clickhouse.log);
//                  stopped by PID (SIGTERM, SIGKILL after 15 s)
//   ready()        the server answers `SELECT 1` over HTTP on its mgmt0 IPv4 address, asked from its namespace
//   store_query()  any SQL the same way (labctl flows --history, the scenario's `from: store`)
//   rib(), bgp_sessions(): empty (no routing)
#pragma once

#include "nodes/core/driver.hpp"

namespace flowlab::nodes::clickhouse {

class ClickHouseDriver final : public NodeDriver {
 public:
  [[nodiscard]] topology::Role role() const override { return topology::Role::kStore; }
  Status render(const NodeContext& ctx) const override;
  [[nodiscard]] std::vector<process::Spec> programs(const NodeContext& ctx) const override;
  Result<bool> ready(const NodeContext& ctx) const override;
  Result<std::vector<RibEntry>> rib(const NodeContext& /*ctx*/) const override { return std::vector<RibEntry>{}; }
  Result<std::vector<BgpSessionStatus>> bgp_sessions(const NodeContext& /*ctx*/) const override {
    return std::vector<BgpSessionStatus>{};
  }
  Result<std::string> store_query(const NodeContext& ctx, const std::string& sql) const override;
  [[nodiscard]] std::string store_url(const topology::Node& node) const override;
};

}  // namespace flowlab::nodes::clickhouse
