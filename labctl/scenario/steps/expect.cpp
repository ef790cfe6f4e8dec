// expect: for each stream, the oracle's observations at the collector (for the topology as the earlier steps left
// it) × the metering router's RIB × the collector's records; the comparison rules are verify/rules.hpp's. The
// probes are flushed first unless a collect step already did since the last traffic or fault.
#include "common/strings.hpp"
#include "labctl/scenario/steps/expect_record.hpp"
#include "labctl/verify/held_back.hpp"
#include "labctl/verify/rules.hpp"
#include "nodes/core/probe_driver.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace flowlab::scenario {
namespace {

using expect_detail::CollectorRecord;
using verify::Outcome;

// The streams' counter shortfalls per probe index, for the held-back bound (verify/held_back.hpp).
using Shortfalls = std::map<std::size_t, std::vector<verify::Shortfall>>;

// Where verify_point notes shortfalls: the point's index in the step, and the step's list.
struct ShortfallLedger {
  std::size_t point = 0;
  Shortfalls* by_probe = nullptr;
};

// Notes stream s's shortfall at obs (the collector counted `packets` and `bytes` of it; 0 and 0 for no record)
// when the probe held back a known number of captured packets at its last flush and does not sample.
void note_shortfall(const RunContext& run, const Stream& s, const oracle::Observation& obs,
                    const ShortfallLedger& ledger, std::uint64_t packets, std::uint64_t bytes, bool no_record) {
  const auto held = run.held_back.find(obs.probe_index);
  const std::uint64_t want_packets = s.packets * obs.merged;
  const std::uint64_t want_bytes = s.bytes() * obs.merged;
  if (held == run.held_back.end() || held->second.packets.value_or(0) == 0 ||
      run.topo().probes[obs.probe_index].sampling != 1 || packets >= want_packets) {
    return;
  }
  verify::Shortfall shortfall;
  shortfall.point = ledger.point;
  shortfall.packets = want_packets - packets;
  // More bytes than sent with fewer packets is no shortfall of whole packets: the bound then explains nothing.
  shortfall.bytes = bytes <= want_bytes ? want_bytes - bytes : std::numeric_limits<std::uint64_t>::max();
  shortfall.packet_size = s.size;
  shortfall.no_record = no_record;
  (*ledger.by_probe)[obs.probe_index].push_back(shortfall);
}

std::vector<verify::FieldSpec> field_specs() {
  std::vector<verify::FieldSpec> out;
  for (const auto& info : all_fields()) {
    out.push_back({info.name, info.bgp, info.type == FieldType::kAsn});
  }
  return out;
}

// Whether the collector has a BGP view of the metering router. Without a BGP session between the two (taken down by
// an earlier step) the oracle predicts unenriched records. With as_source netflow (model 1) the collector takes AS
// fields from the records: the view is the probe's own BGP feed from the router it runs on. A collector enriching
// from BMP has the view of every router of its `bmp:` list.
bool has_view(const RunContext& run, const oracle::Observation& obs, const topology::Node& collector) {
  const auto& sessions = run.current.sessions;
  if (collector.as_source == topology::AsSource::kNetflow) {
    return run.topo().probes[obs.probe_index].bgp && obs.probe_node == obs.metering_router &&
           std::any_of(sessions.begin(), sessions.end(),
                       [&](const auto& ss) { return ss.to_probe && ss.local_node == obs.probe_node; });
  }
  if (collector.enriches_from_bmp()) {  // its BMP station's view of the router (a `bmp:` router)
    const auto& list = collector.bmp_peers;
    return std::find(list.begin(), list.end(), obs.metering_router) != list.end();
  }
  return std::any_of(sessions.begin(), sessions.end(), [&](const auto& ss) {
    return ss.to_collector && ((ss.local_node == obs.metering_router && ss.remote_node == collector.name) ||
                               (ss.remote_node == obs.metering_router && ss.local_node == collector.name));
  });
}

// The metering router's own RIB, as the fields it speaks to for s (a note on the point when it cannot be read).
std::map<std::string, std::string> router_view(RunContext& run, const Stream& s, const oracle::Observation& obs,
                                               verify::PointResult& p) {
  const topology::Node* r = run.topo().find_node(obs.metering_router);
  if (r == nullptr || !r->is_router()) {
    return {};
  }
  auto rib = run.driver(*r).rib(run.context(*r));
  if (!rib.ok()) {
    p.note = "could not read " + r->name + "'s RIB: " + rib.error().message;
    return {};
  }
  return verify::router_fields(*rib, s.src, s.dst);
}

verify::FieldContext field_context(RunContext& run, const ExpectStep& e, const Stream& s,
                                   const oracle::Observation& obs, const topology::Node& collector,
                                   const IpAddress& exporter) {
  verify::FieldContext ctx;
  ctx.oracle = obs.fields;
  for (const auto& f : e.fields) {
    const std::string name(field_name(f.field));
    ctx.listed.insert(name);
    if (f.expected) {
      ctx.expected[name] = f.expected->to_string();
    }
  }
  ctx.listed_only = e.mode == FieldsMode::kListed;
  ctx.unenriched = e.mode == FieldsMode::kUnenriched;
  ctx.has_view = has_view(run, obs, collector);
  ctx.from_record = collector.as_source == topology::AsSource::kNetflow;
  ctx.on_router = obs.probe_node == obs.metering_router;
  ctx.peer_src_method = collector.peer_src_as;
  ctx.peer_src_diverging = std::find(e.diverging.begin(), e.diverging.end(), Field::kPeerAsSrc) != e.diverging.end();
  ctx.ingress = obs.metering_router + ":" + obs.iface_in;
  ctx.source = s.src.to_string();
  ctx.context = "dst " + s.dst.to_string() + ", exporter " + exporter.to_string();
  const auto& probe = run.topo().probes[obs.probe_index];
  for (auto& [field, reason] : nodes::probe_driver(probe).unprovided_fields(probe)) {
    ctx.unprovided.emplace(field, verify::Unprovided{probe.kind, std::move(reason)});
  }
  return ctx;
}

// The words for a failed field check where the lab can say more than the values (agent map, ifindex mapping).
// `reported` is the collector's value as it was reported (before normalization).
void explain(RunContext& run, const Stream& s, const oracle::Observation& obs, const topology::Node& collector,
             const std::map<std::string, std::string>& reported, verify::Check& c) {
  const auto raw = reported.find(c.name);
  if (c.outcome != Outcome::kFail || raw == reported.end()) {
    return;
  }
  const std::string& value = raw->second;
  const bool bgp = std::any_of(all_fields().begin(), all_fields().end(),
                               [&](const auto& info) { return info.name == c.name && info.bgp; });
  if (bgp && c.oracle && (value.empty() || value == "0")) {
    if (auto why = expect_detail::agent_map_explanation(run, collector, obs, c.name, value, s); !why.empty()) {
      c.explanation = why;
    }
  }
  if ((c.name == "iface_in" || c.name == "iface_out") && c.oracle && obs.probe_node == obs.metering_router) {
    c.explanation = expect_detail::ifindex_explanation(run, obs.metering_router, c.name, *c.oracle, value);
  }
}

void check_counters(const RunContext& run, const ExpectStep& e, const Stream& s, const oracle::Observation& obs,
                    const CollectorRecord& rec, verify::PointResult& p, const ShortfallLedger& ledger) {
  if (e.counters == CounterCheck::kNone) {
    return;
  }
  note_shortfall(run, s, obs, ledger, rec.packets, rec.bytes, false);
  verify::CounterContext c;
  c.packets_sent = s.packets;
  c.bytes_sent = s.bytes();
  c.merged = obs.merged;
  c.merged_reason = obs.merged_reason;
  c.sampling = run.topo().probes[obs.probe_index].sampling;
  c.exact = e.counters == CounterCheck::kExact;
  c.rows = rec.rows;
  c.packets = rec.packets;
  c.bytes = rec.bytes;
  for (auto& check : verify::check_counters(c)) {
    p.checks.push_back(std::move(check));
  }
}

// The collector's record of stream s at observation obs, or a note on the point saying why there is none.
std::optional<CollectorRecord> record_of(RunContext& run, const ExpectStep& e, const Stream& s,
                                         const oracle::Observation& obs, const topology::Node& collector,
                                         const IpAddress& exporter, verify::PointResult& p,
                                         const ShortfallLedger& ledger) {
  // A mirror probe meters every copy arriving on its span port: its records say ingress whatever the crossing.
  const bool mirrored = run.topo().probes[obs.probe_index].mirror.has_value();
  auto rec =
      expect_detail::collector_record(run, collector, s, exporter, mirrored || obs.ingress ? "ingress" : "egress",
                                      expect_detail::observed_ifindex(run, obs), e.from);
  if (!rec.ok()) {
    p.outcome = Outcome::kFail;
    p.note =
        std::string(e.from == RecordSource::kStore ? "store" : "collector") + " query failed: " + rec.error().message;
    return std::nullopt;
  }
  if (!rec->found) {
    p.outcome = Outcome::kFail;
    p.note = "no record for stream " + s.name + " (" + s.src.to_string() + " -> " + s.dst.to_string() +
             ") from exporter " + exporter.to_string() + " at collector " + collector.name;
    if (const auto held = run.held_back.find(obs.probe_index); held != run.held_back.end() && !held->second.empty()) {
      p.note += " — " + held->second.why;
    }
    note_shortfall(run, s, obs, ledger, 0, 0, true);
    return std::nullopt;
  }
  expect_detail::name_interfaces(run, obs, *rec);
  return std::move(*rec);
}

// Why the probe of `obs` cannot export stream s at all ("" when it can): NetFlow v5 has no IPv6 records.
std::string not_provided(const RunContext& run, const Stream& s, const oracle::Observation& obs) {
  const auto& probe = run.topo().probes[obs.probe_index];
  if (probe.format == topology::ExportFormat::kNetflowV5 && s.family == Family::kIpv6) {
    return "not provided by this kind: probe kind " + probe.kind +
           " exports NetFlow v5 here, which has no IPv6 records";
  }
  return "";
}

// A stream the probe cannot export: flagged with the reason, and failed if the collector has a record of it anyway.
void unprovided_point(RunContext& run, const ExpectStep& e, const Stream& s, const oracle::Observation& obs,
                      const topology::Node& collector, const IpAddress& exporter, const std::string& why,
                      verify::PointResult& p) {
  p.note = why;
  auto rec = expect_detail::collector_record(run, collector, s, exporter, obs.ingress ? "ingress" : "egress",
                                             expect_detail::observed_ifindex(run, obs), e.from);
  verify::Check c;
  c.name = "record";
  c.expected = "none";
  c.collector = !rec.ok() ? "query failed: " + rec.error().message : (rec->found ? "found" : "none");
  c.outcome = *c.collector == "none" ? Outcome::kFlagged : Outcome::kFail;
  c.explanation = c.outcome == Outcome::kFlagged ? why : "the collector has a record the probe cannot have exported";
  p.checks.push_back(c);
  verify::settle(p);
}

verify::PointResult verify_point(RunContext& run, const ExpectStep& e, const Stream& s, const oracle::Observation& obs,
                                 const topology::Node& collector, const ShortfallLedger& ledger) {
  verify::PointResult p;
  p.stream = s.name;
  p.point = obs.metering_router + ":" + obs.observed_interface + (obs.ingress ? " in" : " out");
  const topology::Node* probe_node = run.topo().find_node(obs.probe_node);
  // The address the collector sees: the probe's, or a non-transparent tee's on the way (model/feeds.hpp).
  const IpAddress exporter = obs.peer_ip_src ? *obs.peer_ip_src : probe_node->mgmt4.address;
  p.exporter =
      obs.probe_node + (exporter == probe_node->mgmt4.address ? " " : " via a tee's address ") + exporter.to_string();
  p.collector = collector.name;
  if (obs.ambiguous) {
    p.outcome = Outcome::kFail;
    p.note = "ambiguous: " + obs.reason + " — the scenario must pin this tie";
    return p;
  }
  if (const std::string why = not_provided(run, s, obs); !why.empty()) {
    unprovided_point(run, e, s, obs, collector, exporter, why, p);
    return p;
  }
  verify::FieldContext ctx = field_context(run, e, s, obs, collector, exporter);
  ctx.router = router_view(run, s, obs, p);
  auto rec = record_of(run, e, s, obs, collector, exporter, p, ledger);
  if (!rec) {
    return p;
  }
  run.traffic.push_back(expect_detail::traffic_fact(run, s, obs, *rec, collector, p.point));
  ctx.collector = rec->fields;
  const auto specs = field_specs();
  if (run.driver(collector).partial_records()) {
    verify::unprovided_by_record(specs, collector.kind, ctx);
  }
  auto fields = verify::check_fields(specs, ctx);
  for (auto& c : fields.checks) {
    explain(run, s, obs, collector, ctx.collector, c);
    p.checks.push_back(std::move(c));
  }
  if (!fields.not_in_records.empty()) {
    p.note += (p.note.empty() ? "" : "; ") + std::string("not checked: ") + join(fields.not_in_records, ", ") +
              " (collector " + collector.name + " has as_source netflow and the probe's records do not carry them)";
  }
  for (const auto& [kind, names] : fields.not_provided) {
    p.note += (p.note.empty() ? "" : "; ") + std::string("not provided by kind ") + kind + ": " + join(names, ", ");
  }
  check_counters(run, e, s, obs, *rec, p, ledger);
  verify::settle(p);
  return p;
}

// The observations of `prediction` that the expect step asks about.
bool selected(const ExpectStep& e, const oracle::Observation& obs) {
  if (obs.collector != e.at) {
    return false;
  }
  if (e.point && !(obs.probe_node == e.point->node || obs.metering_router == e.point->node)) {
    return false;
  }
  return !(e.point && !e.point->interface.empty() && obs.observed_interface != e.point->interface);
}

verify::PointResult no_point(const ExpectStep& e, const std::string& stream,
                             const oracle::Oracle::StreamPrediction& prediction) {
  verify::PointResult p;
  p.stream = stream;
  p.point = e.point ? e.point->node + (e.point->interface.empty() ? "" : ":" + e.point->interface) : "-";
  p.collector = e.at;
  p.outcome = Outcome::kFail;
  p.note = "the oracle finds no probe exporting to " + e.at + " on the path of stream " + stream + " (" +
           oracle::to_string(prediction.walk.outcome) + ")";
  return p;
}

// Flags the counter shortfalls each probe's held-back packets explain (verify/held_back.hpp), then the step's outcome
// is its points' again.
void bound_held_back(const RunContext& run, const Shortfalls& by_probe, report::StepRecord& rec) {
  if (by_probe.empty()) {
    return;
  }
  for (const auto& [index, list] : by_probe) {
    const auto& probe = run.topo().probes[index];
    const nodes::HeldBack& held = run.held_back.at(index);
    verify::settle_held_back(
        rec.points, list,
        {held.packets.value_or(0), nodes::probe_driver(probe).process_name(index) + " on " + probe.node, held.why});
  }
  rec.outcome = Outcome::kPass;
  for (const auto& point : rec.points) {
    rec.outcome = verify::worst(rec.outcome, point.outcome);
  }
}

Status flush_first(RunContext& run, report::StepRecord& rec) {
  if (run.collected) {
    return {};
  }
  report::StepRecord collect_rec;
  FLOWLAB_TRY(collect(run, collect_rec));
  rec.details["collect"] = collect_rec.details;
  for (auto& point : collect_rec.points) {
    rec.outcome = verify::worst(rec.outcome, point.outcome);
    rec.points.push_back(std::move(point));
  }
  return {};
}

}  // namespace

