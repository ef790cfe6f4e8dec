#include "nodes/bird/bird_driver.hpp"
#include "nodes/collector/collector_driver.hpp"
#include "nodes/core/driver.hpp"
#include "nodes/core/host_driver.hpp"
#include "nodes/frr/frr_driver.hpp"
#include "nodes/probe/flowprobe.hpp"
#include "nodes/tee/tee_driver.hpp"

#include <map>

namespace flowlab::nodes {
namespace {

const std::map<std::string, const NodeDriver*>& table() {
  static const bird::BirdDriver kBird;
  static const frr::FrrDriver kFrr;
  static const HostDriver kHost;
  static const collector::CollectorDriver kCollector;
  static const tee::TeeDriver kTee;
  static const std::map<std::string, const NodeDriver*> kTable{
      {"bird", &kBird}, {"frr", &kFrr}, {"host", &kHost}, {"tee", &kTee}, {"collector", &kCollector},
  };
  return kTable;
}

}  // namespace

const NodeDriver* find_driver(const std::string& kind) {
  const auto& t = table();
  auto it = t.find(kind);
  return it == t.end() ? nullptr : it->second;
}

const ProbeDriver& probe_driver(const topology::ProbeSpec& /*probe*/) {
  static const FlowprobeDriver kFlowprobe;
  return kFlowprobe;
}

RouterTraits router_traits(const std::string& kind) {
  const NodeDriver* driver = find_driver(kind);
  return driver == nullptr ? RouterTraits{} : driver->router_traits();
}

std::vector<std::string> driver_kinds() {
  std::vector<std::string> out;
  for (const auto& [kind, driver] : table()) {
    out.push_back(kind);
  }
  return out;
}

}  // namespace flowlab::nodes
