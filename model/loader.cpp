#include "model/loader.hpp"

#include "common/strings.hpp"
#include "model/derive.hpp"
#include "model/diagnostics.hpp"
#include "model/duration.hpp"
#include "model/feeds.hpp"
#include "model/kinds.hpp"
#include "model/validate.hpp"
#include "model/yaml_reader.hpp"

#include <yaml-cpp/yaml.h>

#include <array>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace flowlab::topology {
namespace {

using yaml::child;
using yaml::describe;
using yaml::item;
using yaml::mark_of;
using yaml::valid_community;

constexpr std::uint64_t kMaxU32 = 4294967295ULL;
constexpr std::uint64_t kMaxIfindex = 2147483647ULL;  // ifindexes are positive ints
constexpr std::uint32_t kAsTrans = 23456;
constexpr std::size_t kMaxLabName = 16;
constexpr std::size_t kMaxNodeName = 12;
constexpr std::size_t kMaxIfName = 15;
constexpr std::uint64_t kMaxPrepend = 32;

bool lab_name_chars_ok(std::string_view s) {
  if (s.empty() || s[0] < 'a' || s[0] > 'z') {
    return false;
  }
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

bool node_name_chars_ok(std::string_view s) {
  if (s.empty() || s[0] < 'a' || s[0] > 'z') {
    return false;
  }
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

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
      {"igp", {Role::kRouter}, "routers"},
      {"gateway", {Role::kHost}, "hosts"},
      {"bgp", {Role::kCollector}, "collectors"},
      {"listen", {Role::kCollector, Role::kTee}, "collectors and tees"},
      {"peer_src_as", {Role::kCollector}, "collectors"},
      {"agent_map", {Role::kCollector}, "collectors"},
      {"receivers", {Role::kTee}, "tees"},
      {"transparent", {Role::kTee}, "tees"},
      {"balance", {Role::kTee}, "tees"},
      {"as_source", {Role::kCollector}, "collectors"},
      {"aggregate_direction", {Role::kCollector}, "collectors"},
  };
  return kTable;
}

class Parser : public yaml::YamlReader {
 public:
  using YamlReader::YamlReader;

  void parse_document(const YAML::Node& root, Topology& t);

 private:
  std::optional<IpAddress> get_address(const YAML::Node& n, const std::string& path, Family family,
                                       std::string_view other_key);
  std::optional<Prefix> get_subnet(const YAML::Node& n, const std::string& path, Family family);
  std::optional<std::uint32_t> get_timeout(const YAML::Node& n, const std::string& path);
  // A link endpoint: "node:interface" naming a valid Linux interface that is not lo or mgmt0.
  std::optional<Endpoint> get_link_endpoint(const YAML::Node& n, const std::string& path);

  void parse_defaults(const YAML::Node& n, Topology& t);
  void parse_name(const YAML::Node& n, Topology& t);
  void parse_nodes(const YAML::Node& n, Topology& t);
  void parse_node(const std::string& name, const YAML::Node& n, const std::string& path, Topology& t, Node& node);
  void parse_links(const YAML::Node& n, Topology& t);
  void parse_bgp(const YAML::Node& n, Topology& t);
  void parse_policy(const YAML::Node& n, const std::string& path, Policy& p);
  void parse_probes(const YAML::Node& n, Topology& t);
  void parse_mgmt(const YAML::Node& n, Topology& t);

