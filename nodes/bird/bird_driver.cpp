#include "nodes/bird/bird_driver.hpp"

#include "nodes/bird/bird_config.hpp"
#include "nodes/bird/bird_parse.hpp"
#include "nodes/core/files.hpp"
#include "nodes/core/peering.hpp"

#include <chrono>
#include <map>

namespace flowlab::nodes::bird {
namespace {

constexpr std::chrono::milliseconds kCommandTimeout{10000};

Status check_context(const NodeContext& ctx) {
  if (ctx.topology == nullptr || ctx.node == nullptr || ctx.dir.empty()) {
    return fail(ErrorKind::kUsage, "bird: node context without topology, node or directory");
  }
  return {};
}

}  // namespace

Result<std::string> birdc(const std::filesystem::path& dir, const std::vector<std::string>& command) {
  std::vector<std::string> argv{"birdc", "-s", (dir / kControlSocket).string()};
  argv.insert(argv.end(), command.begin(), command.end());
  process::RunOptions options;
  options.timeout = kCommandTimeout;
  auto out = process::run(argv, options);
  FLOWLAB_TRY(out);
  if (!out->success()) {
    std::string why = out->timed_out ? "timed out" : "exit code " + std::to_string(out->exit_code);
    return fail(ErrorKind::kProcess,
                "birdc -s " + (dir / kControlSocket).string() + ": " + why + ": " + out->err + out->out);
  }
  return std::move(out->out);
}

Status BirdDriver::render(const NodeContext& ctx) const {
  FLOWLAB_TRY(check_context(ctx));
  auto text = render_bird_config(*ctx.topology, *ctx.node);
  FLOWLAB_TRY(text);
  return write_text_file(ctx.dir / kConfigFile, *text);
}

std::vector<process::Spec> BirdDriver::programs(const NodeContext& ctx) const {
  process::Spec spec;
  spec.name = "bird";
  spec.argv = {"bird", "-f",
               "-c",   (ctx.dir / kConfigFile).string(),
               "-s",   (ctx.dir / kControlSocket).string(),
               "-P",   (ctx.dir / kPidFile).string()};
  spec.netns = ctx.node != nullptr ? ctx.node->namespace_name : "";
  spec.log_file = ctx.dir / "bird.log";
  spec.working_dir = ctx.dir;
  return {spec};
}

Result<bool> BirdDriver::ready(const NodeContext& ctx) const {
  auto out = birdc(ctx.dir, {"show", "status"});
  if (!out.ok()) {
    return false;  // not up yet: the socket is missing or refuses
  }
  return out->find("Daemon is up and running") != std::string::npos;
}

Result<std::vector<RibEntry>> BirdDriver::rib(const NodeContext& ctx) const {
  auto sessions = bgp_sessions(ctx);  // protocol name -> neighbour, for each route's `from`
  FLOWLAB_TRY(sessions);
  std::map<std::string, IpAddress> neighbors;
  for (const auto& s : *sessions) {
    neighbors[s.name] = s.neighbor;
  }
  auto out = birdc(ctx.dir, {"show", "route", "all"});
  FLOWLAB_TRY(out);
  return parse_show_route_all(*out, neighbors);
}

Status BirdDriver::set_bgp_session(const NodeContext& ctx, const std::string& neighbor, bool up) const {
  bool any = false;
  for (const auto& p : peerings_of(*ctx.topology, *ctx.node)) {
    if (p.peer != neighbor) {
      continue;
    }
    any = true;
    auto out = birdc(ctx.dir, {up ? "enable" : "disable", p.name});
    FLOWLAB_TRY(out);
  }
  if (!any) {
    return fail(ErrorKind::kBgp, "router " + ctx.node->name + " has no BGP session with " + neighbor);
  }
  return {};
}

// BIRD 2 cannot add a static route at run time: the config is rendered again from the new announce list and
// reloaded (`birdc configure` restarts only the protocols whose configuration changed).
Status BirdDriver::set_announcement(const NodeContext& ctx, const Prefix& prefix, bool announce) const {
  FLOWLAB_TRY(render(ctx));
  auto out = birdc(ctx.dir, {"configure"});
  FLOWLAB_TRY(out);
  if (out->find("Reconfigur") == std::string::npos) {
    return fail(ErrorKind::kBgp, "router " + ctx.node->name + ": " + (announce ? "announcing " : "withdrawing ") +
                                     prefix.to_string() + ": birdc configure said: " + *out);
  }
  // A changed export filter does not by itself re-run the export of routes already in the table.
  auto reload = birdc(ctx.dir, {"reload", "out", "all"});
  FLOWLAB_TRY(reload);
  return {};
}

Result<std::vector<BgpSessionStatus>> BirdDriver::bgp_sessions(const NodeContext& ctx) const {
  auto out = birdc(ctx.dir, {"show", "protocols", "all"});
  FLOWLAB_TRY(out);
  return parse_show_protocols_all(*out);
}

}  // namespace flowlab::nodes::bird
