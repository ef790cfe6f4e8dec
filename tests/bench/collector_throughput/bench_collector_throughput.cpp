// flowcollector throughput vs nfacctd: NetFlow v9 and IPFIX replayed from a second process (replay.hpp: Sender) to a
// loopback address, decoded + enriched (1M-route IPv4 BGP view) + aggregated; the figure is records/s WITHOUT LOSS
// (loss = fewer records counted by the collector than were sent), found the same way for both sides in the same run:
//   1. a replay at full speed (blocking socket; the kernel paces the sender). No loss: rate = records / time to count
//      them all.
//   2. otherwise paced replays at falling fractions (1, 0.7, 0.5, 0.35, 0.25, 0.18, 0.12, 0.08) of the receive rate
//      seen at full speed; the first pace with no loss is the figure.
// Ours: a Collector in this process (aggregate of the BGP primitives below), its RIB filled directly with 1M /24
// routes (two-AS paths), replay to 127.0.0.1, every trial on emptied aggregates (new keys: each protocol's records
// are drawn with their own seed, and a paced retry does not find the rows of the trial before); and ours plain: a
// second Collector with no BGP view and the 5-tuple aggregate (src_host, dst_host, src_port, dst_port, proto), like
// for like with nfcapd (nfcapd_side.hpp: a fresh nfcapd per trial, its flows counted with nfdump -I). nfacctd
// (pmacct 1.7): in a private namespace (fl-tbgp-<pid>-bct, needs root), bgp_daemon fed the same 1M prefixes with the
// same paths by a BIRD 2 peer (iBGP, like bench_bgp_ingest), the replay sent from the BIRD peer's address (so
// nfacctd enriches from that peer's table), print plugin writing
// JSON to a file (the issue's setup), same aggregate; its count is the sum of `packets` / 3 over the printed rows
// (every record carries 3 packets). The print plugin purges every 2 s, so nfacctd's full-speed time can be up to 2 s
// long; paced figures are the offered rate. CPU seconds (user+sys) of each collector during each replay are printed
// too (ours: this process minus the sender; nfacctd: core + plugin processes; nfcapd: its process), and records
// per CPU-second of each lossless trial with the ratios the issue asks for (ours BGP >= 4 M records per CPU-second;
// plain >= 1.5x nfcapd's; ours BGP lossless rate >= 5x nfacctd's).
// Ours runs with `workers: 1` for those; then both of ours again with `workers: 2` and the same records from two
// exporters (two senders, source addresses 127.0.0.x the steering gives to different workers, each exporter its own
// half of the records and its own templates): the scaling. The senders run on the same two cores as the workers, so
// the records per CPU-second (the collector's threads only) are the per-core figure; the lossless rate is bounded by
// what two cores do for senders and workers together.
// Before the socket trials, each protocol's records are also handed to both of ours in process (Ours::in_process:
// no socket, no sender; the collector's own work per record, best of three) — the steady figure to compare builds.
//
// Usage: bench_collector_throughput [records per protocol, default 2000000] [routes, default 1000000]
//        BENCH_SKIP_NFACCTD=1 runs our side only; BENCH_IN_PROCESS_ONLY=1 only the in-process figures;
//        BENCH_PERF_FIFO=PATH profiles the in-process rounds only (perf_control below).
#include "probes/collector/collector.hpp"
#include "probes/collector/steering.hpp"
#include "probes/wire/exporter.hpp"
#include "tests/bench/collector_throughput/nfcapd_side.hpp"
#include "tests/bench/collector_throughput/replay.hpp"
#include "tests/unit/bgp/bird_fixture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

using namespace flowlab;
using namespace flowlab::bench;

