#include "model/validate.hpp"

#include "common/strings.hpp"
#include "model/derive.hpp"
#include "model/feeds.hpp"
#include "model/kinds.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace flowlab::topology {
namespace {

class Validator {
 public:
  Validator(const Topology& t, KindTable kinds, const SourceMap& marks, DiagnosticSink& sink)
      : t_(t), kinds_(kinds), marks_(marks), sink_(sink) {
    for (const auto& n : t_.nodes) {
      names_.push_back(n.name);
    }
  }

  void run() {
    check_routers();
    check_links();
    check_roles();
    check_hosts();
    check_collectors();
    check_tees();
    check_addresses();
    check_policies();
    check_probes();
    check_mgmt();
    check_probe_bgp_reserved();
  }

 private:
  void error(const std::string& path, const std::string& message) {
    sink_.error(marks_.at(path), path + ": " + message);
  }
  [[nodiscard]] std::optional<Role> role(const Node& n) const { return role_of_kind(kinds_, n.kind); }
  [[nodiscard]] std::string node_path(const std::string& name) const { return "nodes." + name; }

  // Reports an unknown node reference; returns the node when it exists.
  const Node* resolve(const std::string& path, const std::string& name) {
    if (name.empty()) {
      return nullptr;  // the loader already reported why
    }
    if (const Node* n = t_.find_node(name)) {
      return n;
    }
    std::string msg = "unknown node '" + name + "'";
    if (auto guess = closest_match(name, names_)) {
      msg += " (did you mean '" + *guess + "'?)";
    }
    error(path, msg);
    return nullptr;
  }

  // "'h2' is a host, not a router"
  std::string not_a(const Node& n, std::string_view wanted) const {
    auto r = role(n);
    return "'" + n.name + "' is a " + std::string(r ? role_name(*r) : std::string_view("node of unknown kind")) +
           ", not a " + std::string(wanted);
  }

  void check_routers();
  void check_links();
  void check_hosts();
  void check_roles();
  void check_collectors();
  void check_collector_routers(const Node& n, std::string_view key, const std::vector<std::string>& list);
  void check_agent_map(const Node& collector);
  void check_password(const Node& collector);
  void check_tees();
  void check_addresses();
  void check_policies();
  void check_probes();
  void check_probe_kind(const std::string& path, const ProbeSpec& p);
  void check_mgmt();
  void check_probe_bgp_reserved();

