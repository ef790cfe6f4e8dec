#include "labctl/lab/converge.hpp"

#include "common/strings.hpp"
#include "platform/netns/netlink_socket.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

namespace flowlab::lab {
using topology::BgpSession;
using topology::Direction;
using topology::Node;
using topology::Topology;

namespace {

bool denied(const Topology& topo, const std::string& node, const std::string& neighbor, Direction dir,
            const Prefix& prefix) {
  return std::any_of(topo.policies.begin(), topo.policies.end(), [&](const topology::Policy& p) {
    return p.node == node && p.neighbor == neighbor && p.direction == dir &&
           std::find(p.deny.begin(), p.deny.end(), prefix) != p.deny.end();
  });
}

struct Hop {
  std::string router;
  std::vector<std::uint32_t> as_path;  // ASes the route has crossed (origin last)
  bool via_ibgp = false;
};

}  // namespace

std::map<std::string, std::set<Prefix>> expected_prefixes(const Topology& topo) {
  std::map<std::string, std::set<Prefix>> out;
  // Router adjacency over router-router sessions, per family.
  struct Edge {
    std::string to;
    bool ibgp;
    Family family;
  };
  std::map<std::string, std::vector<Edge>> adj;
  for (const BgpSession& s : topo.sessions) {
    if (s.to_collector || s.to_probe) {
      continue;
    }
    bool ibgp = s.type == topology::SessionType::kIbgp;
    adj[s.local_node].push_back({s.remote_node, ibgp, s.family});
    adj[s.remote_node].push_back({s.local_node, ibgp, s.family});
  }
  for (const Node* origin : topo.routers()) {
    out[origin->name];  // every router appears
    for (const Prefix& prefix : origin->announce) {
      std::set<std::pair<std::string, std::vector<std::uint32_t>>> seen;
      std::deque<Hop> queue{{origin->name, {}, false}};
      std::size_t budget = 200000;  // caps the walk on dense meshes; beyond it every router is expected
      while (!queue.empty() && budget-- > 0) {
        Hop hop = queue.front();
        queue.pop_front();
        out[hop.router].insert(prefix);
        const Node* here = topo.find_node(hop.router);
        for (const Edge& e : adj[hop.router]) {
          if (e.family != prefix.family()) {
            continue;
          }
          if (e.ibgp && hop.via_ibgp) {
            continue;  // no iBGP -> iBGP re-advertisement
          }
          const Node* there = topo.find_node(e.to);
          std::vector<std::uint32_t> path = hop.as_path;
          if (!e.ibgp) {
            path.insert(path.begin(), here->asn);
            if (std::find(path.begin(), path.end(), there->asn) != path.end()) {
              continue;  // AS loop prevention at the receiver
            }
          }
          if (denied(topo, hop.router, e.to, Direction::kExport, prefix) ||
              denied(topo, e.to, hop.router, Direction::kImport, prefix)) {
            continue;
          }
          if (seen.insert({e.to, path}).second) {
            queue.push_back({e.to, path, e.ibgp});
          }
        }
      }
      if (budget == 0) {
        for (const Node* r : topo.routers()) {
          out[r->name].insert(prefix);
        }
      }
    }
  }
  return out;
}

const char* to_string(ConvergeRule rule) { return rule == ConvergeRule::kOracle ? "oracle" : "reachability"; }

namespace {

using Clock = std::chrono::steady_clock;

// What the oracle says one router's best route to one prefix is.
struct Expected {
  Prefix prefix;
  bool decided = false;                // false: a tie the oracle flags (must only stay unchanged)
  std::vector<std::uint32_t> as_path;  // with decided
  std::optional<IpAddress> next_hop;   // with decided
  std::string interface;               // the oracle's first-hop interface; "" when it cannot say (ECMP, ambiguous walk)
  std::string reason;                  // the oracle's reason for its choice ("local-pref 200 over 100")
};

// A collector enriching from BMP: what one router of its `bmp:` list must have reported.
struct BmpWant {
  std::string router;
  IpAddress address;          // the BMP session's source (the router's mgmt0 address), as the station names it
  std::set<Prefix> prefixes;  // every route the router learned from a peer
};

// One check per poll: a router, or a collector with BGP peers or BMP routers.
struct Unit {
  const Node* node = nullptr;
  std::vector<Expected> routes;      // routers, kOracle: every non-local prefix of the oracle's RIB
  std::set<Prefix> known;            // routers, kOracle: every prefix the oracle's RIB holds (local ones too)
  std::set<Prefix> reachable;        // routers, kReachability: prefixes the reachability walk expects
  std::set<Prefix> collector_wants;  // collectors, kOracle: routes the routers export to it
  std::vector<BmpWant> bmp_wants;    // collectors, kOracle: each BMP router's view, checked on its own
  bool has_v4 = false;
  bool has_v6 = false;
  std::map<Prefix, std::string> last_tie;  // the previous poll's choice for each tied prefix
  std::unique_ptr<netns::NetlinkSocket> socket;
};

std::string path_text(const std::vector<std::uint32_t>& as_path) {
  return as_path.empty() ? std::string("(empty)") : oracle::format_as_path(as_path);
}

std::string hop_text(const std::optional<IpAddress>& next_hop) {
  return next_hop ? " via " + next_hop->to_string() : std::string();
}

// The interface the oracle says `router` sends `prefix` out of ("" when it cannot say). A next hop on a connected
// subnet (eBGP) answers at once; otherwise (iBGP over the IGP) the oracle's forwarding walk does — the cheap case
// first keeps a 100-router chain's thousands of routes from each costing a walk.
std::string first_hop(const oracle::Oracle& oracle, const Node& router, const Prefix& prefix,
                      const std::optional<IpAddress>& next_hop) {
  if (next_hop) {
    for (const auto& i : router.interfaces) {
      const auto& subnet = next_hop->is_v4() ? i.ipv4 : i.ipv6;
      if (subnet && subnet->contains(*next_hop)) {
        return i.name;
      }
    }
  }
  auto w = oracle.walk(router.name, prefix.address);
  if (w.ok() && !w->ambiguous && !w->hops.empty() && !w->hops.front().ambiguous) {
    return w->hops.front().out_interface;
  }
  return "";
}

// A collector enriching from BMP: every route each BMP router learned from a peer (their own networks FRR 8.4
// reports only when they change, docs/enrichment.md). Per router: a route one router reports must not hide that
// another's view lacks it.
std::vector<BmpWant> bmp_wants(const Topology& topo, const oracle::Oracle& oracle, const Node& collector) {
  std::vector<BmpWant> out;
  if (!collector.enriches_from_bmp()) {
    return out;
  }
  for (const auto& name : collector.bmp_peers) {
    const Node* router = topo.find_node(name);
    const oracle::RouterRib* rib = oracle.rib(name);
    if (router == nullptr || rib == nullptr) {
      continue;
    }
    BmpWant want{name, router->mgmt4.address, {}};
    for (const auto& [prefix, entry] : rib->entries) {
      if (entry.best().source != oracle::RouteSource::kLocal) {
        want.prefixes.insert(prefix);
      }
    }
    out.push_back(std::move(want));
  }
  return out;
}

std::vector<Unit> build_units(const Topology& topo, ConvergeRule rule, const oracle::Oracle* oracle) {
  std::vector<Unit> units;
  std::map<std::string, std::set<Prefix>> reachable;
  if (rule == ConvergeRule::kReachability) {
    reachable = expected_prefixes(topo);
  }
  for (const Node& node : topo.nodes) {
    Unit u;
    u.node = &node;
    if (node.is_router()) {
      if (rule == ConvergeRule::kReachability) {
        u.reachable = reachable[node.name];
      } else if (const oracle::RouterRib* rib = oracle->rib(node.name); rib != nullptr) {
        for (const auto& [prefix, entry] : rib->entries) {
          u.known.insert(prefix);
          if (entry.best().source == oracle::RouteSource::kLocal) {
            continue;
          }
          Expected e;
          e.prefix = prefix;
          e.decided = !entry.ambiguous;
          e.as_path = entry.best().as_path;
          e.next_hop = entry.best().next_hop;
          e.reason = entry.reason;
          if (entry.multipath <= 1) {
            e.interface = first_hop(*oracle, node, prefix, e.next_hop);
          }
          (prefix.family() == Family::kIpv4 ? u.has_v4 : u.has_v6) = true;
          u.routes.push_back(std::move(e));
        }
      }
      units.push_back(std::move(u));
    } else if (node.role == topology::Role::kCollector && (!node.bgp_peers.empty() || node.enriches_from_bmp())) {
      if (rule == ConvergeRule::kOracle) {
        for (const auto& router : node.bgp_peers) {
          for (const auto& [prefix, route] : oracle->collector_view(router, node.name)) {
            u.collector_wants.insert(prefix);
          }
        }
        u.bmp_wants = bmp_wants(topo, *oracle, node);
      }
      units.push_back(std::move(u));
    }
  }
  return units;
}

class Poller {
 public:
  Poller(const Topology& topo, const Options& options, ConvergeRule rule)
      : topo_(topo), options_(options), rule_(rule) {}