  bool default_kind_ok_ = true;
};

std::optional<IpAddress> Parser::get_address(const YAML::Node& n, const std::string& path, Family family,
                                             std::string_view other_key) {
  const std::string_view fam = family == Family::kIpv4 ? "IPv4" : "IPv6";
  auto s = get_scalar(n, path, std::string("an ") + std::string(fam) + " address");
  if (!s) {
    return std::nullopt;
  }
  auto a = IpAddress::parse(*s);
  if (!a) {
    error(path, "expected an " + std::string(fam) + " address, found '" + *s + "'");
    return std::nullopt;
  }
  if (a->family != family) {
    std::string msg = "expected an " + std::string(fam) + " address, found the " + (a->is_v4() ? "IPv4" : "IPv6") +
                      " address '" + *s + "'";
    if (!other_key.empty()) {
      msg += " (" + std::string(a->is_v4() ? "IPv4" : "IPv6") + " goes in '" + std::string(other_key) + "')";
    }
    error(path, msg);
    return std::nullopt;
  }
  return a;
}

std::optional<Prefix> Parser::get_subnet(const YAML::Node& n, const std::string& path, Family family) {
  auto p = get_prefix(n, path, family);
  if (!p) {
    return std::nullopt;
  }
  if (p->length >= p->address.max_prefix_len()) {
    error(path, p->to_string() + " is too small for two addresses (use /" +
                    std::to_string(p->address.max_prefix_len() - 1) + " or shorter)");
    return std::nullopt;
  }
  return p;
}

std::optional<Endpoint> Parser::get_link_endpoint(const YAML::Node& n, const std::string& path) {
  auto ep = get_endpoint(n, path);
  if (!ep) {
    return std::nullopt;
  }
  const std::string& ifname = ep->interface;
  if (ifname.size() > kMaxIfName) {
    error(path, "interface name '" + ifname + "' is " + std::to_string(ifname.size()) +
                    " bytes, longer than Linux's limit of 15");
    return std::nullopt;
  }
  if (ifname == "lo") {
    error(path, "interface name 'lo' is reserved (the loopback)");
    return std::nullopt;
  }
  if (ifname == "mgmt0") {
    error(path, "interface name 'mgmt0' is reserved (the management interface)");
    return std::nullopt;
  }
  bool chars_ok = std::all_of(ifname.begin(), ifname.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
  if (!chars_ok) {
    error(path, "interface name '" + ifname + "' may only contain letters, digits, '_', '.' and '-'");
    return std::nullopt;
  }
  return ep;
}

std::optional<std::uint32_t> Parser::get_timeout(const YAML::Node& n, const std::string& path) {
  auto s = get_scalar(n, path, "a duration like 10s, 2m or 500ms");
  if (!s) {
    return std::nullopt;
  }
  auto ms = parse_duration_ms(*s);
  if (!ms) {
    error(path, "expected a duration like 10s, 2m or 500ms, found '" + *s + "'");
    return std::nullopt;
  }
  if (*ms % 1000 != 0 || *ms == 0) {
    error(path, "'" + *s + "' is not a whole number of seconds >= 1s (flow export timeouts have 1 s resolution)");
    return std::nullopt;
  }
  if (*ms / 1000 > kMaxU32) {
    error(path, "'" + *s + "' is too long");
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(*ms / 1000);
}

void Parser::parse_document(const YAML::Node& root, Topology& t) {
  marks_.set("", Mark{1, 1});
  if (!root.IsMap()) {
    error_at(mark_of(root).line != 0 ? mark_of(root) : Mark{1, 1},
             "expected a map with at least 'name' and 'nodes' at the top level, found " + describe(root));
    return;
  }
  static const std::vector<std::string> kTop{"name", "defaults", "nodes", "links", "bgp", "probes", "mgmt"};
  auto entries = map_entries(root, "", kTop);
  if (!entries) {
    return;
  }
  require(*entries, "", {"name", "nodes"});
  std::map<std::string, YAML::Node> by_key;
  for (const auto& e : *entries) {
    by_key[e.key] = e.value;
  }
  // defaults first: they shape how nodes and links are read.
  if (auto it = by_key.find("defaults"); it != by_key.end()) {
    parse_defaults(it->second, t);
  }
  if (auto it = by_key.find("name"); it != by_key.end()) {
    parse_name(it->second, t);
  }
  if (auto it = by_key.find("nodes"); it != by_key.end()) {
    parse_nodes(it->second, t);
  }
  if (auto it = by_key.find("links"); it != by_key.end()) {
    parse_links(it->second, t);
  }
  if (auto it = by_key.find("bgp"); it != by_key.end()) {
    parse_bgp(it->second, t);
  }
  if (auto it = by_key.find("probes"); it != by_key.end()) {
    parse_probes(it->second, t);
  }
  if (auto it = by_key.find("mgmt"); it != by_key.end()) {
    parse_mgmt(it->second, t);
  }
}

void Parser::parse_defaults(const YAML::Node& n, Topology& t) {
  auto entries = map_entries(n, "defaults", {"kind", "ipv6"}, true);
  if (!entries) {
    return;
  }
  for (const auto& e : *entries) {
    const std::string path = child("defaults", e.key);
    if (e.key == "kind") {
      if (auto s = get_string(e.value, path)) {
        t.default_kind = *s;
        if (!role_of_kind(*s)) {
          error(path, "unknown kind '" + *s + "' (known kinds: " + known_kind_list() + ")");
          default_kind_ok_ = false;
        }
      } else {
        default_kind_ok_ = false;
      }
    } else if (e.key == "ipv6") {
      if (auto b = get_bool(e.value, path)) {
        t.ipv6 = *b;
      }
    }
  }
}

void Parser::parse_name(const YAML::Node& n, Topology& t) {
  auto s = get_string(n, "name");
  if (!s) {
    return;
  }
  t.name = *s;
  if (s->size() > kMaxLabName) {
    error("name", "lab name '" + *s + "' is " + std::to_string(s->size()) +
                      " bytes, longer than 16 (it prefixes every namespace: fl-<lab>-<node>)");
  } else if (!lab_name_chars_ok(*s)) {
    error("name",
          "lab name '" + *s +
              "' must match ^[a-z][a-z0-9-]{0,15}$ (a lowercase letter, then lowercase letters, digits or '-')");
  }
}

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
    } else if (!node_name_chars_ok(e.key)) {
      error(path, "node name '" + e.key +
                      "' must match ^[a-z][a-z0-9]{0,11}$ (a lowercase letter, then lowercase letters or digits)");
    } else if (e.key == "mgmt") {
      error(path, "node name 'mgmt' is reserved (the lab's management namespace is fl-<lab>-mgmt)");
    }
    Node node;
    node.name = e.key;
    node.mark = mark_of(e.key_node);
    parse_node(e.key, e.value, path, t, node);
    t.nodes.push_back(std::move(node));
  }
}