namespace {

constexpr const char* kPrimitives = "src_as, dst_as, peer_src_as, peer_dst_as, peer_dst_ip, as_path, src_as_path";
// Ours without enrichment, like for like with nfcapd (which stores every record's 5-tuple and counters).
constexpr const char* kPlainPrimitives = "src_host, dst_host, src_port, dst_port, proto";
constexpr std::uint64_t kPacketsPerRecord = 3;
constexpr const char* kNfacctdAddress = "192.0.2.1";
constexpr const char* kBirdAddress = "192.0.2.2";
constexpr std::uint16_t kNfacctdPort = 2100;

// One route's attributes, drawn the same way for our RIB and for BIRD's config.
struct RouteAttrs {
  std::uint32_t first_as = 0;
  std::uint32_t origin_as = 0;
  std::uint32_t next_hop = 0;
};

std::vector<RouteAttrs> route_attrs(std::size_t routes) {
  std::vector<RouteAttrs> out(routes);
  std::mt19937_64 rng(11);
  for (auto& a : out) {
    a.first_as = 65000U + static_cast<std::uint32_t>(rng() % 50);
    a.origin_as = 64512U + static_cast<std::uint32_t>(rng() % 4000);
    a.next_hop = 0xc6336401U + static_cast<std::uint32_t>(rng() % 8);
  }
  return out;
}

// n records drawn with `seed` (each protocol its own: the second protocol's trials see other keys than the first's).
std::vector<std::vector<std::byte>> encode(wire::ExportProtocol protocol, std::size_t n,
                                           const std::vector<std::uint32_t>& destinations, std::uint64_t seed) {
  wire::ExportOptions o;
  o.protocol = protocol;
  wire::Exporter exporter(o);
  std::vector<wire::FlowRecord> batch;
  std::vector<std::vector<std::byte>> out;
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < n; ++i) {
    wire::FlowRecord r;
    r.src_addr = IpAddress::v4(destinations[rng() % destinations.size()] | 1U);
    r.dst_addr = IpAddress::v4(destinations[rng() % destinations.size()] | 2U);
    r.src_port = static_cast<std::uint16_t>(rng());
    r.dst_port = 443;
    r.protocol = 6;
    r.packets = kPacketsPerRecord;
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

// The first address of 127.0.0.0/8 (from 127.0.0.1) that two workers' steering gives to `worker`.
std::string exporter_for_worker(std::size_t worker) {
  for (std::uint32_t host = 1; host < 255; ++host) {
    const IpAddress a = IpAddress::v4(0x7F000000U + host);
    if (collector::exporter_worker(a, 2) == worker) {
      return a.to_string();
    }
  }
  return "127.0.0.1";
}

// One sender's part of a trial: its datagrams (its own exporter's) and its source address.
struct Stream {
  const std::vector<std::vector<std::byte>>* datagrams = nullptr;
  std::size_t records = 0;
  std::string source;
};

// ---- ours

// BENCH_PERF_FIFO=PATH: "enable" / "disable" written to `perf record --control fifo:PATH -D -1 ...` around each
// in-process round, so the profile holds the collector's work only (not the view's build, the replay's encoding,
// the teardown). BENCH_PERF_BGP_ONLY=1 leaves out the plain collector's in-process rounds.
void perf_control(const char* command) {
  static const char* const path = std::getenv("BENCH_PERF_FIFO");
  if (path == nullptr) {
    return;
  }
  std::ofstream fifo(path);
  fifo << command << '\n' << std::flush;
}

class Ours {
 public:
  // routes 0: no BGP view (the plain 5-tuple aggregate); else the BGP primitives over a view of `routes` routes.
  Ours(std::size_t routes, const std::vector<std::uint32_t>& prefixes, const std::vector<RouteAttrs>& attrs,
       std::size_t workers = 1) {
    auto config = collector::parse_config(std::string("listen: [{address: 127.0.0.1, port: 0}]\n"
                                                      "socket_buffer: 64MiB\n"
                                                      "workers: ") +
                                              std::to_string(workers) + "\naggregates: [{name: a, primitives: [" +
                                              (routes == 0 ? kPlainPrimitives : kPrimitives) + "]}]\n",
                                          "bench.yaml");
    auto created = collector::Collector::create(io_, *config);
    collector_ = std::move(created.value());
    bgp::Rib* rib = routes == 0 ? nullptr : &collector_->tables().rib(*IpAddress::parse("127.0.0.1"), 64500);
    for (std::size_t i = 0; i < routes; ++i) {
      bgp::PathAttributes a;
      a.origin = bgp::Origin::kIgp;
      a.as_path =
          bgp::AsPath{{bgp::AsPathSegment{bgp::SegmentType::kSequence, {attrs[i].first_as, attrs[i].origin_as}}}};
      a.next_hop = IpAddress::v4(attrs[i].next_hop);
      rib->announce(Prefix{IpAddress::v4(prefixes[i]), 24}, 0, a);
    }
    (void)collector_->start();
    port_ = collector_->listening_ports().at(0);
  }

  Trial run(const std::vector<std::vector<std::byte>>& datagrams, std::size_t records, double pace) {
    return run({Stream{&datagrams, records, ""}}, pace);
  }
  // Every stream from its own sender process at the same time, paced at its share of `pace`.
  Trial run(const std::vector<Stream>& streams, double pace) {
    std::size_t records = 0;
    for (const auto& s : streams) {
      records += s.records;
    }
    Trial t;
    t.pace = pace;
    t.sent = records;
    // Every trial starts with empty aggregates, so it measures what an exporter's new flows cost (new rows, AS paths
    // the aggregate has not seen): a paced retry, or the second protocol, does not find the keys of the one before.
    (void)collector_->handle_query(nlohmann::json{{"cmd", "clear"}});
    std::vector<std::unique_ptr<Sender>> senders;
    for (const auto& s : streams) {
      const double share = static_cast<double>(s.records) / static_cast<double>(std::max<std::size_t>(records, 1));
      senders.push_back(
          std::make_unique<Sender>(*s.datagrams, Target{"", s.source, "127.0.0.1", port_}, pace * share, s.records));
    }
    const std::uint64_t base = collector_->counters().records;
    const auto [datagrams0, batches0] = receive_counts();
    const double cpu0 = self_cpu_seconds();
    const auto start = Clock::now();
    std::vector<pid_t> children;
    for (const auto& sender : senders) {
      sender->go();
      children.push_back(sender->pid());
    }
    const auto senders_done = [&] {
      for (pid_t& child : children) {
        if (child > 0 && waitpid(child, nullptr, WNOHANG) == child) {
          child = 0;
        }
      }
      return std::all_of(children.begin(), children.end(), [](pid_t c) { return c == 0; });
    };
    auto last_change = Clock::now();
    std::uint64_t last = base;
    const auto quiet = pace > 0 ? 3s : 2s;
    bool sender_done = false;
    while (collector_->counters().records - base < records && Clock::now() - last_change < quiet) {
      io_.run_for(std::chrono::milliseconds(20));
      if (!sender_done && senders_done()) {
        sender_done = true;
        t.send_seconds = std::chrono::duration<double>(Clock::now() - start).count();
      }
      if (collector_->counters().records != last) {
        last = collector_->counters().records;
        last_change = Clock::now();
      }
    }
    t.received = collector_->counters().records - base;
    t.seconds = std::chrono::duration<double>((t.received >= records ? Clock::now() : last_change) - start).count();
    t.cpu_s = self_cpu_seconds() - cpu0;  // the sender is not ours (children are not in RUSAGE_SELF)
    const auto [datagrams1, batches1] = receive_counts();
    t.per_wakeup = batches1 > batches0
                       ? static_cast<double>(datagrams1 - datagrams0) / static_cast<double>(batches1 - batches0)
                       : 0;
    if (!sender_done) {
      for (const pid_t child : children) {
        if (child > 0) {
          waitpid(child, nullptr, 0);
        }
      }
      t.send_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    }
    io_.poll();
    return t;
  }

  // Datagrams received and recvmmsg calls that returned any, over every receiver (the collector's counters query).
  std::pair<std::uint64_t, std::uint64_t> receive_counts() {
    const nlohmann::json c = collector_->handle_query(nlohmann::json{{"cmd", "counters"}});
    std::uint64_t datagrams = 0;
    std::uint64_t batches = 0;
    for (const auto& r : c.value("receivers", nlohmann::json::array())) {
      datagrams += r.value("datagrams", std::uint64_t{0});
      batches += r.value("batches", std::uint64_t{0});
    }
    return {datagrams, batches};
  }

  // The collector's own work per record — decode, sequence accounting, enrichment, aggregation — without the socket
  // and the sender: every datagram handed to on_datagram() on this thread, on emptied aggregates, best of three
  // (records per CPU-second). Steadier than the socket trials (no pacing, no scheduler between sender and receiver),
  // so it is the figure to compare two builds by.
  double in_process(const std::vector<std::vector<std::byte>>& datagrams) {
    const IpAddress source = *IpAddress::parse("127.0.0.1");
    double best = 0;
    for (int round = 0; round < 3; ++round) {
      (void)collector_->handle_query(nlohmann::json{{"cmd", "clear"}});
      const std::uint64_t base = collector_->counters().records;
      perf_control("enable");
      const double cpu0 = self_cpu_seconds();
      for (const auto& d : datagrams) {
        collector_->on_datagram(d, source, 9995, 1'700'000'002'000ULL);
      }
      const double cpu = self_cpu_seconds() - cpu0;
      perf_control("disable");
      best = std::max(best, static_cast<double>(collector_->counters().records - base) / std::max(cpu, 1e-9));
    }
    return best;
  }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<collector::Collector> collector_;
  std::uint16_t port_ = 0;
};

// ---- nfacctd

std::size_t bird_exported(const bgp::testing::BirdProcess& bird, const std::string& proto) {
  const std::string out = bird.birdc({"show", "protocols", "all", proto});
  static const std::regex kLine(R"(Routes:\s+\d+ imported, (\d+) exported)");
  std::size_t n = 0;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), kLine); it != std::sregex_iterator(); ++it) {
    n += std::stoul((*it)[1]);
  }
  return n;
}