  // Appends what is still off at `u` to `problems`.
  // Fails only when a driver is missing (a configuration error, not a convergence problem).
  Status check(Unit& u, std::vector<std::string>& problems) {
    const nodes::NodeDriver* driver = nodes::find_driver(u.node->kind);
    if (driver == nullptr) {
      return fail(ErrorKind::kConfig, "no driver for kind '" + u.node->kind + "'");
    }
    auto ctx = node_context(topo_, *u.node, options_);
    if (u.node->is_router()) {
      check_router(u, *driver, ctx, problems);
    } else {
      check_collector(u, *driver, ctx, problems);
    }
    return {};
  }

  // Whether every problem since the last start_poll() is a best path (or FIB entry) differing from the oracle's.
  [[nodiscard]] bool only_paths() const { return only_paths_; }
  void start_poll() { only_paths_ = true; }

 private:
  void hard(std::vector<std::string>& problems, std::string text) {
    only_paths_ = false;
    problems.push_back(std::move(text));
  }

  void check_sessions(const Node& router, const std::vector<nodes::BgpSessionStatus>& sessions,
                      std::vector<std::string>& problems) {
    for (const BgpSession& s : topo_.sessions) {
      if (s.to_collector || (s.local_node != router.name && s.remote_node != router.name)) {
        continue;
      }
      const bool local = s.local_node == router.name;
      const IpAddress& neighbor = local ? s.remote_address : s.local_address;
      const std::string& peer = local ? s.remote_node : s.local_node;
      auto it = std::find_if(sessions.begin(), sessions.end(),
                             [&](const nodes::BgpSessionStatus& st) { return st.neighbor == neighbor; });
      if (it == sessions.end()) {
        hard(problems, router.name + ": no session to " + neighbor.to_string() + " (" + peer + ")");
      } else if (it->state != nodes::SessionState::kEstablished) {
        hard(problems, router.name + ": session to " + neighbor.to_string() + " (" + peer + ") is " +
                           nodes::to_string(it->state));
      }
    }
  }