  const Topology& t_;
  KindTable kinds_;
  const SourceMap& marks_;
  DiagnosticSink& sink_;
  std::vector<std::string> names_;
  std::map<std::string, std::vector<std::string>> interfaces_;  // node -> interface names from links
};

void Validator::check_routers() {
  std::size_t pool_routers = 0;
  std::size_t pool_routers6 = 0;
  for (const auto& n : t_.nodes) {
    if (role(n) != Role::kRouter) {
      continue;
    }
    const std::string path = node_path(n.name);
    if (n.asn == 0 && !marks_.has(path + ".asn")) {
      error(path, "missing required key 'asn' (every router needs an AS number)");
      if (n.ospf) {
        error(path + ".igp", "OSPF needs the node's 'asn' (an OSPF domain is one AS)");
      }
    }
    pool_routers += n.loopback ? 0U : 1U;
    pool_routers6 += n.loopback6 ? 0U : 1U;
  }
  const auto& pools = default_pools();
  if (pool_routers + 1 > static_cast<std::size_t>(pools.loopback4.size())) {
    error("nodes", "too many routers for the IPv4 loopback pool " + pools.loopback4.to_string() + " (" +
                       std::to_string(pool_routers) + " routers need one; give some an explicit 'loopback')");
  }
  if (t_.ipv6 && pool_routers6 + 1 > pools.loopback6.size()) {
    error("nodes", "too many routers for the IPv6 loopback pool " + pools.loopback6.to_string());
  }
}

// `roles:` names interfaces the node has (from its links).
void Validator::check_roles() {
  for (const auto& n : t_.nodes) {
    const auto& list = interfaces_[n.name];
    for (const auto& [ifname, role] : n.interface_roles) {
      if (std::find(list.begin(), list.end(), ifname) == list.end()) {
        auto guess = closest_match(ifname, list);
        error(node_path(n.name) + ".roles." + ifname,
              "node '" + n.name + "' has no interface '" + ifname + "'" +
                  (guess ? " (did you mean '" + *guess + "'?)" : " (its links give it: " + join(list) + ")"));
      }
    }
  }
}

void Validator::check_links() {
  std::map<std::pair<std::string, std::string>, std::string> used;  // (node, interface) -> first path
  for (std::size_t i = 0; i < t_.links.size(); ++i) {
    const Link& l = t_.links[i];
    const std::string path = "links[" + std::to_string(i) + "]";
    const Node* a = resolve(path + ".endpoints[0]", l.a.node);
    const Node* b = resolve(path + ".endpoints[1]", l.b.node);
    if (!l.a.node.empty() && l.a.node == l.b.node) {
      error(path, "link from node '" + l.a.node + "' to itself");
    }
    const Endpoint* eps[2] = {&l.a, &l.b};
    const Node* nodes[2] = {a, b};
    for (std::size_t side = 0; side < 2; ++side) {
      if (nodes[side] == nullptr || eps[side]->interface.empty()) {
        continue;
      }
      const std::string epath = path + ".endpoints[" + std::to_string(side) + "]";
      auto key = std::pair{eps[side]->node, eps[side]->interface};
      auto [it, inserted] = used.emplace(key, epath);
      if (!inserted) {
        error(epath, "interface " + key.first + ":" + key.second + " is already used by " + it->second);
      } else {
        interfaces_[key.first].push_back(key.second);
      }
    }
    const bool carries_v6 = l.ipv6.has_value() || t_.ipv6;
    if (carries_v6 && l.mtu < 1280) {
      error(path + ".mtu", std::to_string(l.mtu) + " is below 1280, the IPv6 minimum (this link carries IPv6)");
    }
  }
}

void Validator::check_hosts() {
  for (const auto& n : t_.nodes) {
    if (role(n) != Role::kHost || n.gateway.empty()) {
      continue;
    }
    const std::string path = node_path(n.name) + ".gateway";
    const Node* gw = resolve(path, n.gateway);
    if (gw == nullptr || !role(*gw)) {
      continue;  // unknown node or unknown kind: already reported
    }
    if (role(*gw) != Role::kRouter) {
      error(path, not_a(*gw, "router"));
      continue;
    }
    const bool neighbour = std::any_of(t_.links.begin(), t_.links.end(), [&](const Link& l) {
      return (l.a.node == n.name && l.b.node == gw->name) || (l.b.node == n.name && l.a.node == gw->name);
    });
    if (!neighbour) {
      error(path, "router '" + gw->name + "' is not a neighbour of '" + n.name + "' (no link connects them)");
    }
  }
}

void Validator::check_collectors() {
  for (const auto& n : t_.nodes) {
    if (role(n) != Role::kCollector) {
      continue;
    }
    check_collector_routers(n, "bgp", n.bgp_peers);
    check_collector_routers(n, "bmp", n.bmp_peers);
    check_agent_map(n);
    check_password(n);
  }
}

// A collector's `bgp_password:` (the loader applied the common rule): what its kind's configuration can carry.
void Validator::check_password(const Node& collector) {
  const KindInfo* kind = find_kind(kinds_, collector.kind);
  if (collector.bgp_password.empty() || kind == nullptr || !tcp_md5_key_problem(collector.bgp_password).empty()) {
    return;
  }
  if (const std::string problem = password_problem(*kind, collector.bgp_password); !problem.empty()) {
    error(node_path(collector.name) + ".bgp_password", problem);
  }
}

// A collector's `bgp:` or `bmp:` list: known routers, each once; `bmp:` only routers whose kind speaks BMP.
void Validator::check_collector_routers(const Node& n, std::string_view key, const std::vector<std::string>& list) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = node_path(n.name) + "." + std::string(key) + "[" + std::to_string(i) + "]";
    const Node* peer = resolve(path, list[i]);
    if (peer == nullptr || !role(*peer)) {
      continue;
    }
    const KindInfo* kind = find_kind(kinds_, peer->kind);
    if (role(*peer) != Role::kRouter) {
      error(path, not_a(*peer, "router"));
    } else if (!seen.insert(peer->name).second) {
      error(path, "router '" + peer->name + "' is listed twice");
    } else if (key == "bmp" && kind != nullptr && !kind->no_bmp.empty()) {
      error(path, "router '" + peer->name + "' (kind " + peer->kind + ") cannot report over BMP: " +
                      std::string(kind->no_bmp) + " (peer with it over BGP: list it under 'bgp')");
    }
  }
}