void Parser::parse_node(const std::string& name, const YAML::Node& n, const std::string& path, Topology& t,
                        Node& node) {
  static const std::vector<std::string> kNodeKeys{
      "kind",      "asn",         "loopback", "loopback6", "router_id",          "announce",
      "igp",       "gateway",     "bgp",      "listen",    "peer_src_as",        "agent_map",
      "receivers", "transparent", "balance",  "as_source", "aggregate_direction"};
  auto entries = map_entries(n, path, kNodeKeys, true);
  if (!entries) {
    return;
  }
  node.kind = t.default_kind;
  bool kind_ok = default_kind_ok_;
  for (const auto& e : *entries) {
    if (e.key == "kind") {
      const std::string kpath = child(path, "kind");
      if (auto s = get_string(e.value, kpath)) {
        node.kind = *s;
        kind_ok = role_of_kind(*s).has_value();
        if (!kind_ok) {
          error(kpath, "unknown kind '" + *s + "' (known kinds: " + known_kind_list() + ")");
        }
      } else {
        kind_ok = false;
      }
    }
  }
  if (!kind_ok) {
    return;  // role-specific keys cannot be judged without a role
  }
  node.role = *role_of_kind(node.kind);
  bool listen_given = false;
  for (const auto& e : *entries) {
    const std::string kpath = child(path, e.key);
    if (e.key == "kind") {
      continue;
    }
    const auto& table = node_key_roles();
    auto rule = std::find_if(table.begin(), table.end(), [&](const NodeKeyRoles& r) { return r.key == e.key; });
    if (rule != table.end() && std::find(rule->roles.begin(), rule->roles.end(), node.role) == rule->roles.end()) {
      error(kpath, "key '" + e.key + "' does not apply to " + std::string(role_name(node.role)) + " '" + name +
                       "' (it is for " + std::string(rule->for_whom) + ")");
      continue;
    }
    if (e.key == "asn") {
      if (auto v = get_uint(e.value, kpath, 1, kMaxU32)) {
        if (*v == kAsTrans) {
          error(kpath, "23456 is AS_TRANS (RFC 6793) and cannot be used as an AS number");
        } else {
          node.asn = static_cast<std::uint32_t>(*v);
        }
      }
    } else if (e.key == "loopback") {
      node.loopback = get_address(e.value, kpath, Family::kIpv4, "loopback6");
    } else if (e.key == "loopback6") {
      node.loopback6 = get_address(e.value, kpath, Family::kIpv6, "loopback");
    } else if (e.key == "router_id") {
      if (auto a = get_address(e.value, kpath, Family::kIpv4, "")) {
        node.router_id = *a;
      }
    } else if (e.key == "announce") {
      if (auto items = list_items(e.value, kpath)) {
        for (std::size_t i = 0; i < items->size(); ++i) {
          if (auto p = get_prefix((*items)[i], item(kpath, i), Family::kNone)) {
            node.announce.push_back(*p);
          }
        }
      }
    } else if (e.key == "igp") {
      if (auto s = get_string(e.value, kpath)) {
        if (*s == "ospf") {
          node.ospf = true;
        } else {
          error(kpath, "unknown IGP '" + *s + "' (expected 'ospf')");
        }
      }
    } else if (e.key == "gateway") {
      if (auto s = get_string(e.value, kpath)) {
        node.gateway = *s;
      }
    } else if (e.key == "bgp") {
      if (auto list = get_string_list(e.value, kpath)) {
        node.bgp_peers = *list;
      }
    } else if (e.key == "peer_src_as") {
      if (auto s = get_string(e.value, kpath)) {
        if (*s == "bgp") {
          node.peer_src_as = PeerSrcAsMethod::kBgp;
        } else if (*s == "map") {
          node.peer_src_as = PeerSrcAsMethod::kMap;
        } else if (*s == "netflow") {
          node.peer_src_as = PeerSrcAsMethod::kNetflow;
        } else {
          error(kpath, "unknown peer_src_as method '" + *s + "' (expected bgp, map or netflow)");
        }
      }
    } else if (e.key == "as_source") {
      if (auto s = get_string(e.value, kpath)) {
        if (*s == "bgp") {
          node.as_source = AsSource::kBgp;
        } else if (*s == "netflow") {
          node.as_source = AsSource::kNetflow;
          // The record's own bgpPrevAdjacentAsNumber too, unless peer_src_as says otherwise (pmacct's default).
          const bool method_given = std::any_of(entries->begin(), entries->end(),
                                                [](const auto& other) { return other.key == "peer_src_as"; });
          if (!method_given) {
            node.peer_src_as = PeerSrcAsMethod::kNetflow;
          }
        } else if (*s == "longest") {
          node.as_source = AsSource::kLongest;
        } else {
          error(kpath, "unknown as_source '" + *s + "' (expected bgp, netflow or longest)");
        }
      }
    } else if (e.key == "agent_map") {
      if (auto aentries = map_entries(e.value, kpath, {}, true)) {
        for (const auto& ae : *aentries) {
          if (auto s = get_string(ae.value, child(kpath, ae.key))) {
            node.agent_map[ae.key] = *s;
          }
        }
      }
    } else if (e.key == "receivers") {
      if (auto list = get_string_list(e.value, kpath)) {
        node.receivers = *list;
      }
    } else if (e.key == "transparent") {
      node.transparent = get_bool(e.value, kpath).value_or(node.transparent);
    } else if (e.key == "aggregate_direction") {
      node.aggregate_direction = get_bool(e.value, kpath).value_or(node.aggregate_direction);
    } else if (e.key == "balance") {
      if (auto s = get_string(e.value, kpath)) {
        if (*s == "all") {
          node.balance = TeeBalance::kAll;
        } else if (*s == "hash") {
          node.balance = TeeBalance::kHash;
        } else {
          error(kpath, "unknown balance '" + *s +
                           "' (expected 'all': every receiver gets every datagram, or 'hash': each exporter to one "
                           "receiver by address hash)");
        }
      }
    } else if (e.key == "listen") {
      listen_given = true;
      if (auto lentries = map_entries(e.value, kpath, {"netflow", "sflow"})) {
        for (const auto& le : *lentries) {
          const std::string lpath = child(kpath, le.key);
          if (auto port = get_uint(le.value, lpath, 1, 65535)) {
            (le.key == "netflow" ? node.listen.netflow : node.listen.sflow) = static_cast<std::uint16_t>(*port);
          }
        }
      }
    }
  }
  if (node.role == Role::kCollector && !listen_given) {
    node.listen = CollectorListen{kDefaultNetflowPort, kDefaultSflowPort};
  }
  if (node.role == Role::kTee) {
    require(*entries, path, {"listen", "receivers"});
  }
}