  void check_router(Unit& u, const nodes::NodeDriver& driver, const nodes::NodeContext& ctx,
                    std::vector<std::string>& problems) {
    const Node& router = *u.node;
    auto sessions = driver.bgp_sessions(ctx);
    if (!sessions.ok()) {
      hard(problems, router.name + ": cannot read BGP sessions: " + sessions.error().message);
      return;
    }
    const std::size_t before = problems.size();
    check_sessions(router, *sessions, problems);
    if (problems.size() != before) {
      return;  // routes are not worth reading before every session is up
    }
    auto rib = driver.rib(ctx);
    if (!rib.ok()) {
      hard(problems, router.name + ": cannot read RIB: " + rib.error().message);
      return;
    }
    if (rule_ == ConvergeRule::kReachability) {
      check_reachable(u, *rib, problems);
      return;
    }
    std::map<Prefix, const nodes::RibEntry*> best;  // the router's best BGP route per prefix
    for (const auto& e : *rib) {
      if (e.best && e.source == "bgp") {
        best.emplace(e.prefix, &e);
      }
    }
    for (const auto& [prefix, entry] : best) {
      if (u.known.count(prefix) == 0) {
        problems.push_back(router.name + ": " + prefix.to_string() + " best path " + path_text(entry->as_path) +
                           hop_text(entry->next_hop) + ", oracle none (not yet withdrawn)");
      }
    }
    std::vector<netns::RouteInfo> fib;
    if (!read_fib(u, fib, problems)) {
      return;
    }
    std::map<Prefix, const netns::RouteInfo*> kernel_routes;  // one lookup per expected route, not a scan
    for (const auto& r : fib) {
      kernel_routes.emplace(r.dst, &r);
    }
    for (const Expected& want : u.routes) {
      const auto it = best.find(want.prefix);
      if (it == best.end()) {
        hard(problems, router.name + " lacks " + want.prefix.to_string() + " (oracle " + path_text(want.as_path) +
                           hop_text(want.next_hop) + ")");
        continue;
      }
      const auto found = kernel_routes.find(want.prefix);
      check_route(u, want, *it->second, found == kernel_routes.end() ? nullptr : found->second, problems);
    }
  }

  // kReachability: every prefix the walk expects is a best route.
  void check_reachable(const Unit& u, const std::vector<nodes::RibEntry>& rib, std::vector<std::string>& problems) {
    for (const Prefix& p : u.reachable) {
      const bool present =
          std::any_of(rib.begin(), rib.end(), [&](const nodes::RibEntry& e) { return e.prefix == p && e.best; });
      if (!present) {
        hard(problems, u.node->name + " lacks " + p.to_string());
      }
    }
  }

