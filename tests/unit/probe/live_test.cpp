// Live flowprobe and the FIB, inside a private network namespace (label `lab`, root only): a child process
// unshares its network namespace (anonymous: it vanishes with the child, nothing touches the host's), builds a
// veth pair with IPv4/IPv6 routes, checks Fib answers (output ifindex, next hop, mask), then runs the
// flowprobe binary live on its loopback, sends a known UDP stream, asks for stats with SIGUSR1, stops it with
// SIGTERM and checks the flushed export; then two samplers (--sampler) on two more veth ends, announced by sampler
// id. The child reports failures on stderr and by exit code.
#include "probes/probe/fib.hpp"
#include "probes/wire/decoder.hpp"
#include "tests/support/eventually.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace flowlab::probe {
namespace {

namespace fs = std::filesystem;
constexpr int kSkip = 77;
int g_failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    ++g_failures;
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
  }
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& out, const std::string& err) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::FILE* o = std::freopen(out.c_str(), "w", stdout);
    std::FILE* e = std::freopen(err.c_str(), "w", stderr);
    (void)o;
    (void)e;
    std::vector<char*> args;
    for (const auto& a : argv) {
      args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int run(const std::vector<std::string>& argv) {
  const pid_t pid = spawn(argv, "/dev/null", "/dev/null");
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  return test_support::eventually(cond, timeout);
}

void check_fib() {
  auto fib = Fib::open(60000);
  check(fib.ok(), "Fib::open");
  if (!fib.ok()) {
    return;
  }
  const auto d0 = if_nametoindex("d0");
  struct Case {
    std::string address;
    bool found;
    std::uint32_t ifindex;
    std::string next_hop;
    std::uint8_t prefix;
  };
  const std::vector<Case> cases = {
      {"198.51.100.7", true, d0, "192.0.2.254", 24},
      {"192.0.2.55", true, d0, "", 24},
      {"203.0.113.1", false, 0, "", 0},
      {"2001:db8:99::5", true, d0, "2001:db8:1::fe", 48},
      {"2001:db8:1::77", true, d0, "", 64},
      {"127.0.0.1", true, if_nametoindex("lo"), "", 32},
  };
  for (const auto& c : cases) {
    const RouteAnswer a = (*fib)->route(*IpAddress::parse(c.address), 0);
    check(a.found == c.found, c.address + ": found");
    check(a.out_ifindex == c.ifindex, c.address + ": ifindex " + std::to_string(a.out_ifindex));
    check(a.next_hop.to_string() == c.next_hop, c.address + ": next hop " + a.next_hop.to_string());
    check(a.prefix_len == c.prefix, c.address + ": prefix " + std::to_string(a.prefix_len));
  }
  (void)(*fib)->route(*IpAddress::parse("198.51.100.7"), 1);
  check((*fib)->counters().cache_hits == 1, "FIB cache hit");
  wire::FlowRecord r;
  r.src_addr = *IpAddress::parse("192.0.2.9");
  r.dst_addr = *IpAddress::parse("198.51.100.7");
  std::vector<wire::FlowRecord> records{r};
  (*fib)->enrich(records, 2);
  check(records[0].output_ifindex == d0 && records[0].next_hop.to_string() == "192.0.2.254" &&
            records[0].dst_mask == 24 && records[0].src_mask == 24,
        "enrich");
  // --ifindex d0=77: FIB answers name d0 as 77 (cached answers are dropped); an unknown interface is an error.
  check((*fib)->set_ifindex_overrides({{"d0", 77}}).ok(), "ifindex override d0=77");
  check((*fib)->route(*IpAddress::parse("198.51.100.7"), 3).out_ifindex == 77, "override in FIB answer");
  check((*fib)->route(*IpAddress::parse("127.0.0.1"), 3).out_ifindex == if_nametoindex("lo"), "lo unchanged");
  std::vector<wire::FlowRecord> renumbered{r};
  (*fib)->enrich(renumbered, 3);
  check(renumbered[0].output_ifindex == 77, "override in enrich");
  auto bad = (*fib)->set_ifindex_overrides({{"nope0", 3}});
  check(!bad.ok() && bad.error().message == "--ifindex nope0=3: no interface nope0", "unknown interface refused");
}

// A UDP socket on 127.0.0.1 (a free port) standing for the collector: {fd, port}.
std::pair<int, std::uint16_t> collector_socket() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
  socklen_t len = sizeof(sin);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
  return {fd, ntohs(sin.sin_port)};
}

