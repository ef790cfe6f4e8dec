// flowcollector in a deployed lab: janog36 with the collector peering with r1 (BIRD) and r3 (FRR). Checks that
// every router establishes IPv4 and IPv6 sessions with the collector, that the collector's view of each session
// (its table dump) equals the router's own best routes (prefix, AS path, next hop), that disabling a router's
// session withdraws all its routes, and that an IPFIX replay sent to the collector shows up in `labctl flows`.
// Md5Lab: TCP-MD5 between the collector and BIRD / FRR routers (issue 20).
#include "tests/lab/lab_fixture.hpp"

#include "nodes/bird/bird_driver.hpp"
#include "nodes/frr/frr_driver.hpp"
#include "platform/process/process.hpp"
#include "probes/wire/exporter.hpp"
#include "tests/support/eventually.hpp"

#include <gtest/gtest.h>
#include <algorithm>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace flowlab::labtest {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// janog36 with the collector also peering with r3 (FRR), written next to the test's run files.
std::string topology_file(const std::string& lab) {
  std::ifstream in(topology_path("janog36"));
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  const std::string from = "bgp: [r1]";
  const auto pos = yaml.find(from);
  EXPECT_NE(pos, std::string::npos);
  if (pos != std::string::npos) {
    yaml.replace(pos, from.size(), "bgp: [r1, r3]");
  }
  const auto path = std::filesystem::temp_directory_path() / (lab + ".yaml");
  std::ofstream(path) << yaml;
  return path.string();
}

json flows_json(const std::string& lab, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"flows", lab};
  argv.insert(argv.end(), args.begin(), args.end());
  auto out = labctl(argv, 60s);
  if (!out.success()) {
    return json();
  }
  auto j = json::parse(out.out, nullptr, false);
  return j.is_discarded() ? json() : j;
}

// peer name -> (state, routes)
std::map<std::string, std::pair<std::string, std::uint64_t>> collector_peers(const std::string& lab) {
  std::map<std::string, std::pair<std::string, std::uint64_t>> out;
  auto j = flows_json(lab, {"--bgp-peers", "--json"});
  if (!j.is_object()) {
    return out;
  }
  for (const auto& p : j.value("peers", json::array())) {
    out[p.value("name", "")] = {p.value("state", ""), p.value("routes", 0ULL)};
  }
  return out;
}

// "prefix|as path|next hop" of every route the collector holds from `peer`.
std::set<std::string> collector_routes(const std::string& lab, const std::string& peer) {
  std::set<std::string> out;
  auto dump = labctl({"flows", lab, "--bgp-dump", peer}, 60s);
  std::istringstream lines(dump.out);
  std::string line;
  while (std::getline(lines, line)) {
    auto j = json::parse(line, nullptr, false);
    if (j.is_object()) {
      out.insert(j.value("ip_prefix", "") + "|" + j.value("as_path", "") + "|" + j.value("bgp_nexthop", ""));
    }
  }
  return out;
}

// The same triples from the router's own best routes of one family (as `labctl routes --json` reports them).
std::set<std::string> router_routes(const std::string& lab, const std::string& router, bool v6) {
  std::set<std::string> out;
  auto r = labctl({"routes", lab, "--node", router, "--json"}, 60s);
  auto j = json::parse(r.out, nullptr, false);
  if (!j.is_array()) {
    return out;
  }
  for (const auto& e : j) {
    const std::string prefix = e.value("prefix", "");
    if ((prefix.find(':') != std::string::npos) != v6 || e.value("source", "") != "bgp") {
      continue;
    }
    std::string path;
    for (const auto& a : e["as_path"]) {
      path += (path.empty() ? "" : " ") + std::to_string(a.get<std::uint32_t>());
    }
    out.insert(prefix + "|" + path + "|" + e.value("next_hop", ""));
  }
  return out;
}

// A lab check polled every 2 s (each one asks the routers and the collector).
template <class F>
bool eventually(F&& check, std::chrono::seconds timeout) {
  return test_support::eventually(std::forward<F>(check), timeout, 2s);
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) {
    out += "  " + x + "\n";
  }
  return out;
}

