#include "nodes/pmacct/pmacct_driver.hpp"

#include "common/endpoint.hpp"
#include "common/fd.hpp"
#include "common/poll.hpp"
#include "common/strings.hpp"
#include "platform/netns/namespace.hpp"

#include "nodes/collector/collector_driver.hpp"
#include "nodes/core/files.hpp"
#include "nodes/pmacct/pmacct_parse.hpp"

#include <sys/socket.h>

#include <array>
#include <csignal>
#include <cstring>
#include <thread>

namespace flowlab::nodes::pmacct {
namespace {

using Clock = std::chrono::steady_clock;

Status check_context(const NodeContext& ctx) {
  if (ctx.topology == nullptr || ctx.node == nullptr || ctx.dir.empty()) {
    return fail(ErrorKind::kUsage, "pmacct: node context without topology, node or directory");
  }
  return {};
}

// `pmacct -p <pipe> ARGS...` (the memory plugin's client); its standard output.
Result<std::string> pmacct_client(const NodeContext& ctx, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"pmacct", "-p", (ctx.dir / kPipeFile).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return tool_output(argv, std::chrono::seconds(10));
}

// The core process's PID from its pidfile.
Result<pid_t> core_pid(const NodeContext& ctx) {
  auto text = read_text_file(ctx.dir / kPidFile, IfMissing::kEmpty);
  FLOWLAB_TRY(text);
  const auto pid = parse_decimal<std::uint32_t>(trim(*text));
  if (!pid || *pid == 0) {
    return fail(ErrorKind::kProcess, "node " + ctx.node->name + ": no PID in " + (ctx.dir / kPidFile).string());
  }
  return static_cast<pid_t>(*pid);
}

// The core process blocks SIGUSR1 while it waits in recvfrom() and handles the signal at the end of the datagram it
// receives next; the statistics are then printed after the one after that (src/nfacctd.c, src/sfacctd.c main loop).
// Two 4-byte datagrams of version 0 from the node itself do it: pmacct discards them as unknown packets, counted
// under neither the exporter nor its statistics.
Status wake(const NodeContext& ctx, std::uint16_t port) {
  const Endpoint to{ctx.node->mgmt4.address, port};
  return netns::run_in_namespace(ctx.node->namespace_name, [&]() -> Status {
    Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock) {
      return fail(ErrorKind::kSocket, "socket: " + std::string(std::strerror(errno)));
    }
    const auto address = to_sockaddr(to);
    const std::array<char, 4> zeros{};
    for (int i = 0; i < 2; ++i) {
      if (::sendto(sock.get(), zeros.data(), zeros.size(), 0, address.get(), address.length) < 0) {
        return fail(ErrorKind::kSocket, "sending to " + to.to_string() + ": " + std::strerror(errno));
      }
    }
    return {};
  });
}

}  // namespace

Status PmacctDriver::render(const NodeContext& ctx) const {
  FLOWLAB_TRY(check_context(ctx));
  auto rendered = render_pmacct_config(*ctx.topology, *ctx.node, ctx.dir, daemon_);
  FLOWLAB_TRY(rendered);
  if (!rendered->agent_map.empty()) {
    FLOWLAB_TRY(write_text_file(ctx.dir / kAgentMapFile, rendered->agent_map));
  }
  if (!rendered->allow.empty()) {
    FLOWLAB_TRY(write_text_file(ctx.dir / kAllowFile, rendered->allow));
  }
  if (!rendered->md5.empty()) {
    FLOWLAB_TRY(write_text_file(ctx.dir / kMd5File, rendered->md5));
  }
  if (ctx.node->peer_src_as == topology::PeerSrcAsMethod::kMap) {
    FLOWLAB_TRY(collector::write_peer_src_as_map(ctx, ctx.dir / kPeerSrcAsMapFile));
  }
  return write_text_file(ctx.dir / config_file(daemon_), rendered->config);
}

// pmacct 1.7 bgp_md5_file_load(): each line is split at ',' (extract_token), the key copied with
// strlcpy(key, token, TCP_MD5SIG_MAXKEYLEN) — a longer key would be cut, silently, and the sessions stay down.
topology::PasswordLimits PmacctDriver::password_limits() const {
  return {kMaxTcpMd5KeyBytes - 1, "pmacct keeps a key of bgp_daemon_md5_file in 80 bytes with its NUL", ",",
          "pmacct's bgp_daemon_md5_file is '<address>, <key>' split at commas"};
}

std::vector<process::Spec> PmacctDriver::programs(const NodeContext& ctx) const {
  process::Spec spec;
  spec.name = daemon_name(daemon_);
  spec.argv = {daemon_name(daemon_), "-f", (ctx.dir / config_file(daemon_)).string()};
  spec.netns = ctx.node != nullptr ? ctx.node->namespace_name : "";
  spec.log_file = ctx.dir / (std::string(daemon_name(daemon_)) + ".out");  // before logfile is opened
  spec.working_dir = ctx.dir;
  spec.stop_timeout = std::chrono::milliseconds(5000);
  return {spec};
}

