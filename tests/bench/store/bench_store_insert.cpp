// Sustained insert into ClickHouse (issue 18) vs nfcapd writing its files: NetFlow v9 and IPFIX records replayed to a
// loopback port by a sender thread at paced rates; the figure is the highest pace WITHOUT LOSS, found the same way for
// both sides in the same run (paces 400 K, 300 K, 250 K, 200 K, 150 K, 100 K, 70 K, 50 K, 35 K, 25 K records/s: the
// first lossless one). Ours: a Collector (listen 127.0.0.1, aggregate of the BGP primitives, RIB filled with the bench
// RouteMix: 60,000 AS paths, a third of the routes with a community) with outputs.clickhouse into a real
// clickhouse-server started in a temp folder (tests/store/clickhouse_server.hpp). No loss = every record decoded,
// rows_inserted grew by the records sent, rows_dropped did not grow, count() in ClickHouse grew by the same, and the
// queue (queue_rows 500,000, batch_rows 100,000: two seconds at 250 K/s, so a pace the store cannot sustain overflows
// it) drained within 5 s of the sender's end. Peer: nfcapd (nfdump 1.7) on another loopback port writing its files; no
// loss = `nfdump -R DIR -I` counts every record once nfcapd has ended (SIGTERM flushes its file). CPU seconds are
// printed per side: ours (this process minus the sender thread's share is not separable: the sender is cheap, about 1
// µs a datagram), clickhouse-server (from /proc), nfcapd (from /proc). The machine has 2 cores that the sender, the
// collector and the server share.
//
// Usage: bench_store_insert [records per trial, default 2000000] [routes, default 200000]
//        BENCH_SKIP_NFCAPD=1 runs our side only.
#include "probes/collector/collector.hpp"
#include "probes/wire/exporter.hpp"
#include "tests/bench/common/route_mix.hpp"
#include "tests/store/clickhouse_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>

