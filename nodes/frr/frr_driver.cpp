#include "nodes/frr/frr_driver.hpp"

#include "nodes/core/files.hpp"
#include "nodes/core/peering.hpp"
#include "nodes/frr/frr_config.hpp"
#include "nodes/frr/frr_parse.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace flowlab::nodes::frr {
namespace {

constexpr std::chrono::milliseconds kCommandTimeout{10000};

Status check_context(const NodeContext& ctx) {
  if (ctx.topology == nullptr || ctx.node == nullptr || ctx.dir.empty()) {
    return fail(ErrorKind::kUsage, "frr: node context without topology, node or directory");
  }
  return {};
}

// The daemons of a node, in start order (the same order render_frr_config emits them).
std::vector<std::string> daemons_of(const topology::Node& node) {
  std::vector<std::string> out{"zebra", "staticd"};
  if (node.ospf) {
    out.emplace_back("ospfd");
    out.emplace_back("ospf6d");
  }
  out.emplace_back("bgpd");
  return out;
}

// FRR daemons drop to the frr user; they must be able to create their sockets and pid files in the node dir.
Status hand_to_frr_user(const std::filesystem::path& dir, const std::vector<std::filesystem::path>& files) {
  if (::geteuid() != 0) {
    return {};  // rendering only (tests as a normal user): nothing will run
  }
  const passwd* pw = ::getpwnam(kUser);
  if (pw == nullptr) {
    return fail(ErrorKind::kConfig, std::string("frr: user '") + kUser + "' does not exist (is FRR installed?)");
  }
  for (const auto& path : files) {
    if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return fail(ErrorKind::kConfig, "frr: chown " + path.string() + " to " + kUser + ": " + std::strerror(errno));
    }
  }
  if (::chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    return fail(ErrorKind::kConfig, "frr: chown " + dir.string() + " to " + kUser + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace

Result<std::string> run_vtysh(const std::filesystem::path& dir, const std::vector<std::string>& commands,
                              const std::string& daemon) {
  std::vector<std::string> argv{"vtysh", "--vty_socket", dir.string()};
  if (!daemon.empty()) {
    argv.insert(argv.end(), {"-d", daemon});
  }
  std::string shown;
  for (const auto& c : commands) {
    argv.insert(argv.end(), {"-c", c});
    shown += " -c '" + c + "'";
  }
  process::RunOptions options;
  options.timeout = kCommandTimeout;
  auto out = process::run(argv, options);
  FLOWLAB_TRY(out);
  if (!out->success()) {
    std::string why = out->timed_out ? "timed out" : "exit code " + std::to_string(out->exit_code);
    return fail(ErrorKind::kProcess,
                "vtysh --vty_socket " + dir.string() + shown + ": " + why + ": " + out->err + out->out);
  }
  return std::move(out->out);
}

Result<std::string> vtysh(const std::filesystem::path& dir, const std::string& command, const std::string& daemon) {
  return run_vtysh(dir, {command}, daemon);
}

Result<std::string> vtysh(const std::filesystem::path& dir, const std::vector<std::string>& commands) {
  return run_vtysh(dir, commands, "");
}

Status FrrDriver::render(const NodeContext& ctx) const {
  FLOWLAB_TRY(check_context(ctx));
  auto cfg = render_frr_config(*ctx.topology, *ctx.node);
  FLOWLAB_TRY(cfg);
  std::vector<std::filesystem::path> files;
  for (const auto& d : cfg->daemons) {
    files.push_back(ctx.dir / (d.daemon + ".conf"));
    FLOWLAB_TRY(write_text_file(files.back(), d.text));
  }
  files.push_back(ctx.dir / kIntegratedConfig);
  FLOWLAB_TRY(write_text_file(files.back(), cfg->integrated));
  return hand_to_frr_user(ctx.dir, files);
}

std::vector<process::Spec> FrrDriver::programs(const NodeContext& ctx) const {
  std::vector<process::Spec> out;
  if (ctx.node == nullptr) {
    return out;
  }
  const std::string dir = ctx.dir.string();
  for (const auto& d : daemons_of(*ctx.node)) {
    process::Spec spec;
    spec.name = d;
    spec.argv = {std::string(kDaemonDir) + "/" + d,
                 "-u",
                 kUser,
                 "-g",
                 kUser,
                 "--vty_socket",
                 dir,
                 "-z",
                 (ctx.dir / kZservSocket).string(),
                 "-i",
                 (ctx.dir / (d + ".pid")).string(),
                 "-f",
                 (ctx.dir / (d + ".conf")).string(),
                 "-P",
                 "0",
                 "--log",
                 "stdout"};
    if (d == "bgpd") {
      spec.argv.insert(spec.argv.end(), {"-p", "179"});
      if (ctx.topology != nullptr && !ctx.topology->bmp_stations(ctx.node->name).empty()) {
        spec.argv.insert(spec.argv.end(), {"-M", "bmp"});  // bgpd_bmp.so: the `bmp targets` of bgpd.conf
      }
    }
    spec.netns = ctx.node->namespace_name;
    spec.log_file = ctx.dir / (d + ".log");
    spec.working_dir = ctx.dir;
    out.push_back(std::move(spec));
  }
  return out;
}

Result<bool> FrrDriver::program_ready(const NodeContext& ctx, std::size_t index) const {
  if (index != 0) {
    return true;
  }
  // zebra (always first) is up for its clients once its zserv socket exists.
  std::error_code ec;
  return std::filesystem::is_socket(ctx.dir / kZservSocket, ec);
}

Result<bool> FrrDriver::ready(const NodeContext& ctx) const {
  if (ctx.node == nullptr) {
    return fail(ErrorKind::kUsage, "frr: node context without node");
  }
  // One vtysh run: every daemon is connected ("show daemons" lists those vtysh reached) and bgpd answers.
  auto out = vtysh(ctx.dir, std::vector<std::string>{"show daemons", "show bgp summary json"});
  if (!out.ok()) {
    return false;
  }
  const auto newline = out->find('\n');
  const std::string listed = " " + out->substr(0, newline) + " ";
  for (const auto& d : daemons_of(*ctx.node)) {
    if (listed.find(" " + d + " ") == std::string::npos) {
      return false;
    }
  }
  auto docs = split_json_documents(std::string_view(*out).substr(newline == std::string::npos ? out->size() : newline));
  return !docs.empty() && parse_show_bgp_json(docs.front()).ok();
}

Result<std::vector<RibEntry>> FrrDriver::rib(const NodeContext& ctx) const {
  const std::vector<std::string> commands{"show bgp ipv4 unicast json detail", "show bgp ipv6 unicast json detail",
                                          "show ip route json", "show ipv6 route json"};
  auto out = vtysh(ctx.dir, commands);
  FLOWLAB_TRY(out);
  auto docs = split_json_documents(*out);
  if (docs.size() != commands.size()) {
    return fail(ErrorKind::kParse, "vtysh --vty_socket " + ctx.dir.string() + ": expected " +
                                       std::to_string(commands.size()) + " JSON documents, got " +
                                       std::to_string(docs.size()));
  }
  std::vector<RibEntry> all;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    auto parsed = i < 2 ? parse_show_bgp_json(docs[i]) : parse_show_route_json(docs[i]);
    FLOWLAB_TRY(parsed);
    all.insert(all.end(), parsed->begin(), parsed->end());
  }
  return all;
}

Status FrrDriver::set_bgp_session(const NodeContext& ctx, const std::string& neighbor, bool up) const {
  std::vector<std::string> commands{"configure terminal", "router bgp " + std::to_string(ctx.node->asn)};
  for (const auto& p : peerings_of(*ctx.topology, *ctx.node)) {
    if (p.peer == neighbor) {
      commands.push_back(std::string(up ? "no " : "") + "neighbor " + p.peer_address.to_string() + " shutdown");
    }
  }
  if (commands.size() == 2) {
    return fail(ErrorKind::kBgp, "router " + ctx.node->name + " has no BGP session with " + neighbor);
  }
  auto out = vtysh(ctx.dir, commands);
  FLOWLAB_TRY(out);
  return {};
}

// As the rendered config does it: the `bmp targets` block removed (the station sees the TCP session end) or added
// again (bgpd connects and sends its tables).
Status FrrDriver::set_bmp_session(const NodeContext& ctx, const std::string& station, bool up) const {
  const topology::Node* collector = ctx.topology->find_node(station);
  const auto stations = ctx.topology->bmp_stations(ctx.node->name);
  if (collector == nullptr || std::find(stations.begin(), stations.end(), collector) == stations.end()) {
    return fail(ErrorKind::kBgp, "router " + ctx.node->name + " does not report to " + station + " over BMP");
  }
  std::vector<std::string> commands{"configure terminal", "router bgp " + std::to_string(ctx.node->asn),
                                    std::string(up ? "" : "no ") + "bmp targets " + station};
  if (up) {
    for (const auto& line : bmp_target_lines(*collector)) {
      commands.push_back(line);
    }
  }
  auto out = vtysh(ctx.dir, commands);
  FLOWLAB_TRY(out);
  return {};
}

// As the rendered config does it: a blackhole static route holds the prefix, a `network` statement originates it.
Status FrrDriver::set_announcement(const NodeContext& ctx, const Prefix& prefix, bool announce) const {
  FLOWLAB_TRY(render(ctx));  // the files on disk follow the running config
  const bool v6 = prefix.family() == Family::kIpv6;
  const std::string no = announce ? "" : "no ";
  std::vector<std::string> commands{
      "configure terminal", no + (v6 ? "ipv6" : "ip") + " route " + prefix.to_string() + " blackhole",
      "router bgp " + std::to_string(ctx.node->asn),
      std::string("address-family ") + (v6 ? "ipv6" : "ipv4") + " unicast", no + "network " + prefix.to_string()};
  auto out = vtysh(ctx.dir, commands);
  FLOWLAB_TRY(out);
  return {};
}

Result<std::vector<BgpSessionStatus>> FrrDriver::bgp_sessions(const NodeContext& ctx) const {
  auto out = vtysh(ctx.dir, "show bgp neighbors json", "bgpd");
  FLOWLAB_TRY(out);
  return parse_show_bgp_neighbors_json(*out);
}

std::vector<std::filesystem::path> FrrDriver::leftovers(const process::ProcessRef& started) const {
  return {std::filesystem::path("/var/tmp/frr") / (started.name + "." + std::to_string(started.pid))};
}

}  // namespace flowlab::nodes::frr
