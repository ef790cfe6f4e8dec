// BMP from FRR into flowcollector in a deployed lab (topologies/janog36-bmp.yaml: r1 and r3 run FRR's bgpd with its
// bmp module and report to c1's BMP station). For every router, every BGP peer and both families, the routes the
// station holds for that peer (post-policy Adj-RIB-In, the `bmp_dump` query) must equal the routes the router's own
// RIB holds from that peer (`labctl routes --all --json`: prefix, AS path, next hop), and the station's view of the
// router must hold the router's best path for every prefix it learned from a peer. r1's peers: u1 (eBGP), r2 and r3
// (iBGP over loopbacks); r3's: r1 and r2 — IPv4 and IPv6 sessions each.
#include "tests/lab/lab_fixture.hpp"

#include "probes/collector/query.hpp"
#include "tests/support/eventually.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace flowlab::labtest {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Routes = std::set<std::string>;  // "prefix|as path|next hop"

// The router's routes per peer address (every BGP path, best or not), and its best BGP routes learned from a peer.
struct RouterRib {
  std::map<std::string, Routes> by_peer;
  Routes best;
};

RouterRib router_rib(const std::string& lab, const std::string& router) {
  RouterRib out;
  auto r = labctl({"routes", lab, "--node", router, "--all", "--json"}, 60s);
  auto j = json::parse(r.out, nullptr, false);
  if (!j.is_array()) {
    return out;
  }
  for (const auto& e : j) {
    const std::string from = e.value("from", "");
    if (e.value("source", "") != "bgp" || from.empty()) {
      continue;  // the router's own networks and other protocols
    }
    std::string path;
    for (const auto& a : e["as_path"]) {
      path += (path.empty() ? "" : " ") + std::to_string(a.get<std::uint32_t>());
    }
    const std::string line = e.value("prefix", "") + "|" + path + "|" + e.value("next_hop", "");
    out.by_peer[from].insert(line);
    if (e.value("best", false)) {
      out.best.insert(line);
    }
  }
  return out;
}

// The station's table dump lines as triples.
Routes dump(const std::string& lab, const json& request) {
  Routes out;
  const auto socket = std::filesystem::path(kRunDir) / lab / "c1" / "collector.sock";
  auto answer = collector::query_socket(socket.string(), request, 30s);
  if (!answer.ok() || !answer->value("ok", false)) {
    return out;
  }
  for (const auto& line : answer->value("lines", json::array())) {
    auto j = line.is_string() ? json::parse(line.get<std::string>(), nullptr, false) : line;
    if (j.is_object()) {
      out.insert(j.value("ip_prefix", "") + "|" + j.value("as_path", "") + "|" + j.value("bgp_nexthop", ""));
    }
  }
  return out;
}

json bmp_json(const std::string& lab) {
  const auto socket = std::filesystem::path(kRunDir) / lab / "c1" / "collector.sock";
  auto answer = collector::query_socket(socket.string(), {{"cmd", "counters"}}, 30s);
  return answer.ok() ? answer->value("bmp", json::object()) : json::object();
}

// The station's counters (`counters` query, "bmp") and its entry for one router.
json bmp_counters(const std::string& lab) { return bmp_json(lab).value("counters", json::object()); }
json bmp_router(const std::string& lab, const std::string& address) {
  for (const auto& r : bmp_json(lab).value("routers", json::array())) {
    if (r.value("address", "") == address) {
      return r;
    }
  }
  return json::object();
}

// A router's mgmt0 IPv4 address (its BMP session's source) from the topology's plan.
std::string mgmt_address(const std::string& node) {
  auto r = labctl({"validate", "--plan", topology_path("janog36-bmp")}, 60s);
  auto j = json::parse(r.out, nullptr, false);
  if (!j.is_object()) {
    return "";
  }
  for (const auto& n : j.value("nodes", json::array())) {
    if (n.value("name", "") == node) {
      const std::string mgmt = n.value("mgmt4", "");
      return mgmt.substr(0, mgmt.find('/'));
    }
  }
  return "";
}

