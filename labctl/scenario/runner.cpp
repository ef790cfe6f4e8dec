#include "labctl/scenario/runner.hpp"

#include "common/strings.hpp"
#include "labctl/lab/converge.hpp"
#include "labctl/lab/lab.hpp"
#include "labctl/oracle/oracle.hpp"
#include "labctl/report/report_html.hpp"
#include "model/feeds.hpp"
#include "nodes/collector/collector_driver.hpp"
#include "nodes/probe/flowprobe.hpp"
#include "platform/netns/netns.hpp"
#include "platform/process/locate.hpp"
#include "platform/process/process.hpp"

#include <nlohmann/json.hpp>

#include <signal.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

namespace flowlab::scenario {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using report::RunRecord;
using report::StepRecord;
using verify::Outcome;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The last line of a file that parses as a JSON object with `key` (flowgen/flowprobe print one such line).
std::optional<nlohmann::json> last_json_with(const fs::path& file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  std::optional<nlohmann::json> found;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() != '{') {
      continue;
    }
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains(key)) {
      found = std::move(j);
    }
  }
  return found;
}

std::string stamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

// pmacct primitive (collector aggregate `full`) -> DESIGN.md section 6 field name.
const std::map<std::string, std::string>& primitive_fields() {
  static const std::map<std::string, std::string> m{{"src_as", "as_src"},
                                                    {"dst_as", "as_dst"},
                                                    {"as_path", "as_path"},
                                                    {"src_as_path", "src_as_path"},
                                                    {"peer_src_as", "peer_as_src"},
                                                    {"peer_dst_as", "peer_as_dst"},
                                                    {"peer_src_ip", "peer_ip_src"},
                                                    {"peer_dst_ip", "peer_ip_dst"},
                                                    {"src_net", "net_src"},
                                                    {"dst_net", "net_dst"},
                                                    {"src_mask", "mask_src"},
                                                    {"dst_mask", "mask_dst"},
                                                    {"std_comm", "comms"},
                                                    {"lrg_comm", "lcomms"},
                                                    {"local_pref", "local_pref"},
                                                    {"med", "med"},
                                                    {"in_iface", "iface_in"},
                                                    {"out_iface", "iface_out"},
                                                    {"src_host", "src_host"},
                                                    {"dst_host", "dst_host"},
                                                    {"src_port", "src_port"},
                                                    {"dst_port", "dst_port"},
                                                    {"proto", "proto"}};
  return m;
}

// What the collector reported for one stream from one exporter: the rows summed, fields of the first row.
struct CollectorRecord {
  bool found = false;
  std::map<std::string, std::string> fields;  // section 6 names
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t flows = 0;
  std::size_t rows = 0;
};

// Where delivery accounting of one (probe, final collector) starts again after a restart on the way: the probe's
// datagrams_sent and the collector's datagram count from the probe's exporter at that moment.
struct DeliveryBase {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  bool probe_restarted = false;  // the probe restarted under a running collector: its sequence numbers went back
};

// "<kind><tag>-<node><ext>" in a run's traffic directory (flowgen specs, sink and sender logs).
fs::path traffic_file(const fs::path& dir, std::string_view kind, std::string_view tag, std::string_view node,
                      std::string_view ext) {
  std::string name(kind);
  name.append(tag).append("-").append(node).append(ext);
  return dir / name;
}

class Runner {
 public:
  Runner(const Scenario& sc, const RunOptions& options) : sc_(sc), options_(options), routing_(sc.topology) {
    lab_options_.rundir = options.lab_rundir;
    lab_options_.progress = options.progress;
    run_.scenario = sc.name;
    run_.description = sc.description;
    run_.source_file = sc.source_file;
    run_.lab = sc.lab_name();
    run_.topology = report::diagram_of(sc.topology);
  }

  RunRecord run() {
    const auto t0 = Clock::now();
    // Absolute: the run directory is handed to processes inside the nodes, which run in another directory.
    std::error_code ec;
    out_dir_ = fs::absolute(
        options_.out_dir.empty() ? fs::path("flowlab-runs") / (sc_.name + "-" + stamp()) : options_.out_dir, ec);
    fs::create_directories(out_dir_, ec);
    run_.run_dir = out_dir_.string();
    if (auto st = execute(); !st.ok()) {
      run_.runtime_error = true;
      run_.error = st.error().message;
      run_.outcome = Outcome::kFail;
    }
    if (deployed_) {
      save_artefacts();
      if (!options_.keep) {
        say("destroying lab " + sc_.lab_name());
        if (auto st = lab::destroy(sc_.lab_name(), lab_options_); !st.ok() && !run_.runtime_error) {
          run_.runtime_error = true;
          run_.error = "destroy: " + st.error().message;
        }
      }
    }
    run_.seconds = seconds_since(t0);
    write_reports();
    return run_;
  }

 private:
  void say(const std::string& line) const {
    if (options_.progress) {
      options_.progress(line);
    }
  }

  const topology::Topology& topo() const { return sc_.topology; }

  fs::path node_dir(const std::string& node) const { return lab::lab_dir(lab_options_.rundir, sc_.lab_name()) / node; }

  nodes::NodeContext context(const topology::Node& node) const { return lab::node_context(topo(), node, lab_options_); }

  Status execute() {
    auto oracle = oracle::Oracle::build(topo());
    if (!oracle.ok()) {
      return fail(ErrorKind::kVerify, oracle.error().message);
    }
    oracle_ = std::make_unique<oracle::Oracle>(std::move(*oracle));
    if (!lab::existing_labs(lab_options_).empty()) {
      const auto labs = lab::existing_labs(lab_options_);
      if (std::find(labs.begin(), labs.end(), sc_.lab_name()) != labs.end()) {
        return fail(ErrorKind::kExists,
                    "lab " + sc_.lab_name() + " already exists (labctl destroy " + sc_.lab_name() + ")");
      }
    }
    say("deploying lab " + sc_.lab_name());
    deployed_ = true;
    {
      StepRecord rec;
      rec.kind = "deploy";
      rec.summary = "deploy " + (sc_.topology_file.empty() ? sc_.topology.name : sc_.topology_file);
      const auto t0 = Clock::now();
      auto st = lab::deploy(topo(), lab_options_, /*cleanup_on_failure=*/false);
      rec.seconds = seconds_since(t0);
      if (!st.ok()) {
        rec.outcome = Outcome::kFail;
        rec.error = st.error().message;
        run_.steps.push_back(rec);
        return fail(ErrorKind::kVerify, st.error().message);
      }
      run_.steps.push_back(rec);
    }
    for (std::size_t index = 0; index < sc_.steps.size(); ++index) {
      const Step& step = sc_.steps[index];
      step_index_ = index;
      StepRecord rec;
      rec.kind = std::string(step.kind());
      rec.summary = step.summary();
      if (step.mark.line > 0) {
        rec.where = sc_.source_file + ":" + std::to_string(step.mark.line) + ":" + std::to_string(step.mark.column);
      }
      say(rec.summary);
      const auto t0 = Clock::now();
      Status st = std::visit([&](const auto& action) { return this->step(action, rec); }, step.action);
      rec.seconds = seconds_since(t0);
      if (!st.ok()) {
        rec.outcome = Outcome::kFail;
        rec.error = st.error().message;
      }
      run_.outcome = verify::worst(run_.outcome, rec.outcome);
      run_.steps.push_back(std::move(rec));
      if (!st.ok()) {
        return fail(ErrorKind::kVerify, run_.steps.back().summary + ": " + st.error().message);
      }
    }
    return {};
  }