using namespace flowlab;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr const char* kPrimitives = "src_as, dst_as, peer_src_as, peer_dst_as, peer_dst_ip, as_path, src_as_path";
constexpr std::uint16_t kNfcapdPort = 29995;
constexpr std::array<double, 10> kPaces{400e3, 300e3, 250e3, 200e3, 150e3, 100e3, 70e3, 50e3, 35e3, 25e3};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// user+sys CPU seconds of a process (from /proc/PID/stat), 0 when it is gone.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) {
    return 0;
  }
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; fields >> f && i <= 15; ++i) {
    if (i == 14 || i == 15) {
      ticks += std::stod(f);
    }
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// v9 or IPFIX datagrams of `n` records between the routes' addresses (1,000 records an export call).
std::vector<std::vector<std::byte>> encode(wire::ExportProtocol protocol, std::size_t n,
                                           const std::vector<IpAddress>& addresses) {
  wire::ExportOptions o;
  o.protocol = protocol;
  wire::Exporter exporter(o);
  std::mt19937_64 rng(protocol == wire::ExportProtocol::kIpfix ? 19 : 9);
  std::vector<wire::FlowRecord> batch;
  std::vector<std::vector<std::byte>> out;
  for (std::size_t i = 0; i < n; ++i) {
    wire::FlowRecord r;
    r.src_addr = addresses[rng() % addresses.size()];
    r.dst_addr = addresses[rng() % addresses.size()];
    r.src_port = static_cast<std::uint16_t>(rng());
    r.dst_port = i % 3 == 0 ? 53 : 443;
    r.protocol = i % 3 == 0 ? 17 : 6;
    r.packets = 1 + rng() % 20;
    r.bytes = r.packets * (64 + rng() % 1400);
    r.first_ms = 1'700'000'000'000ULL + i / 100;
    r.last_ms = r.first_ms + 1000;
    r.input_ifindex = 1 + static_cast<std::uint32_t>(i % 4);
    r.output_ifindex = 5;
    batch.push_back(r);
    if (batch.size() == 1000 || i + 1 == n) {
      for (auto& d : exporter.encode(batch, r.last_ms + 1000)) {
        out.push_back(std::move(d));
      }
      batch.clear();
    }
  }
  return out;
}

// Sends the datagrams to 127.0.0.1:port at `records_per_s` (1 ms steps); returns when all are sent.
void send_paced(const std::vector<std::vector<std::byte>>& datagrams, std::size_t records, std::uint16_t port,
                double records_per_s) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const double per_s = records_per_s * static_cast<double>(datagrams.size()) / static_cast<double>(records);
  const auto start = Clock::now();
  for (std::size_t i = 0; i < datagrams.size(); ++i) {
    while (static_cast<double>(i) >= seconds_since(start) * per_s) {
      std::this_thread::sleep_for(250us);
    }
    (void)::sendto(fd, datagrams[i].data(), datagrams[i].size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
  }
  ::close(fd);
}

struct Trial {
  double pace = 0;
  std::size_t sent = 0;
  std::uint64_t received = 0;  // decoded by the collector / counted in nfcapd's files
  std::uint64_t stored = 0;    // rows_inserted (ours)
  std::uint64_t dropped = 0;   // rows_dropped (ours)
  std::uint64_t counted = 0;   // count() in ClickHouse (ours)
  double drain_s = 0;          // after the sender's end, until everything was stored
  double cpu_s = 0;            // the receiver
  double server_cpu_s = 0;     // clickhouse-server
  bool lossless = false;
};

void print(const char* who, const char* proto, const Trial& t) {
  std::printf("  %-8s %-5s pace %6.0f rec/s: received %llu/%zu", who, proto, t.pace,
              static_cast<unsigned long long>(t.received), t.sent);
  if (t.stored != 0 || t.dropped != 0 || t.counted != 0) {
    std::printf(", inserted %llu, dropped %llu, count() %llu, drained %.1f s after the sender",
                static_cast<unsigned long long>(t.stored), static_cast<unsigned long long>(t.dropped),
                static_cast<unsigned long long>(t.counted), t.drain_s);
  }
  std::printf(", CPU %.1f s%s -> %s\n", t.cpu_s,
              t.server_cpu_s > 0
                  ? (" (+ clickhouse-server " + std::to_string(t.server_cpu_s).substr(0, 4) + " s)").c_str()
                  : "",
              t.lossless ? "no loss" : "LOSS");
  std::fflush(stdout);
}

// Interrupted (SIGINT/SIGTERM): end the server and nfcapd by their PIDs and remove the temp folder anyway.
volatile pid_t g_server = 0;
volatile pid_t g_nfcapd = 0;
char g_dir[256] = {};

void on_signal(int /*signal*/) {
  if (g_server > 0) {
    ::kill(g_server, SIGKILL);
  }
  if (g_nfcapd > 0) {
    ::kill(g_nfcapd, SIGKILL);
  }
  ::execlp("rm", "rm", "-rf", g_dir, static_cast<char*>(nullptr));  // async-signal-safe; replaces this process
  _exit(130);
}

// ---- ours

class Ours {
 public:
  Ours(const testing::ClickHouseServer& server, bench::RouteMix& mix, std::size_t routes,
       std::vector<IpAddress>& addresses)
      : server_(server) {
    auto config = collector::parse_config(std::string("listen: [{address: 127.0.0.1, port: 0}]\n"
                                                      "socket_buffer: 64MiB\n"
                                                      "aggregates: [{name: a, primitives: [") +
                                              kPrimitives +
                                              "]}]\n"
                                              "outputs:\n  clickhouse: {url: " +
                                              server.url() +
                                              ", database: bench, batch_rows: 100000, queue_rows: 500000, "
                                              "flush_interval: 500ms}\n",
                                          "bench.yaml");
    auto created = collector::Collector::create(io_, config.value());
    collector_ = std::move(created.value());
    auto& rib = collector_->tables().rib(*IpAddress::parse("127.0.0.1"), 64500);
    mix.for_each_route(routes, 0, [&](const bench::MixRoute& r) {
      bgp::PathAttributes a;
      a.origin = bgp::Origin::kIgp;
      a.as_path = mix.paths()[r.path];
      a.next_hop = IpAddress::v4(0xc6336401U + r.path % 8);
      if (r.community >= 0) {
        a.communities = {(65001U << 16U) | static_cast<std::uint32_t>(r.community)};
      }
      rib.announce(r.prefix, 0, a);
      IpAddress host = r.prefix.address;
      host.bytes[15] |= 1U;
      addresses.push_back(host);
    });
    auto started = collector_->start();
    if (!started.ok()) {
      std::fprintf(stderr, "collector: %s\n", started.error().message.c_str());
      std::exit(1);
    }
    port_ = collector_->listening_ports().at(0);
  }

  Trial run(const std::vector<std::vector<std::byte>>& datagrams, std::size_t records, double pace, pid_t server) {
    Trial t{pace, records};
    const auto& ch = *collector_->clickhouse();
    for (const auto idle = Clock::now(); ch.counters().rows_queued != 0 && seconds_since(idle) < 120;) {
      io_.run_for(50ms);  // the previous trial's rows are stored first
    }
    const auto before = ch.counters();
    const std::uint64_t decoded0 = collector_->counters().records;
    const std::uint64_t count0 = count();
    const double cpu0 = cpu_seconds(::getpid());
    const double server0 = cpu_seconds(server);
    std::atomic<bool> sent{false};
    std::thread sender([&] {
      send_paced(datagrams, records, port_, pace);
      sent = true;
    });
    std::optional<Clock::time_point> sender_end;
    for (;;) {
      io_.run_for(20ms);
      if (sent && !sender_end) {
        sender_end = Clock::now();
      }
      const auto c = ch.counters();
      if (sender_end && ((c.rows_queued == 0 && c.rows_produced - before.rows_produced >= records) ||
                         seconds_since(*sender_end) > 5.0)) {
        break;
      }
    }
    sender.join();
    const auto after = ch.counters();
    t.drain_s = seconds_since(*sender_end);
    t.received = collector_->counters().records - decoded0;
    t.stored = after.rows_inserted - before.rows_inserted;
    t.dropped = after.rows_dropped - before.rows_dropped;
    t.cpu_s = cpu_seconds(::getpid()) - cpu0;
    t.server_cpu_s = cpu_seconds(server) - server0;
    t.counted = count() - count0;
    t.lossless = t.received == records && t.stored == records && t.dropped == 0 && t.counted == records &&
                 after.rows_queued == 0 && t.drain_s <= 5.0;
    return t;
  }

 private:
  std::uint64_t count() const {
    auto r = server_.query("SELECT count() FROM bench.flows");
    return r.ok() ? std::stoull(*r) : 0;
  }

  const testing::ClickHouseServer& server_;
  boost::asio::io_context io_;
  std::unique_ptr<collector::Collector> collector_;
  std::uint16_t port_ = 0;
};

// ---- nfcapd

std::uint64_t nfdump_flows(const fs::path& dir) {
  const std::string command = "nfdump -R " + dir.string() + " -I 2>/dev/null";
  FILE* p = ::popen(command.c_str(), "r");
  std::uint64_t flows = 0;
  char line[256];
  while (p != nullptr && std::fgets(line, sizeof line, p) != nullptr) {
    unsigned long long n = 0;
    if (std::sscanf(line, "Flows: %llu", &n) == 1) {
      flows = n;  // the first "Flows:" line is the total
      break;
    }
  }
  if (p != nullptr) {
    ::pclose(p);
  }
  return flows;
}

Trial run_nfcapd(const fs::path& base, const std::vector<std::vector<std::byte>>& datagrams, std::size_t records,
                 double pace) {
  Trial t{pace, records};
  const fs::path dir = base / ("nfcapd-" + std::to_string(static_cast<long>(pace)));
  fs::create_directories(dir);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string port = std::to_string(kNfcapdPort);
    ::execlp("nfcapd", "nfcapd", "-b", "127.0.0.1", "-p", port.c_str(), "-w", dir.c_str(), "-B", "67108864", "-t",
             "3600", static_cast<char*>(nullptr));
    _exit(127);
  }
  g_nfcapd = pid;
  std::this_thread::sleep_for(1s);  // bound and listening
  const double cpu0 = cpu_seconds(pid);
  send_paced(datagrams, records, kNfcapdPort, pace);
  std::this_thread::sleep_for(2s);  // the socket buffer drained
  t.cpu_s = cpu_seconds(pid) - cpu0;
  ::kill(pid, SIGTERM);  // flushes and closes its file
  ::waitpid(pid, nullptr, 0);
  g_nfcapd = 0;
  t.received = nfdump_flows(dir);
  t.lossless = t.received == records;
  fs::remove_all(dir);
  return t;
}

