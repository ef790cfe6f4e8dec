// bench_collector_throughput's replay and its measurement, shared by every side under test (ours, nfacctd, nfcapd):
// a sender process at full speed or paced, CPU seconds of a process tree, one trial's figures, the lossless search.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
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

// A replay sender in a process of its own, spawned (posix_spawn of this binary: no copy of the bench's page tables)
// rather than forked: a fork() of a bench holding a 1M-route view and four collectors copied their page tables and
// left every page copy-on-write, so each first write of the collector under test to a page (its aggregate tables,
// its receive buffers) took a fault and a page copy — hundreds of milliseconds of kernel time charged to our side's
// CPU (RUSAGE_SELF) in every trial, and not to nfcapd's or nfacctd's, which run in processes of their own. The
// datagrams go to the child in a memfd (length-prefixed). The child loads them, opens its socket, reports ready, and
// sends only on go(): callers start their clocks in between, so the spawn is outside the measured window too.
// Full speed (records_per_s 0: a blocking socket, the kernel paces it) or paced in 1 ms steps.
class Sender {
 public:
  Sender(const std::vector<std::vector<std::byte>>& datagrams, const Target& to, double records_per_s,
         std::size_t records) {
    const int data = ::memfd_create("flowlab-replay", MFD_CLOEXEC);
    int ctl[2] = {-1, -1};
    if (data < 0 || ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) != 0) {
      throw std::runtime_error("replay: memfd or socketpair failed");
    }
    write_datagrams(data, datagrams);
    const double datagrams_per_s =
        records_per_s * static_cast<double>(datagrams.size()) / static_cast<double>(std::max<std::size_t>(records, 1));
    std::vector<std::string> args = {"/proc/self/exe",
                                     kArg,
                                     to.netns.empty() ? "-" : to.netns,
                                     to.source.empty() ? "-" : to.source,
                                     to.address,
                                     std::to_string(to.port),
                                     std::to_string(datagrams_per_s)};
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, data, kDataFd);  // dup2 clears close-on-exec on the copies
    posix_spawn_file_actions_adddup2(&actions, ctl[1], kControlFd);
    std::fflush(stdout);
    const int rc = posix_spawn(&pid_, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(data);
    ::close(ctl[1]);
    control_ = ctl[0];
    char ready = 0;
    if (rc != 0 || ::read(control_, &ready, 1) != 1 || ready != 'r') {
      throw std::runtime_error("replay: the sender did not start (spawn " + std::to_string(rc) + ")");
    }
  }
  ~Sender() { ::close(control_); }  // before go(): the sender reads EOF and exits without sending
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  void go() const { (void)::write(control_, "g", 1); }

  // The child's side: main() calls it first. Returns only when this process is not a sender (a sender sends, exits).
  static void run_if_sender(int argc, char** argv) {
    if (argc != 7 || std::string_view(argv[1]) != kArg) {
      return;
    }
    _exit(send(argv[2], argv[3], argv[4], static_cast<std::uint16_t>(std::stoul(argv[5])), std::stod(argv[6])));
  }

 private:
  static constexpr const char* kArg = "--replay-sender";

  // Length-prefixed, through a 1 MiB buffer (a replay of 20 M records is a gigabyte: not copied whole once more).
  static void write_datagrams(int fd, const std::vector<std::vector<std::byte>>& datagrams) {
    std::string buffer;
    const auto flush = [&] {
      for (std::size_t done = 0; done < buffer.size();) {
        const ssize_t n = ::write(fd, buffer.data() + done, buffer.size() - done);
        if (n <= 0) {
          throw std::runtime_error("replay: writing the datagrams to the memfd failed");
        }
        done += static_cast<std::size_t>(n);
      }
      buffer.clear();
    };
    for (const auto& d : datagrams) {
      const auto length = static_cast<std::uint32_t>(d.size());
      buffer.append(reinterpret_cast<const char*>(&length), sizeof(length));
      buffer.append(reinterpret_cast<const char*>(d.data()), d.size());
      if (buffer.size() >= (std::size_t{1} << 20U)) {
        flush();
      }
    }
    flush();
  }
  static constexpr int kDataFd = 100;
  static constexpr int kControlFd = 101;

  static int send(const std::string& netns, const std::string& source, const std::string& address, std::uint16_t port,
                  double datagrams_per_s) {
    if (netns != "-") {
      const int ns = ::open(("/var/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
        return 3;
      }
    }
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (source != "-") {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      inet_pton(AF_INET, source.c_str(), &from.sin_addr);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0) {
        return 4;
      }
    }
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(port);
    inet_pton(AF_INET, address.c_str(), &dst.sin_addr);
    struct stat st {};
    if (::fstat(kDataFd, &st) != 0) {
      return 5;
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    void* map = size == 0 ? nullptr : ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, kDataFd, 0);
    if (map == MAP_FAILED) {
      return 6;
    }
    const auto* bytes = static_cast<const std::byte*>(map);
    char go = 0;
    if (::write(kControlFd, "r", 1) != 1 || ::read(kControlFd, &go, 1) != 1 || go != 'g') {
      return 7;  // the bench went away (or gave up on this trial) before go()
    }
    const auto start = Clock::now();
    std::size_t sent = 0;
    for (std::size_t at = 0; at + sizeof(std::uint32_t) <= size;) {
      std::uint32_t length = 0;
      std::memcpy(&length, bytes + at, sizeof(length));
      at += sizeof(length);
      if (datagrams_per_s > 0) {
        for (;;) {
          const double due = std::chrono::duration<double>(Clock::now() - start).count() * datagrams_per_s;
          if (static_cast<double>(sent) < due) {
            break;
          }
          std::this_thread::sleep_for(200us);
        }
      }
      (void)::sendto(fd, bytes + at, length, 0, reinterpret_cast<sockaddr*>(&dst), sizeof(dst));
      at += length;
      ++sent;
    }
    return 0;
  }

  pid_t pid_ = -1;
  int control_ = -1;
};

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
  double per_wakeup = 0;  // ours: datagrams per recvmmsg call that returned any (0: not known)
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
  char batches[48] = "";
  if (t.per_wakeup > 0) {
    std::snprintf(batches, sizeof(batches), ", %.1f datagrams per recvmmsg", t.per_wakeup);
  }
  std::printf("  %-10s %-7s %-15s: %9llu of %9llu records in %6.2f s (sent in %6.2f s; %9.0f rec/s), cpu %6.2f s%s%s\n",
              proto, who, pace, static_cast<unsigned long long>(t.received), static_cast<unsigned long long>(t.sent),
              t.seconds, t.send_seconds, t.receive_rate(), t.cpu_s, batches, verdict);
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
