// flowlab::verify rules — which sources speak to each field of one expectation point, and how the counters are
// judged. Plain values in, checks out: the scenario runner gathers the oracle's observation, the metering router's
// RIB fields and the collector's record, and these rules decide what is compared with what.
//
// Field rules (DESIGN.md section 6):
// - A field is compared when any source speaks to it; an expect step with `fields:` lists only those.
// - Without a BGP view (no session between the metering router and the collector, or `unenriched`) the oracle
//   predicts the BGP fields empty / 0 and the router's RIB is not asked.
// - With `as_source: netflow` (model 1) the fields no record carries (AS paths, communities, local_pref, MED) are
//   not predicted ("not checked"); an explicit value is still compared with the collector.
// - peer_as_src by the collector's method: `bgp` is what the router's RIB says (the first AS of the route back to
//   the source), `map` is the truth (the map is rendered from the topology), `netflow` is the record's own field.
//   Where the method's value differs from the truth (the neighbour AS the packets came from) a second check
//   "peer_as_src (truth)" fails, or is flagged when the scenario declares the field diverging.
// - Interfaces are compared only where the probe meters the router's own interfaces.
// - Not provided (one rule for both ends of the pipeline): a field the probe's kind does not provide (its driver's
//   unprovided_fields) or that a collector kind with partial records (nfcapd, nfacctd, ...) left out of its record
//   is never compared. With a collector value it is shown FLAGGED "not provided by this kind: <reason>"; without
//   one (and with some source speaking to it) it is listed on the point as "not provided by kind <kind>: ...".
// Counter rules: exact packets/bytes (times the observations the collector cannot tell apart, flagged with their
// reason), or under 1:N sampling within sampling_bound() (99.9 %) plus N per record (the count sampler's phase).
#pragma once

#include "common/sampling_bound.hpp"
#include "labctl/verify/verify.hpp"
#include "model/model.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab::verify {

// One comparable field: its section 6 name, whether it comes from the collector's BGP view, whether it is an AS
// number (an unenriched AS reads "0", anything else "").
struct FieldSpec {
  std::string_view name;
  bool bgp = true;
  bool asn = false;
};

// A field a kind of the pipeline does not provide: which kind, and why.
struct Unprovided {
  std::string kind;    // "softflowd" (a probe kind), "nfcapd" (a collector kind)
  std::string reason;  // "softflowd records no interface index ..."
};

// What one expectation point knows, as plain values (section 6 field names).
struct FieldContext {
  std::map<std::string, std::string> oracle;     // the oracle's observation (peer_as_src = truth,
                                                 // peer_as_src_bgp = the bgp method's value)
  std::map<std::string, std::string> router;     // the metering router's RIB (router_fields())
  std::map<std::string, std::string> collector;  // the collector's record
  std::map<std::string, std::string> expected;   // explicit values written in the scenario
  std::set<std::string> listed;                  // the fields the expect step names
  bool listed_only = false;                      // `fields:` lists what is checked
  bool unenriched = false;                       // `unenriched: true`
  bool has_view = true;                          // the collector has a BGP view of the metering router
  bool from_record = false;                      // the collector takes AS fields from the records (as_source netflow)
  bool on_router = true;                         // the probe meters the router's own interfaces
  topology::PeerSrcAsMethod peer_src_method = topology::PeerSrcAsMethod::kBgp;
  bool peer_src_diverging = false;  // the scenario declares peer_as_src diverging from the truth
  // Fields the pipeline's kinds do not provide, filled from both drivers: the probe kind's unprovided_fields() and,
  // for a collector kind with partial records, the fields its record lacks (unprovided_by_record()). Never
  // compared and never silently skipped (the rule in the header comment).
  std::map<std::string, Unprovided> unprovided;
  std::string ingress;  // "r1:eth1", where the packets entered (for explanations)
  std::string source;   // the stream's source address (for explanations)
  std::string context;  // "dst 203.0.113.2, exporter 198.19.128.2"
};

struct FieldChecks {
  std::vector<Check> checks;
  std::vector<std::string> not_in_records;  // fields skipped because no record carries them (as_source netflow)
  // Fields not provided that the collector left empty, by the kind that does not provide them.
  std::map<std::string, std::vector<std::string>> not_provided;
};

// Adds every field of `fields` that `ctx.collector` lacks to ctx.unprovided as not provided by collector kind
// `kind` (a kind whose records are partial: NodeDriver::partial_records()). Fields already there keep their entry.
void unprovided_by_record(std::span<const FieldSpec> fields, const std::string& kind, FieldContext& ctx);

// The fields the records of an `as_source: netflow` collector do not carry.
[[nodiscard]] bool carried_only_by_bgp(std::string_view field);

// One check per field some source speaks to, in `fields` order (plus "peer_as_src (truth)" after peer_as_src).
[[nodiscard]] FieldChecks check_fields(std::span<const FieldSpec> fields, const FieldContext& ctx);

// What the counters of one point are judged by.
struct CounterContext {
  std::uint64_t packets_sent = 0;  // the stream's
  std::uint64_t bytes_sent = 0;
  std::uint64_t merged = 1;    // observations the collector cannot tell apart (oracle Observation::merged)
  std::string merged_reason;   // why they merge
  std::uint32_t sampling = 1;  // the probe's 1:N
  bool exact = true;           // `counters: exact` (or sampling 1)
  std::size_t rows = 0;        // collector rows summed
  std::uint64_t packets = 0;   // what the collector reported
  std::uint64_t bytes = 0;
};

[[nodiscard]] std::vector<Check> check_counters(const CounterContext& ctx);

// The sampling bound (common/sampling_bound.hpp, where the probes' tests reach it too).
using ::flowlab::kSamplingZ;
using ::flowlab::sampling_bound;

// The point's outcome: the worst of its checks' (and of what it already says).
void settle(PointResult& point);

}  // namespace flowlab::verify
