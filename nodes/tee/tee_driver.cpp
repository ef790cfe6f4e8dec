#include "nodes/tee/tee_driver.hpp"

#include "nodes/collector/collector_driver.hpp"
#include "nodes/core/files.hpp"
#include "platform/process/locate.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace flowlab::nodes::tee {
namespace {

Status check_context(const NodeContext& ctx) {
  if (ctx.topology == nullptr || ctx.node == nullptr || ctx.dir.empty()) {
    return fail(ErrorKind::kUsage, "tee: node context without topology, node or directory");
  }
  return {};
}

// YAML double-quoted scalar (paths may hold anything).
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
    }
    out += ch;
  }
  return out + "\"";
}

std::string size_text(std::size_t bytes) {
  if (bytes % (std::size_t{1024} * 1024U) == 0) {
    return std::to_string(bytes / (std::size_t{1024} * 1024U)) + "MiB";
  }
  if (bytes % 1024U == 0) {
    return std::to_string(bytes / 1024U) + "KiB";
  }
  return std::to_string(bytes);
}

}  // namespace

Result<TeeNodeSpec> tee_spec_from_topology(const topology::Topology& /*topology*/, const topology::Node& node) {
  TeeNodeSpec spec;
  if (node.listen.netflow != 0) {
    spec.proto = TeeProto::kNetflow;
    spec.port = node.listen.netflow;
  } else if (node.listen.sflow != 0) {
    spec.proto = TeeProto::kSflow;
    spec.port = node.listen.sflow;
  }
  for (const auto& r : node.receivers) {
    spec.receivers.push_back(TeeReceiverSpec{r, std::nullopt, 0});
  }
  spec.balance = node.balance == topology::TeeBalance::kHash ? ::flowlab::collector::TeeBalance::kHashAgent
                                                             : ::flowlab::collector::TeeBalance::kAll;
  spec.transparent = node.transparent;
  return spec;
}

Result<RenderedTee> render_tee(const topology::Topology& topology, const topology::Node& node, const TeeNodeSpec& spec,
                               const std::filesystem::path& dir) {
  const std::string who = "tee node '" + node.name + "'";
  if (spec.port == 0) {
    return fail(ErrorKind::kConfig, who + ": no listen port (listen: {netflow: PORT} or {sflow: PORT})");
  }
  if (spec.receivers.empty()) {
    return fail(ErrorKind::kConfig, who + ": no receivers (set nodes." + node.name + ".receivers; see docs/tee.md)");
  }
  std::vector<::flowlab::Endpoint> endpoints;
  std::string errors;
  for (const TeeReceiverSpec& r : spec.receivers) {
    ::flowlab::Endpoint e;
    std::uint16_t port = r.port;
    if (!r.node.empty()) {
      const topology::Node* target = topology.find_node(r.node);
      if (target == nullptr) {
        errors += who + ": receiver '" + r.node + "' is not a node of the topology\n";
        continue;
      }
      if (target->name == node.name) {
        errors += who + ": receiver '" + r.node + "' is the tee itself (a loop)\n";
        continue;
      }
      e.address = target->mgmt4.address;
      if (port == 0) {
        port = spec.proto == TeeProto::kNetflow ? target->listen.netflow : target->listen.sflow;
      }
    }
    if (r.address) {
      e.address = *r.address;
    }
    if (!e.address.is_set()) {
      errors += who + ": receiver '" + r.node + "' has no address\n";
      continue;
    }
    if (port == 0) {
      errors += who + ": receiver '" + (r.node.empty() ? e.address.to_string() : r.node) + "' listens on no " +
                (spec.proto == TeeProto::kNetflow ? "netflow" : "sflow") + " port\n";
      continue;
    }
    e.port = port;
    if (std::find(endpoints.begin(), endpoints.end(), e) != endpoints.end()) {
      errors += who + ": receiver " + e.address.to_string() + ":" + std::to_string(port) + " listed twice\n";
      continue;
    }
    endpoints.push_back(e);
  }
  if (!errors.empty()) {
    errors.pop_back();
    return fail(ErrorKind::kConfig, errors);
  }

  std::vector<::flowlab::collector::TeePool> pools;
  if (spec.balance == ::flowlab::collector::TeeBalance::kAll) {
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      pools.push_back(
          ::flowlab::collector::TeePool{static_cast<std::uint32_t>(i + 1), {endpoints[i]}, std::nullopt, 0});
    }
  } else {
    pools.push_back(::flowlab::collector::TeePool{1, endpoints, spec.balance, 0});
  }

  RenderedTee out;
  out.receivers = "! tee_receivers for " + who + " (rendered by flowlab; pmacct syntax)\n" +
                  ::flowlab::collector::render_tee_receivers(pools);
  const char* proto = spec.proto == TeeProto::kNetflow ? "netflow" : "sflow";
  out.config = "# flowcollector.yaml for " + who + " (rendered by flowlab): tee only — no BGP, no aggregates.\n";
  out.config += "log: {level: " + spec.log_level + "}\n";
  out.config +=
      "listen:\n  - {proto: " + std::string(proto) + ", address: 0.0.0.0, port: " + std::to_string(spec.port) + "}\n";
  out.config += "socket_buffer: " + size_text(spec.socket_buffer) + "\n";
  out.config += "outputs:\n  socket: " + quoted((dir / kQuerySocket).string()) + "\n";
  out.config += "tee:\n  - {name: " + node.name + ", receivers: " + quoted((dir / kReceiversFile).string()) +
                ", balance: " + std::string(::flowlab::collector::to_string(spec.balance)) +
                ", transparent: " + (spec.transparent ? "true" : "false") + "}\n";
  return out;
}

