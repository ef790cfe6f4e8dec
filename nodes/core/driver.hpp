// flowlab::nodes — node kinds. Each kind (bird, frr, host, collector, ...) is a NodeDriver registered by name in
// registry.cpp, the one kind table: the topology loader is handed it (kinds()) to know each kind's role. A driver
// renders its configuration files from the topology, says which programs to start (in order), how to tell they are
// ready, how to read their routing state back as structured data, and how to stop. The lab controller drives all kinds
// through this one interface.
#pragma once

#include "common/enum_names.hpp"
#include "common/result.hpp"
#include "model/kinds.hpp"
#include "model/model.hpp"
#include "model/routing_state.hpp"
#include "platform/process/process.hpp"
#include "probes/collector/clickhouse_schema.hpp"  // StoreTier

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace flowlab::nodes {

// Where a node keeps its files: <rundir>/<lab>/<node>/. Configs, sockets, pid files and logs all live here, so
// destroying the lab's run directory removes them all.
struct NodeContext {
  const topology::Topology* topology = nullptr;
  const topology::Node* node = nullptr;
  std::filesystem::path dir;  // <rundir>/<lab>/<node>
};

// The routing-state value types (RibEntry, SessionState, BgpSessionStatus) live in model/routing_state.hpp, the
// lowest layer that needs them (verify and report read them without linking the drivers).
using topology::BgpSessionStatus;
using topology::RibEntry;
using topology::SessionState;
using topology::to_string;

// How a router kind decides and advertises, where kinds differ: the oracle simulates each router with its kind's
// traits (asked through router_traits(kind)), so no code outside nodes/ tests a kind's name.
struct RouterTraits {
  // Multipath merges only routes with identical AS paths (FRR), not merely equally long ones (BIRD's
  // bgp_rte_mergable).
  bool multipath_needs_same_as_path = false;
  // Locally originated routes leave over eBGP with MED 0 (FRR: the static route's metric), not without a MED.
  bool local_routes_carry_med_zero = false;
  // eBGP routes win over the IGP's for the same prefix length (FRR: distance eBGP 20 < OSPF 110); BIRD prefers OSPF
  // (preference 150 > BGP 100) for eBGP and iBGP alike.
  bool ebgp_preferred_over_igp = false;
};

// One row of a collector's records as the verifier reads it: fields named as DESIGN.md section 6 names them
// ("as_src", "peer_ip_src", "iface_in", "direction", ...), the counters summed by the collector.
struct FlowRow {
  std::map<std::string, std::string> fields;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t flows = 0;
};

// Which records to read: those of one src -> dst host pair, every field the collector aggregates.
struct RecordQuery {
  IpAddress src;
  IpAddress dst;
};

// Which stored rows to read from a collector's store (`store:`): a tier (raw: the collector's aggregate `full`
// regrouped from the raw table; minute / hour: the tier's traffic dimensions per minute / hour, with `time`), a time
// range of the records' receive time (UTC seconds), optionally one src -> dst pair or one host (source or destination;
// raw tier only: both read the raw table through its address index, docs/store.md). `settle`: first wait until the
// store holds every record the collector produced (the verifier); else read what is there now.
struct StoredQuery {
  ::flowlab::collector::StoreTier tier = ::flowlab::collector::StoreTier::kRaw;
  std::optional<std::int64_t> since;  // time >= since
  std::optional<std::int64_t> until;  // time < until
  std::optional<RecordQuery> pair;
  std::optional<IpAddress> host;
  bool settle = false;
  std::optional<std::uint64_t> top;  // the N rows with the most `sort`
  std::string sort = "bytes";        // bytes, packets or flows
  // false: fields named as records() names them (the verifier's names); true: by the store's columns, the
  // `pmacct -s -O json` keys `labctl flows --json` prints the live aggregate with.
  bool column_names = false;
};
inline constexpr EnumName<::flowlab::collector::StoreTier> kStoreTierNames[] = {
    {"raw", ::flowlab::collector::StoreTier::kRaw},
    {"minute", ::flowlab::collector::StoreTier::kMinute},
    {"hour", ::flowlab::collector::StoreTier::kHour}};

// How many datagrams from one exporter reached a collector, and its sequence accounting (all observation domains
// summed).
struct DeliveryCounters {
  std::uint64_t datagrams = 0;
  std::uint64_t lost = 0;
  std::uint64_t duplicate = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t resets = 0;
};

// A replicating node's forwarding counters, summed over its receivers.
struct ForwardingCounters {
  std::uint64_t datagrams = 0;
  std::uint64_t errors = 0;
  std::uint64_t would_block = 0;
  std::uint64_t dropped = 0;
};

class NodeDriver {
 public:
  virtual ~NodeDriver() = default;
  NodeDriver() = default;
  NodeDriver(const NodeDriver&) = delete;
  NodeDriver& operator=(const NodeDriver&) = delete;

  // The part the kind plays in a topology (which keys its nodes take, what the model derives for them).
  [[nodiscard]] virtual topology::Role role() const = 0;
  // Writes config files under ctx.dir (the directory exists). Pure: same topology, same bytes.
  virtual Status render(const NodeContext& ctx) const = 0;
  // Programs to start, in order (may be empty: a plain host runs nothing).
  [[nodiscard]] virtual std::vector<process::Spec> programs(const NodeContext& ctx) const = 0;
  // Called after programs()[index] was started and before programs()[index + 1] is: true once the next program
  // may start (FRR: zebra has created its zserv socket; a client daemon started earlier waits ~10 s to retry).
  // Poll it like ready(). Default: at once.
  virtual Result<bool> program_ready(const NodeContext& /*ctx*/, std::size_t /*index*/) const { return true; }
  // True once the node answers (BIRD control socket, vtysh). Called repeatedly until true or a deadline.
  virtual Result<bool> ready(const NodeContext& ctx) const = 0;
  // Routes (all, not just best) for IPv4 and IPv6 unicast; empty for nodes without routing.
  virtual Result<std::vector<RibEntry>> rib(const NodeContext& ctx) const = 0;
  // BGP sessions and their state; empty for nodes without BGP.
  virtual Result<std::vector<BgpSessionStatus>> bgp_sessions(const NodeContext& ctx) const = 0;
  // Administratively takes every session (all families) with `neighbor` (a node name) down or back up.
  virtual Status set_bgp_session(const NodeContext& ctx, const std::string& neighbor, bool up) const {
    (void)up;
    return fail(ErrorKind::kUnsupported, "node " + ctx.node->name + " (kind " + ctx.node->kind +
                                             ") cannot set BGP sessions to " + neighbor + " up or down");
  }
  // Whether the kind's program is flowlab's own and takes a node's `fault:` switch (flowcollector's `--fault`,
  // docs/faults.md). Default false: a third-party tool has no fault switches, so the loader rejects the key.
  [[nodiscard]] virtual bool takes_faults() const { return false; }
  // Routers: why this kind cannot report to a collector over BMP (RFC 7854), naming the product; empty when it can
  // (then render() configures BMP for every collector that lists the router under `bmp:`).
  [[nodiscard]] virtual std::string_view no_bmp() const { return "this router kind has no BMP"; }
  // Collectors: why this kind cannot write a lab's store (a collector's `store: NODE`, docs/store.md), naming the
  // product; empty when it can (then render() points its store output at the node).
  [[nodiscard]] virtual std::string_view no_store() const { return "this kind writes no flowlab store"; }
  // Collectors: the TCP-MD5 passwords render() can write beyond the common rule (the topology loader refuses the
  // others at `bgp_password:`). Default: every password the common rule allows.
  [[nodiscard]] virtual topology::PasswordLimits password_limits() const { return {}; }
  // Drops (up = false) or re-opens the router's BMP session with the collector `station` (a node name whose `bmp:`
  // lists the router); the router sends its tables again once the session is back.
  virtual Status set_bmp_session(const NodeContext& ctx, const std::string& station, bool up) const {
    (void)up;
    return fail(ErrorKind::kUnsupported,
                "node " + ctx.node->name + " (kind " + ctx.node->kind + ") cannot set a BMP session to " + station);
  }
  // The kind's routing behaviour, for the oracle (defaults: BIRD's).
  [[nodiscard]] virtual RouterTraits router_traits() const { return {}; }
  // Files a started program leaves outside its node directory that must go with it (FRR: /var/tmp/frr/<daemon>.<pid>).
  // The lab records them with the process and removes them once it stopped, also after a crash of labctl.
  [[nodiscard]] virtual std::vector<std::filesystem::path> leftovers(const process::ProcessRef& /*started*/) const {
    return {};
  }

  // ---- flow plane: the hooks the scenario runner calls on collectors and tees ----
  // The node's records for `query` (a collector kind).
  virtual Result<std::vector<FlowRow>> records(const NodeContext& ctx, const RecordQuery& /*query*/) const {
    return unsupported(ctx, "hold flow records");
  }
  // Every record the node holds, as a JSON document for the run directory; nullopt: the kind keeps none.
  virtual Result<std::optional<nlohmann::json>> dump_records(const NodeContext& /*ctx*/) const {
    return std::optional<nlohmann::json>();
  }
  // Datagrams from `exporter` that reached the node (a collector kind).
  virtual Result<DeliveryCounters> delivery(const NodeContext& ctx, const IpAddress& /*exporter*/) const {
    return unsupported(ctx, "count received datagrams");
  }
  // Forwarding counters (a tee kind).
  virtual Result<ForwardingCounters> forwarding(const NodeContext& ctx) const {
    return unsupported(ctx, "forward datagrams");
  }
  // Rows read back from the store the collector inserts into (its `store:` node); with query.pair and the raw tier,
  // the same rows as records() gives live. Fields are named as records() names them (plus `time` for the tiers).
  virtual Result<std::vector<FlowRow>> stored_records(const NodeContext& ctx, const StoredQuery& /*query*/) const {
    return unsupported(ctx, "store its records");
  }
  // Whether a field missing from this kind's records means the kind does not provide it (a third-party collector:
  // nfdump stores only what the exporter sent, pmacct has no `direction`). The verifier then shows such a field as
  // "not provided by this kind" instead of comparing the other sources alone. Default false: our collector reports
  // every field it aggregates, so a missing one is never waved through.
  [[nodiscard]] virtual bool partial_records() const { return false; }
  // ---- store kinds (role store): the database a collector's `store:` inserts into ----
  // Runs `sql` on the node's server (asked from inside its namespace); the answer's body.
  virtual Result<std::string> store_query(const NodeContext& ctx, const std::string& /*sql*/) const {
    return unsupported(ctx, "store flows");
  }
  // The URL a collector inserts at (flowcollector `outputs.clickhouse.url`); "" for a kind that stores nothing.
  [[nodiscard]] virtual std::string store_url(const topology::Node& /*node*/) const { return {}; }

  // Writes what the node keeps in memory (stores, table dumps) to its files now. Default: nothing to write.
  virtual Status persist(const NodeContext& /*ctx*/) const { return {}; }

  // Starts (announce) or stops originating `prefix`. ctx.topology already holds the node's new `announce` list
  // (the other sessions and links as deployed): a kind may re-render its whole config and reload it.
  virtual Status set_announcement(const NodeContext& ctx, const Prefix& prefix, bool announce) const {
    (void)announce;
    return fail(ErrorKind::kUnsupported, "node " + ctx.node->name + " (kind " + ctx.node->kind +
                                             ") cannot announce or withdraw " + prefix.to_string());
  }

 protected:
  static Failure<Error> unsupported(const NodeContext& ctx, const std::string& what) {
    return fail(ErrorKind::kUnsupported, "node " + ctx.node->name + " (kind " + ctx.node->kind + ") does not " + what);
  }
};

// The registry: kind name -> driver. Adding a kind = its folder + one line in registry.cpp.
const NodeDriver* find_driver(std::string_view kind);
// Every registered kind with its driver's role, in registration order: the table the topology loader takes.
topology::KindTable kinds();
// The traits of `kind`'s routers (defaults for a kind without a driver).
RouterTraits router_traits(const std::string& kind);

}  // namespace flowlab::nodes
