#include "nodes/bird/bird_driver.hpp"
#include "nodes/clickhouse/clickhouse_driver.hpp"
#include "nodes/collector/collector_driver.hpp"
#include "nodes/core/driver.hpp"
#include "nodes/core/host_driver.hpp"
#include "nodes/fprobe/fprobe_driver.hpp"
#include "nodes/frr/frr_driver.hpp"
#include "nodes/nfdump/nfdump_driver.hpp"
#include "nodes/pmacct/pmacct_driver.hpp"
#include "nodes/pmacctd/pmacctd_driver.hpp"
#include "nodes/probe/flowprobe.hpp"
#include "nodes/softflowd/softflowd_driver.hpp"
#include "nodes/tee/tee_driver.hpp"

#include <array>
#include <vector>

namespace flowlab::nodes {
namespace {

// A node kind (driver set) or a probe kind (probe and check set).
struct Registered {
  std::string_view kind;  // a node's or a probe's `kind:` value
  const NodeDriver* driver = nullptr;
  const ProbeDriver* probe = nullptr;
  topology::ProbeCheck check = nullptr;
};

template <typename Driver>
const Driver* instance() {
  static const Driver kDriver;
  return &kDriver;
}

template <typename Driver>
std::vector<topology::KindIssue> check_with(const topology::ProbeSpec& probe) {
  return instance<Driver>()->check(probe);
}

template <typename Driver>
Registered probe_kind(std::string_view kind) {
  return Registered{kind, nullptr, instance<Driver>(), &check_with<Driver>};
}

// The driver of a probe kind the registry does not list (a topology built in code): it cannot start.
class UnknownProbeDriver final : public ProbeDriver {
 public:
  [[nodiscard]] std::string process_name(std::size_t index) const override { return indexed_name("probe", index); }
  Result<process::Spec> spec(const ProbeContext& ctx) const override {
    return fail(ErrorKind::kProcess, "probe #" + std::to_string(ctx.index) + ": unknown probe kind '" +
                                         ctx.topology->probes[ctx.index].kind + "'");
  }
  [[nodiscard]] std::vector<std::filesystem::path> stale_files(const ProbeContext& /*ctx*/) const override {
    return {};
  }
  [[nodiscard]] std::filesystem::path ready_file(const ProbeContext& ctx) const override { return ctx.node_dir; }
  Result<ProbeFlush> flush(const ProbeContext& /*ctx*/, const process::ProcessRef& /*process*/) const override {
    return fail(ErrorKind::kVerify, "is of an unknown probe kind");
  }
};

// The one kind table: one line per kind, in the order users see them listed (the first probe kind is the default).
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
      Registered{"clickhouse", instance<clickhouse::ClickHouseDriver>()},
      probe_kind<FlowprobeDriver>("flowprobe"),
      probe_kind<softflowd::SoftflowdDriver>("softflowd"),
      probe_kind<fprobe::FprobeDriver>("fprobe"),
      probe_kind<pmacctd::PmacctdDriver>("pmacctd"),
  };
  // clang-format on
  return kTable;
}

}  // namespace

const NodeDriver* find_driver(std::string_view kind) {
  for (const auto& r : registered()) {
    if (r.kind == kind && r.driver != nullptr) {
      return r.driver;
    }
  }
  return nullptr;
}

topology::KindTable kinds() {
  static const std::vector<topology::KindInfo> kNodes = [] {
    std::vector<topology::KindInfo> out;
    for (const auto& r : registered()) {
      if (r.driver != nullptr) {
        out.push_back({r.kind, r.driver->role(), r.driver->no_bmp(), r.driver->takes_faults(),
                       r.driver->password_limits(), r.driver->no_store()});
      }
    }
    return out;
  }();
  static const std::vector<topology::ProbeKindInfo> kProbes = [] {
    std::vector<topology::ProbeKindInfo> out;
    for (const auto& r : registered()) {
      if (r.probe != nullptr) {
        out.push_back({r.kind, r.check});
      }
    }
    return out;
  }();
  return topology::KindTable{kNodes, kProbes};
}

const ProbeDriver& probe_driver(const topology::ProbeSpec& probe) {
  const std::string_view kind = probe.kind.empty() ? topology::default_probe_kind(kinds()) : probe.kind;
  for (const auto& r : registered()) {
    if (r.kind == kind && r.probe != nullptr) {
      return *r.probe;
    }
  }
  static const UnknownProbeDriver kUnknown;
  return kUnknown;
}

RouterTraits router_traits(const std::string& kind) {
  const NodeDriver* driver = find_driver(kind);
  return driver == nullptr ? RouterTraits{} : driver->router_traits();
}

}  // namespace flowlab::nodes