TEST(CollectorLab, SessionsTableDumpWithdrawAndReplay) {
  if (!is_root()) {
    GTEST_SKIP() << "lab tests need root (network namespaces)";
  }
  ::setenv("FLOWLAB_FLOWCOLLECTOR", FLOWLAB_FLOWCOLLECTOR, 1);
  const std::string lab = unique_lab("tcol");
  const std::string topo = topology_file(lab);
  LabGuard guard(lab);
  auto deploy = labctl({"deploy", "-t", topo, "--name", lab});
  ASSERT_TRUE(deploy.success()) << describe(deploy);
  (void)labctl({"converge", lab, "--timeout", "90s"});

  // 1. r1 (BIRD) and r3 (FRR) establish IPv4 and IPv6 sessions with the collector.
  const std::vector<std::string> sessions{"r1_v4", "r1_v6", "r3_v4", "r3_v6"};
  const bool up = eventually(
      [&] {
        auto peers = collector_peers(lab);
        for (const auto& s : sessions) {
          if (peers[s].first != "Established") {
            return false;
          }
        }
        return true;
      },
      120s);
  ASSERT_TRUE(up) << labctl({"flows", lab, "--bgp-peers"}).out;

  // 2. The collector's view of each session equals the router's own best BGP routes of that family.
  for (const auto& s : sessions) {
    SCOPED_TRACE(s);
    const std::string router = s.substr(0, 2);
    const bool v6 = s.ends_with("v6");
    std::set<std::string> mine;
    std::set<std::string> theirs;
    const bool same = eventually(
        [&] {
          mine = collector_routes(lab, s);
          theirs = router_routes(lab, router, v6);
          // Every BGP best route of the router, with its path and next hop; anything more must be a prefix the
          // router originates itself (static/direct in its RIB, an empty AS path at the collector).
          for (const auto& t : theirs) {
            // A route the router originates has no next hop in its own RIB; it reaches the collector with the
            // router's session address (next hop self): compare prefix and path only.
            const bool local = t.back() == '|';
            const bool found = local ? std::any_of(mine.begin(), mine.end(),
                                                   [&](const std::string& m) { return m.compare(0, t.size(), t) == 0; })
                                     : mine.contains(t);
            if (!found) {
              return false;
            }
          }
          for (const auto& m : mine) {
            const auto bar = m.find('|');
            if (!theirs.contains(m) && m.substr(bar + 1, m.find('|', bar + 1) - bar - 1) != "") {
              return false;
            }
          }
          return !mine.empty() && !theirs.empty();
        },
        90s);
    EXPECT_TRUE(same) << "collector:\n" << join(mine) << "router:\n" << join(theirs);
  }

  // 3. Disabling r1's IPv4 session (birdc disable) withdraws all of its routes at the collector.
  const auto r1_dir = std::filesystem::path(kRunDir) / lab / "r1";
  auto disabled = nodes::bird::birdc(r1_dir, {"disable", "c1_v4"});
  ASSERT_TRUE(disabled.ok()) << disabled.error().message;
  EXPECT_TRUE(eventually(
      [&] {
        auto peers = collector_peers(lab);
        return peers["r1_v4"].first != "Established" && collector_routes(lab, "r1_v4").empty();
      },
      60s))
      << labctl({"flows", lab, "--bgp-peers"}).out;
  // r3's FRR session: neighbor shutdown.
  auto topo_json = json::parse(labctl({"inspect", lab, "--json"}).out, nullptr, false);
  std::string c1_v4;
  for (const auto& n : topo_json.value("nodes", json::array())) {
    if (n.value("name", "") == "c1") {
      c1_v4 = n.value("mgmt", "");
      c1_v4 = c1_v4.substr(0, c1_v4.find('/'));
    }
  }
  if (!c1_v4.empty()) {
    const auto r3_dir = std::filesystem::path(kRunDir) / lab / "r3";
    auto shut = nodes::frr::vtysh(
        r3_dir, std::vector<std::string>{"configure terminal", "router bgp 64500", "neighbor " + c1_v4 + " shutdown"});
    ASSERT_TRUE(shut.ok()) << shut.error().message;
    EXPECT_TRUE(eventually(
        [&] {
          auto peers = collector_peers(lab);
          return peers["r3_v4"].first != "Established" && collector_routes(lab, "r3_v4").empty();
        },
        60s))
        << labctl({"flows", lab, "--bgp-peers"}).out;
  } else {
    ADD_FAILURE() << "no mgmt4 for c1 in labctl inspect --json";
  }
  // The other sessions keep their routes.
  EXPECT_FALSE(collector_routes(lab, "r1_v6").empty());

  // 4. An IPFIX replay from r1's namespace (r1's mgmt0 = the probe's exporter address) is counted.
  (void)labctl({"flows", lab, "--clear"});
  wire::ExportOptions o;
  o.protocol = wire::ExportProtocol::kIpfix;
  // r1's own flowprobe exports to c1 from the same address (domain 0): the replay gets its own observation domain
  // so the two sequence streams stay apart.
  o.observation_domain = 4242;
  wire::Exporter exporter(o);
  std::vector<wire::FlowRecord> records;
  for (int i = 0; i < 200; ++i) {
    wire::FlowRecord r;
    r.src_addr = *IpAddress::parse("198.51.100.10");
    r.dst_addr = IpAddress::v4(0xc0000200U + static_cast<std::uint32_t>(i % 50));  // 192.0.2.0/26
    r.src_port = static_cast<std::uint16_t>(10000 + i);
    r.dst_port = 443;
    r.protocol = 6;
    r.packets = 2;
    r.bytes = 200;
    r.input_ifindex = 4;
    r.output_ifindex = 2;
    records.push_back(r);
  }
  const auto datagrams = exporter.encode(records, 1'700'000'000'000ULL);
  const auto file = std::filesystem::temp_directory_path() / (lab + ".ipfix");
  {
    std::ofstream out(file, std::ios::binary);
    for (const auto& d : datagrams) {
      const std::uint32_t len = static_cast<std::uint32_t>(d.size());
      out.write(reinterpret_cast<const char*>(&len), sizeof(len));
      out.write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(d.size()));
    }
  }
  const std::string sender =
      "import socket,struct,sys\n"
      "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
      "d=open(sys.argv[1],'rb').read()\n"
      "i=0\n"
      "while i<len(d):\n"
      "  (n,)=struct.unpack('=I',d[i:i+4]); s.sendto(d[i+4:i+4+n],(sys.argv[2],2100)); i+=4+n\n";
  auto sent = process::run({"ip", "netns", "exec", "fl-" + lab + "-r1", "python3", "-c", sender, file.string(), c1_v4},
                           process::RunOptions{.timeout = 30s});
  ASSERT_TRUE(sent.ok() && sent->success()) << (sent.ok() ? describe(*sent) : sent.error().message);
  // Only the replay's rows count: r1's flowprobe meters eth3 (the eBGP link to t1) and may export a keepalive or
  // neighbour-discovery flow into the same table at any moment.
  std::uint64_t packets = 0;
  std::uint64_t rows = 0;
  EXPECT_TRUE(eventually(
      [&] {
        auto out = labctl({"flows", lab, "--json"}, 30s);
        packets = 0;
        rows = 0;
        std::istringstream lines(out.out);
        std::string line;
        while (std::getline(lines, line)) {
          auto j = json::parse(line, nullptr, false);
          if (j.is_object() && j.value("ip_src", "") == "198.51.100.10") {
            packets += j.value("packets", 0ULL);
            ++rows;
          }
        }
        return packets == 400;
      },
      20s))
      << "packets " << packets << ", rows " << rows;
  EXPECT_EQ(rows, 200U);  // src_port differs per record in the `full` aggregate
  auto counters = flows_json(lab, {"--counters", "--json"});
  EXPECT_EQ(counters["sequence"].value("lost", 1ULL), 0U) << counters.dump(2);
  std::filesystem::remove(file);
  std::filesystem::remove(topo);
}

