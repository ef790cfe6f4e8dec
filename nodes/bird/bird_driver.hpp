// flowlab::nodes::bird — the `bird` node kind: one BIRD 2 daemon per router.
//
// Files in the node dir: bird.conf (rendered), bird.ctl (control socket), bird.pid, bird.log (the supervisor's
// capture of stderr, where BIRD logs). Started as `bird -f -c bird.conf -s bird.ctl -P bird.pid` inside the
// node's namespace (foreground; the supervisor detaches it). birdc talks to the socket from outside the namespace.
#pragma once

#include "nodes/core/driver.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace flowlab::nodes::bird {

inline constexpr const char* kConfigFile = "bird.conf";
inline constexpr const char* kControlSocket = "bird.ctl";
inline constexpr const char* kPidFile = "bird.pid";

class BirdDriver final : public NodeDriver {
 public:
  [[nodiscard]] topology::Role role() const override { return topology::Role::kRouter; }
  [[nodiscard]] std::string_view no_bmp() const override { return "BIRD 2 has no BMP"; }
  Status render(const NodeContext& ctx) const override;
  [[nodiscard]] std::vector<process::Spec> programs(const NodeContext& ctx) const override;
  Result<bool> ready(const NodeContext& ctx) const override;
  Result<std::vector<RibEntry>> rib(const NodeContext& ctx) const override;
  Result<std::vector<BgpSessionStatus>> bgp_sessions(const NodeContext& ctx) const override;
  Status set_bgp_session(const NodeContext& ctx, const std::string& neighbor, bool up) const override;
  Status set_announcement(const NodeContext& ctx, const Prefix& prefix, bool announce) const override;
};

// Runs one birdc command against the node's control socket; fails when birdc fails or the daemon refuses.
Result<std::string> birdc(const std::filesystem::path& dir, const std::vector<std::string>& command);

}  // namespace flowlab::nodes::bird