// Every datagram waiting on the collector socket, decoded; the socket is closed.
std::vector<wire::FlowRecord> drain(int collector) {
  wire::Decoder decoder;
  std::vector<wire::FlowRecord> records;
  std::vector<std::byte> buf(65536);
  pollfd pfd{collector, POLLIN, 0};
  while (poll(&pfd, 1, 200) > 0) {
    const ssize_t n = recv(collector, buf.data(), buf.size(), 0);
    if (n <= 0) {
      break;
    }
    (void)decoder.decode(Bytes(buf.data(), static_cast<std::size_t>(n)), IpAddress::v4(0x7f000001U), 1, 0, records);
  }
  close(collector);
  return records;
}

void check_live(const std::string& flowprobe, const std::string& dir) {
  const auto [collector, port] = collector_socket();

  const std::string out = dir + "/flowprobe.out";
  const std::string err = dir + "/flowprobe.err";
  const std::string flows = dir + "/flows.json";
  const pid_t pid = spawn({flowprobe, "-i", "lo", "-n", "127.0.0.1:" + std::to_string(port), "-v", "9", "--fib",
                           "--json", "--flows-json", flows, "-t", "general=30", "udp", "dst", "port", "5555"},
                          out, err);
  check(wait_for([&] { return slurp(err).find("capturing on lo") != std::string::npos; }, std::chrono::seconds(10)),
        "flowprobe started: " + slurp(err));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  const int sender = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(5555);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::vector<char> payload(100, 'x');
  for (int i = 0; i < 10; ++i) {
    sendto(sender, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  }
  sockaddr_in local{};
  socklen_t len = sizeof(local);
  getsockname(sender, reinterpret_cast<sockaddr*>(&local), &len);
  const std::uint16_t sport = ntohs(local.sin_port);
  close(sender);

  // SIGUSR1: one stats line, packets counted, no flow exported yet (inactive timeout 30 s).
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kill(pid, SIGUSR1);
  check(wait_for([&] { return slurp(out).find("packets_seen") != std::string::npos; }, std::chrono::seconds(5)),
        "stats on SIGUSR1");
  {
    const auto line = slurp(out);
    const auto j = nlohmann::json::parse(line.substr(0, line.find('\n')), nullptr, false);
    check(!j.is_discarded() && j.value("packets_seen", 0) == 10 && j.value("flows_exported", 1) == 0 &&
              j.contains("kernel_drops"),
          "SIGUSR1 stats: " + line);
  }
  // SIGTERM: flush, export, exit 0.
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "flowprobe exit status after SIGTERM");
  const std::string flow_lines = slurp(flows);
  const auto j = nlohmann::json::parse(flow_lines.substr(0, flow_lines.find('\n')), nullptr, false);
  check(!j.is_discarded(), "flows JSON: " + flow_lines);
  if (!j.is_discarded()) {
    check(j["src"] == "127.0.0.1" && j["dst"] == "127.0.0.1" && j["sport"] == sport && j["dport"] == 5555 &&
              j["proto"] == 17,
          "flow key: " + flow_lines);
    check(j["packets"] == 10 && j["bytes"] == 10 * (20 + 8 + 100), "flow counters: " + flow_lines);
    check(j["iface_in"] == if_nametoindex("lo") && j["iface_out"] == if_nametoindex("lo") && j["mask_dst"] == 32,
          "ifindex / FIB fields: " + flow_lines);
  }
  // The collector got the same flow over UDP.
  const std::vector<wire::FlowRecord> records = drain(collector);
  bool found = false;
  for (const auto& r : records) {
    found = found ||
            (r.dst_port == 5555 && r.src_port == sport && r.packets == 10 && r.output_ifindex == if_nametoindex("lo"));
  }
  check(found, "collector decoded the flow (" + std::to_string(records.size()) + " records)");
}

