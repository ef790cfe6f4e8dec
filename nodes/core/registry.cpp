#include "nodes/bird/bird_driver.hpp"
#include "nodes/collector/collector_driver.hpp"
#include "nodes/core/driver.hpp"
#include "nodes/core/host_driver.hpp"
#include "nodes/frr/frr_driver.hpp"
#include "nodes/nfdump/nfdump_driver.hpp"
#include "nodes/pmacct/pmacct_driver.hpp"
#include "nodes/probe/flowprobe.hpp"
#include "nodes/tee/tee_driver.hpp"

#include <array>
#include <vector>

namespace flowlab::nodes {
namespace {

struct Registered {
  std::string_view kind;  // a node's `kind:` value
  const NodeDriver* driver;
};

template <typename Driver>
const NodeDriver* instance() {
  static const Driver kDriver;
  return &kDriver;
}

// The one kind table: one line per kind, in the order users see them listed.
const auto& registered() {
  // clang-format off
  static const std::array kTable{
      Registered{"bird", instance<bird::BirdDriver>()},
      Registered{"frr", instance<frr::FrrDriver>()},
      Registered{"host", instance<HostDriver>()},
      Registered{"collector", instance<collector::CollectorDriver>()},
      Registered{"tee", instance<tee::TeeDriver>()},
      Registered{"nfacctd", instance<pmacct::NfacctdDriver>()},
      Registered{"sfacctd", instance<pmacct::SfacctdDriver>()},
      Registered{"nfcapd", instance<nfdump::NfcapdDriver>()},
      Registered{"sfcapd", instance<nfdump::SfcapdDriver>()},
  };
  // clang-format on
  return kTable;
}

}  // namespace

const NodeDriver* find_driver(std::string_view kind) {
  for (const auto& r : registered()) {
    if (r.kind == kind) {
      return r.driver;
    }
  }
  return nullptr;
}

topology::KindTable kinds() {
  static const std::vector<topology::KindInfo> kKinds = [] {
    std::vector<topology::KindInfo> out;
    for (const auto& r : registered()) {
      out.push_back({r.kind, r.driver->role()});
    }
    return out;
  }();
  return kKinds;
}

const ProbeDriver& probe_driver(const topology::ProbeSpec& /*probe*/) {
  static const FlowprobeDriver kFlowprobe;
  return kFlowprobe;
}

RouterTraits router_traits(const std::string& kind) {
  const NodeDriver* driver = find_driver(kind);
  return driver == nullptr ? RouterTraits{} : driver->router_traits();
}

}  // namespace flowlab::nodes