// TCP-MD5 (RFC 2385) end to end: the collector c1 has `bgp_password:` towards r1 (BIRD, AS 65001) and r2 (FRR, AS
// 65002). With the topology's password on both ends every session (IPv4 and IPv6) gets Established; once the routers
// sign with another password their sessions go down and stay down (the kernel drops the segments before BGP sees
// them); with the right password back on r2, r2's sessions return while r1's stay down.
constexpr const char* kPassword = "i20-Md5_key.1";

std::string md5_topology_file(const std::string& lab) {
  const auto path = std::filesystem::temp_directory_path() / (lab + ".yaml");
  std::ofstream(path) << "name: " << lab << R"(
nodes:
  r1: {kind: bird, asn: 65001, announce: [198.18.10.0/24, 2001:db8:10::/48]}
  r2: {kind: frr, asn: 65002, announce: [198.18.20.0/24, 2001:db8:20::/48]}
  c1: {kind: collector, bgp: [r1, r2], bgp_password: ")"
                      << kPassword << R"("}
links:
  - endpoints: [r1:eth1, r2:eth1]
)";
  return path.string();
}

bool all_established(const std::string& lab, const std::vector<std::string>& names) {
  auto peers = collector_peers(lab);
  return std::all_of(names.begin(), names.end(), [&](const std::string& n) { return peers[n].first == "Established"; });
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Rewrites r1's bird.conf with `password` and reconfigures BIRD (the sessions restart with the new key).
void set_bird_password(const std::filesystem::path& dir, const std::string& from, const std::string& to) {
  std::string conf = read_text(dir / "bird.conf");
  ASSERT_NE(conf.find("password \"" + from + "\""), std::string::npos) << conf;
  conf = std::regex_replace(conf, std::regex("password \"[^\"]*\""), "password \"" + to + "\"");
  std::ofstream(dir / "bird.conf") << conf;
  auto out = nodes::bird::birdc(dir, {"configure"});
  ASSERT_TRUE(out.ok()) << out.error().message;
}

// The neighbors of the FRR node in `dir` whose rendered configuration signs with `key` (its collector sessions).
std::vector<std::string> frr_keyed_neighbors(const std::filesystem::path& dir, const std::string& key) {
  std::vector<std::string> out;
  std::istringstream conf(read_text(dir / "frr.conf"));
  const std::regex keyed(R"(^\s*neighbor (\S+) password (\S+)\s*$)");
  std::string line;
  std::smatch m;
  while (std::getline(conf, line)) {
    if (std::regex_match(line, m, keyed) && m[2] == key) {
      out.push_back(m[1].str());
    }
  }
  return out;
}

// Sets the password of those sessions of FRR's AS 65002 to `to` with vtysh (bgpd resets them).
void set_frr_password(const std::filesystem::path& dir, const std::vector<std::string>& neighbors,
                      const std::string& to) {
  std::vector<std::string> commands{"configure terminal", "router bgp 65002"};
  for (const auto& n : neighbors) {
    commands.push_back("neighbor " + n + " password " + to);
  }
  auto out = nodes::frr::vtysh(dir, commands);
  ASSERT_TRUE(out.ok()) << out.error().message;
}

TEST(Md5Lab, RightPasswordUpWrongPasswordStaysDown) {
  if (!is_root()) {
    GTEST_SKIP() << "lab tests need root (network namespaces)";
  }
  ::setenv("FLOWLAB_FLOWCOLLECTOR", FLOWLAB_FLOWCOLLECTOR, 1);
  const std::string lab = unique_lab("i20md5");
  const std::string topo = md5_topology_file(lab);
  LabGuard guard(lab);
  auto deploy = labctl({"deploy", "-t", topo, "--name", lab});
  ASSERT_TRUE(deploy.success()) << describe(deploy);
  const auto r1 = std::filesystem::path(kRunDir) / lab / "r1";
  const auto r2 = std::filesystem::path(kRunDir) / lab / "r2";
  // The key reached all three configuration files.
  EXPECT_NE(read_text(r1 / "bird.conf").find(std::string("password \"") + kPassword + "\""), std::string::npos);
  const std::vector<std::string> r2_keyed = frr_keyed_neighbors(r2, kPassword);
  EXPECT_EQ(r2_keyed.size(), 2U) << read_text(r2 / "frr.conf");  // the IPv4 and IPv6 sessions with c1
  EXPECT_NE(read_text(std::filesystem::path(kRunDir) / lab / "c1" / "flowcollector.yaml").find(kPassword),
            std::string::npos);

  const std::vector<std::string> r2_sessions{"r2_v4", "r2_v6"};
  ASSERT_TRUE(eventually(
      [&] {
        return all_established(lab, {"r1_v4", "r1_v6", "r2_v4", "r2_v6"});
      },
      90s))
      << labctl({"flows", lab, "--bgp-peers"}).out;

  // Wrong password on both routers: every session leaves Established and none comes back in 15 s (BIRD retries
  // every few seconds, FRR every 2 s).
  set_bird_password(r1, kPassword, "i20-wrong");
  set_frr_password(r2, r2_keyed, "i20-wrong");
  ASSERT_TRUE(eventually(
      [&] {
        auto peers = collector_peers(lab);
        return std::none_of(peers.begin(), peers.end(), [](const auto& p) { return p.second.first == "Established"; });
      },
      60s))
      << labctl({"flows", lab, "--bgp-peers"}).out;
  for (int second = 0; second < 15; ++second) {  // and none comes back
    std::this_thread::sleep_for(1s);
    for (const auto& [name, state] : collector_peers(lab)) {
      ASSERT_NE(state.first, "Established") << name << " came up with a wrong password";
    }
  }

  // The right password again on r2 only: r2's sessions come back, r1's stay down.
  set_frr_password(r2, r2_keyed, kPassword);
  EXPECT_TRUE(eventually([&] { return all_established(lab, r2_sessions); }, 60s))
      << labctl({"flows", lab, "--bgp-peers"}).out;
  auto peers = collector_peers(lab);
  EXPECT_NE(peers["r1_v4"].first, "Established");
  EXPECT_NE(peers["r1_v6"].first, "Established");

  auto destroy = labctl({"destroy", lab});
  EXPECT_TRUE(destroy.success()) << describe(destroy);
  EXPECT_TRUE(leftovers(lab).empty());
  std::filesystem::remove(topo);
}

}  // namespace
}  // namespace flowlab::labtest