  // One expected route against the router's best route and the kernel's route to the prefix (nullptr: none).
  static void check_route(Unit& u, const Expected& want, const nodes::RibEntry& have, const netns::RouteInfo* kernel,
                          std::vector<std::string>& problems) {
    const std::string& name = u.node->name;
    const std::vector<std::string> kernel_ifs = kernel_interfaces(kernel);
    if (want.decided ? !best_path_agrees(name, want, have, problems)
                     : !tie_is_stable(u, want, have, kernel_ifs, problems)) {
      return;
    }
    if (kernel == nullptr) {
      problems.push_back(name + ": " + want.prefix.to_string() + " best path " + path_text(have.as_path) +
                         " not in the kernel FIB");
      return;
    }
    // The interface the packets must leave by: the oracle's first hop, else the router's own view.
    const std::string& out = !want.interface.empty() ? want.interface : have.interface;
    if (!out.empty() && std::find(kernel_ifs.begin(), kernel_ifs.end(), out) == kernel_ifs.end()) {
      const std::string via = join(kernel_ifs, ",");
      problems.push_back(name + ": " + want.prefix.to_string() + " kernel FIB via " +
                         (via.empty() ? std::string("(none)") : via) + ", " +
                         (!want.interface.empty() ? "oracle " : "best path ") + out);
    }
  }

  // The interfaces a kernel route leaves by (its nexthops, else its single device).
  static std::vector<std::string> kernel_interfaces(const netns::RouteInfo* kernel) {
    std::vector<std::string> ifs;
    if (kernel != nullptr) {
      for (const auto& nh : kernel->nexthops) {
        ifs.push_back(nh.ifname);
      }
      if (ifs.empty() && !kernel->ifname.empty()) {
        ifs.push_back(kernel->ifname);
      }
    }
    return ifs;
  }

  // A route the oracle decided: the router's best path and next hop are the oracle's.
  static bool best_path_agrees(const std::string& name, const Expected& want, const nodes::RibEntry& have,
                               std::vector<std::string>& problems) {
    const bool next_hop_differs = want.next_hop && have.next_hop && *want.next_hop != *have.next_hop;
    // A path the router printed cut short (birdc) must be the start of the oracle's.
    const bool path_differs = have.as_path_truncated
                                  ? have.as_path.size() > want.as_path.size() ||
                                        !std::equal(have.as_path.begin(), have.as_path.end(), want.as_path.begin())
                                  : have.as_path != want.as_path;
    if (path_differs || next_hop_differs) {
      problems.push_back(name + ": " + want.prefix.to_string() + " best path " + path_text(have.as_path) +
                         hop_text(have.next_hop) + ", oracle " + path_text(want.as_path) + hop_text(want.next_hop) +
                         (want.reason.empty() ? "" : " (" + want.reason + ")"));
      return false;
    }
    return true;
  }

  // A tie the oracle flags: the router's choice (path, next hop, kernel interfaces) must be the same two polls running.
  static bool tie_is_stable(Unit& u, const Expected& want, const nodes::RibEntry& have,
                            const std::vector<std::string>& kernel_ifs, std::vector<std::string>& problems) {
    std::string choice = path_text(have.as_path) + hop_text(have.next_hop) + " dev " + join(kernel_ifs, " ");
    auto [last, fresh] = u.last_tie.try_emplace(want.prefix, choice);
    if (fresh || last->second != choice) {
      problems.push_back(u.node->name + ": " + want.prefix.to_string() + " best path " + choice +
                         (fresh ? ", tie (" + want.reason + "): not yet seen twice"
                                : ", changed since the last poll from " + last->second));
      last->second = choice;
      return false;
    }
    return true;
  }

  // The main table of the router's namespace, both families as needed. False (with a problem) when unreadable.
  bool read_fib(Unit& u, std::vector<netns::RouteInfo>& fib, std::vector<std::string>& problems) {
    if (!u.socket) {
      auto sock = netns::NetlinkSocket::open(u.node->namespace_name);
      if (!sock.ok()) {
        hard(problems, u.node->name + ": cannot read the kernel FIB: " + sock.error().message);
        return false;
      }
      u.socket = std::make_unique<netns::NetlinkSocket>(std::move(*sock));
    }
    for (Family f : {Family::kIpv4, Family::kIpv6}) {
      if (!(f == Family::kIpv4 ? u.has_v4 : u.has_v6)) {
        continue;
      }
      auto routes = u.socket->routes(f);
      if (!routes.ok()) {
        u.socket.reset();
        hard(problems, u.node->name + ": cannot read the kernel FIB: " + routes.error().message);
        return false;
      }
      fib.insert(fib.end(), routes->begin(), routes->end());
    }
    return true;
  }

