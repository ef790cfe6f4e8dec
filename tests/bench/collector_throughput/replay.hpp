// bench_collector_throughput's replay and its measurement, shared by every side under test (ours, nfacctd, nfcapd):
// a forked sender at full speed or paced, CPU seconds of a process tree, one trial's figures, the lossless search.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace flowlab::bench {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Where and how a replay is sent.
struct Target {
  std::string netns;   // "" = this namespace
  std::string source;  // "" = any
  std::string address;
  std::uint16_t port = 0;
};

// Forks a sender: full speed (records_per_s 0: a blocking socket, the kernel paces it) or paced in 1 ms steps.
inline pid_t replay(const std::vector<std::vector<std::byte>>& datagrams, const Target& to, double records_per_s,
                    std::size_t records) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid != 0) {
    return pid;
  }
  if (!to.netns.empty()) {
    const int ns = ::open(("/var/run/netns/" + to.netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
      _exit(3);
    }
  }
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (!to.source.empty()) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, to.source.c_str(), &from.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0) {
      _exit(4);
    }
  }
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(to.port);
  inet_pton(AF_INET, to.address.c_str(), &dst.sin_addr);
  const double datagrams_per_s =
      records_per_s * static_cast<double>(datagrams.size()) / static_cast<double>(std::max<std::size_t>(records, 1));
  const auto start = Clock::now();
  std::size_t sent = 0;
  for (const auto& d : datagrams) {
    if (records_per_s > 0) {
      for (;;) {
        const double due = std::chrono::duration<double>(Clock::now() - start).count() * datagrams_per_s;
        if (static_cast<double>(sent) < due) {
          break;
        }
        std::this_thread::sleep_for(200us);
      }
    }
    (void)::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof(dst));
    ++sent;
  }
  _exit(0);
}

inline double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

inline double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return seconds(ru.ru_utime) + seconds(ru.ru_stime);
}

// CPU seconds of a process and its direct children (nfacctd's plugins), reaped descendants included.
inline double tree_cpu_seconds(pid_t pid) {
  auto one = [](const std::string& stat_path, pid_t* ppid) {
    std::ifstream in(stat_path);
    std::string stat;
    std::getline(in, stat);
    const auto close = stat.rfind(')');
    if (close == std::string::npos) {
      return 0.0;
    }
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 17 && rest >> field; ++i) {
      if (i == 4 && ppid != nullptr) {
        *ppid = static_cast<pid_t>(std::stol(field));
      }
      if (i >= 14 && i <= 17) {  // utime, stime, and of reaped children (the print plugin forks per purge)
        ticks += std::stod(field);
      }
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  };
  double total = one("/proc/" + std::to_string(pid) + "/stat", nullptr);
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) == 0) {
      continue;
    }
    pid_t ppid = 0;
    const double cpu = one((e.path() / "stat").string(), &ppid);
    if (ppid == pid) {
      total += cpu;
    }
  }
  return total;
}

struct Trial {
  double pace = 0;  // offered records/s, 0 = full speed
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  double seconds = 0;       // replay start to the last record counted
  double send_seconds = 0;  // replay start to the sender's exit
  double cpu_s = 0;
  // Every record counted, and (paced) no later than 5 s after the sender ended: a collector that falls ever further
  // behind only has not overflowed its queues yet.
  [[nodiscard]] bool lossless() const { return received >= sent && (pace == 0 || seconds <= send_seconds + 5.0); }
  [[nodiscard]] double receive_rate() const { return seconds > 0 ? static_cast<double>(received) / seconds : 0; }
  [[nodiscard]] double figure() const { return pace > 0 ? pace : receive_rate(); }
};

// The collector side under test: replays the datagrams (at `pace` records/s, 0 = full speed) and counts.
using Side = std::function<Trial(const std::vector<std::vector<std::byte>>&, std::size_t, double)>;

inline void print_trial(const char* who, const char* proto, const Trial& t) {
  char pace[32] = "full speed";
  if (t.pace > 0) {
    std::snprintf(pace, sizeof(pace), "%.0f rec/s", t.pace);
  }
  const char* verdict = t.lossless() ? "" : t.received >= t.sent ? "  LAGGING" : "  LOSS";
  std::printf("  %-10s %-7s %-15s: %9llu of %9llu records in %6.2f s (sent in %6.2f s; %9.0f rec/s), cpu %6.2f s%s\n",
              proto, who, pace, static_cast<unsigned long long>(t.received), static_cast<unsigned long long>(t.sent),
              t.seconds, t.send_seconds, t.receive_rate(), t.cpu_s, verdict);
  std::fflush(stdout);
}

// Full speed, then paced steps below the full-speed receive rate until a replay loses nothing.
inline std::optional<Trial> highest_lossless(const char* who, const char* proto, const Side& side,
                                             const std::vector<std::vector<std::byte>>& datagrams,
                                             std::size_t records) {
  const Trial full = side(datagrams, records, 0);
  print_trial(who, proto, full);
  if (full.lossless()) {
    return full;
  }
  const double base = full.receive_rate() > 0 ? full.receive_rate() : 50000.0;  // nothing counted: start somewhere
  for (const double f : {1.0, 0.7, 0.5, 0.35, 0.25, 0.18, 0.12, 0.08}) {
    const Trial t = side(datagrams, records, base * f);
    print_trial(who, proto, t);
    if (t.lossless()) {
      return t;
    }
  }
  return std::nullopt;
}

}  // namespace flowlab::bench
