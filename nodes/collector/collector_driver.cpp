#include "nodes/collector/collector_driver.hpp"

#include "nodes/collector/collector_config.hpp"
#include "nodes/core/files.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace flowlab::nodes::collector {
namespace {

Status check_context(const NodeContext& ctx) {
  if (ctx.topology == nullptr || ctx.node == nullptr || ctx.dir.empty()) {
    return fail("usage", "collector: node context without topology, node or directory");
  }
  return {};
}

SessionState state_of(const std::string& s) {
  if (s == "Established") {
    return SessionState::kEstablished;
  }
  if (s == "Idle") {
    return SessionState::kIdle;
  }
  if (s == "Connect") {
    return SessionState::kConnect;
  }
  if (s == "Active") {
    return SessionState::kActive;
  }
  if (s == "OpenSent") {
    return SessionState::kOpenSent;
  }
  if (s == "OpenConfirm") {
    return SessionState::kOpenConfirm;
  }
  return SessionState::kUnknown;
}

std::string origin_word(const std::string& o) {
  if (o == "i") {
    return "IGP";
  }
  if (o == "e") {
    return "EGP";
  }
  return "Incomplete";
}

std::vector<std::string> split_blanks(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ') {
      if (!cur.empty()) {
        out.push_back(cur);
      }
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) {
    out.push_back(cur);
  }
  return out;
}

}  // namespace

std::string flowcollector_path() {
  if (const char* env = std::getenv("FLOWLAB_FLOWCOLLECTOR"); env != nullptr && *env != '\0') {
    return env;
  }
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    // <build>/labctl/cli/labctl or <build>/tests/.../<test>: look for <build>/probes/collector/flowcollector.
    for (auto dir = self.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      const auto candidate = dir / "probes" / "collector" / "flowcollector";
      if (std::filesystem::exists(candidate, ec)) {
        return candidate.string();
      }
    }
  }
  return "flowcollector";
}

Result<nlohmann::json> query(const std::filesystem::path& socket, const nlohmann::json& request,
                             std::chrono::milliseconds timeout) {
  const std::string path = socket.string();
  sockaddr_un sun{};
  if (path.size() >= sizeof(sun.sun_path)) {
    return fail("socket", "collector socket " + path + ": path too long");
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail("socket", "collector socket " + path + ": " + std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path.data(), path.size());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0) {  // NOLINT: the sockets API
    return fail("socket", "collector socket " + path + ": connect: " + std::strerror(errno));
  }
  const std::string line = request.dump() + "\n";
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    return fail("socket", "collector socket " + path + ": send: " + std::strerror(errno));
  }
  std::string response;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (response.find('\n') == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      return fail("timeout", "collector socket " + path + ": no answer");
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) {
      continue;
    }
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) {
        continue;
      }
      return fail("socket", "collector socket " + path + ": closed before answering");
    }
    response.append(buf, static_cast<std::size_t>(n));
  }
  response.resize(response.find('\n'));
  auto json = nlohmann::json::parse(response, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return fail("socket", "collector socket " + path + ": the answer is not a JSON object");
  }
  if (!json.value("ok", false)) {
    return fail("collector", "collector socket " + path + ": " + json.value("error", std::string("request refused")));
  }
  return json;
}