std::size_t bird_route_count(const bgp::testing::BirdProcess& bird) {
  const std::string out = bird.birdc({"show", "route", "count"});
  static const std::regex kLine(R"((\d+) of (\d+) routes for \d+ networks in table)");
  std::size_t n = 0;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), kLine); it != std::sregex_iterator(); ++it) {
    n += std::stoul((*it)[1]);
  }
  return n;
}

// Recv-Q + Send-Q of established TCP connections on `port` in the namespace (-1: none).
long queued_bytes(const std::string& netns, int port) {
  const std::string out = bgp::testing::run_out({"ss", "-tnH", "state", "established"}, netns);
  std::istringstream in(out);
  std::string line;
  long total = 0;
  bool any = false;
  while (std::getline(in, line)) {
    if (line.find(":" + std::to_string(port)) == std::string::npos) {
      continue;
    }
    std::istringstream f(line);
    long rq = 0;
    long sq = 0;
    f >> rq >> sq;
    total += rq + sq;
    any = true;
  }
  return any ? total : -1;
}

class Nfacctd {
 public:
  Nfacctd(std::size_t routes, const std::vector<std::uint32_t>& prefixes, const std::vector<RouteAttrs>& attrs)
      : ns_("bct", {std::string(kNfacctdAddress) + "/32", std::string(kBirdAddress) + "/32"}) {
    if (!ns_.ok()) {
      error_ = "cannot create namespace " + ns_.name();
      return;
    }
    dir_ = std::filesystem::temp_directory_path() / (ns_.name() + "-run");
    std::filesystem::create_directories(dir_);
    print_file_ = dir_ / "print.json";
    {
      std::ofstream c(dir_ / "nfacctd.conf");
      c << "daemonize: false\nnfacctd_ip: " << kNfacctdAddress << "\nnfacctd_port: " << kNfacctdPort << "\n"
        << "nfacctd_pipe_size: 67108864\n"
        << "bgp_daemon: true\nbgp_daemon_ip: " << kNfacctdAddress << "\nbgp_daemon_max_peers: 2\n"
        << "nfacctd_as: bgp\nnfacctd_net: bgp\nbgp_peer_src_as_type: bgp\nbgp_src_as_path_type: bgp\n"
        << "plugins: print[p]\naggregate[p]: " << kPrimitives << "\n"
        << "print_output[p]: json\nprint_output_file[p]: " << print_file_.string() << "\n"
        << "print_output_file_append[p]: true\nprint_refresh_time[p]: 2\nprint_cache_entries[p]: 99991\n"
        << "plugin_pipe_size[p]: 268435456\n";  // no plugin_buffer_size: with a buffer, its last partial chunk
                                                // of records waits for more traffic and counts as lost
    }
    process::Spec spec;
    spec.name = "nfacctd";
    spec.argv = {"nfacctd", "-f", (dir_ / "nfacctd.conf").string()};
    spec.netns = ns_.name();
    spec.log_file = dir_ / "nfacctd.log";
    auto nf = process::start(spec);
    if (!nf.ok()) {
      error_ = "nfacctd: " + nf.error().to_string();
      return;
    }
    nfacctd_ = *nf;
    std::printf("nfacctd: BIRD config with %zu routes ...\n", routes);
    std::fflush(stdout);
    {
      std::ofstream out(dir_ / "routes.conf");
      out << "log stderr { error, fatal };\nrouter id " << kBirdAddress << ";\nprotocol device {}\n"
          << "protocol static s4 {\n  ipv4;\n";
      for (std::size_t i = 0; i < routes; ++i) {
        out << "  route " << IpAddress::v4(prefixes[i]).to_string() << "/24 blackhole { bgp_path.prepend("
            << attrs[i].origin_as << "); bgp_path.prepend(" << attrs[i].first_as << "); };\n";
      }
      out << "}\nprotocol bgp nfacctd {\n  local " << kBirdAddress << " as 65001;\n  neighbor " << kNfacctdAddress
          << " as 65001;\n  hold time 240;\n  connect delay time 1;\n  strict bind yes;\n"
          << "  ipv4 { import none; export all; next hop self; };\n}\n";
    }
    bird_.emplace(ns_.name(), dir_ / "bird", "include \"" + (dir_ / "routes.conf").string() + "\";\n");
    if (!bird_->started()) {
      error_ = "bird: " + bird_->error();
      return;
    }
    std::vector<std::uint32_t> unique(prefixes.begin(), prefixes.begin() + static_cast<std::ptrdiff_t>(routes));
    std::sort(unique.begin(), unique.end());
    const auto networks = static_cast<std::size_t>(std::unique(unique.begin(), unique.end()) - unique.begin());
    const auto t0 = Clock::now();
    const auto deadline = t0 + 900s;
    while (Clock::now() < deadline &&
           (bird_route_count(*bird_) < routes || bird_exported(*bird_, "nfacctd") < networks ||
            queued_bytes(ns_.name(), 179) != 0)) {
      std::this_thread::sleep_for(1s);
    }
    if (bird_exported(*bird_, "nfacctd") < networks) {
      error_ = "BIRD exported only " + std::to_string(bird_exported(*bird_, "nfacctd")) + " routes to nfacctd";
      return;
    }
    std::this_thread::sleep_for(2s);  // nfacctd's BGP thread digests the last UPDATEs
    std::printf("nfacctd: BGP table of %zu prefixes loaded from BIRD in %.0f s\n", networks,
                std::chrono::duration<double>(Clock::now() - t0).count());
    ready_ = true;
  }
  ~Nfacctd() {
    if (nfacctd_.pid > 0) {
      (void)process::stop(nfacctd_);
    }
    bird_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  Nfacctd(const Nfacctd&) = delete;
  Nfacctd& operator=(const Nfacctd&) = delete;

  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] const std::string& error() const { return error_; }