std::string join(const Routes& s) {
  std::string out;
  for (const auto& x : s) {
    out += "  " + x + "\n";
  }
  return out;
}

// A lab check polled every 2 s (each one asks the routers and the collector).
template <class F>
bool eventually(F&& check, std::chrono::seconds timeout) {
  return test_support::eventually(std::forward<F>(check), timeout, 2s);
}

TEST(BmpLab, StationTablesEqualTheRoutersRibsPerPeerV4AndV6) {
  if (!is_root()) {
    GTEST_SKIP() << "lab tests need root (network namespaces)";
  }
  ::setenv("FLOWLAB_FLOWCOLLECTOR", FLOWLAB_FLOWCOLLECTOR, 1);
  const std::string lab = unique_lab("i16-bmp");
  LabGuard guard(lab);
  auto deploy = labctl({"deploy", "-t", topology_path("janog36-bmp"), "--name", lab, "--converge"}, 240s);
  ASSERT_TRUE(deploy.success()) << describe(deploy);

  for (const std::string router : {"r1", "r3"}) {
    SCOPED_TRACE(router);
    const std::string address = mgmt_address(router);
    ASSERT_FALSE(address.empty());
    RouterRib rib;
    std::map<std::string, Routes> station;
    Routes view;
    const bool same = eventually(
        [&] {
          rib = router_rib(lab, router);
          station.clear();
          for (const auto& [peer, routes] : rib.by_peer) {
            station[peer] =
                dump(lab, {{"cmd", "bmp_dump"}, {"router", address}, {"rib", "adj-rib-in-post"}, {"peer", peer}});
          }
          view = dump(lab, {{"cmd", "bmp_dump"}, {"router", address}});
          bool equal = !rib.by_peer.empty();
          for (const auto& [peer, routes] : rib.by_peer) {
            equal = equal && station[peer] == routes;
          }
          return equal && std::includes(view.begin(), view.end(), rib.best.begin(), rib.best.end());
        },
        90s);
    for (const auto& [peer, routes] : rib.by_peer) {
      EXPECT_EQ(station[peer], routes) << "peer " << peer << "\nstation:\n"
                                       << join(station[peer]) << "router:\n"
                                       << join(routes);
    }
    EXPECT_TRUE(std::includes(view.begin(), view.end(), rib.best.begin(), rib.best.end()))
        << "view:\n"
        << join(view) << "router's best:\n"
        << join(rib.best);
    EXPECT_TRUE(same);
    // Every peer, both families: r1 has u1, r2, r3 and r3 has r1, r2, over IPv4 and IPv6 sessions.
    std::set<bool> families;
    for (const auto& [peer, routes] : rib.by_peer) {
      families.insert(peer.find(':') != std::string::npos);
    }
    EXPECT_EQ(rib.by_peer.size(), router == "r1" ? 6U : 4U) << "peers seen in " << router << "'s RIB";
    EXPECT_EQ(families.size(), 2U);
    // Once the tables match, the view is read (End-of-RIB guard, bmp_tables.hpp): FRR ended the dump of every peer
    // that was up at the session's start, and reported the others live.
    nlohmann::json station_router;
    EXPECT_TRUE(eventually(
        [&] {
          station_router = bmp_router(lab, address);
          return station_router.value("syncing", json::object()) == json{{"ipv4", false}, {"ipv6", false}};
        },
        30s))
        << station_router.dump();
  }
  const auto counters = bmp_counters(lab);
  RecordProperty("end_of_rib", counters.value("end_of_rib", 0));
  RecordProperty("peer_up", counters.value("peer_up", 0));
  auto destroyed = labctl({"destroy", lab});
  EXPECT_TRUE(destroyed.success()) << describe(destroyed);
  EXPECT_TRUE(leftovers(lab).empty());
}

}  // namespace
}  // namespace flowlab::labtest