void Parser::parse_links(const YAML::Node& n, Topology& t) {
  auto items = list_items(n, "links", true);
  if (!items) {
    return;
  }
  for (std::size_t i = 0; i < items->size(); ++i) {
    const std::string path = item("links", i);
    Link link;
    link.mark = marks_.at(path);
    auto entries = map_entries((*items)[i], path, {"endpoints", "ipv4", "ipv6", "mtu", "cost"});
    if (!entries) {
      t.links.push_back(std::move(link));
      continue;
    }
    require(*entries, path, {"endpoints"});
    for (const auto& e : *entries) {
      const std::string kpath = child(path, e.key);
      if (e.key == "endpoints") {
        auto eps = list_items(e.value, kpath);
        if (!eps) {
          continue;
        }
        if (eps->size() != 2) {
          error(kpath, "expected a list of two 'node:interface' entries, found " + std::to_string(eps->size()) +
                           (eps->size() == 1 ? " entry" : " entries"));
          continue;
        }
        if (auto a = get_link_endpoint((*eps)[0], item(kpath, 0))) {
          link.a = *a;
        }
        if (auto b = get_link_endpoint((*eps)[1], item(kpath, 1))) {
          link.b = *b;
        }
      } else if (e.key == "ipv4") {
        link.ipv4 = get_subnet(e.value, kpath, Family::kIpv4);
      } else if (e.key == "ipv6") {
        link.ipv6 = get_subnet(e.value, kpath, Family::kIpv6);
      } else if (e.key == "mtu") {
        if (auto v = get_uint(e.value, kpath, 68, 65535)) {
          link.mtu = static_cast<std::uint32_t>(*v);
        }
      } else if (e.key == "cost") {
        if (auto v = get_uint(e.value, kpath, 1, 65535)) {
          link.ospf_cost = static_cast<std::uint32_t>(*v);
        }
      }
    }
    t.links.push_back(std::move(link));
  }
}

