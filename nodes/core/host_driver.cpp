#include "nodes/core/host_driver.hpp"

namespace flowlab::nodes {

Status HostDriver::render(const NodeContext& /*ctx*/) const { return {}; }

std::vector<process::Spec> HostDriver::programs(const NodeContext& /*ctx*/) const { return {}; }

Result<bool> HostDriver::ready(const NodeContext& /*ctx*/) const { return true; }

Result<std::vector<RibEntry>> HostDriver::rib(const NodeContext& /*ctx*/) const { return std::vector<RibEntry>{}; }

Result<std::vector<BgpSessionStatus>> HostDriver::bgp_sessions(const NodeContext& /*ctx*/) const {
  return std::vector<BgpSessionStatus>{};
}

}  // namespace flowlab::nodes
