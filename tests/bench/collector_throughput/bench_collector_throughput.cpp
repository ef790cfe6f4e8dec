// flowcollector throughput: NetFlow v9 and IPFIX replayed at full speed from a second process (fork) to loopback,
// decoded + enriched + aggregated by a Collector with a 1M-route IPv4 BGP view, records/s counted only when
// nothing was lost (sequence lost == 0 and no kernel drops); beside it, nfacctd (pmacct 1.7) fed the same
// datagrams in the same run (memory plugin, same aggregate; its BGP daemon is off: the table load is measured by
// tests/bench/bgp_ingest), its count read back with `pmacct -s`. Prints the ratio (target >= 5x).
//
// Usage: bench_collector_throughput [records per protocol, default 2000000] [routes, default 1000000]
// The table is filled directly (BgpTables::rib) with random prefixes; record destinations fall inside them.
#include "probes/collector/collector.hpp"
#include "probes/wire/exporter.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

using namespace flowlab;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kPrimitives = "src_as, dst_as, peer_src_as, peer_dst_as, peer_dst_ip, as_path, src_as_path";

std::vector<std::vector<std::byte>> encode(wire::ExportProtocol protocol, std::size_t n,
                                           const std::vector<std::uint32_t>& destinations) {
  wire::ExportOptions o;
  o.protocol = protocol;
  wire::Exporter exporter(o);
  std::vector<wire::FlowRecord> batch;
  std::vector<std::vector<std::byte>> out;
  std::mt19937_64 rng(7);
  for (std::size_t i = 0; i < n; ++i) {
    wire::FlowRecord r;
    r.src_addr = IpAddress::v4(destinations[rng() % destinations.size()] | 1U);
    r.dst_addr = IpAddress::v4(destinations[rng() % destinations.size()] | 2U);
    r.src_port = static_cast<std::uint16_t>(rng());
    r.dst_port = 443;
    r.protocol = 6;
    r.packets = 3;
    r.bytes = 400;
    r.first_ms = 1'700'000'000'000ULL;
    r.last_ms = 1'700'000'001'000ULL;
    batch.push_back(r);
    if (batch.size() == 1000 || i + 1 == n) {
      for (auto& d : exporter.encode(batch, 1'700'000'002'000ULL + i)) {
        out.push_back(std::move(d));
      }
      batch.clear();
    }
  }
  return out;
}

// Forks a sender that blasts the datagrams to 127.0.0.1:port (a blocking socket: the kernel paces it).
pid_t replay(const std::vector<std::vector<std::byte>>& datagrams, std::uint16_t port) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid != 0) {
    return pid;
  }
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (const auto& d : datagrams) {
    (void)::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  }
  _exit(0);
}

struct Outcome {
  double seconds = 0;
  std::uint64_t records = 0;
  std::uint64_t lost = 0;
  std::uint64_t drops = 0;
};

Outcome run_ours(const std::vector<std::vector<std::byte>>& datagrams, std::size_t records, std::size_t routes,
                 const std::vector<std::uint32_t>& prefixes) {
  boost::asio::io_context io;
  auto config = collector::parse_config(std::string("listen: [{address: 127.0.0.1, port: 0}]\n"
                                                    "socket_buffer: 64MiB\n"
                                                    "aggregates: [{name: a, primitives: [") +
                                            kPrimitives + "]}]\n",
                                        "bench.yaml");
  auto c = collector::Collector::create(io, *config);
  auto& rib = (*c)->tables().rib(*IpAddress::parse("127.0.0.1"), 64500);
  std::mt19937_64 rng(11);
  for (std::size_t i = 0; i < routes; ++i) {
    bgp::PathAttributes a;
    a.origin = bgp::Origin::kIgp;
    a.as_path = bgp::AsPath{{bgp::AsPathSegment{
        bgp::SegmentType::kSequence,
        {65000U + static_cast<std::uint32_t>(rng() % 50), 64512U + static_cast<std::uint32_t>(rng() % 4000)}}}};
    a.next_hop = IpAddress::v4(0xc6336401U + static_cast<std::uint32_t>(rng() % 8));
    rib.announce(Prefix{IpAddress::v4(prefixes[i]), 24}, 0, a);
  }
  (void)(*c)->start();
  const auto port = (*c)->listening_ports().at(0);
  const auto start = Clock::now();
  const pid_t child = replay(datagrams, port);
  auto last_change = Clock::now();
  std::uint64_t last = 0;
  while ((*c)->counters().records < records && Clock::now() - last_change < std::chrono::seconds(2)) {
    io.run_for(std::chrono::milliseconds(20));
    if ((*c)->counters().records != last) {
      last = (*c)->counters().records;
      last_change = Clock::now();
    }
  }
  Outcome o;
  o.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if ((*c)->counters().records < records) {
    o.seconds -= 2.0;  // the idle wait that ended it
  }
  waitpid(child, nullptr, 0);
  o.records = (*c)->counters().records;
  o.lost = (*c)->sequences().totals().lost;
  for (const auto& r : (*c)->receivers()) {
    o.drops += r->counters().kernel_drops;
  }
  return o;
}

