#include "probes/collector/fault_hooks.hpp"

#include "probes/faults/faults.hpp"

#include <utility>

namespace flowlab::collector {

namespace {

constexpr std::uint32_t kAsTrans = 23456;  // RFC 6793: what a 2-byte speaker sees for a 4-byte ASN

}  // namespace

const std::shared_ptr<const bgp::PathAttributes>& bend_route(const std::shared_ptr<const bgp::PathAttributes>& attrs) {
  const bool drop_large = faults::on(faults::Fault::kDropLargeCommunities);
  const bool as_trans = faults::on(faults::Fault::kAsTrans);
  if (attrs == nullptr || (!drop_large && !as_trans)) {
    return attrs;
  }
  // The bent copy lives until the next call: Rib::apply interns it before that.
  thread_local std::shared_ptr<const bgp::PathAttributes> bent;
  auto copy = std::make_shared<bgp::PathAttributes>(*attrs);
  if (drop_large) {
    copy->large_communities.clear();
  }
  if (as_trans && copy->as_path) {
    for (auto& segment : copy->as_path->segments) {
      for (auto& asn : segment.asns) {
        asn = asn > 0xffffU ? kAsTrans : asn;
      }
    }
    copy->as4_path.reset();
  }
  bent = std::move(copy);
  return bent;
}

const bgp::Rib* bend_view(const BgpTables& tables, const IpAddress& exporter, const bgp::Rib* right) {
  if (faults::on(faults::Fault::kBgpIdAsAgent)) {
    return exporter.is_v4() ? tables.by_router_id(exporter.v4_host_order()) : nullptr;
  }
  if (faults::on(faults::Fault::kWrongPeer)) {
    for (const auto& peer : tables.peers()) {
      if (peer.up && peer.rib != nullptr && peer.rib != right && peer.rib->prefix_count(Family::kIpv4) > 0) {
        return peer.rib;
      }
    }
  }
  return right;
}

void bend_flow(const wire::FlowRecord& record, EnrichedFlow& out) {
  if (faults::on(faults::Fault::kSwapAsEgress) && record.direction == wire::FlowDirection::kEgress) {
    std::swap(out.as_src, out.as_dst);
  }
}

}  // namespace flowlab::collector