  Trial run(const std::vector<std::vector<std::byte>>& datagrams, std::size_t records, double pace) {
    Trial t;
    t.pace = pace;
    t.sent = records;
    // Whatever an earlier replay left queued in nfacctd is printed first: 6 s (3 purges) without a new row.
    std::uint64_t base = count_records();
    for (auto quiet_since = Clock::now(); Clock::now() - quiet_since < 6s;) {
      std::this_thread::sleep_for(500ms);
      if (const std::uint64_t n = count_records(); n != base) {
        base = n;
        quiet_since = Clock::now();
      }
    }
    const Sender sender(datagrams, Target{ns_.name(), kBirdAddress, kNfacctdAddress, kNfacctdPort}, pace, records);
    const double cpu0 = tree_cpu_seconds(nfacctd_.pid);
    const auto start = Clock::now();
    sender.go();
    const pid_t child = sender.pid();
    std::uint64_t last = base;
    auto last_change = Clock::now();
    bool sender_done = false;
    // Until every record is counted, or 3 purge intervals without news once the sender is done.
    while (!sender_done || Clock::now() - last_change < 6s) {
      std::this_thread::sleep_for(100ms);
      if (!sender_done && waitpid(child, nullptr, WNOHANG) == child) {
        sender_done = true;
        t.send_seconds = std::chrono::duration<double>(Clock::now() - start).count();
        last_change = std::max(last_change, Clock::now());
      }
      const std::uint64_t n = count_records();
      if (n != last) {
        last = n;
        last_change = Clock::now();
      }
      if (n - base >= records) {
        break;
      }
    }
    t.received = last - base;
    t.seconds = std::chrono::duration<double>(last_change - start).count();
    t.cpu_s = tree_cpu_seconds(nfacctd_.pid) - cpu0;
    if (!sender_done) {
      waitpid(child, nullptr, 0);
      t.send_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    }
    return t;
  }

