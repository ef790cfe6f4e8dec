// flowlab::nodes — the plain host kind: the lab gives it addresses and default routes (netns), it runs nothing.
#pragma once

#include "nodes/core/driver.hpp"

namespace flowlab::nodes {

class HostDriver final : public NodeDriver {
 public:
  [[nodiscard]] topology::Role role() const override { return topology::Role::kHost; }
  Status render(const NodeContext& ctx) const override;
  [[nodiscard]] std::vector<process::Spec> programs(const NodeContext& ctx) const override;
  Result<bool> ready(const NodeContext& ctx) const override;
  Result<std::vector<RibEntry>> rib(const NodeContext& ctx) const override;
  Result<std::vector<BgpSessionStatus>> bgp_sessions(const NodeContext& ctx) const override;
};

}  // namespace flowlab::nodes
