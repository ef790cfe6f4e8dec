// flowlab::nodes::collector — the `collector` node kind: one flowcollector daemon (issue 4) per node.
//
// Files in the node dir: flowcollector.yaml and agent_map.txt (rendered, collector_config.hpp), collector.sock
// (the query socket), flows.db (SQLite), bgp-<peer>.jsonl (table dumps), flowcollector.log. The driver reads the
// daemon's state back through the query socket: ready() once `counters` answers, bgp_sessions() from
// `bgp_peers`, rib() from `bgp_dump` of every peer (so `labctl routes` / converge see the collector's view).
//
// The executable: $FLOWLAB_FLOWCOLLECTOR, else the build tree's probes/collector/flowcollector next to the
// running labctl (<build>/labctl/cli/labctl), else `flowcollector` in PATH.
#pragma once

#include "nodes/core/driver.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <string>

namespace flowlab::nodes::collector {

class CollectorDriver final : public NodeDriver {
 public:
  [[nodiscard]] topology::Role role() const override { return topology::Role::kCollector; }
  [[nodiscard]] bool takes_faults() const override { return true; }
  [[nodiscard]] std::string_view no_store() const override { return {}; }
  Status render(const NodeContext& ctx) const override;
  [[nodiscard]] std::vector<process::Spec> programs(const NodeContext& ctx) const override;
  Result<bool> ready(const NodeContext& ctx) const override;
  Result<std::vector<RibEntry>> rib(const NodeContext& ctx) const override;
  Result<std::vector<BgpSessionStatus>> bgp_sessions(const NodeContext& ctx) const override;
  // Records from the `table` query with aggregate `full`, pmacct primitives renamed to DESIGN.md section 6 names.
  Result<std::vector<FlowRow>> records(const NodeContext& ctx, const RecordQuery& query) const override;
  Result<std::optional<nlohmann::json>> dump_records(const NodeContext& ctx) const override;
  Result<DeliveryCounters> delivery(const NodeContext& ctx, const IpAddress& exporter) const override;
  Status persist(const NodeContext& ctx) const override;  // the `flush` query: SQLite store and table dumps now
  // Rows of the store node (`store:`), collector_store.cpp.
  Result<std::vector<FlowRow>> stored_records(const NodeContext& ctx, const StoredQuery& query) const override;
};

// The DESIGN.md section 6 name of a pmacct primitive ("src_as" -> "as_src"); other names are returned as they are.
std::string field_of_primitive(const std::string& primitive);

// One request on the collector's query socket (newline-delimited JSON); fails on ok:false too.
Result<nlohmann::json> query(const std::filesystem::path& socket, const nlohmann::json& request,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));
// The flowcollector executable to start (see above).
std::string flowcollector_path();
// Renders the peer_src_as map of ctx's collector node (render_peer_src_as_map, ifindexes read from the running
// lab) into `file` (the collector kinds that take `peer_src_as: map`).
Status write_peer_src_as_map(const NodeContext& ctx, const std::filesystem::path& file);
// One bgp_dump line (pmacct bgp_table_dump JSON) as a RibEntry (best: true; the collector keeps the router's best).
Result<RibEntry> parse_dump_line(const std::string& line, const IpAddress& peer);

}  // namespace flowlab::nodes::collector