  // Rows with a non-zero origin AS among the printed rows (the BGP table was really used).
  [[nodiscard]] std::pair<std::uint64_t, std::uint64_t> enriched_rows() const {
    std::ifstream in(print_file_);
    std::string line;
    std::uint64_t rows = 0;
    std::uint64_t enriched = 0;
    while (std::getline(in, line)) {
      ++rows;
      enriched += line.find("\"as_dst\": 0,") == std::string::npos ? 1U : 0U;
    }
    return {enriched, rows};
  }

 private:
  // Records in the print file so far: sum of packets / 3 over complete lines (read incrementally).
  std::uint64_t count_records() {
    std::ifstream in(print_file_, std::ios::binary);
    if (!in) {
      return packets_ / kPacketsPerRecord;
    }
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string chunk((std::istreambuf_iterator<char>(in)), {});
    std::size_t at = 0;
    for (std::size_t nl = chunk.find('\n'); nl != std::string::npos; nl = chunk.find('\n', at)) {
      const std::string_view line(chunk.data() + at, nl - at);
      const auto p = line.find("\"packets\": ");
      if (p != std::string_view::npos) {
        packets_ += std::strtoull(line.data() + p + 11, nullptr, 10);
      }
      at = nl + 1;
    }
    offset_ += at;
    return packets_ / kPacketsPerRecord;
  }

