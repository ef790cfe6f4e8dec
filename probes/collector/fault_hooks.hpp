// fault_hooks.hpp — where the collector's seeded faults (faults.hpp, docs/faults.md) bend enrichment. Each hook
// returns its input untouched unless its fault was switched on with `--fault`.
#pragma once

#include "probes/bgp/message.hpp"
#include "probes/collector/bgp_tables.hpp"
#include "probes/collector/enrich.hpp"

#include <memory>

namespace flowlab::collector {

// drop-large-communities, as-trans: a received route's attributes as the faulty collector stores them.
[[nodiscard]] const std::shared_ptr<const bgp::PathAttributes>& bend_route(
    const std::shared_ptr<const bgp::PathAttributes>& attrs);
// wrong-peer, bgp-id-as-agent: the BGP view the faulty collector enriches the exporter's records from (`right`:
// the one it should).
[[nodiscard]] const bgp::Rib* bend_view(const BgpTables& tables, const IpAddress& exporter, const bgp::Rib* right);
// swap-as-egress: as_src and as_dst swapped on egress-metered records.
void bend_flow(const wire::FlowRecord& record, EnrichedFlow& out);

}  // namespace flowlab::collector