void Parser::parse_bgp(const YAML::Node& n, Topology& t) {
  auto entries = map_entries(n, "bgp", {"policies"}, true);
  if (!entries) {
    return;
  }
  for (const auto& e : *entries) {
    auto items = list_items(e.value, "bgp.policies", true);
    if (!items) {
      continue;
    }
    for (std::size_t i = 0; i < items->size(); ++i) {
      Policy p;
      parse_policy((*items)[i], item("bgp.policies", i), p);
      t.policies.push_back(std::move(p));
    }
  }
}

void Parser::parse_policy(const YAML::Node& n, const std::string& path, Policy& p) {
  static const std::vector<std::string> kKeys{"node",    "neighbor",    "direction",         "local_pref", "med",
                                              "prepend", "communities", "large_communities", "deny"};
  p.mark = marks_.at(path);
  auto entries = map_entries(n, path, kKeys);
  if (!entries) {
    return;
  }
  require(*entries, path, {"node", "neighbor", "direction"});
  std::optional<Direction> direction;
  for (const auto& e : *entries) {
    if (e.key != "direction") {
      continue;
    }
    const std::string kpath = child(path, e.key);
    if (auto s = get_string(e.value, kpath)) {
      if (*s == "import") {
        direction = Direction::kImport;
      } else if (*s == "export") {
        direction = Direction::kExport;
      } else {
        error(kpath, "expected 'import' or 'export', found '" + *s + "'");
      }
    }
  }
  if (direction) {
    p.direction = *direction;
  }
  for (const auto& e : *entries) {
    const std::string kpath = child(path, e.key);
    if (e.key == "node") {
      p.node = get_string(e.value, kpath).value_or("");
    } else if (e.key == "neighbor") {
      p.neighbor = get_string(e.value, kpath).value_or("");
    } else if (e.key == "local_pref") {
      if (direction == Direction::kExport) {
        error(kpath, "local_pref applies to import policies only (this policy is export)");
      } else if (auto v = get_uint(e.value, kpath, 0, kMaxU32)) {
        p.local_pref = static_cast<std::uint32_t>(*v);
      }
    } else if (e.key == "med") {
      if (auto v = get_uint(e.value, kpath, 0, kMaxU32)) {
        p.med = static_cast<std::uint32_t>(*v);
      }
    } else if (e.key == "prepend") {
      if (direction == Direction::kImport) {
        error(kpath, "prepend applies to export policies only (this policy is import)");
      } else if (auto v = get_uint(e.value, kpath, 0, kMaxPrepend)) {
        p.prepend = static_cast<std::uint32_t>(*v);
      }
    } else if (e.key == "communities" || e.key == "large_communities") {
      const bool large = e.key == "large_communities";
      auto list = get_string_list(e.value, kpath);
      if (!list) {
        continue;
      }
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string& c = (*list)[i];
        if (large ? valid_community(c, 3, kMaxU32) : valid_community(c, 2, 65535)) {
          (large ? p.large_communities : p.communities).push_back(c);
        } else if (large) {
          error(item(kpath, i),
                "expected a large community 'asn:value1:value2' with each part 0..4294967295, found '" + c + "'");
        } else {
          error(item(kpath, i), "expected a community 'asn:value' with both parts 0..65535, found '" + c + "'");
        }
      }
    } else if (e.key == "deny") {
      if (auto items = list_items(e.value, kpath)) {
        for (std::size_t i = 0; i < items->size(); ++i) {
          if (auto pre = get_prefix((*items)[i], item(kpath, i), Family::kNone)) {
            p.deny.push_back(*pre);
          }
        }
      }
    }
  }
}