// agent_map: {exporter node: router}: the exporter node runs a probe exporting to this collector, the view is a
// router's. (A router without a session with the collector is allowed: its view is empty, as in pmacct.)
void Validator::check_agent_map(const Node& collector) {
  for (const auto& [from, to] : collector.agent_map) {
    const std::string path = node_path(collector.name) + ".agent_map." + from;
    if (const Node* exporter = resolve(path, from)) {
      const bool exports = std::any_of(t_.probes.begin(), t_.probes.end(), [&](const ProbeSpec& p) {
        if (p.node != exporter->name) {
          return false;
        }
        const auto feeds = probe_feeds(t_, p);  // directly or through tees
        return std::any_of(feeds.begin(), feeds.end(), [&](const Feed& f) { return f.collector == collector.name; });
      });
      if (!exports) {
        error(path, "node '" + from + "' runs no probe exporting to '" + collector.name + "'");
      }
    }
    if (const Node* router = resolve(path, to); router != nullptr && role(*router) && role(*router) != Role::kRouter) {
      error(path, not_a(*router, "router"));
    }
  }
}

void Validator::check_tees() {
  for (const auto& n : t_.nodes) {
    if (role(n) != Role::kTee) {
      continue;
    }
    const std::string path = node_path(n.name);
    if (n.listen.netflow != 0 && n.listen.sflow != 0) {
      error(path + ".listen", "a tee relays one protocol: listen for netflow or for sflow, not both");
    }
    const bool sflow = n.listen.netflow == 0 && n.listen.sflow != 0;
    if (n.receivers.empty() && marks_.has(path + ".receivers")) {
      error(path + ".receivers", "a tee needs at least one receiver (a collector or another tee)");
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < n.receivers.size(); ++i) {
      const std::string rpath = path + ".receivers[" + std::to_string(i) + "]";
      const Node* r = resolve(rpath, n.receivers[i]);
      if (r == nullptr || !role(*r)) {
        continue;
      }
      if (r->name == n.name) {
        error(rpath, "tee '" + n.name + "' cannot be its own receiver (a loop)");
      } else if (role(*r) != Role::kCollector && role(*r) != Role::kTee) {
        error(rpath, not_a(*r, "collector or tee"));
      } else if (!seen.insert(r->name).second) {
        error(rpath, "receiver '" + r->name + "' is listed twice");
      } else if ((sflow ? r->listen.sflow : r->listen.netflow) == 0 && (n.listen.netflow != 0 || n.listen.sflow != 0)) {
        error(rpath, std::string(role_name(*role(*r))) + " '" + r->name + "' does not listen for " +
                         (sflow ? "sflow" : "netflow") + " (set nodes." + r->name + ".listen." +
                         (sflow ? "sflow" : "netflow") + ")");
      }
    }
  }
  // Loops through several tees: walk the tee graph from every tee, report each loop once (at its first tee).
  std::set<std::string> reported;
  for (const auto& start : t_.nodes) {
    if (role(start) != Role::kTee) {
      continue;
    }
    std::vector<std::string> stack{start.name};
    std::set<std::string> visited;
    std::function<void(const Node&)> dfs = [&](const Node& at) {
      for (const auto& name : at.receivers) {
        const Node* r = t_.find_node(name);
        if (r == nullptr || role(*r) != Role::kTee || r->name == at.name) {
          continue;
        }
        if (r->name == start.name) {
          std::vector<std::string> cycle = stack;
          std::sort(cycle.begin(), cycle.end());
          if (stack.size() >= 2 && reported.insert(join(cycle)).second) {
            std::string text;
            for (const auto& s : stack) {
              text += s + " → ";
            }
            error(node_path(start.name) + ".receivers", "tees form a loop: " + text + start.name);
          }
          continue;
        }
        if (!visited.insert(r->name).second) {
          continue;
        }
        stack.push_back(r->name);
        dfs(*r);
        stack.pop_back();
      }
    };
    dfs(start);
  }
}

