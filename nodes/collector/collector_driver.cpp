#include "nodes/collector/collector_driver.hpp"

#include "platform/netns/netlink_socket.hpp"
#include "platform/process/locate.hpp"
#include "probes/collector/query.hpp"

#include "nodes/collector/collector_config.hpp"
#include "nodes/core/files.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace flowlab::nodes::collector {
namespace {

Status check_context(const NodeContext& ctx) {
  if (ctx.topology == nullptr || ctx.node == nullptr || ctx.dir.empty()) {
    return fail(ErrorKind::kUsage, "collector: node context without topology, node or directory");
  }
  return {};
}

SessionState state_of(const std::string& s) { return topology::session_state_from(s); }

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
  return process::locate_program("flowcollector");
}

Result<nlohmann::json> query(const std::filesystem::path& socket, const nlohmann::json& request,
                             std::chrono::milliseconds timeout) {
  auto json = ::flowlab::collector::query_socket(socket.string(), request, timeout);
  FLOWLAB_TRY(json);
  if (!json->is_object()) {
    return fail(ErrorKind::kSocket, "collector socket " + socket.string() + ": the answer is not a JSON object");
  }
  if (!json->value("ok", false)) {
    return fail(ErrorKind::kProcess,
                "collector socket " + socket.string() + ": " + json->value("error", std::string("request refused")));
  }
  return json;
}

Result<RibEntry> parse_dump_line(const std::string& line, const IpAddress& peer) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorKind::kParse, "bgp_dump: not a JSON object: " + line.substr(0, 80));
  }
  RibEntry e;
  auto prefix = Prefix::parse(j.value("ip_prefix", ""));
  if (!prefix) {
    return fail(ErrorKind::kParse, "bgp_dump: bad ip_prefix in " + line.substr(0, 80));
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

Status write_peer_src_as_map(const NodeContext& ctx, const std::filesystem::path& file) {
  // The probes' interfaces exist by now (the lab builds links before it starts nodes): their ifindexes.
  auto map = render_peer_src_as_map(*ctx.topology, *ctx.node,
                                    [&](const topology::Node& n, const std::string& ifname) -> Result<std::uint32_t> {
                                      auto sock = netns::NetlinkSocket::open(n.namespace_name);
                                      FLOWLAB_TRY(sock);
                                      auto index = sock->ifindex(ifname);
                                      FLOWLAB_TRY(index);
                                      return static_cast<std::uint32_t>(*index);
                                    });
  FLOWLAB_TRY(map);
  return write_text_file(file, *map);
}

Status CollectorDriver::render(const NodeContext& ctx) const {
  FLOWLAB_TRY(check_context(ctx));
  auto rendered = render_collector_config(*ctx.topology, *ctx.node, ctx.dir);
  FLOWLAB_TRY(rendered);
  if (!rendered->agent_map.empty()) {
    FLOWLAB_TRY(write_text_file(ctx.dir / kAgentMapFile, rendered->agent_map));
  }
  if (ctx.node->peer_src_as == topology::PeerSrcAsMethod::kMap) {
    FLOWLAB_TRY(write_peer_src_as_map(ctx, ctx.dir / kPeerSrcAsMapFile));
  }
  return write_text_file(ctx.dir / kConfigFile, rendered->config);
}

std::vector<process::Spec> CollectorDriver::programs(const NodeContext& ctx) const {
  process::Spec spec;
  spec.name = "flowcollector";
  spec.argv = {flowcollector_path(), "-c", (ctx.dir / kConfigFile).string()};
  if (ctx.node != nullptr && !ctx.node->fault.empty()) {
    spec.argv.insert(spec.argv.end(), {"--fault", ctx.node->fault});  // a seeded fault (test-only, docs/faults.md)
  }
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

namespace {

// A collector enriching from BMP: the view of every router of its `bmp:` list (named by its mgmt0 address, the BMP
// session's source), as `bmp_dump` prints it; a router not connected yet has an empty view.
Result<std::vector<RibEntry>> bmp_views(const NodeContext& ctx) {
  std::vector<RibEntry> out;
  for (const auto& name : ctx.node->bmp_peers) {
    const topology::Node* router = ctx.topology->find_node(name);
    if (router == nullptr) {
      continue;
    }
    const IpAddress address = router->mgmt4.address;
    auto r =
        query(ctx.dir / kSocketFile, {{"cmd", "bmp_dump"}, {"router", address.to_string()}}, std::chrono::seconds(30));
    FLOWLAB_TRY(r);
    for (const auto& line : r->value("lines", nlohmann::json::array())) {
      auto e = parse_dump_line(line.is_string() ? line.get<std::string>() : line.dump(), address);
      FLOWLAB_TRY(e);
      e->protocol_name = name + "_bmp";
      out.push_back(std::move(*e));
    }
  }
  return out;
}

}  // namespace

Result<std::vector<RibEntry>> CollectorDriver::rib(const NodeContext& ctx) const {
  FLOWLAB_TRY(check_context(ctx));
  if (ctx.node->enriches_from_bmp()) {
    return bmp_views(ctx);
  }
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

std::string field_of_primitive(const std::string& primitive) {
  static const std::map<std::string, std::string> kFields{{"src_as", "as_src"},
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
  const auto it = kFields.find(primitive);
  return it == kFields.end() ? primitive : it->second;
}

Result<std::vector<FlowRow>> CollectorDriver::records(const NodeContext& ctx, const RecordQuery& q) const {
  const nlohmann::json req{{"cmd", "table"},
                           {"aggregate", "full"},
                           {"match", {{"src_host", q.src.to_string()}, {"dst_host", q.dst.to_string()}}}};
  auto j = query(ctx.dir / kSocketFile, req);
  FLOWLAB_TRY(j);
  std::vector<FlowRow> out;
  const auto& prims = (*j)["primitives"];
  for (const auto& row : (*j)["rows"]) {
    FlowRow r;
    for (std::size_t i = 0; i < prims.size() && i < row["values"].size(); ++i) {
      const auto& v = row["values"][i];
      r.fields[field_of_primitive(prims[i].get<std::string>())] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    r.packets = row.value("packets", std::uint64_t{0});
    r.bytes = row.value("bytes", std::uint64_t{0});
    r.flows = row.value("flows", std::uint64_t{0});
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::optional<nlohmann::json>> CollectorDriver::dump_records(const NodeContext& ctx) const {
  auto j = query(ctx.dir / kSocketFile, {{"cmd", "table"}, {"aggregate", "full"}});
  FLOWLAB_TRY(j);
  return std::optional<nlohmann::json>(std::move(*j));
}

Result<DeliveryCounters> CollectorDriver::delivery(const NodeContext& ctx, const IpAddress& exporter) const {
  auto j = query(ctx.dir / kSocketFile, {{"cmd", "counters"}});
  FLOWLAB_TRY(j);
  DeliveryCounters c;
  for (const auto& s : (*j)["sequence"]["streams"]) {
    if (s.value("exporter", "") == exporter.to_string()) {
      c.datagrams += s.value("datagrams", std::uint64_t{0});
      c.lost += s.value("lost", std::uint64_t{0});
      c.duplicate += s.value("duplicate", std::uint64_t{0});
      c.out_of_order += s.value("out_of_order", std::uint64_t{0});
      c.resets += s.value("resets", std::uint64_t{0});
    }
  }
  return c;
}

Status CollectorDriver::persist(const NodeContext& ctx) const {
  auto flushed = query(ctx.dir / kSocketFile, {{"cmd", "flush"}});
  FLOWLAB_TRY(flushed);
  return {};
}

}  // namespace flowlab::nodes::collector
