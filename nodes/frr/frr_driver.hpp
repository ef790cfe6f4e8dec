// flowlab::nodes::frr — the `frr` node kind: one FRR instance (zebra, staticd, ospfd, ospf6d, bgpd) per router.
//
// Several instances run at once, each in its node's namespace with all its state in the node dir: every daemon
// gets -f <dir>/<daemon>.conf, -i <dir>/<daemon>.pid, --vty_socket <dir> (its <daemon>.vty), -z <dir>/zserv.api
// and no TCP vty (-P 0). Daemons run as the frr user (FRR insists on the frrvty group for its vty sockets), so
// render() hands the node dir to frr:frr when run as root. vtysh --vty_socket <dir> reads state back.
#pragma once

#include "nodes/core/driver.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace flowlab::nodes::frr {

inline constexpr const char* kDaemonDir = "/usr/lib/frr";
inline constexpr const char* kIntegratedConfig = "frr.conf";
inline constexpr const char* kZservSocket = "zserv.api";
inline constexpr const char* kUser = "frr";

class FrrDriver final : public NodeDriver {
 public:
  [[nodiscard]] topology::Role role() const override { return topology::Role::kRouter; }
  // bgpd's bmp module (`-M bmp`, Debian's frr ships bgpd_bmp.so).
  [[nodiscard]] std::string_view no_bmp() const override { return {}; }
  Status render(const NodeContext& ctx) const override;
  [[nodiscard]] std::vector<process::Spec> programs(const NodeContext& ctx) const override;
  Result<bool> program_ready(const NodeContext& ctx, std::size_t index) const override;
  Result<bool> ready(const NodeContext& ctx) const override;
  Result<std::vector<RibEntry>> rib(const NodeContext& ctx) const override;
  Result<std::vector<BgpSessionStatus>> bgp_sessions(const NodeContext& ctx) const override;
  Status set_bmp_session(const NodeContext& ctx, const std::string& station, bool up) const override;
  Status set_bgp_session(const NodeContext& ctx, const std::string& neighbor, bool up) const override;
  Status set_announcement(const NodeContext& ctx, const Prefix& prefix, bool announce) const override;
  // Each daemon keeps /var/tmp/frr/<daemon>.<pid>, which a SIGKILL leaves behind.
  [[nodiscard]] std::vector<std::filesystem::path> leftovers(const process::ProcessRef& started) const override;
  [[nodiscard]] RouterTraits router_traits() const override {
    return {.multipath_needs_same_as_path = true, .local_routes_carry_med_zero = true, .ebgp_preferred_over_igp = true};
  }
};

// Runs one vtysh command against the instance in `dir` (optionally one daemon only: "bgpd").
Result<std::string> vtysh(const std::filesystem::path& dir, const std::string& command, const std::string& daemon = "");
// Runs several commands in one vtysh process (vtysh costs ~0.1 s to start); vtysh routes each to its daemon.
Result<std::string> vtysh(const std::filesystem::path& dir, const std::vector<std::string>& commands);

}  // namespace flowlab::nodes::frr