  bgp::testing::TestNetns ns_;
  std::filesystem::path dir_;
  std::filesystem::path print_file_;
  std::optional<bgp::testing::BirdProcess> bird_;
  process::ProcessRef nfacctd_;
  bool ready_ = false;
  std::string error_;
  std::uint64_t offset_ = 0;
  std::uint64_t packets_ = 0;
};

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a;
  std::string b;
  std::string c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// One protocol's lossless trials: ours with the BGP primitives, ours plain, nfcapd, nfacctd.
struct Summary {
  const char* name;
  std::optional<Trial> ours;
  std::optional<Trial> plain;
  std::optional<Trial> nfcapd;
  std::optional<Trial> nfacctd;
  std::optional<Trial> ours2;   // workers: 2, two exporters
  std::optional<Trial> plain2;  // the same, plain
  double ours_in_process = 0;   // records per CPU-second, Ours::in_process
  double plain_in_process = 0;
};

double per_cpu_second(const Trial& t) { return static_cast<double>(t.received) / std::max(t.cpu_s, 1e-9); }

std::string show(const std::optional<Trial>& t) {
  char buf[128];
  if (!t) {
    std::snprintf(buf, sizeof(buf), "%s", "none found / not run");
  } else {
    std::snprintf(buf, sizeof(buf), "%10.0f rec/s (%s, cpu %.2f s) %6.2f M records per CPU-second", t->figure(),
                  t->pace > 0 ? "paced" : "full speed", t->cpu_s, per_cpu_second(*t) / 1e6);
  }
  return buf;
}

