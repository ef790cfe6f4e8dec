// bench_collector_throughput's nfcapd side (nfdump 1.7): the plain collector without enrichment, like for like with
// our plain 5-tuple aggregate. Each trial starts a fresh nfcapd on 127.0.0.1 (socket buffer 64 MiB, as ours), replays,
// and once the sender is done waits until nfcapd's CPU time stops growing (its queue is drained: that instant ends
// the trial's time); then nfcapd is stopped (it writes its file) and `nfdump -I` counts the flows it stored. CPU
// seconds are nfcapd's (all threads) between the replay's start and that instant; start-up and the final file write
// are not counted.
#pragma once

#include "platform/process/process.hpp"
#include "tests/bench/collector_throughput/replay.hpp"
#include "tests/unit/bgp/bird_fixture.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace flowlab::bench {

class Nfcapd {
 public:
  Nfcapd() {
    dir_ = std::filesystem::temp_directory_path() / ("bench_ct_nfcapd." + std::to_string(getpid()));
    const std::string version = bgp::testing::run_out({"nfcapd", "-V"});
    available_ = version.find("Version") != std::string::npos;
  }
  ~Nfcapd() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  Nfcapd(const Nfcapd&) = delete;
  Nfcapd& operator=(const Nfcapd&) = delete;

  [[nodiscard]] bool available() const { return available_; }
  // The last run's files are in dir()/flows until the next run or the destructor.
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  // While run() runs, `*slot` holds the PID of its nfcapd and `*(slot + 1)` that of its sender (0 when none), so
  // that a signal handler can end them by PID (bench_store_query's). The slots must outlive the runs.
  void publish_pids(volatile pid_t* slot) { pids_ = slot; }

  Trial run(const std::vector<std::vector<std::byte>>& datagrams, std::size_t records, double pace) {
    Trial t;
    t.pace = pace;
    t.sent = records;
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    std::filesystem::create_directories(dir_);
    const std::uint16_t port = free_udp_port();
    process::Spec spec;
    spec.name = "nfcapd";
    spec.argv = {"nfcapd", "-b",   "127.0.0.1", "-p",      std::to_string(port), "-w", (dir_ / "flows").string(),
                 "-t",     "3600", "-B",        "67108864"};
    spec.log_file = dir_ / "nfcapd.log";
    std::filesystem::create_directories(dir_ / "flows");
    auto started = process::start(spec);
    if (!started.ok()) {
      std::printf("nfcapd: %s\n", started.error().to_string().c_str());
      return t;
    }
    const process::ProcessRef nfcapd = *started;
    publish(0, nfcapd.pid);
    wait_listening(port);
    const Sender sender(datagrams, Target{"", "", "127.0.0.1", port}, pace, records);
    const double cpu0 = tree_cpu_seconds(nfcapd.pid);
    const auto start = Clock::now();
    sender.go();
    const pid_t child = sender.pid();
    publish(1, child);
    waitpid(child, nullptr, 0);
    publish(1, 0);
    t.send_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    double cpu = tree_cpu_seconds(nfcapd.pid);
    auto busy_until = Clock::now();
    for (auto quiet_since = Clock::now(); Clock::now() - quiet_since < 1s;) {  // drained: 1 s without CPU
      std::this_thread::sleep_for(100ms);
      if (const double now = tree_cpu_seconds(nfcapd.pid); now != cpu) {
        cpu = now;
        busy_until = quiet_since = Clock::now();
      }
    }
    t.seconds = std::chrono::duration<double>(busy_until - start).count();
    t.cpu_s = cpu - cpu0;
    (void)process::stop(nfcapd, 10s);
    publish(0, 0);
    t.received = stored_flows();
    return t;
  }

 private:
  void publish(std::size_t i, pid_t pid) {
    if (pids_ != nullptr) {
      pids_[i] = pid;
    }
  }
  static std::uint16_t free_udp_port() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    (void)::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    (void)::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
  }
  static void wait_listening(std::uint16_t port) {
    const std::string needle = "127.0.0.1:" + std::to_string(port) + " ";
    for (int i = 0; i < 100; ++i) {
      if (bgp::testing::run_out({"ss", "-ulnH"}).find(needle) != std::string::npos) {
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
  }
  // "Flows: N" summed over the files nfcapd wrote.
  [[nodiscard]] std::uint64_t stored_flows() const {
    std::uint64_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "flows")) {
      if (e.path().filename().string().rfind("nfcapd.", 0) != 0) {
        continue;
      }
      const std::string out = bgp::testing::run_out({"nfdump", "-r", e.path().string(), "-I"});
      const auto at = out.find("\nFlows: ");
      if (at != std::string::npos) {
        n += std::strtoull(out.c_str() + at + 8, nullptr, 10);
      }
    }
    return n;
  }

  std::filesystem::path dir_;
  bool available_ = false;
  volatile pid_t* pids_ = nullptr;
};

}  // namespace flowlab::bench