Status run_step(RunContext& run, const ExpectStep& e, report::StepRecord& rec) {
  // The oracle predicts from the topology as the earlier fault steps left it (links and sessions down, ...).
  run.current = topology_at(run.sc, run.step_index);
  auto now = oracle::Oracle::build(run.current);
  if (!now.ok()) {
    return fail(ErrorKind::kVerify, now.error().message);
  }
  run.oracle = std::make_unique<oracle::Oracle>(std::move(*now));
  run.traffic.clear();
  FLOWLAB_TRY(flush_first(run, rec));
  const topology::Node* collector = run.topo().find_node(e.at);
  if (collector == nullptr) {
    return fail(ErrorKind::kConfig, "no collector " + e.at);
  }
  Shortfalls shortfalls;
  for (const auto& name : e.streams) {
    const Stream* s = run.sc.find_stream(name);
    auto prediction = run.oracle->predict(oracle::Stream{s->from, s->src, s->dst});
    FLOWLAB_TRY(prediction);
    std::size_t points = 0;
    for (const auto& obs : prediction->observations) {
      if (!selected(e, obs)) {
        continue;
      }
      ++points;
      rec.points.push_back(verify_point(run, e, *s, obs, *collector, {rec.points.size(), &shortfalls}));
      rec.outcome = verify::worst(rec.outcome, rec.points.back().outcome);
    }
    if (points == 0) {
      rec.points.push_back(no_point(e, name, *prediction));
      rec.outcome = Outcome::kFail;
    }
  }
  bound_held_back(run, shortfalls, rec);
  for (const auto& fact : run.traffic) {
    rec.details["traffic"].push_back(report::to_json(fact));
  }
  return {};
}

}  // namespace flowlab::scenario