void print_summary(const std::vector<Summary>& summary) {
  std::printf("\nhighest rate without loss and records per CPU-second (of that trial), same run:\n");
  for (const auto& s : summary) {
    std::printf("  %-10s ours, BGP primitives  %s\n", s.name, show(s.ours).c_str());
    std::printf("  %-10s ours, plain 5-tuple   %s\n", s.name, show(s.plain).c_str());
    std::printf("  %-10s nfcapd                %s\n", s.name, show(s.nfcapd).c_str());
    std::printf("  %-10s nfacctd + bgp_daemon  %s\n", s.name, show(s.nfacctd).c_str());
    std::printf("  %-10s ours BGP, 2 workers   %s\n", s.name, show(s.ours2).c_str());
    std::printf("  %-10s ours plain, 2 workers %s\n", s.name, show(s.plain2).c_str());
    const auto scaling = [&](const char* what, const std::optional<Trial>& one, const std::optional<Trial>& two) {
      if (one && two) {
        std::printf(
            "  %-10s %s: 2 workers / 1 worker: lossless rate %.2fx, records per CPU-second %.2fx "
            "(the two senders share the two cores)\n",
            s.name, what, two->figure() / one->figure(), per_cpu_second(*two) / per_cpu_second(*one));
      }
    };
    std::printf(
        "  %-10s in process, no socket (best of 3): BGP primitives %.2f M, plain %.2f M records per CPU-second\n",
        s.name, s.ours_in_process / 1e6, s.plain_in_process / 1e6);
    scaling("ours BGP", s.ours, s.ours2);
    scaling("ours plain", s.plain, s.plain2);
    if (s.ours) {
      const double m = per_cpu_second(*s.ours) / 1e6;
      std::printf("  %-10s ours BGP: %.2f M records per CPU-second (target >= 4: %s)\n", s.name, m,
                  m >= 4 ? "met" : "NOT met");
    }
    if (s.plain && s.nfcapd) {
      const double r = per_cpu_second(*s.plain) / per_cpu_second(*s.nfcapd);
      std::printf(
          "  %-10s ours plain / nfcapd: records per CPU-second %.2fx (target >= 1.5: %s), lossless rate %.2fx\n",
          s.name, r, r >= 1.5 ? "met" : "NOT met", s.plain->figure() / s.nfcapd->figure());
    }
    if (s.ours && s.nfacctd) {
      const double r = s.ours->figure() / s.nfacctd->figure();
      std::printf("  %-10s ours BGP / nfacctd: lossless rate %.2fx (target >= 5: %s), records per CPU-second %.2fx\n",
                  s.name, r, r >= 5 ? "met" : "NOT met", per_cpu_second(*s.ours) / per_cpu_second(*s.nfacctd));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Sender::run_if_sender(argc, argv);  // the replays run in copies of this binary (replay.hpp)
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]).find_first_not_of("0123456789") != std::string_view::npos || argv[i][0] == '\0') {
      std::fprintf(stderr,
                   "usage: %s [records per protocol, default 2000000] [routes, default 1000000]\n"
                   "  BENCH_SKIP_NFACCTD=1: our side only (nfacctd's needs root)\n"
                   "  BENCH_IN_PROCESS_ONLY=1: only the in-process figures (no socket trials: comparing two builds)\n",
                   argv[0]);
      return 2;
    }
  }
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
  const auto attrs = route_attrs(routes);
  std::printf("flowcollector throughput: %zu records per protocol, %zu-route BGP view, loopback replay\n", records,
              routes);
  std::printf("machine: %u CPUs online, load average %s\n", static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN)),
              load_average().c_str());
  Ours ours(routes, prefixes, attrs);
  std::unique_ptr<Nfacctd> nfacctd;
  if (std::getenv("BENCH_SKIP_NFACCTD") != nullptr) {
    std::printf("nfacctd: skipped (BENCH_SKIP_NFACCTD)\n");
  } else if (geteuid() != 0) {
    std::printf("nfacctd: skipped (needs root for its namespace)\n");
  } else {
    nfacctd = std::make_unique<Nfacctd>(routes, prefixes, attrs);
    if (!nfacctd->ready()) {
      std::printf("nfacctd: not measured: %s\n", nfacctd->error().c_str());
      nfacctd.reset();
    }
  }
  Ours plain(0, prefixes, attrs);
  Ours ours2(routes, prefixes, attrs, 2);
  Ours plain2(0, prefixes, attrs, 2);
  const std::string source0 = exporter_for_worker(0);
  const std::string source1 = exporter_for_worker(1);
  std::printf("workers: 2 trials from exporters %s (worker 0) and %s (worker 1)\n", source0.c_str(), source1.c_str());
  Nfcapd nfcapd;
  if (!nfcapd.available()) {
    std::printf("nfcapd: not measured (nfcapd not installed)\n");
  }
  const Side our_side = [&](const auto& d, std::size_t n, double pace) { return ours.run(d, n, pace); };
  const Side plain_side = [&](const auto& d, std::size_t n, double pace) { return plain.run(d, n, pace); };
  const Side nfcapd_side = [&](const auto& d, std::size_t n, double pace) { return nfcapd.run(d, n, pace); };
  const Side their_side = [&](const auto& d, std::size_t n, double pace) { return nfacctd->run(d, n, pace); };
  const bool in_process_only = std::getenv("BENCH_IN_PROCESS_ONLY") != nullptr;
  std::vector<Summary> summary;
  for (auto protocol : {wire::ExportProtocol::kNetflowV9, wire::ExportProtocol::kIpfix}) {
    const char* name = protocol == wire::ExportProtocol::kIpfix ? "IPFIX" : "NetFlow v9";
    const auto datagrams = encode(protocol, records, prefixes, protocol == wire::ExportProtocol::kIpfix ? 8 : 7);
    Summary s{name};
    s.ours_in_process = ours.in_process(datagrams);
    s.plain_in_process = std::getenv("BENCH_PERF_BGP_ONLY") != nullptr ? 0 : plain.in_process(datagrams);
    if (in_process_only) {
      summary.push_back(s);
      continue;
    }
    s.ours = highest_lossless("ours", name, our_side, datagrams, records);
    s.plain = highest_lossless("plain", name, plain_side, datagrams, records);
    if (nfcapd.available()) {
      s.nfcapd = highest_lossless("nfcapd", name, nfcapd_side, datagrams, records);
    }
    if (nfacctd) {
      s.nfacctd = highest_lossless("nfacctd", name, their_side, datagrams, records);
    }
    // The same number of records from two exporters (their own seeds: new keys again), one per worker.
    const std::uint64_t seed = protocol == wire::ExportProtocol::kIpfix ? 18 : 17;
    const auto half0 = encode(protocol, records / 2, prefixes, seed);
    const auto half1 = encode(protocol, records - records / 2, prefixes, seed + 100);
    const std::vector<Stream> two{{&half0, records / 2, source0}, {&half1, records - records / 2, source1}};
    const Side ours2_side = [&](const auto&, std::size_t, double pace) { return ours2.run(two, pace); };
    const Side plain2_side = [&](const auto&, std::size_t, double pace) { return plain2.run(two, pace); };
    s.ours2 = highest_lossless("ours-2w", name, ours2_side, datagrams, records);
    s.plain2 = highest_lossless("plain-2w", name, plain2_side, datagrams, records);
    summary.push_back(s);
  }
  if (nfacctd) {
    const auto [enriched, rows] = nfacctd->enriched_rows();
    std::printf("nfacctd printed %llu rows, %llu with a BGP origin AS\n", static_cast<unsigned long long>(rows),
                static_cast<unsigned long long>(enriched));
  }
  print_summary(summary);
  return 0;
}
