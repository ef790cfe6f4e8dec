// flowlab::nodes::pmacct — the `nfacctd` (NetFlow/IPFIX) and `sfacctd` (sFlow) collector kinds: pmacct's daemons
// with bgp_daemon and a memory plugin, rendered from the same topology keys as our `collector` kind
// (pmacct_config.hpp). docs/nodes.md lists what each provides and where pmacct differs.
//
// Files in the node dir: <daemon>.conf, bgp_agent_map.txt, bgp_allow.txt, peer_src_as_map.txt (rendered),
// pmacct.pipe (the memory plugin's socket), pmacct.pid (core process), bgp-msglog.json (BGP messages),
// <daemon>.log. Read back:
//   ready()        the memory plugin answers `pmacct -p pmacct.pipe -s`
//   records()      `pmacct -p pmacct.pipe -s -O json -a` (pmacct_parse.hpp), the rows of the query's host pair
//   delivery()     SIGUSR1 to the core process, then its per-agent statistics block in the log (a 1-byte datagram
//                  from the node itself wakes the core's blocking recvfrom, which restarts after the signal)
//   bgp_sessions() the topology's sessions with this node, Established when the message log shows the peer's
//                  log_init (not followed by log_close); rib() the routes of the log's updates and withdrawals
#pragma once

#include "nodes/core/driver.hpp"
#include "nodes/pmacct/pmacct_config.hpp"

namespace flowlab::nodes::pmacct {

class PmacctDriver : public NodeDriver {
 public:
  explicit PmacctDriver(Daemon daemon) : daemon_(daemon) {}
  [[nodiscard]] topology::Role role() const override { return topology::Role::kCollector; }
  Status render(const NodeContext& ctx) const override;
  [[nodiscard]] std::vector<process::Spec> programs(const NodeContext& ctx) const override;
  Result<bool> ready(const NodeContext& ctx) const override;
  Result<std::vector<RibEntry>> rib(const NodeContext& ctx) const override;
  Result<std::vector<BgpSessionStatus>> bgp_sessions(const NodeContext& ctx) const override;
  Result<std::vector<FlowRow>> records(const NodeContext& ctx, const RecordQuery& query) const override;
  Result<std::optional<nlohmann::json>> dump_records(const NodeContext& ctx) const override;
  Result<DeliveryCounters> delivery(const NodeContext& ctx, const IpAddress& exporter) const override;
  // pmacct has no `direction` primitive in 1.7, and an sFlow sample carries no AS of its own.
  [[nodiscard]] bool partial_records() const override { return true; }
  // bgp_daemon_md5_file: "<address>, <key>" lines, each key read into TCP_MD5SIG_MAXKEYLEN bytes with its NUL.
  [[nodiscard]] topology::PasswordLimits password_limits() const override;
  // pmacct 1.7's plugins (print, memory, mysql, pgsql, sqlite3, mongodb, amqp, kafka) have no ClickHouse one.
  [[nodiscard]] std::string_view no_store() const override {
    return "pmacct 1.7 has no ClickHouse output plugin (its stores are print, memory, MySQL, PostgreSQL, SQLite, "
           "MongoDB, AMQP and Kafka)";
  }

 private:
  Daemon daemon_;
};

class NfacctdDriver final : public PmacctDriver {
 public:
  NfacctdDriver() : PmacctDriver(Daemon::kNfacctd) {}
};

class SfacctdDriver final : public PmacctDriver {
 public:
  SfacctdDriver() : PmacctDriver(Daemon::kSfacctd) {}
};

}  // namespace flowlab::nodes::pmacct