void Parser::parse_probes(const YAML::Node& n, Topology& t) {
  static const std::vector<std::string> kKeys{"node",     "interfaces",     "mirror",           "export",    "format",
                                              "sampling", "active_timeout", "inactive_timeout", "direction", "ifindex",
                                              "bgp"};
  auto items = list_items(n, "probes", true);
  if (!items) {
    return;
  }
  for (std::size_t i = 0; i < items->size(); ++i) {
    const std::string path = item("probes", i);
    ProbeSpec probe;
    probe.mark = marks_.at(path);
    auto entries = map_entries((*items)[i], path, kKeys);
    if (!entries) {
      t.probes.push_back(std::move(probe));
      continue;
    }
    require(*entries, path, {"node", "export"});
    for (const auto& e : *entries) {
      const std::string kpath = child(path, e.key);
      if (e.key == "node") {
        probe.node = get_string(e.value, kpath).value_or("");
      } else if (e.key == "interfaces") {
        probe.interfaces = get_string_list(e.value, kpath).value_or(std::vector<std::string>{});
      } else if (e.key == "mirror") {
        probe.mirror = get_link_endpoint(e.value, kpath);
      } else if (e.key == "export") {
        probe.export_to = get_string(e.value, kpath).value_or("");
      } else if (e.key == "format") {
        if (auto s = get_string(e.value, kpath)) {
          if (*s == "v5") {
            probe.format = ExportFormat::kNetflowV5;
          } else if (*s == "v9") {
            probe.format = ExportFormat::kNetflowV9;
          } else if (*s == "ipfix") {
            probe.format = ExportFormat::kIpfix;
          } else if (*s == "sflow") {
            probe.format = ExportFormat::kSflow;
          } else {
            error(kpath, "unknown format '" + *s + "' (expected v5, v9, ipfix or sflow)");
          }
        }
      } else if (e.key == "direction") {
        if (auto s = get_string(e.value, kpath)) {
          if (*s == "in") {
            probe.direction = ProbeDirection::kIn;
          } else if (*s == "out") {
            probe.direction = ProbeDirection::kOut;
          } else if (*s == "both") {
            probe.direction = ProbeDirection::kBoth;
          } else {
            error(kpath, "unknown direction '" + *s + "' (expected in, out or both)");
          }
        }
      } else if (e.key == "sampling") {
        if (auto v = get_uint(e.value, kpath, 1, kMaxU32)) {
          probe.sampling = static_cast<std::uint32_t>(*v);
        }
      } else if (e.key == "active_timeout") {
        probe.active_timeout_s = get_timeout(e.value, kpath).value_or(probe.active_timeout_s);
      } else if (e.key == "inactive_timeout") {
        probe.inactive_timeout_s = get_timeout(e.value, kpath).value_or(probe.inactive_timeout_s);
      } else if (e.key == "bgp") {
        probe.bgp = get_bool(e.value, kpath).value_or(false);
      } else if (e.key == "ifindex") {
        if (auto ientries = map_entries(e.value, kpath, {}, true)) {
          for (const auto& ie : *ientries) {
            if (auto v = get_uint(ie.value, child(kpath, ie.key), 1, kMaxIfindex)) {
              probe.ifindex[ie.key] = static_cast<std::uint32_t>(*v);
            }
          }
        }
      }
    }
    t.probes.push_back(std::move(probe));
  }
}