void Validator::check_addresses() {
  struct Owner {
    IpAddress address;
    std::string path;
    std::string what;
  };
  std::vector<Owner> addresses;
  // Explicit link subnets: no overlaps; their end addresses count as used.
  struct Subnet {
    Prefix prefix;
    std::string path;
  };
  std::vector<Subnet> subnets;
  for (std::size_t i = 0; i < t_.links.size(); ++i) {
    const Link& l = t_.links[i];
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      const auto& p = f == Family::kIpv4 ? l.ipv4 : l.ipv6;
      if (!p) {
        continue;
      }
      const std::string path = "links[" + std::to_string(i) + "]." + (f == Family::kIpv4 ? "ipv4" : "ipv6");
      bool clash = false;
      for (const auto& s : subnets) {
        if (s.prefix.overlaps(*p)) {
          error(path, "subnet " + p->to_string() + " overlaps " + s.path + " " + s.prefix.to_string());
          clash = true;
          break;
        }
      }
      subnets.push_back(Subnet{*p, path});
      if (!clash) {
        auto [x, y] = link_addresses(*p);
        addresses.push_back(Owner{x, path, "an address of " + path + " " + p->to_string()});
        addresses.push_back(Owner{y, path, "an address of " + path + " " + p->to_string()});
      }
    }
  }
  std::map<IpAddress, std::string> router_ids;
  for (const auto& n : t_.nodes) {
    const std::string path = node_path(n.name);
    for (const bool v6 : {false, true}) {
      const std::optional<IpAddress>& addr = v6 ? n.loopback6 : n.loopback;
      const std::string key = v6 ? "loopback6" : "loopback";
      if (!addr) {
        continue;
      }
      const IpAddress wanted = *addr;
      auto dup = std::find_if(addresses.begin(), addresses.end(), [&](const Owner& o) { return o.address == wanted; });
      std::string key_path = path;
      key_path.append(".").append(key);
      if (dup != addresses.end()) {
        std::string msg = "duplicate address ";
        msg.append(wanted.to_string()).append(" (already ").append(dup->what).append(")");
        error(key_path, msg);
      } else {
        std::string what = "the ";
        what.append(key).append(" of '").append(n.name).append("'");
        addresses.push_back(Owner{wanted, key_path, what});
      }
    }
    if (n.router_id.is_set()) {
      auto [it, inserted] = router_ids.emplace(n.router_id, n.name);
      if (!inserted) {
        error(path + ".router_id",
              "duplicate router_id " + n.router_id.to_string() + " (already the router_id of '" + it->second + "')");
      }
    }
  }
}

void Validator::check_policies() {
  for (std::size_t i = 0; i < t_.policies.size(); ++i) {
    const Policy& p = t_.policies[i];
    const std::string path = "bgp.policies[" + std::to_string(i) + "]";
    const Node* node = resolve(path + ".node", p.node);
    const Node* neighbor = resolve(path + ".neighbor", p.neighbor);
    if (node != nullptr && role(*node) && role(*node) != Role::kRouter) {
      error(path + ".node", not_a(*node, "router"));
      continue;
    }
    if (node == nullptr || neighbor == nullptr || !role(*node) || !role(*neighbor)) {
      continue;
    }
    auto neighbours = bgp_neighbours(t_, node->name);
    if (std::find(neighbours.begin(), neighbours.end(), neighbor->name) == neighbours.end()) {
      error(path + ".neighbor",
            "'" + neighbor->name + "' is not a BGP neighbour of '" + node->name + "' (" +
                (neighbours.empty() ? std::string("it has none") : "neighbours: " + join(neighbours)) + ")");
    }
  }
}

// The probe's kind is in the table, and honours every option the probe sets (an option it cannot honour is
// reported at that option; at the probe when the option was left at its default).
void Validator::check_probe_kind(const std::string& path, const ProbeSpec& p) {
  const ProbeKindInfo* kind = find_probe_kind(kinds_, p.kind);
  if (kind == nullptr) {
    error(path + ".kind", "unknown probe kind '" + p.kind + "' (probe kinds: " + probe_kind_list(kinds_) + ")");
    return;
  }
  for (const auto& issue : kind->check == nullptr ? std::vector<KindIssue>{} : kind->check(p)) {
    error(path + "." + issue.key, issue.message);
  }
}

