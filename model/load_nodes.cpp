// The topology file's `nodes:` — names, kinds, and the keys each role takes (routers, hosts, collectors, tees).
#include "common/tcp_md5_key.hpp"
#include "model/derive.hpp"  // the default listen ports
#include "model/kinds.hpp"
#include "model/topology_parser.hpp"
#include "probes/faults/faults.hpp"

#include <algorithm>

namespace flowlab::topology::detail {

using yaml::child;
using yaml::Entry;
using yaml::mark_of;

namespace {

constexpr std::size_t kMaxNodeName = 12;
constexpr std::uint32_t kAsTrans = 23456;

// Which roles each role-specific node key applies to.
struct NodeKeyRoles {
  std::string_view key;
  std::vector<Role> roles;
  std::string_view for_whom;
};

const std::vector<NodeKeyRoles>& node_key_roles() {
  static const std::vector<NodeKeyRoles> kTable{
      {"asn", {Role::kRouter, Role::kCollector}, "routers and collectors"},
      {"loopback", {Role::kRouter}, "routers"},
      {"loopback6", {Role::kRouter}, "routers"},
      {"router_id", {Role::kRouter}, "routers"},
      {"announce", {Role::kRouter}, "routers"},
      {"roles", {Role::kRouter}, "routers"},
      {"igp", {Role::kRouter}, "routers"},
      {"gateway", {Role::kHost}, "hosts"},
      {"bgp", {Role::kCollector}, "collectors"},
      {"bmp", {Role::kCollector}, "collectors"},
      {"bgp_password", {Role::kCollector}, "collectors"},
      {"listen", {Role::kCollector, Role::kTee}, "collectors and tees"},
      {"peer_src_as", {Role::kCollector}, "collectors"},
      {"agent_map", {Role::kCollector}, "collectors"},
      {"receivers", {Role::kTee}, "tees"},
      {"transparent", {Role::kTee}, "tees"},
      {"balance", {Role::kTee}, "tees"},
      {"as_source", {Role::kCollector}, "collectors"},
      {"aggregate_direction", {Role::kCollector}, "collectors"},
      {"fault", {Role::kCollector, Role::kTee}, "collectors and tees"},
      {"store", {Role::kCollector}, "collectors"},
  };
  return kTable;
}

// `igp:` takes one value today.
constexpr EnumName<bool> kIgpNames[] = {{"ospf", true}};

}  // namespace

void Parser::parse_nodes(const YAML::Node& n, Topology& t) {
  auto entries = map_entries(n, "nodes", {});
  if (!entries) {
    return;
  }
  if (entries->empty()) {
    error("nodes", "expected at least one node, found an empty map");
  }
  for (const auto& e : *entries) {
    const std::string path = child("nodes", e.key);
    marks_.set(path, mark_of(e.key_node));
    if (e.key.size() > kMaxNodeName) {
      error(path, "node name '" + e.key + "' is " + std::to_string(e.key.size()) +
                      " bytes, longer than 12 (namespace and interface names must fit)");
    } else if (!name_chars_ok(e.key, "")) {
      error(path, "node name '" + e.key +
                      "' must match ^[a-z][a-z0-9]{0,11}$ (a lowercase letter, then lowercase letters or digits)");
    } else if (e.key == "mgmt") {
      error(path, "node name 'mgmt' is reserved (the lab's management namespace is fl-<lab>-mgmt)");
    }
    Node node;
    node.name = e.key;
    node.mark = mark_of(e.key_node);
    parse_node(e.value, path, t, node);
    t.nodes.push_back(std::move(node));
  }
}

void Parser::parse_node(const YAML::Node& n, const std::string& path, Topology& t, Node& node) {
  static const std::vector<std::string> kNodeKeys{
      "kind",      "asn",       "loopback",     "loopback6", "router_id", "announce",
      "igp",       "gateway",   "bgp",          "bmp",       "listen",    "peer_src_as",
      "agent_map", "receivers", "transparent",  "balance",   "as_source", "aggregate_direction",
      "roles",     "fault",     "bgp_password", "store"};
  auto entries = map_entries(n, path, kNodeKeys, true);
  if (!entries) {
    return;
  }
  node.kind = t.default_kind;
  bool kind_ok = default_kind_ok_;
  for (const auto& e : *entries) {
    if (e.key == "kind") {
      kind_ok = check_kind(e.value, child(path, "kind"), node.kind);
    }
  }
  const auto role = kind_ok ? role_of_kind(kinds_, node.kind) : std::nullopt;
  if (!role) {
    if (kind_ok) {  // no `kind:`, and the default names no kind this build knows
      error(path, "no kind given and the default kind '" + node.kind +
                      "' is unknown (known kinds: " + kind_list(kinds_) + ")");
    }
    return;  // role-specific keys cannot be judged without a role
  }
  node.role = *role;
  if (node.role == Role::kCollector && !choice_.collector.empty()) {
    node.kind = choice_.collector;  // the run's choice (check_kind_choice: a collector kind)
  }
  for (const auto& e : *entries) {
    if (e.key == "kind" || !key_applies(e, path, node)) {
      continue;
    }
    const std::string kpath = child(path, e.key);
    switch (node.role) {
      case Role::kRouter:
      case Role::kHost:
        parse_router_key(e, kpath, node);  // `gateway` is the host's one key
        break;
      case Role::kCollector:
        parse_collector_key(e, kpath, *entries, node);
        break;
      case Role::kTee:
        parse_tee_key(e, kpath, node);
        break;
      case Role::kStore:
        break;  // a store takes no role-specific key (key_applies reported each)
    }
  }
  const bool listen_given =
      std::any_of(entries->begin(), entries->end(), [](const Entry& e) { return e.key == "listen"; });
  if (node.role == Role::kCollector && !listen_given) {
    node.listen = CollectorListen{kDefaultNetflowPort, kDefaultSflowPort};
  }
  if (node.role == Role::kTee) {
    require(*entries, path, {"listen", "receivers"});
  }
}

bool Parser::key_applies(const Entry& e, const std::string& path, const Node& node) {
  const auto& table = node_key_roles();
  auto rule = std::find_if(table.begin(), table.end(), [&](const NodeKeyRoles& r) { return r.key == e.key; });
  if (rule != table.end() && std::find(rule->roles.begin(), rule->roles.end(), node.role) == rule->roles.end()) {
    error(child(path, e.key), "key '" + e.key + "' does not apply to " + std::string(role_name(node.role)) + " '" +
                                  node.name + "' (it is for " + std::string(rule->for_whom) + ")");
    return false;
  }
  if (e.key == "fault") {  // seeded faults are switches of flowlab's own programs, never of a third-party tool
    const KindInfo* kind = find_kind(kinds_, node.kind);
    if (kind != nullptr && !kind->faults) {
      error(child(path, e.key), "kind '" + node.kind +
                                    "' takes no fault: seeded faults are switches of flowlab's own programs (node "
                                    "kinds " +
                                    fault_kind_list(kinds_) + "; docs/faults.md), and '" + node.kind +
                                    "' is a third-party tool");
      return false;
    }
  }
  return true;
}

void Parser::parse_router_key(const Entry& e, const std::string& path, Node& node) {
  if (e.key == "asn") {
    if (auto v = get_uint(e.value, path, 1, kMaxU32)) {
      if (*v == kAsTrans) {
        error(path, "23456 is AS_TRANS (RFC 6793) and cannot be used as an AS number");
      } else {
        node.asn = static_cast<std::uint32_t>(*v);
      }
    }
  } else if (e.key == "loopback") {
    node.loopback = get_address(e.value, path, Family::kIpv4, "loopback6");
  } else if (e.key == "loopback6") {
    node.loopback6 = get_address(e.value, path, Family::kIpv6, "loopback");
  } else if (e.key == "router_id") {
    if (auto a = get_address(e.value, path, Family::kIpv4, "")) {
      node.router_id = *a;
    }
  } else if (e.key == "announce") {
    node.announce = get_prefix_list(e.value, path).value_or(std::vector<Prefix>{});
  } else if (e.key == "igp") {
    node.ospf = get_enum(e.value, path, kIgpNames).value_or(false);
  } else if (e.key == "gateway") {
    node.gateway = get_string(e.value, path).value_or("");
  } else if (e.key == "roles") {
    if (auto roles = map_entries(e.value, path, {}, true)) {
      for (const auto& r : *roles) {
        marks_.set(child(path, r.key), mark_of(r.key_node));
        if (auto role = get_enum(r.value, child(path, r.key), kInterfaceRoleNames)) {
          node.interface_roles[r.key] = *role;
        }
      }
    }
  }
}

void Parser::parse_collector_key(const Entry& e, const std::string& path, const Entries& entries, Node& node) {
  if (e.key == "asn") {
    parse_router_key(e, path, node);
  } else if (e.key == "bgp") {
    node.bgp_peers = get_string_list(e.value, path).value_or(std::vector<std::string>{});
  } else if (e.key == "bmp") {
    node.bmp_peers = get_string_list(e.value, path).value_or(std::vector<std::string>{});
  } else if (e.key == "bgp_password") {
    node.bgp_password = get_string(e.value, path).value_or("");
    if (const std::string problem = tcp_md5_key_problem(node.bgp_password); !problem.empty()) {
      error(path, problem);
    }
  } else if (e.key == "peer_src_as") {
    node.peer_src_as = get_enum(e.value, path, kPeerSrcAsNames).value_or(node.peer_src_as);
  } else if (e.key == "as_source") {
    auto source = get_enum(e.value, path, kAsSourceNames);
    node.as_source = source.value_or(node.as_source);
    // The record's own bgpPrevAdjacentAsNumber too, unless peer_src_as says otherwise (pmacct's default).
    const bool method_given =
        std::any_of(entries.begin(), entries.end(), [](const Entry& other) { return other.key == "peer_src_as"; });
    if (source == AsSource::kNetflow && !method_given) {
      node.peer_src_as = PeerSrcAsMethod::kNetflow;
    }
  } else if (e.key == "agent_map") {
    if (auto aentries = map_entries(e.value, path, {}, true)) {
      for (const auto& ae : *aentries) {
        if (auto s = get_string(ae.value, child(path, ae.key))) {
          node.agent_map[ae.key] = *s;
        }
      }
    }
  } else if (e.key == "aggregate_direction") {
    node.aggregate_direction = get_bool(e.value, path).value_or(node.aggregate_direction);
  } else if (e.key == "listen") {
    parse_listen(e.value, path, node);
  } else if (e.key == "fault") {
    node.fault = get_fault(e.value, path);
  } else if (e.key == "store") {
    node.store = get_string(e.value, path).value_or("");
  }
}

void Parser::parse_tee_key(const Entry& e, const std::string& path, Node& node) {
  if (e.key == "receivers") {
    node.receivers = get_string_list(e.value, path).value_or(std::vector<std::string>{});
  } else if (e.key == "transparent") {
    node.transparent = get_bool(e.value, path).value_or(node.transparent);
  } else if (e.key == "balance") {
    node.balance = get_enum(e.value, path, kTeeBalanceNames).value_or(node.balance);
  } else if (e.key == "listen") {
    parse_listen(e.value, path, node);
  } else if (e.key == "fault") {
    node.fault = get_fault(e.value, path);
  }
}

std::string Parser::get_fault(const YAML::Node& n, const std::string& path) {
  const auto fault = get_enum(n, path, faults::kFaultNames);
  return fault ? std::string(enum_name(faults::kFaultNames, *fault)) : std::string();
}

void Parser::parse_listen(const YAML::Node& n, const std::string& path, Node& node) {
  if (auto lentries = map_entries(n, path, {"netflow", "sflow"})) {
    for (const auto& le : *lentries) {
      if (auto port = get_uint(le.value, child(path, le.key), 1, 65535)) {
        (le.key == "netflow" ? node.listen.netflow : node.listen.sflow) = static_cast<std::uint16_t>(*port);
      }
    }
  }
}

}  // namespace flowlab::topology::detail