template <class F>
std::optional<Trial> highest_lossless(const char* who, const char* proto, F&& trial) {
  for (const double pace : kPaces) {
    const Trial t = trial(pace);
    print(who, proto, t);
    if (t.lossless) {
      return t;
    }
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t records = argc > 1 ? std::stoul(argv[1]) : 2'000'000;
  const std::size_t routes = argc > 2 ? std::stoul(argv[2]) : 200'000;
  const bool peer = std::getenv("BENCH_SKIP_NFCAPD") == nullptr;
  if (!testing::ClickHouseServer::command()) {
    std::printf("%s\n", testing::ClickHouseServer::kMissing);
    return 1;
  }
  const fs::path dir = fs::temp_directory_path() / ("fl-bench-store-" + std::to_string(::getpid()));
  std::snprintf(g_dir, sizeof g_dir, "%s", dir.c_str());
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  auto server = testing::ClickHouseServer::start(dir / "clickhouse");
  if (!server.ok()) {
    std::fprintf(stderr, "clickhouse-server: %s\n", server.error().message.c_str());
    fs::remove_all(dir);
    return 1;
  }
  const pid_t server_pid = (*server)->pid();
  g_server = server_pid;
  bench::RouteMix mix;
  std::vector<IpAddress> addresses;
  Ours ours(**server, mix, routes, addresses);
  std::printf("store insert: %zu records per trial, %zu routes, paces", records, routes);
  for (const double p : kPaces) {
    std::printf(" %.0f", p);
  }
  std::printf(" records/s\n");
  struct Side {
    const char* proto;
    wire::ExportProtocol protocol;
  };
  int status = 0;
  for (const Side s : {Side{"v9", wire::ExportProtocol::kNetflowV9}, Side{"IPFIX", wire::ExportProtocol::kIpfix}}) {
    const auto datagrams = encode(s.protocol, records, addresses);
    const auto mine = highest_lossless("flowlab", s.proto,
                                       [&](double pace) { return ours.run(datagrams, records, pace, server_pid); });
    std::optional<Trial> theirs;
    if (peer) {
      theirs =
          highest_lossless("nfcapd", s.proto, [&](double pace) { return run_nfcapd(dir, datagrams, records, pace); });
    }
    std::printf("%s: flowlab -> ClickHouse %s records/s without loss; nfcapd -> files %s records/s", s.proto,
                mine ? std::to_string(static_cast<long>(mine->pace)).c_str() : "< 25000",
                !peer    ? "(skipped)"
                : theirs ? std::to_string(static_cast<long>(theirs->pace)).c_str()
                         : "< 25000");
    if (mine && theirs) {
      std::printf(" (ratio %.2f)", mine->pace / theirs->pace);
    }
    std::printf("; target >= 250000: %s\n", mine && mine->pace >= 250e3 ? "met" : "NOT met");
    status |= mine && mine->pace >= 250e3 ? 0 : 2;
  }
  server->reset();  // ends the server by its PID
  fs::remove_all(dir);
  return status;
}
