// detail of the expect step: what the collector reported for one stream at one observation point, and the words
// that explain a disagreement. Used by steps/expect.cpp only.
#pragma once

#include "labctl/scenario/run_context.hpp"

#include <map>
#include <optional>
#include <string>

namespace flowlab::scenario::expect_detail {

// What the collector reported for one stream from one exporter: the rows summed, fields of the first row.
struct CollectorRecord {
  bool found = false;
  std::map<std::string, std::string> fields;  // section 6 names
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t flows = 0;
  std::size_t rows = 0;
};

// The collector's rows for stream `s` from `exporter`, keeping those of this observation: `direction` is what its
// records say in IE 61 ("ingress" / "egress"); a row that aggregates `direction` and says otherwise belongs to
// another observation point, and so does one of the right direction whose interface on that side (iface_in when
// ingress, iface_out when egress) is not `observed_ifindex` (when known: the probe meters the router's own
// interfaces). `from` kStore reads the rows from the collector's store instead of its live aggregate.
Result<CollectorRecord> collector_record(RunContext& run, const topology::Node& collector, const Stream& s,
                                         const IpAddress& exporter, const std::string& direction,
                                         std::optional<std::uint32_t> observed_ifindex, RecordSource from);

// The ifindex the probe records for the observed interface of the metering router (its `ifindex:` override, else
// the kernel's), when the probe runs on that router.
std::optional<std::uint32_t> observed_ifindex(RunContext& run, const oracle::Observation& obs);

// The collector's iface_in / iface_out as interface names of the metering router (when the probe meters the
// router's own interfaces; otherwise they are dropped).
void name_interfaces(RunContext& run, const oracle::Observation& obs, CollectorRecord& rec);

// What the collector reported for one stream at one point, for report.html's traffic Sankey.
report::TrafficFact traffic_fact(const RunContext& run, const Stream& s, const oracle::Observation& obs,
                                 const CollectorRecord& c, const topology::Node& collector, const std::string& point);

// An unenriched collector value where the collector's `agent_map:` sends this exporter to another router's view
// ("" when no override applies).
std::string agent_map_explanation(const RunContext& run, const topology::Node& collector,
                                  const oracle::Observation& obs, const std::string& field, const std::string& value,
                                  const Stream& s);

// A collector interface that is not the oracle's ("... — the probe's ifindex mapping?").
std::string ifindex_explanation(RunContext& run, const std::string& router, const std::string& field,
                                const std::string& expected, const std::string& reported);

}  // namespace flowlab::scenario::expect_detail