Result<bool> PmacctDriver::ready(const NodeContext& ctx) const {
  std::error_code ec;
  if (!std::filesystem::exists(ctx.dir / kPipeFile, ec)) {
    return false;
  }
  return pmacct_client(ctx, {"-s", "-O", "json"}).ok();
}

Result<std::vector<BgpSessionStatus>> PmacctDriver::bgp_sessions(const NodeContext& ctx) const {
  FLOWLAB_TRY(check_context(ctx));
  auto log = read_text_file(ctx.dir / kMsglogFile, IfMissing::kEmpty);
  FLOWLAB_TRY(log);
  auto state = parse_msglog(*log);
  FLOWLAB_TRY(state);
  std::vector<BgpSessionStatus> out;
  for (const auto& s : ctx.topology->sessions) {
    if (!s.to_collector || s.remote_node != ctx.node->name) {
      continue;
    }
    BgpSessionStatus st;
    st.neighbor = s.local_address;
    st.neighbor_asn = s.local_asn;
    st.name = s.local_node + "_" + (s.family == Family::kIpv4 ? "v4" : "v6");
    st.state = SessionState::kIdle;
    if (const auto it = state->peers.find(s.local_address); it != state->peers.end() && it->second.up) {
      st.state = SessionState::kEstablished;
      st.prefixes_received = static_cast<std::uint32_t>(it->second.routes.size());
    }
    out.push_back(std::move(st));
  }
  return out;
}

Result<std::vector<RibEntry>> PmacctDriver::rib(const NodeContext& ctx) const {
  auto sessions = bgp_sessions(ctx);
  FLOWLAB_TRY(sessions);
  auto log = read_text_file(ctx.dir / kMsglogFile, IfMissing::kEmpty);
  FLOWLAB_TRY(log);
  auto state = parse_msglog(*log);
  FLOWLAB_TRY(state);
  std::vector<RibEntry> out;
  for (const auto& s : *sessions) {
    const auto it = state->peers.find(s.neighbor);
    if (it == state->peers.end()) {
      continue;
    }
    for (const auto& [prefix, entry] : it->second.routes) {
      out.push_back(entry);
      out.back().protocol_name = s.name;
    }
  }
  return out;
}

Result<std::vector<FlowRow>> PmacctDriver::records(const NodeContext& ctx, const RecordQuery& query) const {
  auto text = pmacct_client(ctx, {"-s", "-O", "json", "-a"});
  FLOWLAB_TRY(text);
  auto rows = parse_table_json(*text);
  FLOWLAB_TRY(rows);
  std::vector<FlowRow> out;
  for (auto& row : *rows) {
    if (row.fields["src_host"] == query.src.to_string() && row.fields["dst_host"] == query.dst.to_string()) {
      out.push_back(std::move(row));
    }
  }
  return out;
}

Result<std::optional<nlohmann::json>> PmacctDriver::dump_records(const NodeContext& ctx) const {
  auto text = pmacct_client(ctx, {"-s", "-O", "json", "-a"});
  FLOWLAB_TRY(text);
  auto rows = parse_table_json(*text);
  FLOWLAB_TRY(rows);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : *rows) {
    out.push_back({{"fields", row.fields}, {"packets", row.packets}, {"bytes", row.bytes}, {"flows", row.flows}});
  }
  return std::optional<nlohmann::json>(nlohmann::json{{"source", "pmacct -s -O json -a"}, {"rows", out}});
}

Result<DeliveryCounters> PmacctDriver::delivery(const NodeContext& ctx, const IpAddress& exporter) const {
  FLOWLAB_TRY(check_context(ctx));
  const std::filesystem::path log_path = ctx.dir / log_file(daemon_);
  auto before = read_text_file(log_path, IfMissing::kEmpty);
  FLOWLAB_TRY(before);
  const std::size_t blocks = parse_agent_stats(*before, exporter).blocks;
  auto pid = core_pid(ctx);
  FLOWLAB_TRY(pid);
  if (::kill(*pid, SIGUSR1) != 0) {
    return fail(ErrorKind::kProcess, "node " + ctx.node->name + ": signalling " + daemon_name(daemon_) + " (PID " +
                                         std::to_string(*pid) + "): " + std::strerror(errno));
  }
  FLOWLAB_TRY(wake(ctx, daemon_ == Daemon::kNfacctd ? ctx.node->listen.netflow : ctx.node->listen.sflow));
  AgentStats stats;
  const auto logged = poll_for_ok(
      [&]() -> Result<bool> {
        auto now = read_text_file(log_path, IfMissing::kEmpty);
        FLOWLAB_TRY(now);
        stats = parse_agent_stats(*now, exporter);
        return stats.blocks > blocks;
      },
      std::chrono::seconds(3), std::chrono::milliseconds(20));
  FLOWLAB_TRY(logged);
  if (*logged) {
    return stats.counters;
  }
  return fail(ErrorKind::kTimeout, "node " + ctx.node->name + ": " + daemon_name(daemon_) +
                                       " logged no statistics within 3 s of SIGUSR1 (" + log_path.string() + ")");
}

}  // namespace flowlab::nodes::pmacct
