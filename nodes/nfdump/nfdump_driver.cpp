#include "nodes/nfdump/nfdump_driver.hpp"

#include "common/poll.hpp"
#include "common/strings.hpp"
#include "nodes/core/files.hpp"
#include "nodes/nfdump/nfdump_parse.hpp"

#include <algorithm>
#include <csignal>
#include <set>
#include <thread>

namespace flowlab::nodes::nfdump {
namespace {

using Clock = std::chrono::steady_clock;

// The fields an exporter fills from its own BGP view (model 1: `as_source: netflow` on the collector). The masks
// too: an exporter without BGP fills them from its own FIB (a connected /29 where BGP says /24; labctl matrix,
// dualstack-failover with nfcapd), which is not the BGP route's mask the topology asks for.
constexpr const char* kExporterBgpFields[] = {"as_src",  "as_dst",  "peer_as_src", "peer_as_dst", "peer_ip_dst",
                                              "net_src", "net_dst", "mask_src",    "mask_dst"};

Status check_context(const NodeContext& ctx) {
  if (ctx.topology == nullptr || ctx.node == nullptr || ctx.dir.empty()) {
    return fail(ErrorKind::kUsage, "nfdump: node context without topology, node or directory");
  }
  return {};
}

std::filesystem::path pid_file(const NodeContext& ctx, const char* daemon) {
  return ctx.dir / (std::string(daemon) + ".pid");
}

// The files the daemon has closed (renamed from nfcapd.current.<pid>), in name (= time) order.
std::set<std::filesystem::path> closed_files(const NodeContext& ctx) {
  std::set<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(ctx.dir / kFlowDir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("nfcapd.", 0) == 0 && name.find("current") == std::string::npos) {
      out.insert(entry.path());
    }
  }
  return out;
}

// Waits until the daemon has closed two files it had not closed when this was called: the one it was writing, and
// the next one (a datagram queued in the socket at the call is read just before or just after the first rotation).
Status await_rotations(const NodeContext& ctx, const char* daemon) {
  const auto before = closed_files(ctx);
  constexpr int kWait = 3 * kRotateSeconds + 1;
  const auto rotated_twice = [&] {
    const auto now = closed_files(ctx);
    return std::count_if(now.begin(), now.end(), [&](const auto& f) { return before.count(f) == 0; }) >= 2;
  };
  if (poll_for(rotated_twice, std::chrono::seconds(kWait), std::chrono::milliseconds(50))) {
    return {};
  }
  return fail(ErrorKind::kTimeout, "node " + ctx.node->name + ": " + daemon + " closed fewer than two files in " +
                                       std::to_string(kWait) + " s (rotation every " + std::to_string(kRotateSeconds) +
                                       " s; see " + (ctx.dir / daemon).string() + ".log)");
}

// `nfdump ARGS...`: its standard output.
Result<std::string> run_nfdump(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"nfdump"};
  argv.insert(argv.end(), args.begin(), args.end());
  return tool_output(argv, std::chrono::seconds(20));
}

// Every closed file's records matching `filter` ("" = all).
Result<std::vector<FlowRow>> read_flows(const NodeContext& ctx, const std::string& filter) {
  if (closed_files(ctx).empty()) {
    return std::vector<FlowRow>{};
  }
  std::vector<std::string> args{"-R", (ctx.dir / kFlowDir).string(), "-o", "json"};
  if (!filter.empty()) {
    args.push_back(filter);
  }
  auto text = run_nfdump(args);
  FLOWLAB_TRY(text);
  return parse_flows_json(*text);
}

}  // namespace

Status NfdumpDriver::render(const NodeContext& ctx) const {
  FLOWLAB_TRY(check_context(ctx));
  const std::uint16_t port = daemon_ == Daemon::kNfcapd ? ctx.node->listen.netflow : ctx.node->listen.sflow;
  if (port == 0) {
    return fail(ErrorKind::kConfig, "node " + ctx.node->name + " (kind " + name() + ") listens for " +
                                        (daemon_ == Daemon::kNfcapd ? "NetFlow/IPFIX: set listen: {netflow: PORT}"
                                                                    : "sFlow: set listen: {sflow: PORT}"));
  }
  std::error_code ec;
  std::filesystem::create_directories(ctx.dir / kFlowDir, ec);
  if (ec) {
    return fail(ErrorKind::kIo, "creating " + (ctx.dir / kFlowDir).string() + ": " + ec.message());
  }
  return {};
}

std::vector<process::Spec> NfdumpDriver::programs(const NodeContext& ctx) const {
  process::Spec spec;
  spec.name = name();
  const std::uint16_t port = daemon_ == Daemon::kNfcapd ? ctx.node->listen.netflow : ctx.node->listen.sflow;
  spec.argv = {name(),
               "-w",
               (ctx.dir / kFlowDir).string(),
               "-t",
               std::to_string(kRotateSeconds),
               "-b",
               ctx.node->mgmt4.address.to_string(),
               "-p",
               std::to_string(port),
               "-P",
               pid_file(ctx, name()).string(),
               "-I",
               ctx.topology->name + "." + ctx.node->name,
               "-B",
               std::to_string(8U * 1024U * 1024U)};
  spec.netns = ctx.node->namespace_name;
  spec.log_file = ctx.dir / (std::string(name()) + ".log");
  spec.working_dir = ctx.dir;
  return {spec};
}

Result<bool> NfdumpDriver::ready(const NodeContext& ctx) const {
  auto text = read_text_file(pid_file(ctx, name()), IfMissing::kEmpty);
  FLOWLAB_TRY(text);
  const auto pid = parse_decimal<std::uint32_t>(trim(*text));
  if (!pid || *pid == 0 || ::kill(static_cast<pid_t>(*pid), 0) != 0) {
    return false;
  }
  std::error_code ec;
  return std::filesystem::exists(ctx.dir / kFlowDir / ("nfcapd.current." + std::to_string(*pid)), ec);
}

Result<std::vector<RibEntry>> NfdumpDriver::rib(const NodeContext& /*ctx*/) const { return std::vector<RibEntry>{}; }

Result<std::vector<BgpSessionStatus>> NfdumpDriver::bgp_sessions(const NodeContext& ctx) const {
  return unsupported(ctx, "speak BGP");
}

Result<std::vector<FlowRow>> NfdumpDriver::records(const NodeContext& ctx, const RecordQuery& query) const {
  auto rows = read_flows(ctx, "src ip " + query.src.to_string() + " and dst ip " + query.dst.to_string());
  FLOWLAB_TRY(rows);
  if (ctx.node->as_source != topology::AsSource::kNetflow) {
    // The topology asks for AS fields from BGP, which nfdump has not: what the exporter wrote there (0 from a probe
    // without BGP) is not the field asked for.
    for (auto& row : *rows) {
      for (const char* field : kExporterBgpFields) {
        row.fields.erase(field);
      }
    }
  }
  return rows;
}

Result<std::optional<nlohmann::json>> NfdumpDriver::dump_records(const NodeContext& ctx) const {
  auto rows = read_flows(ctx, "");
  FLOWLAB_TRY(rows);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : *rows) {
    out.push_back({{"fields", row.fields}, {"packets", row.packets}, {"bytes", row.bytes}, {"flows", row.flows}});
  }
  return std::optional<nlohmann::json>(
      nlohmann::json{{"source", "nfdump -R " + std::string(kFlowDir) + " -o json"}, {"rows", out}});
}

Status NfdumpDriver::persist(const NodeContext& ctx) const {
  FLOWLAB_TRY(check_context(ctx));
  return await_rotations(ctx, name());
}

}  // namespace flowlab::nodes::nfdump