  // ---- converge ------------------------------------------------------------------------------------------------

  Status step(const ConvergeStep& s, StepRecord& rec) {
    // Converged as the topology stands now (links and sessions taken down by earlier steps are gone from it).
    const topology::Topology now = topology_at(sc_, step_index_);
    auto view = oracle::Oracle::build(now);
    if (!view.ok()) {
      return fail(ErrorKind::kVerify, view.error().message);
    }
    lab::ConvergeOptions copts;
    copts.timeout = s.timeout;
    copts.oracle = &*view;
    auto report = lab::converge(now, lab_options_, copts);
    FLOWLAB_TRY(report);
    rec.details["converge_ms"] = report->elapsed.count();
    rec.details["polls"] = report->polls;
    if (!report->converged) {
      if (report->only_paths) {
        // Sessions are up and every prefix has arrived, but some best path or kernel route is not the oracle's
        // after the timeout: go on and let `expect` report what it changes.
        rec.details["unsettled"] = report->problems;
        return {};
      }
      return fail(ErrorKind::kTimeout, "not converged: " + join(report->problems, "; "));
    }
    return {};
  }

  // ---- send ----------------------------------------------------------------------------------------------------

  nlohmann::json flowgen_stream(const Stream& s) const {
    nlohmann::json j;
    j["name"] = s.name;
    j["family"] = s.family == Family::kIpv6 ? "6" : "4";
    j["proto"] =
        s.proto == Proto::kIcmp ? (s.family == Family::kIpv6 ? "icmpv6" : "icmp") : std::string(proto_name(s.proto));
    j["src"] = s.src.to_string();
    j["dst"] = s.dst.to_string();
    if (s.proto != Proto::kIcmp) {
      j["sport"] = s.sport;
      j["dport"] = s.dport;
    }
    j["packets"] = s.packets;
    j["size"] = s.size;
    j["pps"] = s.pps;
    j["tos"] = s.tos;
    return j;
  }