void Validator::check_probes() {
  auto interface_check = [&](const std::string& path, const Node& n, const std::string& ifname) {
    const auto& list = interfaces_[n.name];
    if (std::find(list.begin(), list.end(), ifname) == list.end()) {
      error(path, "node '" + n.name + "' has no interface '" + ifname + "' (" +
                      (list.empty() ? std::string("it has none") : "its interfaces: " + join(list)) + ")");
    }
  };
  for (std::size_t i = 0; i < t_.probes.size(); ++i) {
    const ProbeSpec& p = t_.probes[i];
    const std::string path = "probes[" + std::to_string(i) + "]";
    check_probe_kind(path, p);
    if (p.interfaces.empty() && !p.mirror && !marks_.has(path + ".interfaces") && !marks_.has(path + ".mirror")) {
      error(path, "a probe needs 'interfaces' (capture on its own node) or 'mirror' (a SPAN of another interface)");
    }
    if (const Node* n = resolve(path + ".node", p.node)) {
      for (std::size_t k = 0; k < p.interfaces.size(); ++k) {
        interface_check(path + ".interfaces[" + std::to_string(k) + "]", *n, p.interfaces[k]);
      }
    }
    if (const Node* n = t_.find_node(p.node)) {
      std::map<std::uint32_t, std::string> taken;
      for (const auto& [ifname, index] : p.ifindex) {
        std::string ipath = path;
        ipath.append(".ifindex.").append(ifname);
        interface_check(ipath, *n, ifname);
        if (auto [it, fresh] = taken.emplace(index, ifname); !fresh) {
          error(ipath, "ifindex " + std::to_string(index) + " is given to '" + it->second + "' too");
        }
      }
    }
    if (p.bgp) {
      const Node* n = t_.find_node(p.node);
      if (p.mirror) {
        error(path + ".bgp",
              "a probe with bgp: true meters its own router's interfaces; a mirror probe has no "
              "router to peer with (model 3: let the collector enrich)");
      } else if (n != nullptr && role(*n) && role(*n) != Role::kRouter) {
        error(path + ".bgp", "bgp: true needs the probe to run in a router node ('" + n->name + "' is " + n->kind +
                                 "): the probe peers iBGP with the router it runs on");
      }
      for (std::size_t k = 0; k < i && !p.mirror && n != nullptr && role(*n) == Role::kRouter; ++k) {
        if (t_.probes[k].bgp && !t_.probes[k].mirror && t_.probes[k].node == p.node) {
          error(path + ".bgp", "probes[" + std::to_string(k) + "] on '" + p.node +
                                   "' has bgp: true already (one BGP-fed probe per router)");
        }
      }
    }
    if (p.mirror) {
      if (const Node* m = resolve(path + ".mirror", p.mirror->node)) {
        interface_check(path + ".mirror", *m, p.mirror->interface);
      }
    }
    if (const Node* c = resolve(path + ".export", p.export_to); c != nullptr && role(*c)) {
      if (role(*c) == Role::kTee) {
        const bool sflow = p.format == ExportFormat::kSflow;
        if ((sflow ? c->listen.sflow : c->listen.netflow) == 0 && (c->listen.netflow != 0 || c->listen.sflow != 0)) {
          error(path + ".format", "tee '" + c->name + "' does not listen for " + (sflow ? "sflow" : "NetFlow/IPFIX") +
                                      " (it relays " + (sflow ? "netflow" : "sflow") + ")");
        }
      } else if (role(*c) != Role::kCollector) {
        error(path + ".export", not_a(*c, "collector or tee"));
      } else if (p.format == ExportFormat::kSflow && c->listen.sflow == 0) {
        error(path + ".format",
              "collector '" + c->name + "' does not listen for sflow (set nodes." + c->name + ".listen.sflow)");
      } else if (p.format != ExportFormat::kSflow && c->listen.netflow == 0) {
        error(path + ".format", "collector '" + c->name + "' does not listen for NetFlow/IPFIX (set nodes." + c->name +
                                    ".listen.netflow)");
      }
    }
  }
}