Result<RibEntry> parse_dump_line(const std::string& line, const IpAddress& peer) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail("parse", "bgp_dump: not a JSON object: " + line.substr(0, 80));
  }
  RibEntry e;
  auto prefix = Prefix::parse(j.value("ip_prefix", ""));
  if (!prefix) {
    return fail("parse", "bgp_dump: bad ip_prefix in " + line.substr(0, 80));
  }
  e.prefix = *prefix;
  e.best = true;
  e.source = "bgp";
  e.protocol_name = peer.to_string();
  e.from = peer;
  if (auto nh = IpAddress::parse(j.value("bgp_nexthop", "")); nh && nh->is_set()) {
    e.next_hop = *nh;
  }
  for (auto word : split_blanks(j.value("as_path", ""))) {
    // Sets and confederation segments print as {a,b} / (a b) / [a,b]: keep the numbers in order.
    std::string digits;
    for (char c : word + ",") {
      if (c >= '0' && c <= '9') {
        digits.push_back(c);
      } else if (!digits.empty()) {
        std::uint32_t asn = 0;
        std::from_chars(digits.data(), digits.data() + digits.size(), asn);
        e.as_path.push_back(asn);
        digits.clear();
      }
    }
  }
  if (j.contains("local_pref") && j["local_pref"].is_number_unsigned()) {
    e.local_pref = j["local_pref"].get<std::uint32_t>();
  }
  if (j.contains("med") && j["med"].is_number_unsigned()) {
    e.med = j["med"].get<std::uint32_t>();
  }
  e.origin = origin_word(j.value("origin", ""));
  e.communities = split_blanks(j.value("comms", ""));
  e.large_communities = split_blanks(j.value("lcomms", ""));
  return e;
}

Status CollectorDriver::render(const NodeContext& ctx) const {
  FLOWLAB_TRY(check_context(ctx));
  auto rendered = render_collector_config(*ctx.topology, *ctx.node, ctx.dir);
  FLOWLAB_TRY(rendered);
  if (!rendered->agent_map.empty()) {
    FLOWLAB_TRY(write_text_file(ctx.dir / kAgentMapFile, rendered->agent_map));
  }
  return write_text_file(ctx.dir / kConfigFile, rendered->config);
}

std::vector<process::Spec> CollectorDriver::programs(const NodeContext& ctx) const {
  process::Spec spec;
  spec.name = "flowcollector";
  spec.argv = {flowcollector_path(), "-c", (ctx.dir / kConfigFile).string()};
  spec.netns = ctx.node != nullptr ? ctx.node->namespace_name : "";
  spec.log_file = ctx.dir / "flowcollector.log";
  spec.working_dir = ctx.dir;
  spec.stop_timeout = std::chrono::milliseconds(5000);  // final flush
  return {spec};
}

Result<bool> CollectorDriver::ready(const NodeContext& ctx) const {
  auto r = query(ctx.dir / kSocketFile, {{"cmd", "counters"}}, std::chrono::seconds(2));
  return r.ok();
}

Result<std::vector<BgpSessionStatus>> CollectorDriver::bgp_sessions(const NodeContext& ctx) const {
  auto r = query(ctx.dir / kSocketFile, {{"cmd", "bgp_peers"}});
  FLOWLAB_TRY(r);
  std::vector<BgpSessionStatus> out;
  for (const auto& p : r->value("peers", nlohmann::json::array())) {
    BgpSessionStatus s;
    auto a = IpAddress::parse(p.value("address", ""));
    if (!a) {
      continue;
    }
    s.neighbor = *a;
    s.neighbor_asn = p.value("asn", 0U);
    s.state = state_of(p.value("state", ""));
    s.name = p.value("name", "");
    s.prefixes_received = static_cast<std::uint32_t>(p.value("routes", 0U));
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<RibEntry>> CollectorDriver::rib(const NodeContext& ctx) const {
  auto sessions = bgp_sessions(ctx);
  FLOWLAB_TRY(sessions);
  std::vector<RibEntry> out;
  for (const auto& s : *sessions) {
    auto r =
        query(ctx.dir / kSocketFile, {{"cmd", "bgp_dump"}, {"peer", s.neighbor.to_string()}}, std::chrono::seconds(30));
    FLOWLAB_TRY(r);
    for (const auto& line : r->value("lines", nlohmann::json::array())) {
      auto e = parse_dump_line(line.is_string() ? line.get<std::string>() : line.dump(), s.neighbor);
      FLOWLAB_TRY(e);
      e->protocol_name = s.name;
      out.push_back(std::move(*e));
    }
  }
  return out;
}

}  // namespace flowlab::nodes::collector
