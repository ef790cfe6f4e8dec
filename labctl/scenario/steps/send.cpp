// send: flowgen sinks in the destination hosts, each ready before the senders start; one ping per path first (the
// kernel's neighbour queue would drop the start of a flood); then flowgen send in every source node, and the exact
// counts sent and received compared with the streams'.
#include "common/poll.hpp"
#include "labctl/scenario/run_context.hpp"
#include "platform/process/ended.hpp"
#include "platform/process/locate.hpp"
#include "platform/process/process.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

namespace flowlab::scenario {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The last line of a file that parses as a JSON object with `key` (flowgen prints one such line).
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

nlohmann::json flowgen_stream(const Stream& s) {
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

using StreamsByNode = std::map<std::string, std::vector<const Stream*>>;

struct Sink {
  std::string node;
  process::ProcessRef ref;
  fs::path log;
  fs::path ready;
};

// One send step's traffic: its streams by sending and by receiving node, and its files.
class Traffic {
 public:
  Traffic(RunContext& run, const fs::path& dir, std::string tag) : run_(run), dir_(dir), tag_(std::move(tag)) {}

  Status group(const SendStep& s) {
    for (const auto& name : s.streams) {
      const Stream* st = run_.sc.find_stream(name);
      if (st == nullptr) {
        return fail(ErrorKind::kSocket, "unknown stream " + name);
      }
      by_sender_[st->from].push_back(st);
      const topology::Node* to = st->to_node.empty() ? nullptr : run_.topo().find_node(st->to_node);
      if (to != nullptr && to->role == topology::Role::kHost) {
        by_sink_[to->name].push_back(st);
      }
      longest_s_ = std::max(longest_s_, st->pps == 0 ? 1.0 : static_cast<double>(st->packets) / st->pps);
    }
    timeout_s_ = static_cast<int>(std::ceil(longest_s_)) + 10;
    return {};
  }

  Status start_sinks();
  void prime_neighbours() const;
  Result<std::map<std::string, std::uint64_t>> send(report::StepRecord& rec) const;
  std::string check_sinks(report::StepRecord& rec) const;

 private:
  // "<kind><tag>-<node><ext>" in the run's traffic directory (flowgen specs, sink and sender logs).
  [[nodiscard]] fs::path file(std::string_view kind, std::string_view node, std::string_view ext) const {
    std::string name(kind);
    name.append(tag_).append("-").append(node).append(ext);
    return dir_ / name;
  }

  [[nodiscard]] fs::path spec_file(const std::string& role, const std::string& node,
                                   const std::vector<const Stream*>& streams) const {
    nlohmann::json spec;
    spec["streams"] = nlohmann::json::array();
    for (const auto* st : streams) {
      spec["streams"].push_back(flowgen_stream(*st));
    }
    fs::path f = file(role, node, ".json");
    std::ofstream(f) << spec.dump(2) << "\n";
    return f;
  }

  RunContext& run_;
  fs::path dir_;
  std::string tag_;
  std::string flowgen_ = process::locate_program("flowgen");
  StreamsByNode by_sink_;
  StreamsByNode by_sender_;
  double longest_s_ = 0;
  int timeout_s_ = 10;
  std::vector<Sink> sinks_;
};

// Sinks first, each ready before any sender starts.
Status Traffic::start_sinks() {
  std::error_code ec;
  for (const auto& [node, streams] : by_sink_) {
    Sink sink{node, {}, file("sink", node, ".log"), file("sink", node, ".ready")};
    fs::remove(sink.ready, ec);
    process::Spec spec;
    spec.name = "flowgen-sink";
    spec.argv = {flowgen_,
                 "sink",
                 "--spec",
                 spec_file("sink", node, streams).string(),
                 "--json",
                 "--ready-file",
                 sink.ready.string(),
                 "--timeout",
                 std::to_string(timeout_s_) + "s"};
    spec.netns = run_.topo().namespace_of(node);
    spec.log_file = sink.log;
    auto ref = process::start(spec);
    FLOWLAB_TRY(ref);
    sink.ref = *ref;
    sinks_.push_back(sink);
  }
  for (const auto& sink : sinks_) {
    if (!poll_for([&] { return fs::exists(sink.ready) || !process::alive(sink.ref); }, std::chrono::seconds(10),
                  std::chrono::milliseconds(10)) ||
        !fs::exists(sink.ready)) {
      return fail(ErrorKind::kSocket, "flowgen sink on " + sink.node + " did not get ready: " + read_file(sink.log));
    }
  }
  return {};
}

// Resolve ARP/ND along every path first (one ICMP echo per source host and destination, waiting for the reply): a
// flood towards a neighbour not yet resolved would overflow the kernel's neighbour queue (unres_qlen_bytes) and lose
// packets that were never in question. Not for ICMP streams, whose own records would count the echo.
void Traffic::prime_neighbours() const {
  std::set<std::pair<std::string, std::string>> primed;
  for (const auto& [node, streams] : by_sender_) {
    for (const auto* st : streams) {
      if (st->proto == Proto::kIcmp || st->to_node.empty() || !primed.insert({node, st->dst.to_string()}).second) {
        continue;
      }
      process::RunOptions ro;
      ro.netns = run_.topo().namespace_of(node);
      ro.timeout = std::chrono::seconds(6);
      (void)process::run({"ping", "-q", "-c", "1", "-W", "5", st->dst.to_string()}, ro);
    }
  }
}

// flowgen send in every source node; the packets each stream sent.
Result<std::map<std::string, std::uint64_t>> Traffic::send(report::StepRecord& rec) const {
  std::map<std::string, std::uint64_t> sent;
  for (const auto& [node, streams] : by_sender_) {
    process::RunOptions ro;
    ro.netns = run_.topo().namespace_of(node);
    ro.timeout = std::chrono::seconds(timeout_s_);
    auto out = process::run({flowgen_, "send", "--spec", spec_file("send", node, streams).string(), "--json"}, ro);
    FLOWLAB_TRY(out);
    std::ofstream(file("send", node, ".log")) << out->out << out->err;
    if (!out->success()) {
      const process::Exit exit{true, out->exit_code, out->signal};
      return fail(ErrorKind::kSocket, "flowgen send on " + node + " failed (" +
                                          (out->timed_out ? "timed out" : exit.text()) + "): " + out->err + out->out);
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
  return sent;
}

// Waits for every sink to end and compares what it received with the streams; the problems found.
std::string Traffic::check_sinks(report::StepRecord& rec) const {
  std::string problems;
  for (const auto& sink : sinks_) {
    (void)poll_for([&] { return !process::alive(sink.ref); }, std::chrono::seconds(timeout_s_ + 5),
                   std::chrono::milliseconds(20));
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
      const Stream* stream = run_.sc.find_stream(name);
      if (stream != nullptr && got != stream->packets) {
        problems += " stream " + name + ": sink on " + sink.node + " received " + std::to_string(got) + " of " +
                    std::to_string(stream->packets) + ";";
      }
    }
  }
  return problems;
}

}  // namespace

Status run_step(RunContext& run, const SendStep& s, report::StepRecord& rec) {
  const fs::path dir = run.out_dir / "traffic";
  std::error_code ec;
  fs::create_directories(dir, ec);
  Traffic traffic(run, dir, std::to_string(++run.send_steps));
  FLOWLAB_TRY(traffic.group(s));
  FLOWLAB_TRY(traffic.start_sinks());
  traffic.prime_neighbours();
  rec.details["senders"] = nlohmann::json::object();
  rec.details["sinks"] = nlohmann::json::object();
  auto sent = traffic.send(rec);
  FLOWLAB_TRY(sent);
  std::string problems;
  for (const auto& [name, n] : *sent) {
    const Stream* st = run.sc.find_stream(name);
    if (st != nullptr && n != st->packets) {
      problems += " stream " + name + " sent " + std::to_string(n) + " of " + std::to_string(st->packets) + ";";
    }
  }
  problems += traffic.check_sinks(rec);
  run.collected = false;  // new traffic: the next expect flushes the probes again
  if (!problems.empty()) {
    rec.outcome = verify::Outcome::kFail;
    rec.error = "traffic not delivered exactly:" + problems;
  }
  return {};
}

}  // namespace flowlab::scenario
