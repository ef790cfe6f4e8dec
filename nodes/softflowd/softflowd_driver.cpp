#include "nodes/softflowd/softflowd_driver.hpp"

#include <chrono>
#include <regex>
#include <thread>

#include "common/poll.hpp"

namespace flowlab::nodes::softflowd {

namespace fs = std::filesystem;
using topology::ExportFormat;

fs::path control_socket(const fs::path& node_dir, const std::string& name) { return node_dir / (name + ".ctl"); }

namespace {

// The first number after `label` in softflowctl's statistics, or nullopt.
std::optional<std::uint64_t> stat(const std::string& statistics, const std::string& label) {
  const auto at = statistics.find(label);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  static const std::regex kNumber(R"(\d+)");
  std::smatch m;
  const std::string rest = statistics.substr(at + label.size());
  if (!std::regex_search(rest, m, kNumber)) {
    return std::nullopt;
  }
  return std::stoull(m[0].str());
}

}  // namespace

std::optional<std::uint64_t> parse_packets_sent(const std::string& statistics) {
  static const std::regex kExported(R"(Flows exported: \d+ \(\d+ records\) in (\d+) packets)");
  std::smatch m;
  if (!std::regex_search(statistics, m, kExported)) {
    return std::nullopt;
  }
  return std::stoull(m[1].str());
}

namespace {

// softflowd's capture counters: what libpcap received for it and what it read (processed + ignored).
struct CaptureCounts {
  std::uint64_t received = 0;
  std::uint64_t read = 0;
};
std::optional<CaptureCounts> capture_counts(const std::string& statistics) {
  const auto received = stat(statistics, "Packets received by libpcap:");
  const auto processed = stat(statistics, "Packets processed:");
  const auto ignored = stat(statistics, "Ignored packets:");
  if (!received || !processed || !ignored) {
    return std::nullopt;
  }
  return CaptureCounts{*received, *processed + *ignored};
}

}  // namespace

bool capture_drained(const std::string& statistics) {
  const auto counts = capture_counts(statistics);
  return counts && counts->read >= counts->received;
}

HeldBack held_back(const std::string& statistics) {
  const auto counts = capture_counts(statistics);
  if (!counts || counts->read >= counts->received) {
    return {};
  }
  HeldBack out;
  out.packets = counts->received - counts->read;
  out.why = "softflowd had read " + std::to_string(counts->read) + " of the " + std::to_string(counts->received) +
            " packets libpcap captured for it: it opens its capture with pcap_open_live(..., to_ms 0) (softflowd.c), "
            "which libpcap's TPACKET_V3 ring turns into tp_retire_blk_tov UINT_MAX (pcap-linux.c), so a ring block "
            "reaches softflowd only once full and the last " +
            std::to_string(counts->received - counts->read) + " wait for more traffic on the interface";
  return out;
}

namespace {

// Instance `instance`'s capture interface, "[ifindex:]name": the probe's `ifindex:` number when it maps it.
std::string capture_interface(const topology::ProbeSpec& probe, std::size_t index, std::size_t instance) {
  const std::string ifname = capture_interfaces(probe, index).at(instance);
  const auto mapped = probe.ifindex.find(ifname);
  return mapped == probe.ifindex.end() ? ifname : std::to_string(mapped->second) + ":" + ifname;
}

// How long softflowctl waits for softflowd's answer: it answers within milliseconds while its main loop runs (the
// margin is for a loaded machine).
constexpr std::chrono::seconds kControlTimeout{5};

Result<std::string> softflowctl(const fs::path& socket, const std::string& command) {
  process::RunOptions options;
  options.timeout = kControlTimeout;
  auto out = process::run({"softflowctl", "-c", socket.string(), command}, options);
  FLOWLAB_TRY(out);
  if (out->timed_out) {
    return fail(ErrorKind::kTimeout,
                "softflowctl " + command + " got no answer in " + std::to_string(kControlTimeout.count()) + " s");
  }
  if (!out->success()) {
    return fail(ErrorKind::kVerify, "softflowctl " + command + " failed: " + out->err + out->out);
  }
  return out->out;
}

}  // namespace

Result<process::Spec> SoftflowdDriver::spec(const ProbeContext& ctx) const {
  auto target = probe_target(*ctx.topology, ctx.index);
  FLOWLAB_TRY(target);
  const topology::ProbeSpec& probe = *target->probe;
  process::Spec spec;
  spec.name = instance_name(ctx);
  spec.netns = target->node->namespace_name;
  spec.log_file = ctx.node_dir / (spec.name + ".log");
  const std::string inactive = std::to_string(probe.inactive_timeout_s);
  // SIGPIPE ignored (env(1) --ignore-signal; the disposition survives exec): softflowd sets no handler, and a
  // softflowctl the flush gave up on (unanswered()) would otherwise kill it when it writes the late answer.
  spec.argv = {"env",       "--ignore-signal=PIPE",
               "softflowd", "-d",
               "-i",        capture_interface(probe, ctx.index, ctx.instance),
               "-n",        target->collector_endpoint(),
               "-v",        netflow_version(probe.format),
               "-t",        "maxlife=" + std::to_string(probe.active_timeout_s)};
  for (const char* timer : {"general", "tcp", "udp", "icmp"}) {
    spec.argv.insert(spec.argv.end(), {"-t", std::string(timer) + "=" + inactive});
  }
  spec.argv.insert(spec.argv.end(), {"-t", "expint=1"});
  if (probe.sampling > 1) {
    spec.argv.insert(spec.argv.end(), {"-s", std::to_string(probe.sampling)});
  }
  spec.argv.insert(spec.argv.end(), {"-c", control_socket(ctx.node_dir, spec.name).string()});
  return spec;
}

Result<ProbeFlush> SoftflowdDriver::flush(const ProbeContext& ctx, const process::ProcessRef& process) const {
  auto flushed = flush_socket(control_socket(ctx.node_dir, instance_name(ctx)));
  if (flushed.ok()) {
    return flushed;
  }
  // A softflowd whose interface went down has closed its socket and is on its way out.
  (void)poll_for([&] { return !process::alive(process); }, std::chrono::seconds(1), std::chrono::milliseconds(100));
  if (!process::alive(process)) {
    return fail(flushed.error().kind, flushed.error().message +
                                          " — softflowd exited: it leaves when pcap_dispatch() returns -1 "
                                          "(softflowd.c: 'Exiting on pcap_dispatch'), which libpcap 1.10 does when "
                                          "its capture interface disappears (pcap-linux.c: 'The interface "
                                          "disappeared')");
  }
  if (flushed.error().kind == ErrorKind::kTimeout) {
    return unanswered(flushed.error().message);
  }
  return flushed;
}

ProbeFlush unanswered(const std::string& what) {
  ProbeFlush out;
  out.counted = false;
  out.stats = {{"softflowctl", what}};
  out.held_back.packets = std::nullopt;  // it holds back what it captured since its last answer: it cannot say
  out.held_back.why =
      "softflowd did not answer its control socket (" + what +
      "): its capture interface went down, and libpcap 1.10's pcap_dispatch() does not return then but waits "
      "inside for the interface to come up (pcap-linux.c pcap_wait_for_frames_mmap: ENETDOWN sets netdown, "
      "polls every 1 ms until IFF_UP) and then, with softflowd's pcap_open_live(..., to_ms 0), for a full "
      "TPACKET_V3 block; softflowd polls its control socket only between pcap_dispatch() calls (softflowd.c main "
      "loop), so until a block of new packets on the interface arrives it neither exports nor answers, and its "
      "datagrams are not counted";
  return out;
}

Result<ProbeFlush> SoftflowdDriver::flush_socket(const fs::path& socket) const {
  // softflowd reads its capture in blocks: packets the kernel holds for it are not in its flows yet. Expire only
  // once it has read every packet libpcap counted, or after 2 s: the last block of a burst waits for more
  // traffic (docs/nodes.md, "softflowd").
  std::string before;  // the last statistics before the expiry
  const auto drained = poll_for_ok(
      [&]() -> Result<bool> {
        auto stats = softflowctl(socket, "statistics");
        FLOWLAB_TRY(stats);
        before = *stats;
        return capture_drained(before);
      },
      std::chrono::seconds(2), std::chrono::milliseconds(100));
  FLOWLAB_TRY(drained);  // not drained after 2 s: expire what it has read
  auto expired = softflowctl(socket, "expire-all");
  FLOWLAB_TRY(expired);
  auto stats = softflowctl(socket, "statistics");
  FLOWLAB_TRY(stats);
  const auto sent = parse_packets_sent(*stats);
  if (!sent) {
    return fail(ErrorKind::kVerify, "softflowctl statistics has no 'Flows exported' line: " + *stats);
  }
  ProbeFlush out;
  out.datagrams_sent = *sent;
  // Counted before the expiry: a packet read in between is exported by it, but one read after it (a block that
  // filled meanwhile) is in neither the export nor a count taken afterwards. What the expiry can leave out is at
  // most what was unread before it.
  out.held_back = held_back(before);
  out.stats = {{"expire_all", *expired}, {"statistics", *stats}};
  return out;
}

std::size_t SoftflowdDriver::instances(const topology::ProbeSpec& probe) const {
  return capture_interfaces(probe, 0).size();
}

std::map<std::string, std::string> SoftflowdDriver::unprovided_fields(const topology::ProbeSpec& /*probe*/) const {
  const std::string why =
      "softflowd records no interface index of its own (0; softflowd(8) -i [if_ndx:]interface, from the probe's "
      "ifindex map, sets one number for input and output of every flow, each direction) and has no FIB to find "
      "the other interface";
  return {{"iface_in", why}, {"iface_out", why}};
}

std::string SoftflowdDriver::unchecked_sequence(const topology::ProbeSpec& probe) const {
  if (instances(probe) > 1) {
    return one_sequence_per_instance("softflowd", instances(probe));
  }
  switch (probe.format) {
    case ExportFormat::kIpfix:
      return "softflowd's IPFIX sequence number counts the message's own records too (ipfix.c: records_sent += "
             "records before it is written; RFC 7011: records sent before the message)";
    case ExportFormat::kNetflowV9:
      return "softflowd's NetFlow v9 sequence number counts flows, not export packets (netflow9.c: "
             "package_sequence = flows_exported; RFC 3954: packets)";
    case ExportFormat::kNetflowV5:
    case ExportFormat::kSflow:
      break;
  }
  return "";
}

std::vector<topology::KindIssue> SoftflowdDriver::check(const topology::ProbeSpec& probe) const {
  ProbeAbilities can;
  can.formats = {ExportFormat::kNetflowV5, ExportFormat::kNetflowV9, ExportFormat::kIpfix};
  can.many_interfaces = true;  // one softflowd per interface (instances())
  return check_abilities("softflowd", probe, can);
}

}  // namespace flowlab::nodes::softflowd