  Status step(const SendStep& s, StepRecord& rec) {
    const fs::path dir = out_dir_ / "traffic";
    std::error_code ec;
    fs::create_directories(dir, ec);
    const std::string tag = std::to_string(++send_steps_);
    std::map<std::string, std::vector<const Stream*>> by_sink;
    std::map<std::string, std::vector<const Stream*>> by_sender;
    double longest_s = 0;
    for (const auto& name : s.streams) {
      const Stream* st = sc_.find_stream(name);
      if (st == nullptr) {
        return fail(ErrorKind::kSocket, "unknown stream " + name);
      }
      by_sender[st->from].push_back(st);
      const topology::Node* to = st->to_node.empty() ? nullptr : topo().find_node(st->to_node);
      if (to != nullptr && to->role == topology::Role::kHost) {
        by_sink[to->name].push_back(st);
      }
      longest_s = std::max(longest_s, st->pps == 0 ? 1.0 : static_cast<double>(st->packets) / st->pps);
    }
    auto spec_file = [&](const std::string& role, const std::string& node, const std::vector<const Stream*>& v) {
      nlohmann::json spec;
      spec["streams"] = nlohmann::json::array();
      for (const auto* st : v) {
        spec["streams"].push_back(flowgen_stream(*st));
      }
      fs::path f = traffic_file(dir, role, tag, node, ".json");
      std::ofstream(f) << spec.dump(2) << "\n";
      return f;
    };
    const std::string flowgen = process::locate_program("flowgen");
    const int timeout_s = static_cast<int>(std::ceil(longest_s)) + 10;
    // Sinks first, each ready before any sender starts.
    struct Sink {
      std::string node;
      process::ProcessRef ref;
      fs::path log;
      fs::path ready;
    };
    std::vector<Sink> sinks;
    for (const auto& [node, streams] : by_sink) {
      Sink sink{node, {}, traffic_file(dir, "sink", tag, node, ".log"), traffic_file(dir, "sink", tag, node, ".ready")};
      fs::remove(sink.ready, ec);
      process::Spec spec;
      spec.name = "flowgen-sink";
      spec.argv = {flowgen,
                   "sink",
                   "--spec",
                   spec_file("sink", node, streams).string(),
                   "--json",
                   "--ready-file",
                   sink.ready.string(),
                   "--timeout",
                   std::to_string(timeout_s) + "s"};
      spec.netns = topo().namespace_of(node);
      spec.log_file = sink.log;
      auto ref = process::start(spec);
      FLOWLAB_TRY(ref);
      sink.ref = *ref;
      sinks.push_back(sink);
    }
    for (const auto& sink : sinks) {
      const auto deadline = Clock::now() + std::chrono::seconds(10);
      while (!fs::exists(sink.ready)) {
        if (!process::alive(sink.ref) || Clock::now() > deadline) {
          return fail(ErrorKind::kSocket,
                      "flowgen sink on " + sink.node + " did not get ready: " + read_file(sink.log));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    // Resolve ARP/ND along every path first (one ICMP echo per source host and destination, waiting for the reply):
    // a flood towards a neighbour not yet resolved would overflow the kernel's neighbour queue (unres_qlen_bytes)
    // and lose packets that were never in question. Not for ICMP streams, whose own records would count the echo.
    std::set<std::pair<std::string, std::string>> primed;
    for (const auto& [node, streams] : by_sender) {
      for (const auto* st : streams) {
        if (st->proto == Proto::kIcmp || st->to_node.empty() || !primed.insert({node, st->dst.to_string()}).second) {
          continue;
        }
        process::RunOptions ro;
        ro.netns = topo().namespace_of(node);
        ro.timeout = std::chrono::seconds(6);
        (void)process::run({"ping", "-q", "-c", "1", "-W", "5", st->dst.to_string()}, ro);
      }
    }
    rec.details["senders"] = nlohmann::json::object();
    rec.details["sinks"] = nlohmann::json::object();
    std::map<std::string, std::uint64_t> sent;
    for (const auto& [node, streams] : by_sender) {
      process::RunOptions ro;
      ro.netns = topo().namespace_of(node);
      ro.timeout = std::chrono::seconds(timeout_s);
      auto out = process::run({flowgen, "send", "--spec", spec_file("send", node, streams).string(), "--json"}, ro);
      FLOWLAB_TRY(out);
      std::ofstream(traffic_file(dir, "send", tag, node, ".log")) << out->out << out->err;
      if (!out->success()) {
        return fail(ErrorKind::kSocket, "flowgen send on " + node + " failed (exit " + std::to_string(out->exit_code) +
                                            "): " + out->err + out->out);
      }
      auto j = nlohmann::json::parse(out->out.substr(0, out->out.find('\n')), nullptr, false);
      if (j.is_discarded() || !j.contains("streams")) {
        return fail(ErrorKind::kSocket, "flowgen send on " + node + ": unreadable summary: " + out->out);
      }
      rec.details["senders"][node] = j;
      for (const auto& st : j["streams"]) {
        sent[st.value("name", "")] = st.value("packets_sent", std::uint64_t{0});
      }
    }
    std::string problems;
    for (const auto& [name, n] : sent) {
      const Stream* st = sc_.find_stream(name);
      if (st != nullptr && n != st->packets) {
        problems += " stream " + name + " sent " + std::to_string(n) + " of " + std::to_string(st->packets) + ";";
      }
    }
    for (const auto& sink : sinks) {
      const auto deadline = Clock::now() + std::chrono::seconds(timeout_s + 5);
      while (process::alive(sink.ref) && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      (void)process::stop(sink.ref, std::chrono::milliseconds(1000));
      auto j = last_json_with(sink.log, "streams");
      if (!j) {
        problems += " sink on " + sink.node + " printed no summary;";
        continue;
      }
      rec.details["sinks"][sink.node] = *j;
      for (const auto& st : (*j)["streams"]) {
        const std::string name = st.value("name", "");
        const auto got = st.value("packets_received", std::uint64_t{0});
        const Stream* stream = sc_.find_stream(name);
        if (stream != nullptr && got != stream->packets) {
          problems += " stream " + name + ": sink on " + sink.node + " received " + std::to_string(got) + " of " +
                      std::to_string(stream->packets) + ";";
        }
      }
    }
    collected_ = false;  // new traffic: the next expect flushes the probes again
    if (!problems.empty()) {
      rec.outcome = Outcome::kFail;
      rec.error = "traffic not delivered exactly:" + problems;
    }
    return {};
  }

  // ---- collect -------------------------------------------------------------------------------------------------

  std::vector<process::ProcessRef> lab_processes() const {
    auto state = lab::read_state(lab_options_.rundir, sc_.lab_name());
    return state.ok() ? state->processes : std::vector<process::ProcessRef>{};
  }

  static std::uint64_t json_uint(const std::optional<nlohmann::json>& j, const char* key) {
    if (!j || !j->contains(key) || !(*j)[key].is_number()) {
      return 0;
    }
    return (*j)[key].get<std::uint64_t>();
  }

  std::optional<nlohmann::json> read_json(const fs::path& f) const {
    auto j = nlohmann::json::parse(read_file(f), nullptr, false);
    if (j.is_discarded()) {
      return std::nullopt;
    }
    return j;
  }

  // The collector's sequence accounting for `exporter` (all observation domains summed): datagrams, lost,
  // duplicate, out_of_order, resets.
  std::optional<std::map<std::string, std::uint64_t>> collector_sequence_from(const topology::Node& collector,
                                                                              const IpAddress& exporter) {
    auto j = nodes::collector::query(node_dir(collector.name) / "collector.sock", {{"cmd", "counters"}});
    if (!j.ok()) {
      return std::nullopt;
    }
    std::map<std::string, std::uint64_t> out{
        {"datagrams", 0}, {"lost", 0}, {"duplicate", 0}, {"out_of_order", 0}, {"resets", 0}};
    for (const auto& s : (*j)["sequence"]["streams"]) {
      if (s.value("exporter", "") == exporter.to_string()) {
        for (auto& [key, value] : out) {
          value += s.value(key, std::uint64_t{0});
        }
      }
    }
    return out;
  }

  // A tee node's per-receiver counters summed (datagrams, errors, would_block, dropped), from its query socket.
  std::optional<std::map<std::string, std::uint64_t>> tee_counters(const std::string& tee) {
    auto j = nodes::collector::query(node_dir(tee) / "collector.sock", {{"cmd", "counters"}});
    if (!j.ok()) {
      return std::nullopt;
    }
    std::map<std::string, std::uint64_t> out{{"datagrams", 0}, {"errors", 0}, {"would_block", 0}, {"dropped", 0}};
    for (const auto& r : (*j)["tee"]) {
      for (auto& [key, value] : out) {
        value += r.value(key, std::uint64_t{0});
      }
    }
    return out;
  }

  Status step(const CollectStep& /*s*/, StepRecord& rec) { return collect(rec); }

  // Flushes every probe, then waits until every final collector it feeds (directly or through tees) has received
  // all its datagrams; one verdict point per (probe, final collector) shows datagrams sent/received and the
  // collector's sequence-gap counters (lost and duplicate must be 0) and the tees' drops on the way.
  Status collect(StepRecord& rec) {
    rec.details["probes"] = nlohmann::json::array();
    rec.details["tees"] = nlohmann::json::object();
    std::set<std::string> tees_seen;
    for (std::size_t i = 0; i < topo().probes.size(); ++i) {
      auto sent = deliver(i, rec.details["probes"], &rec, &tees_seen);
      FLOWLAB_TRY(sent);
    }
    for (const auto& tee : tees_seen) {
      if (auto c = tee_counters(tee)) {
        rec.details["tees"][tee] = *c;
      }
    }
    collected_ = true;
    return {};
  }

  // Makes probe i export every cached flow (SIGUSR2; the export carries its templates) and returns its stats once
  // the flush is done.
  Result<nlohmann::json> flush_probe(std::size_t i) {
    const auto& probe = topo().probes[i];
    const std::string name = nodes::probe_process_name(i);
    const auto procs = lab_processes();
    const auto it = std::find_if(procs.begin(), procs.end(), [&](const auto& p) { return p.name == name; });
    if (it == procs.end() || !process::alive(*it)) {
      return fail(ErrorKind::kVerify, name + " on node " + probe.node + " is not running");
    }
    const fs::path stats_file = nodes::probe_stats_file(node_dir(probe.node), i);
    const std::uint64_t before = json_uint(read_json(stats_file), "flushes");
    ::kill(it->pid, SIGUSR2);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    for (;;) {
      auto stats = read_json(stats_file);
      if (json_uint(stats, "flushes") > before) {
        return *stats;
      }
      if (Clock::now() > deadline) {
        return fail(ErrorKind::kVerify, name + " on node " + probe.node + " did not flush within 10 s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // Flushes probe i and waits until every final collector it feeds has received every datagram it sent (counted
  // since the last restart on the way, see step(RestartStep)). Adds one detail per feed to `details` and, with
  // `verdict`, one delivery verdict point per feed. Returns the probe's datagrams_sent counter after the flush.
  Result<std::uint64_t> deliver(std::size_t i, nlohmann::json& details, StepRecord* verdict,
                                std::set<std::string>* tees_seen) {
    const auto& probe = topo().probes[i];
    const std::string name = nodes::probe_process_name(i);
    auto stats = flush_probe(i);
    FLOWLAB_TRY(stats);
    const std::uint64_t sent_total = json_uint(*stats, "datagrams_sent");
    // Through tees the datagrams take longer, and the machine may be loaded: a generous deadline.
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    for (const auto& feed : topology::probe_feeds(topo(), probe)) {
      const topology::Node* collector = topo().find_node(feed.collector);
      if (collector == nullptr || collector->role != topology::Role::kCollector) {
        continue;
      }
      const DeliveryBase& base = delivery_base_[{i, feed.collector}];
      const std::uint64_t sent = sent_total - std::min(sent_total, base.sent);
      std::optional<std::map<std::string, std::uint64_t>> seq;
      std::uint64_t received = 0;
      while (Clock::now() < deadline) {
        seq = collector_sequence_from(*collector, feed.exporter);
        received = seq ? seq->at("datagrams") - std::min(seq->at("datagrams"), base.received) : 0;
        if (received >= sent) {
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      nlohmann::json detail{{"probe", name},
                            {"node", probe.node},
                            {"datagrams_sent", sent},
                            {"collector", collector->name},
                            {"via", feed.tees},
                            {"exporter", feed.exporter.to_string()},
                            {"datagrams_received", received},
                            {"stats", *stats}};
      if (seq) {
        detail["sequence"] = *seq;
      }
      details.push_back(detail);
      if (!seq || received < sent) {
        return fail(ErrorKind::kVerify, "collector " + collector->name + " received " + std::to_string(received) +
                                            " of the " + std::to_string(sent) + " datagrams " + name + " sent" +
                                            (feed.tees.empty() ? "" : " (via " + topology::tee_path_text(feed) + ")"));
      }
      if (verdict != nullptr) {
        verdict->points.push_back(delivery_point(i, feed, sent, received, *seq, base));
        verdict->outcome = verify::worst(verdict->outcome, verdict->points.back().outcome);
      }
      if (tees_seen != nullptr) {
        tees_seen->insert(feed.tees.begin(), feed.tees.end());
      }
    }
    return sent_total;
  }

  // The verdict point of one probe's datagrams at one final collector.
  verify::PointResult delivery_point(std::size_t probe_index, const topology::Feed& feed, std::uint64_t sent,
                                     std::uint64_t received, const std::map<std::string, std::uint64_t>& seq,
                                     const DeliveryBase& base) {
    const auto& probe = topo().probes[probe_index];
    verify::PointResult p;
    p.stream = "datagrams of " + nodes::probe_process_name(probe_index);
    p.point = probe.node + (feed.tees.empty() ? std::string() : " via " + topology::tee_path_text(feed));
    p.exporter = feed.source_node + " " + feed.exporter.to_string();
    p.collector = feed.collector;
    // Sequence numbers identify an exporter stream only when one probe alone sends from that address here, and
    // only while that probe has not restarted under a running collector (its numbers start again at 0).
    std::size_t sharing = 0;
    for (const auto& [index, other] : topology::collector_feeds(topo(), feed.collector)) {
      sharing += other.exporter == feed.exporter ? 1U : 0U;
    }
    if (sharing > 1 || base.probe_restarted) {
      p.note = sharing > 1 ? "sequence counters not checked: " + std::to_string(sharing) + " probes export from " +
                                 feed.exporter.to_string()
                           : "sequence counters not checked: " + nodes::probe_process_name(probe_index) +
                                 " restarted while " + feed.collector + " kept its sequence state";
      verify::Check c;
      c.name = "datagrams";
      c.expected = ">= " + std::to_string(sent);
      c.collector = std::to_string(received);
      p.checks.push_back(c);
      return p;
    }
    p.checks.push_back(
        verify::compare("datagrams", std::nullopt, std::nullopt, std::to_string(received), std::to_string(sent)));
    for (const char* key : {"lost", "duplicate"}) {
      p.checks.push_back(verify::compare(std::string("sequence ") + key, std::nullopt, std::nullopt,
                                         std::to_string(seq.at(key)), "0"));
    }
    for (const auto& tee : feed.tees) {
      if (auto counters = tee_counters(tee)) {
        p.checks.push_back(verify::compare("tee " + tee + " dropped", std::nullopt, std::nullopt,
                                           std::to_string(counters->at("dropped")), "0"));
      } else {
        verify::Check c;
        c.name = "tee " + tee + " dropped";
        c.expected = "0";
        c.outcome = verify::Outcome::kFail;
        c.explanation = "tee " + tee + " does not answer on its query socket";
        p.checks.push_back(c);
      }
    }
    for (const auto& c : p.checks) {
      p.outcome = verify::worst(p.outcome, c.outcome);
    }
    return p;
  }

  // ---- expect --------------------------------------------------------------------------------------------------

  // ifindex -> interface name inside a node's namespace (cached).
  const std::map<std::uint32_t, std::string>& ifnames(const std::string& node) {
    auto it = ifnames_.find(node);
    if (it != ifnames_.end()) {
      return it->second;
    }
    std::map<std::uint32_t, std::string> m;
    if (auto sock = netns::NetlinkSocket::open(topo().namespace_of(node)); sock.ok()) {
      if (auto links = sock->links(); links.ok()) {
        for (const auto& l : *links) {
          m[static_cast<std::uint32_t>(l.ifindex)] = l.name;
        }
      }
    }
    return ifnames_[node] = std::move(m);
  }

  // `direction`: what the records of this observation say in IE 61 ("ingress" / "egress"); a row of the
  // collector's table that aggregates `direction` and says otherwise belongs to another observation point, and so
  // does one of the right direction whose interface on that side (iface_in when ingress, iface_out when egress) is
  // not `observed_ifindex` (when known: the probe meters the router's own interfaces).
  Result<CollectorRecord> collector_record(const topology::Node& collector, const Stream& s, const IpAddress& exporter,
                                           const std::string& direction,
                                           std::optional<std::uint32_t> observed_ifindex) {
    nlohmann::json req{{"cmd", "table"},
                       {"aggregate", "full"},
                       {"match", {{"src_host", s.src.to_string()}, {"dst_host", s.dst.to_string()}}}};
    auto j = nodes::collector::query(node_dir(collector.name) / "collector.sock", req);
    FLOWLAB_TRY(j);
    CollectorRecord rec;
    const auto& prims = (*j)["primitives"];
    for (const auto& row : (*j)["rows"]) {
      std::map<std::string, std::string> f;
      for (std::size_t i = 0; i < prims.size() && i < row["values"].size(); ++i) {
        const auto name = prims[i].get<std::string>();
        const auto mapped = primitive_fields().find(name);
        const auto& v = row["values"][i];
        f[mapped == primitive_fields().end() ? name : mapped->second] = v.is_string() ? v.get<std::string>() : v.dump();
      }
      if (f.count("peer_ip_src") != 0 && f["peer_ip_src"] != exporter.to_string()) {
        continue;
      }
      if (f.count("direction") != 0 && f["direction"] != "unknown") {
        if (f["direction"] != direction) {
          continue;
        }
        const auto side = f.find(direction == "ingress" ? "iface_in" : "iface_out");
        if (observed_ifindex && side != f.end() && side->second != std::to_string(*observed_ifindex)) {
          continue;
        }
      }
      const std::string proto = s.proto == Proto::kIcmp
                                    ? (s.family == Family::kIpv6 ? std::string("ipv6-icmp") : std::string("icmp"))
                                    : std::string(proto_name(s.proto));
      if (f.count("proto") != 0 && f["proto"] != proto &&
          f["proto"] != std::to_string(ip_protocol_number(s.proto, s.family))) {
        continue;
      }
      if (s.proto != Proto::kIcmp && ((f.count("src_port") != 0 && f["src_port"] != std::to_string(s.sport)) ||
                                      (f.count("dst_port") != 0 && f["dst_port"] != std::to_string(s.dport)))) {
        continue;
      }
      if (!rec.found) {
        rec.fields = f;
        rec.found = true;
      }
      rec.packets += row.value("packets", std::uint64_t{0});
      rec.bytes += row.value("bytes", std::uint64_t{0});
      rec.flows += row.value("flows", std::uint64_t{0});
      ++rec.rows;
    }
    return rec;
  }

  Status step(const ExpectStep& e, StepRecord& rec) {
    // The oracle predicts from the topology as the earlier fault steps left it (links and sessions down, ...).
    current_ = topology_at(sc_, step_index_);
    auto now = oracle::Oracle::build(current_);
    if (!now.ok()) {
      return fail(ErrorKind::kVerify, now.error().message);
    }
    oracle_ = std::make_unique<oracle::Oracle>(std::move(*now));
    traffic_.clear();
    if (!collected_) {
      StepRecord collect_rec;
      FLOWLAB_TRY(collect(collect_rec));
      rec.details["collect"] = collect_rec.details;
      for (auto& point : collect_rec.points) {
        rec.outcome = verify::worst(rec.outcome, point.outcome);
        rec.points.push_back(std::move(point));
      }
    }
    const topology::Node* collector = topo().find_node(e.at);
    if (collector == nullptr) {
      return fail(ErrorKind::kConfig, "no collector " + e.at);
    }
    for (const auto& name : e.streams) {
      const Stream* s = sc_.find_stream(name);
      auto prediction = oracle_->predict(oracle::Stream{s->from, s->src, s->dst});
      FLOWLAB_TRY(prediction);
      std::size_t points = 0;
      for (const auto& obs : prediction->observations) {
        if (obs.collector != e.at) {
          continue;
        }
        if (e.point && !(obs.probe_node == e.point->node || obs.metering_router == e.point->node)) {
          continue;
        }
        if (e.point && !e.point->interface.empty() && obs.observed_interface != e.point->interface) {
          continue;
        }
        ++points;
        rec.points.push_back(verify_point(e, *s, obs, *collector));
        rec.outcome = verify::worst(rec.outcome, rec.points.back().outcome);
      }
      if (points == 0) {
        verify::PointResult p;
        p.stream = name;
        p.point = e.point ? e.point->node + (e.point->interface.empty() ? "" : ":" + e.point->interface) : "-";
        p.collector = e.at;
        p.outcome = Outcome::kFail;
        p.note = "the oracle finds no probe exporting to " + e.at + " on the path of stream " + name + " (" +
                 oracle::to_string(prediction->walk.outcome) + ")";
        rec.points.push_back(p);
        rec.outcome = Outcome::kFail;
      }
    }
    for (const auto& fact : traffic_) {
      rec.details["traffic"].push_back(report::to_json(fact));
    }
    return {};
  }

  // What the collector reported for one stream at one point, for report.html's traffic Sankey (report/sankey.hpp):
  // the collector's fields, the oracle's where the collector's table does not aggregate them.
  report::TrafficFact traffic_fact(const Stream& s, const oracle::Observation& obs, const CollectorRecord& c,
                                   const topology::Node& collector, const std::string& point) const {
    report::TrafficFact f;
    f.stream = s.name;
    f.router = obs.metering_router;
    f.point = point;
    f.collector = collector.name;
    const topology::Node* router = topo().find_node(obs.metering_router);
    f.router_asn = router != nullptr ? router->asn : 0;
    auto asn = [&](const char* key, std::uint32_t fallback) -> std::uint32_t {
      const auto it = c.fields.find(key);
      return it == c.fields.end() ? fallback : parse_decimal<std::uint32_t>(it->second).value_or(fallback);
    };
    auto net = [&](const char* net_key, const char* mask_key, const std::optional<Prefix>& fallback) -> std::string {
      const auto n = c.fields.find(net_key);
      if (n == c.fields.end()) {
        return fallback ? fallback->to_string() : "";
      }
      if (n->second.empty() || n->second == "0.0.0.0" || n->second == "::") {
        return "";
      }
      const auto m = c.fields.find(mask_key);
      return n->second + (m == c.fields.end() ? "" : "/" + m->second);
    };
    f.as_src = asn("as_src", obs.as_src);
    f.as_dst = asn("as_dst", obs.as_dst);
    f.peer_as_src = asn("peer_as_src", obs.peer_as_src_truth);
    f.peer_as_dst = asn("peer_as_dst", obs.peer_as_dst);
    f.peer_src_from_rib =
        collector.peer_src_as == topology::PeerSrcAsMethod::kBgp && c.fields.count("peer_as_src") != 0;
    f.net_src = net("net_src", "mask_src", obs.net_src);
    f.net_dst = net("net_dst", "mask_dst", obs.net_dst);
    f.direction = report::classify(f.router_asn, f.as_src, f.as_dst, !f.net_src.empty() || !f.net_dst.empty());
    f.bytes = c.bytes;
    f.packets = c.packets;
    f.flows = c.flows;
    return f;
  }

  verify::PointResult verify_point(const ExpectStep& e, const Stream& s, const oracle::Observation& obs,
                                   const topology::Node& collector) {
    verify::PointResult p;
    p.stream = s.name;
    p.point = obs.metering_router + ":" + obs.observed_interface + (obs.ingress ? " in" : " out");
    const topology::Node* probe_node = topo().find_node(obs.probe_node);
    // The address the collector sees: the probe's, or a non-transparent tee's on the way (topology/feeds.hpp).
    const IpAddress exporter = obs.peer_ip_src ? *obs.peer_ip_src : probe_node->mgmt4.address;
    p.exporter =
        obs.probe_node + (exporter == probe_node->mgmt4.address ? " " : " via a tee's address ") + exporter.to_string();
    p.collector = collector.name;
    if (obs.ambiguous) {
      p.outcome = Outcome::kFail;
      p.note = "ambiguous: " + obs.reason + " — the scenario must pin this tie";
      return p;
    }
    // Router: the metering router's own RIB.
    std::map<std::string, std::string> router;
    if (const topology::Node* r = topo().find_node(obs.metering_router); r != nullptr && r->is_router()) {
      const nodes::NodeDriver* driver = nodes::find_driver(r->kind);
      if (auto rib = driver->rib(context(*r)); rib.ok()) {
        router = verify::router_fields(*rib, s.src, s.dst);
      } else {
        p.note = "could not read " + r->name + "'s RIB: " + rib.error().message;
      }
    }
    // Collector.
    // A mirror probe meters every copy arriving on its span port: its records say ingress whatever the crossing.
    const auto& probe = topo().probes[obs.probe_index];
    const bool mirrored = probe.mirror.has_value();
    std::optional<std::uint32_t> observed_ifindex;
    if (obs.probe_node == obs.metering_router) {
      if (const auto o = probe.ifindex.find(obs.observed_interface); o != probe.ifindex.end()) {
        observed_ifindex = o->second;  // the probe records its override (`ifindex:`)
      } else {
        for (const auto& [index, name] : ifnames(obs.metering_router)) {
          if (name == obs.observed_interface) {
            observed_ifindex = index;
          }
        }
      }
    }
    auto crec =
        collector_record(collector, s, exporter, mirrored || obs.ingress ? "ingress" : "egress", observed_ifindex);
    if (!crec.ok()) {
      p.outcome = Outcome::kFail;
      p.note = "collector query failed: " + crec.error().message;
      return p;
    }
    if (!crec->found) {
      p.outcome = Outcome::kFail;
      p.note = "no record for stream " + s.name + " (" + s.src.to_string() + " -> " + s.dst.to_string() +
               ") from exporter " + exporter.to_string() + " at collector " + collector.name;
      return p;
    }
    // Interface names for the collector's ifindexes, when the probe meters the router's own interfaces.
    const bool on_router = obs.probe_node == obs.metering_router;
    for (const char* key : {"iface_in", "iface_out"}) {
      auto it = crec->fields.find(key);
      if (it == crec->fields.end()) {
        continue;
      }
      if (!on_router) {
        crec->fields.erase(it);
        continue;
      }
      const auto& names = ifnames(obs.metering_router);
      const auto parsed = parse_decimal<std::uint32_t>(it->second);
      if (!parsed) {
        continue;
      }
      const std::uint32_t index = *parsed;
      const auto n = names.find(index);
      it->second = index == 0 ? "" : (n == names.end() ? "ifindex " + it->second : n->second);
    }
    traffic_.push_back(traffic_fact(s, obs, *crec, collector, p.point));

    std::map<std::string, std::string> explicit_values;
    std::set<std::string> listed;
    bool peer_src_diverging = false;
    for (const auto f : e.diverging) {
      peer_src_diverging |= f == Field::kPeerAsSrc;
    }
    for (const auto& f : e.fields) {
      const std::string name(field_name(f.field));
      listed.insert(name);
      if (f.expected) {
        explicit_values[name] = f.expected->to_string();
      }
    }
    const std::string context = "dst " + s.dst.to_string() + ", exporter " + exporter.to_string();
    auto get = [](const std::map<std::string, std::string>& m, const std::string& k) -> std::optional<std::string> {
      auto it = m.find(k);
      return it == m.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    // Without a BGP session between the metering router and the collector (taken down by an earlier step) the
    // collector has no view: the oracle predicts unenriched records.
    // With as_source netflow (model 1) the collector takes AS fields from the records: the view is the probe's own
    // BGP feed from the router it runs on, and the fields no record carries are not predicted.
    const bool from_record = collector.as_source == topology::AsSource::kNetflow;
    const auto& probe_spec = topo().probes[obs.probe_index];
    const bool has_view =
        from_record
            ? probe_spec.bgp && obs.probe_node == obs.metering_router &&
                  std::any_of(current_.sessions.begin(), current_.sessions.end(),
                              [&](const auto& ss) { return ss.to_probe && ss.local_node == obs.probe_node; })
            : std::any_of(current_.sessions.begin(), current_.sessions.end(), [&](const auto& ss) {
                return ss.to_collector && ((ss.local_node == obs.metering_router && ss.remote_node == collector.name) ||
                                           (ss.remote_node == obs.metering_router && ss.local_node == collector.name));
              });
    static const std::set<std::string> kNotInRecords{"as_path", "src_as_path", "comms", "lcomms", "local_pref", "med"};
    std::vector<std::string> not_in_records;
    for (const auto& info : all_fields()) {
      const std::string name(info.name);
      if (e.mode == FieldsMode::kListed && listed.count(name) == 0) {
        continue;
      }
      if (from_record && kNotInRecords.count(name) != 0) {
        if (explicit_values.count(name) != 0) {  // an explicit value is still checked against the collector
          p.checks.push_back(verify::compare(name, std::nullopt, std::nullopt, get(crec->fields, name),
                                             get(explicit_values, name), context));
        } else {
          not_in_records.push_back(name);
        }
        continue;
      }
      // peer_as_src by the collector's method: bgp is what the router's RIB says; map is the truth (the map is
      // rendered from the topology); netflow is the record's own field (neither oracle nor RIB speak to it).
      const auto method = collector.peer_src_as;
      std::optional<std::string> o = get(
          obs.fields, name == "peer_as_src" && method == topology::PeerSrcAsMethod::kBgp ? "peer_as_src_bgp" : name);
      std::optional<std::string> r = get(router, name == "peer_as_src" ? "peer_as_src_bgp" : name);
      std::optional<std::string> c = get(crec->fields, name);
      if (name == "peer_as_src" && method != topology::PeerSrcAsMethod::kBgp) {
        r.reset();
        if (method == topology::PeerSrcAsMethod::kNetflow) {
          // The record's bgpPrevAdjacentAsNumber: the probe's feed says the first AS of R_s (model 1).
          o = from_record && has_view ? get(obs.fields, "peer_as_src_bgp") : std::nullopt;
        }
      }
      if ((e.mode == FieldsMode::kUnenriched || !has_view) && info.bgp) {
        o = std::string(info.type == FieldType::kAsn ? "0" : "");
        r.reset();
      }
      if ((name == "iface_in" || name == "iface_out") && !on_router) {
        o.reset();
      }
      if (!o && !r && !c && explicit_values.count(name) == 0) {
        continue;
      }
      p.checks.push_back(verify::compare(name, o, r, c, get(explicit_values, name), context));
      if (p.checks.back().outcome == Outcome::kFail && c) {
        if (info.bgp && o && (c->empty() || *c == "0")) {
          if (auto why = agent_map_explanation(collector, obs, name, *c, s); !why.empty()) {
            p.checks.back().explanation = why;
          }
        }
        if ((name == "iface_in" || name == "iface_out") && o && on_router) {
          p.checks.back().explanation = ifindex_explanation(obs.metering_router, name, *o, *c);
        }
      }
      // peer_as_src: the truth (neighbour AS behind the ingress interface) against what the method reports.
      if (name == "peer_as_src" && e.mode != FieldsMode::kUnenriched && has_view) {
        const auto truth = get(obs.fields, "peer_as_src");
        if (truth && c && verify::normalize(name, *truth) != verify::normalize(name, *c)) {
          verify::Check t = verify::compare("peer_as_src (truth)", truth, std::nullopt, c, std::nullopt, context);
          t.outcome = peer_src_diverging ? Outcome::kFlagged : Outcome::kFail;
          const std::string declared = peer_src_diverging ? " (declared diverging)" : "";
          if (method == topology::PeerSrcAsMethod::kMap) {
            t.explanation = "collector reported peer_as_src " + *c +
                            " by its peer_src_as map, but the packets entered " + obs.metering_router + ":" +
                            obs.iface_in + " from AS " + *truth +
                            " — the map's line for this exporter and input ifindex is missing or wrong" + declared;
          } else if (method == topology::PeerSrcAsMethod::kNetflow) {
            t.explanation = "collector reported peer_as_src " + *c + " from the record's own field, but the packets " +
                            "entered " + obs.metering_router + ":" + obs.iface_in + " from AS " + *truth + declared;
          } else {
            t.explanation = "collector reported peer_as_src " + *c + " (bgp method: first AS of the route back to " +
                            s.src.to_string() + "), but the packets entered from AS " + *truth +
                            " — routing is asymmetric; use peer_src_as map" + declared;
          }
          p.checks.push_back(t);
        }
      }
    }
    if (!not_in_records.empty()) {
      std::string list;
      for (const auto& n : not_in_records) {
        list += (list.empty() ? "" : ", ") + n;
      }
      p.note += (p.note.empty() ? "" : "; ") + std::string("not checked: ") + list + " (collector " + collector.name +
                " has as_source netflow and the probe's records do not carry them)";
    }
    // Counters: the stream's, times the observations the collector cannot tell apart (the oracle's `merged`).
    if (e.counters != CounterCheck::kNone) {
      const std::uint32_t sampling = topo().probes[obs.probe_index].sampling;
      const auto expect_packets = std::to_string(s.packets * obs.merged);
      const auto expect_bytes = std::to_string(s.bytes() * obs.merged);
      if (e.counters == CounterCheck::kExact || sampling <= 1) {
        for (auto [name, want, have] :
             {std::tuple{"packets", expect_packets, crec->packets}, std::tuple{"bytes", expect_bytes, crec->bytes}}) {
          p.checks.push_back(verify::compare(name, want, std::nullopt, std::to_string(have), std::nullopt));
          if (obs.merged > 1) {
            // Legitimate double counting by the configuration, predicted: flagged with the reason, not failed.
            auto& c = p.checks.back();
            if (c.outcome == Outcome::kPass) {
              c.outcome = Outcome::kFlagged;
            }
            c.explanation = obs.merged_reason;
          }
        }
      } else {
        // 1:N sampling, renormalized: within N per record plus three standard deviations of the estimate.
        const double n = static_cast<double>(sampling);
        const double bound = n * static_cast<double>(std::max<std::size_t>(crec->rows, 1)) +
                             3.0 * std::sqrt(static_cast<double>(s.packets * obs.merged) * (n - 1.0));
        verify::Check c;
        c.name = "packets (1:" + std::to_string(sampling) + ")";
        c.oracle = expect_packets + " ±" + std::to_string(static_cast<std::uint64_t>(bound));
        c.collector = std::to_string(crec->packets);
        const double diff = std::abs(static_cast<double>(crec->packets) - static_cast<double>(s.packets * obs.merged));
        if (diff > bound) {
          c.outcome = Outcome::kFail;
          c.explanation = "renormalized packets " + *c.collector + " off by " +
                          std::to_string(static_cast<std::uint64_t>(diff)) + ", more than the sampling bound";
        }
        if (obs.merged > 1) {
          c.outcome = c.outcome == Outcome::kPass ? Outcome::kFlagged : c.outcome;
          c.explanation += (c.explanation.empty() ? "" : "; ") + obs.merged_reason;
        }
        p.checks.push_back(c);
      }
    }
    for (const auto& c : p.checks) {
      p.outcome = verify::worst(p.outcome, c.outcome);
    }
    return p;
  }

  // The address a router's records are looked up under at `collector`: its session address, else its mgmt0 address
  // (what the rendered agent map names for a router without a session).
  std::pair<IpAddress, bool> collector_peer_address(const std::string& router, const std::string& collector) {
    std::optional<IpAddress> v6;
    for (const auto& ss : current_.sessions) {
      if (ss.to_collector && ss.local_node == router && ss.remote_node == collector) {
        if (ss.family == Family::kIpv4) {
          return {ss.local_address, true};
        }
        v6 = v6 ? v6 : ss.local_address;
      }
    }
    if (v6) {
      return {*v6, true};
    }
    const topology::Node* n = topo().find_node(router);
    return {n == nullptr ? IpAddress{} : n->mgmt4.address, false};
  }

  // An unenriched collector value where the collector's `agent_map:` sends this exporter to another router's view:
  // "collector reported peer_as_dst 0: no route for 203.0.113.2 in the view of peer 198.19.0.4 (r3, by agent_map
  // r1 -> r3; r3 has no BGP session with c1) — agent map?". "" when no override applies.
  std::string agent_map_explanation(const topology::Node& collector, const oracle::Observation& obs,
                                    const std::string& field, const std::string& value, const Stream& s) {
    const auto it = collector.agent_map.find(obs.probe_node);
    if (it == collector.agent_map.end() || it->second == obs.metering_router) {
      return "";
    }
    const auto [peer, has_session] = collector_peer_address(it->second, collector.name);
    const bool about_src = field.find("src") != std::string::npos;
    return "collector reported " + field + " " + (value.empty() ? std::string("(empty)") : value) + ": no route for " +
           (about_src ? s.src : s.dst).to_string() + " in the view of peer " + peer.to_string() + " (" + it->second +
           ", by agent_map " + obs.probe_node + " -> " + it->second +
           (has_session ? "" : "; " + it->second + " has no BGP session with " + collector.name) +
           "; the packets crossed " + obs.metering_router + ") — agent map?";
  }

  // A collector interface that is not the oracle's: "collector reported iface_out ifindex 99, which is no interface
  // of r1 (eth3 is ifindex 5) — the probe's ifindex mapping?".
  std::string ifindex_explanation(const std::string& router, const std::string& field, const std::string& expected,
                                  const std::string& reported) {
    std::string expected_index = "unknown";
    for (const auto& [index, ifname] : ifnames(router)) {
      if (ifname == expected) {
        expected_index = std::to_string(index);
      }
    }
    const bool unknown = reported.rfind("ifindex ", 0) == 0;
    return "collector reported " + field + " " + (reported.empty() ? std::string("(none)") : reported) +
           (unknown ? ", which is no interface of " + router : "") + " (" + expected + " is ifindex " + expected_index +
           ") — the probe's ifindex mapping?";
  }

  // ---- faults --------------------------------------------------------------------------------------------------

  Status step(const LinkStep& l, StepRecord& /*rec*/) {
    const topology::Node* node = topo().find_node(l.endpoint.node);
    const topology::Interface* iface = node == nullptr ? nullptr : node->find_interface(l.endpoint.interface);
    if (iface == nullptr) {
      return fail(ErrorKind::kNetlink, "no interface " + l.endpoint.node + ":" + l.endpoint.interface);
    }
    for (const auto& [n, i] :
         {std::pair{node->name, iface->name}, std::pair{iface->peer_node, iface->peer_interface}}) {
      auto sock = netns::NetlinkSocket::open(topo().namespace_of(n));
      FLOWLAB_TRY(sock);
      FLOWLAB_TRY(l.action == LinkAction::kDown ? sock->set_down(i) : sock->set_up(i));
    }
    collected_ = false;
    return {};
  }

  Status step(const BgpStep& b, StepRecord& /*rec*/) {
    const topology::Node* node = topo().find_node(b.node);
    if (node == nullptr) {
      return fail(ErrorKind::kBgp, "no node " + b.node);
    }
    FLOWLAB_TRY(
        nodes::find_driver(node->kind)->set_bgp_session(context(*node), b.neighbor, b.action == LinkAction::kUp));
    collected_ = false;
    return {};
  }

  Status step(const AnnounceStep& a, StepRecord& /*rec*/) { return set_announcement(a.node, a.prefix, true); }

  Status step(const WithdrawStep& w, StepRecord& /*rec*/) { return set_announcement(w.node, w.prefix, false); }

  // The router's driver applies the change from routing_ (the deployed topology with the announce lists the steps
  // so far left); the next converge step waits for the network to follow.
  Status set_announcement(const std::string& node_name, const Prefix& prefix, bool announce) {
    const auto it = std::find_if(routing_.nodes.begin(), routing_.nodes.end(),
                                 [&](const topology::Node& n) { return n.name == node_name; });
    if (it == routing_.nodes.end() || !it->is_router()) {
      return fail(ErrorKind::kBgp, node_name + " is not a router of this lab");
    }
    topology::Node* node = &*it;
    auto& list = node->announce;
    if (announce && std::find(list.begin(), list.end(), prefix) == list.end()) {
      list.push_back(prefix);
    } else if (!announce) {
      list.erase(std::remove(list.begin(), list.end(), prefix), list.end());
    }
    FLOWLAB_TRY(nodes::find_driver(node->kind)
                    ->set_announcement(lab::node_context(routing_, *node, lab_options_), prefix, announce));
    collected_ = false;
    return {};
  }

  // A node's processes stop and start again (lab::restart_node). What the probes involved have already metered is
  // delivered first, and the datagram counts collect compares start again from there: a restarted probe counts
  // from zero, a restarted collector has received nothing yet. The probes feeding a restarted collector flush once
  // more so their templates reach it.
  // Restarts a node. Every probe whose datagrams run through it (it runs the probe, or it is a tee or the final
  // collector on the way) is first delivered completely; delivery is then counted again from the restart: a
  // restarted probe's datagram counter starts at 0, a restarted collector's too. After a collector or tee restart
  // the probes are flushed once more, so their templates reach the new process at once.
  Status step(const RestartStep& r, StepRecord& rec) {
    rec.details["probes"] = nlohmann::json::array();
    struct Affected {
      std::size_t probe;
      topology::Feed feed;
    };
    std::vector<Affected> affected;
    std::set<std::size_t> probes;
    for (std::size_t i = 0; i < topo().probes.size(); ++i) {
      for (auto& feed : topology::probe_feeds(topo(), topo().probes[i])) {
        const bool on_path =
            feed.collector == r.node || std::find(feed.tees.begin(), feed.tees.end(), r.node) != feed.tees.end();
        if (topo().probes[i].node == r.node || on_path) {
          affected.push_back({i, std::move(feed)});
          probes.insert(i);
        }
      }
    }
    std::map<std::size_t, std::uint64_t> sent_now;
    for (const auto i : probes) {
      // Delivery before the restart is a precondition, not a verdict of this step: details only.
      auto sent = deliver(i, rec.details["probes"], nullptr, nullptr);
      FLOWLAB_TRY(sent);
      sent_now[i] = *sent;
    }
    for (const auto& [i, feed] : affected) {
      const bool probe_restarts = topo().probes[i].node == r.node;
      const bool collector_restarts = feed.collector == r.node;
      DeliveryBase& base = delivery_base_[{i, feed.collector}];
      const topology::Node* collector = topo().find_node(feed.collector);
      std::uint64_t received_now = 0;
      if (collector != nullptr && !collector_restarts) {
        if (auto seq = collector_sequence_from(*collector, feed.exporter)) {
          received_now = seq->at("datagrams");
        }
      }
      base.sent = probe_restarts ? 0 : sent_now[i];
      base.received = received_now;
      base.probe_restarted = collector_restarts ? false : (base.probe_restarted || probe_restarts);
    }
    FLOWLAB_TRY(lab::restart_node(routing_, r.node, lab_options_));
    for (const auto i : probes) {
      if (topo().probes[i].node != r.node) {
        FLOWLAB_TRY(flush_probe(i));
      }
    }
    collected_ = false;
    return {};
  }

  Status step(const WaitStep& w, StepRecord& /*rec*/) {
    std::this_thread::sleep_for(w.duration);
    return {};
  }

  // ---- artefacts -----------------------------------------------------------------------------------------------

  void save_artefacts() {
    std::error_code ec;
    // The collectors write their SQLite store and BGP table dumps every 60 s: have them write now, so the copies
    // below hold the run's rows (flows.db) and each peer's table (bgp-<peer>.jsonl).
    for (const auto& node : topo().nodes) {
      if (node.role == topology::Role::kCollector) {
        if (auto flushed = nodes::collector::query(node_dir(node.name) / "collector.sock", {{"cmd", "flush"}});
            !flushed.ok()) {
          say("collector " + node.name + ": flush before saving the run directory: " + flushed.error().message);
        }
      }
    }
    const fs::path lab_dir = lab::lab_dir(lab_options_.rundir, sc_.lab_name());
    const fs::path nodes_dir = out_dir_ / "nodes";
    fs::create_directories(nodes_dir, ec);
    for (const auto& entry : fs::recursive_directory_iterator(lab_dir, ec)) {
      if (!entry.is_regular_file(ec)) {
        continue;  // sockets, directories
      }
      const fs::path rel = fs::relative(entry.path(), lab_dir, ec);
      fs::create_directories((nodes_dir / rel).parent_path(), ec);
      fs::copy_file(entry.path(), nodes_dir / rel, fs::copy_options::overwrite_existing, ec);
    }
    const fs::path ribs = out_dir_ / "ribs";
    fs::create_directories(ribs, ec);
    for (const auto& node : topo().nodes) {
      if (!node.is_router() && node.role != topology::Role::kCollector) {
        continue;
      }
      auto rib = nodes::find_driver(node.kind)->rib(context(node));
      if (!rib.ok()) {
        continue;
      }
      nlohmann::json j = nlohmann::json::array();
      for (const auto& e : *rib) {
        nlohmann::json r{{"prefix", e.prefix.to_string()},
                         {"best", e.best},
                         {"source", e.source},
                         {"as_path", e.as_path},
                         {"origin", e.origin},
                         {"communities", e.communities},
                         {"large_communities", e.large_communities}};
        if (e.next_hop) {
          r["next_hop"] = e.next_hop->to_string();
        }
        if (e.from) {
          r["from"] = e.from->to_string();
        }
        if (e.local_pref) {
          r["local_pref"] = *e.local_pref;
        }
        j.push_back(r);
      }
      std::ofstream(ribs / (node.name + ".json")) << j.dump(1) << "\n";
      if (node.role == topology::Role::kCollector) {
        auto records =
            nodes::collector::query(node_dir(node.name) / "collector.sock", {{"cmd", "table"}, {"aggregate", "full"}});
        if (records.ok()) {
          std::ofstream(out_dir_ / ("records-" + node.name + ".json")) << records->dump(1) << "\n";
        }
      }
    }
  }

  void write_reports() {
    std::ofstream(out_dir_ / "verdict.txt") << report::verdict_table(run_);
    std::ofstream(out_dir_ / "verdict.json") << report::verdict_json(run_).dump(2) << "\n";
    std::ofstream(out_dir_ / "junit.xml") << report::junit_xml({run_});
    std::ofstream(out_dir_ / "report.html") << report::report_html(run_);
  }

  const Scenario& sc_;
  const RunOptions& options_;
  lab::Options lab_options_;
  RunRecord run_;
  fs::path out_dir_;
  bool deployed_ = false;
  bool collected_ = false;
  int send_steps_ = 0;
  std::size_t step_index_ = 0;
  topology::Topology current_;  // the topology as the steps so far left it (expect steps)
  topology::Topology routing_;  // the deployed topology with the announce lists the steps so far left (drivers)
  // Delivery counted from the last restart on the way of (probe index, final collector).
  std::map<std::pair<std::size_t, std::string>, DeliveryBase> delivery_base_;
  std::unique_ptr<oracle::Oracle> oracle_;
  std::map<std::string, std::map<std::uint32_t, std::string>> ifnames_;
  std::vector<report::TrafficFact> traffic_;  // the current expect step's (report.html)
};

}  // namespace

report::RunRecord run_scenario(const Scenario& scenario, const RunOptions& options) {
  Runner runner(scenario, options);
  return runner.run();
}

}  // namespace flowlab::scenario
