// flowlab::nodes::tee — the `tee` node kind: a tee-only flowcollector (pmacct's nfacctd + tee plugin; seed 002).
//
// The node listens for flow datagrams (NetFlow/IPFIX or sFlow) and replicates every one to its receivers —
// collector nodes (their mgmt0 address and listen port) or explicit address:port pairs — to all of them or
// balanced by exporter hash, optionally transparent (the receivers see the exporter's address; raw socket).
// Files in the node dir: flowcollector.yaml (listen + tee + query socket only: no BGP, no aggregates),
// tee_receivers.lst (pmacct tee_receivers syntax), collector.sock, flowcollector.log.
//
// The driver renders from a TeeNodeSpec obtained through a SpecSource; the default source
// (tee_spec_from_topology) reads the node's topology keys (docs/topologies.md):
//   t1: {kind: tee, listen: {netflow: 2100}, receivers: [c1, t2], balance: all, transparent: true}
// Tests may supply their own source (explicit address:port receivers, other balance algorithms).
#pragma once

#include "nodes/core/driver.hpp"
#include "probes/collector/tee.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::nodes::tee {

inline constexpr const char* kConfigFile = "flowcollector.yaml";
inline constexpr const char* kReceiversFile = "tee_receivers.lst";
inline constexpr const char* kQuerySocket = "collector.sock";
// The flowcollector binary: $FLOWLAB_FLOWCOLLECTOR when set, else process::locate_program (beside labctl's build,
// then PATH).
inline constexpr const char* kBinaryEnv = "FLOWLAB_FLOWCOLLECTOR";

enum class TeeProto : std::uint8_t { kNetflow, kSflow };

struct TeeReceiverSpec {
  std::string node;                  // a node of the topology (collector or tee): its mgmt0 address ...
  std::optional<IpAddress> address;  // ... or this address (wins over node's)
  std::uint16_t port = 0;            // 0: the node's listen port for the tee's proto
};

struct TeeNodeSpec {
  TeeProto proto = TeeProto::kNetflow;
  std::uint16_t port = 0;  // the tee's listen port (0: none — an error at render)
  std::vector<TeeReceiverSpec> receivers;
  ::flowlab::collector::TeeBalance balance = ::flowlab::collector::TeeBalance::kAll;
  bool transparent = false;
  std::string log_level = "info";
  std::size_t socket_buffer = 64U * std::size_t{1024} * 1024U;  // receive buffer: a tee must absorb bursts (zero loss)
};

// A tee node's keys: proto/port from its `listen:` (netflow first), receivers (node names), balance (all ->
// all, hash -> hash-agent), transparent.
Result<TeeNodeSpec> tee_spec_from_topology(const topology::Topology& topology, const topology::Node& node);

struct RenderedTee {
  std::string config;     // flowcollector.yaml
  std::string receivers;  // tee_receivers.lst
};
// Pure: resolves receivers against the topology (errors name the node and the receiver) and renders both files
// for a node directory `dir`. One receivers-file pool per receiver, so `balance: all` reaches every receiver and
// `hash-agent` picks one (balance-alg on a single pool listing them all).
Result<RenderedTee> render_tee(const topology::Topology& topology, const topology::Node& node, const TeeNodeSpec& spec,
                               const std::filesystem::path& dir);

class TeeDriver final : public NodeDriver {
 public:
  [[nodiscard]] topology::Role role() const override { return topology::Role::kTee; }
  [[nodiscard]] bool takes_faults() const override { return true; }
  using SpecSource = std::function<Result<TeeNodeSpec>(const topology::Topology&, const topology::Node&)>;
  TeeDriver();  // SpecSource = tee_spec_from_topology
  explicit TeeDriver(SpecSource source);

  Status render(const NodeContext& ctx) const override;
  [[nodiscard]] std::vector<process::Spec> programs(const NodeContext& ctx) const override;
  Result<bool> ready(const NodeContext& ctx) const override;  // the query socket accepts a connection
  Result<std::vector<RibEntry>> rib(const NodeContext& ctx) const override;
  Result<std::vector<BgpSessionStatus>> bgp_sessions(const NodeContext& ctx) const override;
  // Per-receiver counters of the `counters` query, summed.
  Result<ForwardingCounters> forwarding(const NodeContext& ctx) const override;

 private:
  SpecSource source_;
};

}  // namespace flowlab::nodes::tee