// `count` UDP frames 192.0.2.<host> -> 198.51.100.9:5001 sent raw out of `ifname` (they arrive on its veth peer).
void send_frames(const char* ifname, std::uint8_t host, int count) {
  const int fd = socket(AF_PACKET, SOCK_RAW, 0);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = static_cast<int>(if_nametoindex(ifname));
  to.sll_halen = 6;
  std::vector<std::uint8_t> f{2,    0,    0,   0,  0,    2,    2,    0,    0,  0,  0, 1, 0x08, 0x00,  // Ethernet
                              0x45, 0,    0,   48, 0,    1,    0,    0,    64, 17, 0, 0, 192,  0,
                              2,    host,                                                  // IPv4, 48 bytes
                              198,  51,   100, 9,  0x04, 0xd2, 0x13, 0x89, 0,  28, 0, 0};  // UDP 1234 -> 5001
  f.resize(14 + 48, 'x');
  for (int i = 0; i < count; ++i) {
    sendto(fd, f.data(), f.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  }
  close(fd);
}

// --sampler: d1 sampled 1:10 by sampler 5, e1 1:100 by sampler 6, announced as IPFIX options keyed by selectorId
// (--sampler-options ipfix-305); 1000 frames into each: the decoded records carry their own sampler's id and rate.
void check_samplers(const std::string& flowprobe, const std::string& dir) {
  const auto [collector, port] = collector_socket();
  const std::string err = dir + "/samplers.err";
  const pid_t pid = spawn({flowprobe,
                           "-i",
                           "d1",
                           "-i",
                           "e1",
                           "--direction",
                           "in",
                           "-s",
                           "1000",
                           "--sampler",
                           "d1=10/5",
                           "--sampler",
                           "e1=100/6",
                           "--sampler-options",
                           "ipfix-305",
                           "-v",
                           "10",
                           "-n",
                           "127.0.0.1:" + std::to_string(port),
                           "udp",
                           "dst",
                           "port",
                           "5001"},
                          dir + "/samplers.out", err);
  check(wait_for([&] { return slurp(err).find("capturing on") != std::string::npos; }, std::chrono::seconds(10)),
        "flowprobe --sampler started: " + slurp(err));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  send_frames("d0", 1, 1000);
  send_frames("e0", 2, 1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  const std::vector<wire::FlowRecord> records = drain(collector);
  std::map<std::uint16_t, std::pair<std::uint32_t, std::uint64_t>> by_sampler;  // id -> rate, packets
  for (const auto& r : records) {
    by_sampler[r.sampler_id].first = r.sampling_interval;
    by_sampler[r.sampler_id].second += r.packets;
  }
  check(by_sampler[5] == std::pair<std::uint32_t, std::uint64_t>{10, 100}, "sampler 5 (d1): 1:10, 100 packets");
  check(by_sampler[6] == std::pair<std::uint32_t, std::uint64_t>{100, 10}, "sampler 6 (e1): 1:100, 10 packets");
  check(records.size() == 2, "two records (" + std::to_string(records.size()) + ")");
}

int child_main(const std::string& flowprobe, const std::string& dir) {
  if (unshare(CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "unshare(CLONE_NEWNET) failed: not root?\n");
    return kSkip;
  }
  for (const auto& cmd : std::vector<std::vector<std::string>>{
           {"ip", "link", "set", "lo", "up"},
           {"ip", "link", "add", "d0", "type", "veth", "peer", "name", "d1"},  // no dummy module everywhere
           {"ip", "link", "set", "d1", "up"},
           {"ip", "link", "set", "d0", "up"},
           {"ip", "link", "add", "e0", "type", "veth", "peer", "name", "e1"},
           {"ip", "link", "set", "e1", "up"},
           {"ip", "link", "set", "e0", "up"},
           {"ip", "addr", "add", "192.0.2.1/24", "dev", "d0"},
           {"ip", "-6", "addr", "add", "2001:db8:1::1/64", "dev", "d0", "nodad"},
           {"ip", "route", "add", "198.51.100.0/24", "via", "192.0.2.254", "dev", "d0"},
           {"ip", "-6", "route", "add", "2001:db8:99::/48", "via", "2001:db8:1::fe", "dev", "d0"}}) {
    if (run(cmd) != 0) {
      std::string joined;
      for (const auto& a : cmd) {
        joined += a + " ";
      }
      std::fprintf(stderr, "setup failed: %s\n", joined.c_str());
      return 1;
    }
  }
  check_fib();
  check_live(flowprobe, dir);
  check_samplers(flowprobe, dir);
  return g_failures == 0 ? 0 : 1;
}

TEST(ProbeLive, FibAndLiveCaptureInAPrivateNamespace) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "needs root (network namespace)";
  }
  std::string tmpl = (fs::temp_directory_path() / "flowlab-probe-live-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::string log = tmpl + "/child.log";
  const std::string flowprobe = std::string(FLOWLAB_BINARY_DIR) + "/probes/probe/flowprobe";
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    std::FILE* f = std::freopen(log.c_str(), "w", stderr);
    (void)f;
    const int rc = child_main(flowprobe, tmpl);
    std::fflush(nullptr);
    _exit(rc);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  const std::string text = slurp(log) + slurp(tmpl + "/flowprobe.err");
  std::error_code ec;
  fs::remove_all(tmpl, ec);
  if (code == kSkip) {
    GTEST_SKIP() << text;
  }
  EXPECT_EQ(code, 0) << text;
}

}  // namespace
}  // namespace flowlab::probe