std::uint64_t nfacctd_flows(const std::filesystem::path& pipe) {
  FILE* p = popen(("pmacct -s -p " + pipe.string() + " -O json 2>/dev/null").c_str(), "r");
  if (p == nullptr) {
    return 0;
  }
  std::uint64_t total = 0;
  char line[4096];
  while (std::fgets(line, sizeof(line), p) != nullptr) {
    const char* f = std::strstr(line, "\"flows\":");
    if (f != nullptr) {
      total += std::strtoull(f + 8, nullptr, 10);  // strtoull skips the blank pmacct may print
    }
  }
  pclose(p);
  return total;
}

Outcome run_nfacctd(const std::vector<std::vector<std::byte>>& datagrams, std::size_t records) {
  Outcome o;
  const auto dir = std::filesystem::temp_directory_path() / ("fl-bench-nfacctd-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream conf(dir / "nfacctd.conf");
    conf << "daemonize: false\nnfacctd_ip: 127.0.0.1\nnfacctd_port: 2199\nplugins: memory[a]\n"
         << "aggregate[a]: " << kPrimitives << ", flows\nimt_path[a]: " << (dir / "pipe").string()
         << "\nnfacctd_pipe_size: 67108864\n"
         << "nfacctd_as: netflow\nnfacctd_net: netflow\n";
  }
  std::fflush(stdout);
  const pid_t nf = fork();
  if (nf == 0) {
    const std::string conf = (dir / "nfacctd.conf").string();
    std::freopen((dir / "nfacctd.log").c_str(), "w", stderr);
    std::freopen((dir / "nfacctd.log").c_str(), "a", stdout);
    execlp("nfacctd", "nfacctd", "-f", conf.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const auto start = Clock::now();
  const pid_t child = replay(datagrams, 2199);
  waitpid(child, nullptr, 0);
  std::uint64_t last = 0;
  auto last_change = Clock::now();
  while (Clock::now() - last_change < std::chrono::seconds(3)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const auto n = nfacctd_flows(dir / "pipe");
    if (n != last) {
      last = n;
      last_change = Clock::now();
      o.seconds = std::chrono::duration<double>(last_change - start).count();
    }
    if (n >= records) {
      break;
    }
  }
  o.records = last;
  o.lost = records > last ? records - last : 0;
  kill(nf, SIGTERM);
  waitpid(nf, nullptr, 0);
  std::filesystem::remove_all(dir);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t records = argc > 1 ? std::stoul(argv[1]) : 2'000'000;
  const std::size_t routes = argc > 2 ? std::stoul(argv[2]) : 1'000'000;
  std::vector<std::uint32_t> prefixes(routes);
  std::mt19937_64 rng(3);
  for (auto& p : prefixes) {
    p = (static_cast<std::uint32_t>(rng()) & 0xffffff00U) | 0U;
    if ((p >> 24) == 127 || (p >> 24) == 0 || (p >> 24) >= 224) {
      p ^= 0x40000000U;
    }
  }
  std::printf("flowcollector throughput: %zu records per protocol, %zu-route BGP view, loopback replay\n", records,
              routes);
  for (auto protocol : {wire::ExportProtocol::kNetflowV9, wire::ExportProtocol::kIpfix}) {
    const char* name = protocol == wire::ExportProtocol::kIpfix ? "IPFIX" : "NetFlow v9";
    const auto datagrams = encode(protocol, records, prefixes);
    const auto ours = run_ours(datagrams, records, routes, prefixes);
    const auto theirs = run_nfacctd(datagrams, records);
    const double ours_rate = ours.seconds > 0 ? static_cast<double>(ours.records) / ours.seconds : 0;
    const double their_rate = theirs.seconds > 0 ? static_cast<double>(theirs.records) / theirs.seconds : 0;
    std::printf("%-10s ours    : %9llu records in %6.2f s = %10.0f records/s (sequence lost %llu, kernel drops %llu)\n",
                name, static_cast<unsigned long long>(ours.records), ours.seconds, ours_rate,
                static_cast<unsigned long long>(ours.lost), static_cast<unsigned long long>(ours.drops));
    std::printf("%-10s nfacctd : %9llu records in %6.2f s = %10.0f records/s (missing %llu)\n", name,
                static_cast<unsigned long long>(theirs.records), theirs.seconds, their_rate,
                static_cast<unsigned long long>(theirs.lost));
    if (their_rate > 0) {
      std::printf("%-10s ratio ours/nfacctd: %.2f (target >= 5: %s)\n", name, ours_rate / their_rate,
                  ours_rate / their_rate >= 5 ? "met" : "NOT met");
    }
  }
  return 0;
}