void Parser::parse_mgmt(const YAML::Node& n, Topology& t) {
  auto entries = map_entries(n, "mgmt", {"ipv4", "ipv6"}, true);
  if (!entries) {
    return;
  }
  for (const auto& e : *entries) {
    const std::string kpath = child("mgmt", e.key);
    if (e.key == "ipv4") {
      if (auto p = get_subnet(e.value, kpath, Family::kIpv4)) {
        t.mgmt_subnet4 = *p;
      }
    } else if (auto p = get_subnet(e.value, kpath, Family::kIpv6)) {
      t.mgmt_subnet6 = *p;
    }
  }
}

LoadResult finish(Topology t, const SourceMap& marks, DiagnosticSink& sink) {
  validate_topology(t, marks, sink);
  if (sink.empty()) {
    derive_topology(t, marks, sink);
  }
  if (sink.empty()) {
    check_feeds(t, marks, sink);  // tee chains: needs the derived mgmt addresses
  }
  LoadResult out;
  out.diagnostics = sink.take();
  if (out.diagnostics.empty()) {
    out.topology = std::move(t);
  }
  return out;
}

}  // namespace

std::string LoadResult::error_text() const {
  std::string out;
  for (const auto& d : diagnostics) {
    out += d.to_string() + "\n";
  }
  return out;
}

LoadResult load_topology_string(std::string_view yaml, std::string file_name) {
  Topology t;
  t.source_file = file_name;
  DiagnosticSink sink(std::move(file_name));
  SourceMap marks;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    Parser parser(sink, marks);
    parser.parse_document(root, t);
  } catch (const YAML::ParserException& e) {
    sink.error(Mark{e.mark.line + 1, e.mark.column + 1}, "YAML syntax error: " + e.msg);
    LoadResult out;
    out.diagnostics = sink.take();
    return out;
  } catch (const YAML::Exception& e) {
    Mark m = e.mark.line >= 0 ? Mark{e.mark.line + 1, e.mark.column + 1} : Mark{};
    sink.error(m, "YAML error: " + e.msg);
    LoadResult out;
    out.diagnostics = sink.take();
    return out;
  }
  return finish(std::move(t), marks, sink);
}

LoadResult load_topology_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    LoadResult out;
    out.diagnostics.push_back(Diagnostic{file.string(), Mark{}, "cannot open the topology file"});
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_topology_string(text.str(), file.string());
}

LoadResult finish_topology(Topology topology) {
  DiagnosticSink sink(topology.source_file.empty() ? "<topology>" : topology.source_file);
  for (auto& n : topology.nodes) {
    if (auto role = role_of_kind(n.kind)) {
      n.role = *role;
    }
  }
  SourceMap marks;
  return finish(std::move(topology), marks, sink);
}

}  // namespace flowlab::topology
