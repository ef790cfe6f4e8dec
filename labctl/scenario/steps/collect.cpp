// collect: every probe flushes (its driver's flush), then each final collector it feeds (directly or through tees)
// is polled until it has received all the datagrams the probe sent. One verdict point per (probe, final
// collector): datagrams sent/received, the collector's sequence-gap counters (lost and duplicate must be 0) and
// the tees' drops on the way.
#include "labctl/scenario/run_context.hpp"
#include "labctl/verify/rules.hpp"
#include "model/feeds.hpp"

#include <algorithm>
#include <thread>

namespace flowlab::scenario {

using Clock = std::chrono::steady_clock;

namespace {

nlohmann::json to_json(const nodes::DeliveryCounters& c) {
  return {{"datagrams", c.datagrams},
          {"lost", c.lost},
          {"duplicate", c.duplicate},
          {"out_of_order", c.out_of_order},
          {"resets", c.resets}};
}

nlohmann::json to_json(const nodes::ForwardingCounters& c) {
  return {{"datagrams", c.datagrams}, {"errors", c.errors}, {"would_block", c.would_block}, {"dropped", c.dropped}};
}

std::optional<nodes::ForwardingCounters> forwarding_counters(const RunContext& run, const std::string& tee) {
  const topology::Node* node = run.topo().find_node(tee);
  if (node == nullptr) {
    return std::nullopt;
  }
  auto c = run.driver(*node).forwarding(run.context(*node));
  return c.ok() ? std::optional<nodes::ForwardingCounters>(*c) : std::nullopt;
}

// Sequence numbers identify an exporter stream only when one probe alone sends from that address to the collector,
// and only while that probe has not restarted under a running collector (its numbers start again at 0): the reason
// they cannot be checked, or "".
std::string unchecked_sequence(const RunContext& run, std::size_t probe, const topology::Feed& feed,
                               const DeliveryBase& base) {
  std::size_t sharing = 0;
  for (const auto& [index, other] : topology::collector_feeds(run.topo(), feed.collector)) {
    sharing += other.exporter == feed.exporter ? 1U : 0U;
  }
  if (sharing > 1) {
    return "sequence counters not checked: " + std::to_string(sharing) + " probes export from " +
           feed.exporter.to_string();
  }
  const auto& spec = run.topo().probes[probe];
  if (auto why = nodes::probe_driver(spec).unchecked_sequence(spec); !why.empty()) {
    return "sequence counters not checked: " + why;
  }
  if (base.probe_restarted) {
    return "sequence counters not checked: " + nodes::probe_driver(run.topo().probes[probe]).process_name(probe) +
           " restarted while " + feed.collector + " kept its sequence state";
  }
  return "";
}

void tee_drop_checks(const RunContext& run, const topology::Feed& feed, verify::PointResult& p) {
  for (const auto& tee : feed.tees) {
    if (auto counters = forwarding_counters(run, tee)) {
      p.checks.push_back(verify::compare("tee " + tee + " dropped", std::nullopt, std::nullopt,
                                         std::to_string(counters->dropped), "0"));
    } else {
      verify::Check c;
      c.name = "tee " + tee + " dropped";
      c.expected = "0";
      c.outcome = verify::Outcome::kFail;
      c.explanation = "tee " + tee + " does not answer on its query socket";
      p.checks.push_back(c);
    }
  }
}

// A verdict point about one probe's datagrams at one final collector, without checks yet.
verify::PointResult datagrams_point(const RunContext& run, std::size_t probe_index, const topology::Feed& feed) {
  const auto& probe = run.topo().probes[probe_index];
  verify::PointResult p;
  p.stream = "datagrams of " + nodes::probe_driver(probe).process_name(probe_index);
  p.point = probe.node + (feed.tees.empty() ? std::string() : " via " + topology::tee_path_text(feed));
  p.exporter = feed.source_node + " " + feed.exporter.to_string();
  p.collector = feed.collector;
  return p;
}

// The verdict point of one probe's datagrams at one final collector.
verify::PointResult delivery_point(const RunContext& run, std::size_t probe_index, const topology::Feed& feed,
                                   const nodes::ProbeFlush& flushed, std::uint64_t sent, std::uint64_t received,
                                   const nodes::DeliveryCounters& seq, const DeliveryBase& base) {
  const auto& probe = run.topo().probes[probe_index];
  verify::PointResult p = datagrams_point(run, probe_index, feed);
  if (!flushed.counted) {
    // The kind reports no export statistics (or this flush has none; held_back, added to the note, says why):
    // datagrams must arrive, their number cannot be compared.
    p.note = flushed.held_back.empty()
                 ? "datagrams sent not counted: probe kind " + probe.kind + " reports no export statistics"
                 : "datagrams sent not counted";
    verify::Check c;
    c.name = "datagrams";
    c.expected = ">= 1";
    c.collector = std::to_string(received);
    if (received == 0) {
      c.outcome = verify::Outcome::kFail;
      c.explanation = "no datagram of " + p.stream + " reached " + feed.collector;
    }
    p.checks.push_back(c);
    verify::settle(p);
    return p;
  }
  if (auto why = unchecked_sequence(run, probe_index, feed, base); !why.empty()) {
    p.note = why;
    verify::Check c;
    c.name = "datagrams";
    c.expected = ">= " + std::to_string(sent);
    c.collector = std::to_string(received);
    p.checks.push_back(c);
    return p;
  }
  p.checks.push_back(
      verify::compare("datagrams", std::nullopt, std::nullopt, std::to_string(received), std::to_string(sent)));
  p.checks.push_back(verify::compare("sequence lost", std::nullopt, std::nullopt, std::to_string(seq.lost), "0"));
  p.checks.push_back(
      verify::compare("sequence duplicate", std::nullopt, std::nullopt, std::to_string(seq.duplicate), "0"));
  tee_drop_checks(run, feed, p);
  verify::settle(p);
  return p;
}

// `p` with the probe's reason for captured packets left out of its export added to its note.
verify::PointResult with_held_back(verify::PointResult p, const nodes::ProbeFlush& flushed) {
  if (!flushed.held_back.empty()) {
    p.note += (p.note.empty() ? "" : "; ") + flushed.held_back.why;
  }
  return p;
}

// The verdict point of a collector kind that keeps no datagram counts (delivery() unsupported): shown, not failed.
verify::PointResult unprovided_delivery_point(const RunContext& run, std::size_t probe_index,
                                              const topology::Feed& feed, const nodes::ProbeFlush& flushed,
                                              std::uint64_t sent, const topology::Node& collector) {
  verify::PointResult p = datagrams_point(run, probe_index, feed);
  p.note = "datagrams received: not provided by kind " + collector.kind + " (" +
           (flushed.counted ? std::to_string(sent) + " sent)" : "sent not counted)");
  return with_held_back(std::move(p), flushed);
}

}  // namespace

std::optional<nodes::DeliveryCounters> delivery_counters(RunContext& run, const topology::Node& collector,
                                                         const IpAddress& exporter) {
  auto c = run.driver(collector).delivery(run.context(collector), exporter);
  return c.ok() ? std::optional<nodes::DeliveryCounters>(*c) : std::nullopt;
}

namespace {

// Adds one process's flush of a probe to the probe's total.
void add_flush(nodes::ProbeFlush& total, const std::string& name, nodes::ProbeFlush one) {
  total.datagrams_sent += one.datagrams_sent;
  total.counted = total.counted && one.counted;
  if (!one.held_back.empty()) {
    total.held_back.why += (total.held_back.why.empty() ? "" : "; ") + name + ": " + one.held_back.why;
  }
  // How many packets each process held back is known, but not which streams' points they belong to: the sum over
  // the probe's interfaces would let one interface's unread packets explain another's shortfall (seen on
  // dualstack-failover: eth2's streams short by 644 packets, "covered" by eth1's 650 unread). So a probe of several
  // processes gives no count, and the held-back bound flags nothing there.
  total.held_back.packets = std::nullopt;
  total.stats[name] = std::move(one.stats);
}

}  // namespace

Result<nodes::ProbeFlush> flush_probe(RunContext& run, std::size_t i) {
  const auto& probe = run.topo().probes[i];
  const nodes::ProbeDriver& driver = nodes::probe_driver(probe);
  const auto procs = run.lab_processes();
  const std::size_t instances = driver.instances(probe);
  nodes::ProbeFlush total;
  for (std::size_t instance = 0; instance < instances; ++instance) {
    nodes::ProbeContext ctx = run.probe_context(i);
    ctx.instance = instance;
    const std::string name = driver.instance_name(ctx);
    const auto it = std::find_if(procs.begin(), procs.end(), [&](const auto& p) { return p.name == name; });
    if (it == procs.end() || !process::alive(*it)) {
      return fail(ErrorKind::kVerify, name + " on node " + probe.node + " is not running");
    }
    auto flushed = driver.flush(ctx, *it);
    if (!flushed.ok()) {
      return fail(flushed.error().kind, name + " on node " + probe.node + " " + flushed.error().message);
    }
    if (instances == 1) {
      return flushed;
    }
    add_flush(total, name, std::move(*flushed));
  }
  return total;
}

Result<std::uint64_t> deliver(RunContext& run, std::size_t i, nlohmann::json& details, report::StepRecord* verdict,
                              std::set<std::string>* tees_seen) {
  const auto& probe = run.topo().probes[i];
  const std::string name = nodes::probe_driver(probe).process_name(i);
  auto flushed = flush_probe(run, i);
  FLOWLAB_TRY(flushed);
  const std::uint64_t sent_total = flushed->datagrams_sent;
  run.held_back[i] = flushed->held_back;
  // Through tees the datagrams take longer, and the machine may be loaded: a generous deadline.
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  for (const auto& feed : topology::probe_feeds(run.topo(), probe)) {
    const topology::Node* collector = run.topo().find_node(feed.collector);
    if (collector == nullptr || collector->role != topology::Role::kCollector) {
      continue;
    }
    const DeliveryBase& base = run.delivery_base[{i, feed.collector}];
    const std::uint64_t sent = sent_total - std::min(sent_total, base.sent);
    const std::uint64_t want = flushed->counted ? sent : 1;  // uncounted: at least one must arrive
    std::optional<nodes::DeliveryCounters> seq;
    std::uint64_t received = 0;
    bool provided = true;
    while (Clock::now() < deadline) {
      auto counters = run.driver(*collector).delivery(run.context(*collector), feed.exporter);
      provided = counters.ok() || counters.error().kind != ErrorKind::kUnsupported;
      if (!provided) {
        break;
      }
      seq = counters.ok() ? std::optional<nodes::DeliveryCounters>(*counters) : std::nullopt;
      received = seq ? seq->datagrams - std::min(seq->datagrams, base.received) : 0;
      if (received >= want) {
        break;
      }
      FLOWLAB_TRY(watch_processes(run));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    nlohmann::json detail{{"probe", name},
                          {"node", probe.node},
                          {"datagrams_sent", sent},
                          {"collector", collector->name},
                          {"via", feed.tees},
                          {"exporter", feed.exporter.to_string()},
                          {"datagrams_received", received},
                          {"stats", flushed->stats}};
    if (seq) {
      detail["sequence"] = to_json(*seq);
    }
    if (!provided) {
      detail["datagrams_received"] = nullptr;  // the collector's kind keeps no count
    }
    details.push_back(detail);
    if (!provided) {
      // No count to wait for: the collector writes what it received so far (nfcapd: its next rotations), so the
      // records are readable when the expect steps ask.
      if (auto persisted = run.driver(*collector).persist(run.context(*collector)); !persisted.ok()) {
        return fail(persisted.error().kind, "collector " + collector->name + ": " + persisted.error().message);
      }
      if (verdict != nullptr) {
        verdict->points.push_back(unprovided_delivery_point(run, i, feed, *flushed, sent, *collector));
      }
      continue;
    }
    // Counters read but short of what was sent (a tee that forgot a receiver, loss): a failed check of the
    // point below, not a run that could not complete.
    if (!seq) {
      return fail(ErrorKind::kVerify, "collector " + collector->name + " received " + std::to_string(received) +
                                          " of the " + std::to_string(sent) + " datagrams " + name + " sent" +
                                          (feed.tees.empty() ? "" : " (via " + topology::tee_path_text(feed) + ")"));
    }
    if (verdict != nullptr) {
      verdict->points.push_back(
          with_held_back(delivery_point(run, i, feed, *flushed, sent, received, *seq, base), *flushed));
      verdict->outcome = verify::worst(verdict->outcome, verdict->points.back().outcome);
    }
    if (tees_seen != nullptr) {
      tees_seen->insert(feed.tees.begin(), feed.tees.end());
    }
  }
  return sent_total;
}

Status collect(RunContext& run, report::StepRecord& rec) {
  rec.details["probes"] = nlohmann::json::array();
  rec.details["tees"] = nlohmann::json::object();
  std::set<std::string> tees_seen;
  for (std::size_t i = 0; i < run.topo().probes.size(); ++i) {
    auto sent = deliver(run, i, rec.details["probes"], &rec, &tees_seen);
    FLOWLAB_TRY(sent);
  }
  for (const auto& tee : tees_seen) {
    if (auto c = forwarding_counters(run, tee)) {
      rec.details["tees"][tee] = to_json(*c);
    }
  }
  run.collected = true;
  return {};
}

Status run_step(RunContext& run, const CollectStep& /*s*/, report::StepRecord& rec) { return collect(run, rec); }

}  // namespace flowlab::scenario