void Validator::check_mgmt() {
  const auto& pools = default_pools();
  const std::size_t nodes = t_.nodes.size();
  for (Family f : {Family::kIpv4, Family::kIpv6}) {
    const std::optional<Prefix> subnet = f == Family::kIpv4 ? std::optional(effective_mgmt4(t_)) : effective_mgmt6(t_);
    if (!subnet) {
      continue;
    }
    const std::string key = f == Family::kIpv4 ? "mgmt.ipv4" : "mgmt.ipv6";
    const bool given = marks_.has(key);
    // IPv4 loses the network, the reserved .1 and the broadcast address; IPv6 the network and ::1.
    const std::uint64_t reserved = f == Family::kIpv4 ? 3 : 2;
    const std::uint64_t room = subnet->size() > reserved ? subnet->size() - reserved : 0;
    if (room < nodes) {
      error(given ? key : std::string("mgmt"), "management subnet " + subnet->to_string() + " has room for " +
                                                   std::to_string(room) + (room == 1 ? " node" : " nodes") +
                                                   ", the lab has " + std::to_string(nodes) +
                                                   " (use a shorter prefix)");
    }
    // The management network stays out of the data plane: no overlap with pools, explicit addresses, announces.
    auto clash = [&](const std::string& other_path, const std::string& what) {
      if (given) {
        error(key, "management subnet " + subnet->to_string() + " overlaps " + what +
                       " (the management network must stay out of the data plane)");
      } else {
        error(other_path, what + " overlaps the management subnet " + subnet->to_string() +
                              " (the management network must stay out of the data plane)");
      }
    };
    for (const Prefix& pool : {pools.link4, pools.link6, pools.loopback4, pools.loopback6}) {
      if (pool.family() == f && pool.overlaps(*subnet)) {
        clash(key, "the address pool " + pool.to_string());
      }
    }
    for (std::size_t i = 0; i < t_.links.size(); ++i) {
      const auto& p = f == Family::kIpv4 ? t_.links[i].ipv4 : t_.links[i].ipv6;
      const std::string path = "links[" + std::to_string(i) + "]." + (f == Family::kIpv4 ? "ipv4" : "ipv6");
      if (p && p->overlaps(*subnet)) {
        clash(path, "link subnet " + p->to_string() + " (" + path + ")");
      }
    }
    for (const auto& n : t_.nodes) {
      const auto& lo = f == Family::kIpv4 ? n.loopback : n.loopback6;
      const std::string lkey = f == Family::kIpv4 ? "loopback" : "loopback6";
      if (lo && subnet->contains(*lo)) {
        clash(node_path(n.name) + "." + lkey, "the " + lkey + " " + lo->to_string() + " of '" + n.name + "'");
      }
      for (std::size_t k = 0; k < n.announce.size(); ++k) {
        const Prefix& a = n.announce[k];
        if (a.family() == f && a.overlaps(*subnet)) {
          clash(node_path(n.name) + ".announce[" + std::to_string(k) + "]",
                "the prefix " + a.to_string() + " announced by '" + n.name + "'");
        }
      }
    }
  }
}

// kProbeBgpPrefix is every router's own (model 1 sessions on lo): no topology address may fall in it.
void Validator::check_probe_bgp_reserved() {
  const Prefix reserved = *Prefix::parse(kProbeBgpPrefix);
  const std::string why = " overlaps " + reserved.to_string() + ", reserved for the probes' BGP sessions (model 1)";
  const auto& pools = default_pools();
  for (const Prefix& pool : {pools.link4, pools.loopback4, effective_mgmt4(t_)}) {
    if (pool.overlaps(reserved)) {
      error("mgmt", "the address pool " + pool.to_string() + why);
    }
  }
  for (std::size_t i = 0; i < t_.links.size(); ++i) {
    if (const auto& p = t_.links[i].ipv4; p && p->overlaps(reserved)) {
      error("links[" + std::to_string(i) + "].ipv4", "link subnet " + p->to_string() + why);
    }
  }
  for (const auto& n : t_.nodes) {
    if (n.loopback && reserved.contains(*n.loopback)) {
      error(node_path(n.name) + ".loopback", "the loopback " + n.loopback->to_string() + why);
    }
    for (std::size_t k = 0; k < n.announce.size(); ++k) {
      if (n.announce[k].overlaps(reserved)) {
        error(node_path(n.name) + ".announce[" + std::to_string(k) + "]",
              "the prefix " + n.announce[k].to_string() + why);
      }
    }
  }
}

}  // namespace

void validate_topology(const Topology& topology, KindTable kinds, const SourceMap& marks, DiagnosticSink& sink) {
  Validator(topology, kinds, marks, sink).run();
}

}  // namespace flowlab::topology