  void check_collector(Unit& u, const nodes::NodeDriver& driver, const nodes::NodeContext& ctx,
                       std::vector<std::string>& problems) {
    const std::string& name = u.node->name;
    auto sessions = driver.bgp_sessions(ctx);
    if (!sessions.ok() && sessions.error().kind == ErrorKind::kUnsupported) {
      return;  // a collector kind without BGP (nfcapd): the routers' side of a `bgp:` stays down
    }
    if (!sessions.ok()) {
      hard(problems, "collector " + name + ": " + sessions.error().message);
      return;
    }
    if (sessions->empty() && !u.node->enriches_from_bmp()) {
      hard(problems, "collector " + name + ": no BGP sessions yet");
      return;
    }
    bool up = true;
    for (const auto& s : *sessions) {
      if (s.state != nodes::SessionState::kEstablished) {
        hard(problems,
             "collector " + name + ": session " + s.neighbor.to_string() + " is " + nodes::to_string(s.state));
        up = false;
      }
    }
    if (!up || (u.collector_wants.empty() && u.bmp_wants.empty())) {
      return;
    }
    auto rib = driver.rib(ctx);
    if (!rib.ok()) {
      hard(problems, "collector " + name + ": cannot read its RIB: " + rib.error().message);
      return;
    }
    std::set<Prefix> have;
    std::map<IpAddress, std::set<Prefix>> have_from;  // BMP: each router's view, by the session's source
    for (const auto& e : *rib) {
      have.insert(e.prefix);
      if (e.from) {
        have_from[*e.from].insert(e.prefix);
      }
    }
    report_missing("collector " + name, u.collector_wants, have, problems);
    for (const auto& want : u.bmp_wants) {
      report_missing("collector " + name + "'s BMP view of " + want.router, want.prefixes, have_from[want.address],
                     problems);
    }
  }

  // "<who> lacks P" for the first three prefixes of `wants` not in `have`, then how many more.
  void report_missing(const std::string& who, const std::set<Prefix>& wants, const std::set<Prefix>& have,
                      std::vector<std::string>& problems) {
    std::size_t missing = 0;
    for (const auto& p : wants) {
      if (have.count(p) == 0 && ++missing <= 3) {
        hard(problems, who + " lacks " + p.to_string());
      }
    }
    if (missing > 3) {
      hard(problems, who + " lacks " + std::to_string(missing - 3) + " more prefixes");
    }
  }

  const Topology& topo_;
  const Options& options_;
  ConvergeRule rule_;
  bool only_paths_ = true;
};

}  // namespace

Result<ConvergeReport> converge(const Topology& topo, const Options& options, const ConvergeOptions& converge_options) {
  const auto begin = Clock::now();
  ConvergeReport report;
  report.rule = converge_options.rule;
  std::optional<oracle::Oracle> own;
  const oracle::Oracle* oracle = converge_options.oracle;
  if (converge_options.rule == ConvergeRule::kOracle && oracle == nullptr) {
    auto built = oracle::Oracle::build(topo);
    if (!built.ok()) {
      return fail(ErrorKind::kVerify, built.error().message);
    }
    own.emplace(std::move(*built));
    oracle = &*own;
  }
  std::vector<Unit> units = build_units(topo, converge_options.rule, oracle);
  Poller poller(topo, options, converge_options.rule);
  // Each poll walks the units from the one that was off last time and stops at the first one still off (cheap
  // on a large lab that is settling); converged when one poll has found every unit settled. After the timeout a
  // last full poll lists everything still off.
  std::size_t start = 0;
  while (true) {
    if (converge_options.watch) {
      FLOWLAB_TRY(converge_options.watch());
    }
    ++report.polls;
    report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - begin);
    const bool last = report.elapsed >= converge_options.timeout;
    report.problems.clear();
    poller.start_poll();
    for (std::size_t k = 0; k < units.size(); ++k) {
      const std::size_t i = (start + k) % units.size();
      FLOWLAB_TRY(poller.check(units[i], report.problems));
      if (!report.problems.empty() && !last) {
        start = i;
        break;
      }
    }
    if (report.problems.empty()) {
      report.converged = true;
      report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - begin);
      return report;
    }
    if (last) {
      report.only_paths = poller.only_paths();
      return report;
    }
    std::this_thread::sleep_for(converge_options.poll);
  }
}

}  // namespace flowlab::lab