TeeDriver::TeeDriver() : source_(tee_spec_from_topology) {}
TeeDriver::TeeDriver(SpecSource source) : source_(std::move(source)) {}

Status TeeDriver::render(const NodeContext& ctx) const {
  FLOWLAB_TRY(check_context(ctx));
  auto spec = source_(*ctx.topology, *ctx.node);
  FLOWLAB_TRY(spec);
  auto files = render_tee(*ctx.topology, *ctx.node, *spec, ctx.dir);
  FLOWLAB_TRY(files);
  FLOWLAB_TRY(write_text_file(ctx.dir / kReceiversFile, files->receivers));
  return write_text_file(ctx.dir / kConfigFile, files->config);
}

std::vector<process::Spec> TeeDriver::programs(const NodeContext& ctx) const {
  process::Spec spec;
  spec.name = "flowcollector";
  const char* binary = std::getenv(kBinaryEnv);
  spec.argv = {binary != nullptr && *binary != '\0' ? std::string(binary) : process::locate_program("flowcollector"),
               "-c", (ctx.dir / kConfigFile).string()};
  if (ctx.node != nullptr && !ctx.node->fault.empty()) {
    spec.argv.insert(spec.argv.end(), {"--fault", ctx.node->fault});  // a seeded fault (test-only, docs/faults.md)
  }
  spec.netns = ctx.node != nullptr ? ctx.node->namespace_name : "";
  spec.log_file = ctx.dir / "flowcollector.log";
  spec.working_dir = ctx.dir;
  return {spec};
}

Result<bool> TeeDriver::ready(const NodeContext& ctx) const {
  const std::string path = (ctx.dir / kQuerySocket).string();
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) {
    return fail(ErrorKind::kUsage, "tee: query socket path too long: " + path);
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(ErrorKind::kSocket, "tee: socket(AF_UNIX): " + std::string(std::strerror(errno)));
  }
  bool up = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;  // NOLINT: sockaddr API
  ::close(fd);
  return up;
}

Result<std::vector<RibEntry>> TeeDriver::rib(const NodeContext& /*ctx*/) const { return std::vector<RibEntry>{}; }

Result<std::vector<BgpSessionStatus>> TeeDriver::bgp_sessions(const NodeContext& /*ctx*/) const {
  return std::vector<BgpSessionStatus>{};
}

Result<ForwardingCounters> TeeDriver::forwarding(const NodeContext& ctx) const {
  auto j = collector::query(ctx.dir / kQuerySocket, {{"cmd", "counters"}});
  FLOWLAB_TRY(j);
  ForwardingCounters c;
  for (const auto& r : (*j)["tee"]) {
    c.datagrams += r.value("datagrams", std::uint64_t{0});
    c.errors += r.value("errors", std::uint64_t{0});
    c.would_block += r.value("would_block", std::uint64_t{0});
    c.dropped += r.value("dropped", std::uint64_t{0});
  }
  return c;
}

}  // namespace flowlab::nodes::tee
