// flowlab::nodes::nfdump — the `nfcapd` (NetFlow/IPFIX) and `sfcapd` (sFlow) collector kinds: nfdump's capture
// daemons, which store what the exporter sent, without BGP. docs/nodes.md lists what each provides.
//
// Started as `nfcapd -w <dir>/flows -t 2 -b <mgmt0 IPv4> -p <port> -P <dir>/nfcapd.pid -I <lab>.<node>` (sfcapd
// alike) inside the node's namespace. The daemon writes flows/nfcapd.current.<pid> and renames it to
// flows/nfcapd.<YYYYmmddHHMM[SS]> every -t seconds (2, nfcapd's smallest interval): only those closed files are read.
//   ready()        the pid file names a live process whose flows/nfcapd.current.<pid> exists
//   records()      `nfdump -R <dir>/flows -o json 'src ip S and dst ip D'` (nfdump_parse.hpp); the exporter's AS,
//                  peer AS and BGP next hop fields only when the node says `as_source: netflow` (else the topology
//                  asks for BGP-derived values, which this kind does not provide)
//   delivery()     unsupported: nfcapd counts datagrams per exporter, but `nfdump -E FILE` prints the count only for
//                  an exporter that sent flows in that file ("no flows sent" otherwise: a template-only datagram is
//                  not shown; src/nfdump/exporter.c), so no exact count can be read back
//   persist()      waits for two rotations (what arrived before the call is in closed files)
//   bgp_sessions() unsupported: the kind has no BGP (a `bgp:` on the node configures the routers' side only; the
//                  verifier shows the BGP fields as not provided by this kind). rib() is empty.
#pragma once

#include "nodes/core/driver.hpp"

#include <cstdint>

namespace flowlab::nodes::nfdump {

enum class Daemon : std::uint8_t { kNfcapd, kSfcapd };

inline constexpr const char* kFlowDir = "flows";
inline constexpr int kRotateSeconds = 2;

class NfdumpDriver : public NodeDriver {
 public:
  explicit NfdumpDriver(Daemon daemon) : daemon_(daemon) {}
  [[nodiscard]] topology::Role role() const override { return topology::Role::kCollector; }
  Status render(const NodeContext& ctx) const override;
  [[nodiscard]] std::vector<process::Spec> programs(const NodeContext& ctx) const override;
  Result<bool> ready(const NodeContext& ctx) const override;
  Result<std::vector<RibEntry>> rib(const NodeContext& ctx) const override;
  Result<std::vector<BgpSessionStatus>> bgp_sessions(const NodeContext& ctx) const override;
  Result<std::vector<FlowRow>> records(const NodeContext& ctx, const RecordQuery& query) const override;
  Result<std::optional<nlohmann::json>> dump_records(const NodeContext& ctx) const override;
  Status persist(const NodeContext& ctx) const override;
  // nfdump stores what the exporter sent: no BGP enrichment, masks and AS numbers only when exported.
  [[nodiscard]] bool partial_records() const override { return true; }
  [[nodiscard]] std::string_view no_store() const override {
    return "nfcapd and sfcapd write nfdump files (read with nfdump -R), not ClickHouse";
  }

 private:
  [[nodiscard]] const char* name() const { return daemon_ == Daemon::kNfcapd ? "nfcapd" : "sfcapd"; }
  Daemon daemon_;
};

class NfcapdDriver final : public NfdumpDriver {
 public:
  NfcapdDriver() : NfdumpDriver(Daemon::kNfcapd) {}
};

class SfcapdDriver final : public NfdumpDriver {
 public:
  SfcapdDriver() : NfdumpDriver(Daemon::kSfcapd) {}
};

}  // namespace flowlab::nodes::nfdump
