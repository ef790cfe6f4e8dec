// Benchmark: offline metering speed of flowprobe vs softflowd and pmacctd (nfprobe), same pcap, same run.
//
// Generates a 1,000,000-packet pcap (10,000 flows, 70% IPv4 / 30% IPv6, 60% TCP / 40% UDP, interleaved, 96-byte
// snap like a header-only capture) once into a temp dir, then times
//   flowprobe -r FILE -v 9 -n 127.0.0.1:PORT
//   softflowd -r FILE -c none -v 9 -n 127.0.0.1:PORT -m 65536 -d      (-c none: else it blocks before reading)
//   pmacctd   (pcap_savefile FILE, nfprobe plugin v9 to 127.0.0.1:PORT)
// and prints packets/s per wall second and per CPU second (user+sys of the process and its reaped children) for
// each, and flowprobe's ratios. pmacctd sleeps while reading a savefile (2 s up front, 1 ms per plugin buffer), so
// compare it per CPU second. flowprobe and softflowd run --runs times (default 5) alternately and the best wall and
// best CPU figure of each is reported (other work on a shared machine only ever adds time).
// Usage: bench_probe_offline [--packets N] [--flows N] [--runs N] [--keep] [--flowprobe PATH]
#include <pcap/pcap.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Args {
  std::uint64_t packets = 1000000;
  std::uint32_t flows = 10000;
  bool keep = false;
  int runs = 5;  // flowprobe and softflowd: best of N (the machine is shared); pmacctd: once (it sleeps ~50 s)
  std::string flowprobe = std::string(FLOWLAB_BINARY_DIR) + "/probes/probe/flowprobe";
};

void put16(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8U);
  b[at + 1] = static_cast<std::uint8_t>(v & 0xffU);
}

// One frame of flow f: Ethernet + IPv4/IPv6 + TCP/UDP, IP length `ip_len`, snap 96.
std::vector<std::uint8_t> make_frame(std::uint32_t f, bool v6, bool tcp, std::uint32_t ip_len, std::uint8_t flags,
                                     std::uint32_t& wire_len) {
  std::vector<std::uint8_t> b(14, 0);
  b[5] = 1;
  b[11] = 2;
  const std::uint16_t sport = static_cast<std::uint16_t>(1024 + f % 50000);
  const std::uint16_t dport = static_cast<std::uint16_t>(tcp ? 443 : 53);
  std::size_t l4 = 0;
  if (!v6) {
    b[12] = 0x08;
    b[13] = 0x00;
    b.resize(14 + 20, 0);
    b[14] = 0x45;
    put16(b, 16, ip_len);
    b[22] = 64;
    b[23] = tcp ? 6 : 17;
    b[26] = 198;
    b[27] = 18;
    b[28] = static_cast<std::uint8_t>(f >> 8U);
    b[29] = static_cast<std::uint8_t>(f);
    b[30] = 198;
    b[31] = 19;
    b[32] = static_cast<std::uint8_t>(f >> 8U);
    b[33] = static_cast<std::uint8_t>(f + 1);
    l4 = 34;
  } else {
    b[12] = 0x86;
    b[13] = 0xdd;
    b.resize(14 + 40, 0);
    b[14] = 0x60;
    put16(b, 18, ip_len - 40);
    b[20] = tcp ? 6 : 17;
    b[21] = 64;
    const std::uint8_t prefix[4] = {0x20, 0x01, 0x0d, 0xb8};
    std::memcpy(&b[22], prefix, 4);
    b[36] = static_cast<std::uint8_t>(f >> 8U);
    b[37] = static_cast<std::uint8_t>(f);
    std::memcpy(&b[38], prefix, 4);
    b[41] = 1;
    b[52] = static_cast<std::uint8_t>(f >> 8U);
    b[53] = static_cast<std::uint8_t>(f + 1);
    l4 = 54;
  }
  b.resize(l4 + (tcp ? 20 : 8), 0);
  put16(b, l4, sport);
  put16(b, l4 + 2, dport);
  if (tcp) {
    b[l4 + 12] = 0x50;
    b[l4 + 13] = flags;
    put16(b, l4 + 14, 65535);
  } else {
    put16(b, l4 + 4, ip_len - (v6 ? 40 : 20));
  }
  wire_len = 14 + ip_len;
  if (b.size() < 96) {
    b.resize(std::min<std::size_t>(96, wire_len), 0);
  }
  return b;
}

bool generate(const std::string& path, const Args& a) {
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 96, PCAP_TSTAMP_PRECISION_MICRO);
  pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
  if (d == nullptr) {
    std::fprintf(stderr, "cannot write %s: %s\n", path.c_str(), pcap_geterr(dead));
    return false;
  }
  const std::uint64_t per_flow = a.packets / a.flows;
  std::vector<std::uint32_t> sent(a.flows, 0);
  std::uint64_t x = 88172645463325252ULL;  // xorshift64: deterministic interleaving and sizes
  const std::uint64_t t0 = 1700000000ULL * 1000000ULL;
  for (std::uint64_t i = 0; i < a.packets; ++i) {
    x ^= x << 13U;
    x ^= x >> 7U;
    x ^= x << 17U;
    // Flows start staggered and interleave: packet i goes to one of a window of flows around i's position.
    std::uint32_t f = static_cast<std::uint32_t>((i / per_flow + x % 64) % a.flows);
    while (sent[f] >= per_flow) {
      f = (f + 1) % a.flows;
    }
    const bool v6 = f % 10 < 3;
    const bool tcp = f % 5 < 3;
    std::uint8_t flags = 0x10;
    if (tcp && sent[f] == 0) {
      flags = 0x02;
    } else if (tcp && sent[f] + 1 == per_flow) {
      flags = 0x11;
    }
    const std::uint32_t ip_len = static_cast<std::uint32_t>((v6 ? 60 : 40) + (x >> 20U) % 1400);
    std::uint32_t wire_len = 0;
    const auto frame = make_frame(f, v6, tcp, ip_len, flags, wire_len);
    ++sent[f];
    const std::uint64_t t = t0 + i * 10;  // 100 kpps: the file spans 10 s
    pcap_pkthdr h{};
    h.ts.tv_sec = static_cast<time_t>(t / 1000000U);
    h.ts.tv_usec = static_cast<suseconds_t>(t % 1000000U);
    h.caplen = static_cast<bpf_u_int32>(frame.size());
    h.len = wire_len;
    pcap_dump(reinterpret_cast<u_char*>(d), &h, frame.data());
  }
  pcap_dump_close(d);
  pcap_close(dead);
  return true;
}

struct Timing {
  bool ok = false;
  double wall_s = 0;
  double cpu_s = 0;
  int exit_code = -1;
};

double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

// Runs argv to completion with output to log; wall time and CPU of it and its reaped descendants.
Timing time_run(const std::vector<std::string>& argv, const std::string& log) {
  Timing t;
  rusage before{};
  getrusage(RUSAGE_CHILDREN, &before);
  std::fflush(stdout);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    std::FILE* f = std::freopen(log.c_str(), "w", stdout);
    (void)f;
    dup2(fileno(stdout), 2);
    std::vector<char*> args;
    for (const auto& s : argv) {
      args.push_back(const_cast<char*>(s.c_str()));
    }
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const auto end = std::chrono::steady_clock::now();
  rusage after{};
  getrusage(RUSAGE_CHILDREN, &after);
  t.wall_s = std::chrono::duration<double>(end - start).count();
  t.cpu_s = (seconds(after.ru_utime) - seconds(before.ru_utime)) + (seconds(after.ru_stime) - seconds(before.ru_stime));
  t.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  t.ok = t.exit_code == 0;
  return t;
}

bool have(const char* tool) {
  for (const char* dir : {"/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/"}) {
    if (fs::exists(std::string(dir) + tool)) {
      return true;
    }
  }
  return false;
}

void report(const char* name, const Timing& t, std::uint64_t packets) {
  if (!t.ok) {
    std::printf("%-10s  failed (exit %d)\n", name, t.exit_code);
    return;
  }
  std::printf("%-10s  wall %7.3f s  %12.0f pkt/s   cpu %7.3f s  %12.0f pkt/cpu-s\n", name, t.wall_s,
              static_cast<double>(packets) / t.wall_s, t.cpu_s,
              t.cpu_s > 0 ? static_cast<double>(packets) / t.cpu_s : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--packets" && i + 1 < argc) {
      a.packets = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--flows" && i + 1 < argc) {
      a.flows = static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if (arg == "--flowprobe" && i + 1 < argc) {
      a.flowprobe = argv[++i];
    } else if (arg == "--runs" && i + 1 < argc) {
      a.runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--keep") {
      a.keep = true;
    } else {
      std::fprintf(stderr, "usage: %s [--packets N] [--flows N] [--runs N] [--keep] [--flowprobe PATH]\n", argv[0]);
      return 2;
    }
  }
  if (a.flows == 0 || a.packets < a.flows) {
    std::fprintf(stderr, "need packets >= flows > 0\n");
    return 2;
  }
  std::string tmpl = (fs::temp_directory_path() / "flowlab-bench-probe-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const fs::path dir = tmpl;
  const std::string pcap = (dir / "bench.pcap").string();
  std::printf("generating %s: %llu packets, %u flows (70%% IPv4 / 30%% IPv6, 60%% TCP / 40%% UDP)\n", pcap.c_str(),
              static_cast<unsigned long long>(a.packets), a.flows);
  if (!generate(pcap, a)) {
    return 1;
  }
  const std::string collector = "127.0.0.1:9";  // discard port: nothing listens; sends still happen

  auto best = [](Timing acc, const Timing& t) {
    if (!t.ok) {
      return t.ok || acc.ok ? acc : t;
    }
    if (!acc.ok) {
      return t;
    }
    acc.wall_s = std::min(acc.wall_s, t.wall_s);
    acc.cpu_s = std::min(acc.cpu_s, t.cpu_s);
    return acc;
  };
  const bool with_softflowd = have("softflowd");
  Timing ours;
  Timing soft;
  for (int run = 0; run < a.runs; ++run) {
    ours = best(ours, time_run({a.flowprobe, "-r", pcap, "-v", "9", "-n", collector, "-m", "65536", "--json"},
                               (dir / "flowprobe.log").string()));
    if (with_softflowd) {
      soft = best(soft, time_run({"softflowd", "-r", pcap, "-c", "none", "-v", "9", "-n", collector, "-m", "65536",
                                  "-d", "-p", (dir / "softflowd.pid").string()},
                                 (dir / "softflowd.log").string()));
    }
  }
  std::printf("best of %d runs:\n", a.runs);
  report("flowprobe", ours, a.packets);
  std::optional<Timing> softflowd;
  if (with_softflowd) {
    softflowd = soft;
    report("softflowd", *softflowd, a.packets);
  } else {
    std::printf("softflowd  not installed\n");
  }

  std::optional<Timing> pmacctd;
  if (have("pmacctd")) {
    const std::string conf = (dir / "pmacctd.conf").string();
    std::ofstream(conf) << "daemonize: false\n"
                        << "pidfile: " << (dir / "pmacctd.pid").string() << "\n"
                        << "pcap_savefile: " << pcap << "\n"
                        << "plugins: nfprobe[np]\n"
                        << "nfprobe_receiver[np]: " << collector << "\n"
                        << "nfprobe_version[np]: 9\n"
                        << "nfprobe_maxflows[np]: 65536\n";
    pmacctd = time_run({"pmacctd", "-f", conf}, (dir / "pmacctd.log").string());
    report("pmacctd", *pmacctd, a.packets);
  } else {
    std::printf("pmacctd    not installed\n");
  }

  if (ours.ok && softflowd && softflowd->ok) {
    std::printf("flowprobe / softflowd: %.2fx per wall second, %.2fx per CPU second (target >= 3x)\n",
                softflowd->wall_s / ours.wall_s, softflowd->cpu_s / std::max(ours.cpu_s, 1e-9));
  }
  if (ours.ok && pmacctd && pmacctd->ok) {
    std::printf("flowprobe / pmacctd:   %.2fx per CPU second (pmacctd sleeps while reading savefiles: wall %.2fx)\n",
                pmacctd->cpu_s / std::max(ours.cpu_s, 1e-9), pmacctd->wall_s / ours.wall_s);
  }
  std::printf("flowprobe stats: %s",
              [&] {
                std::ifstream in(dir / "flowprobe.log");
                std::string line;
                std::string last;
                while (std::getline(in, line)) {
                  if (!line.empty() && line.front() == '{') {
                    last = line;
                  }
                }
                return last + "\n";
              }()
                  .c_str());
  if (!a.keep) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  } else {
    std::printf("kept %s\n", dir.c_str());
  }
  return ours.ok ? 0 : 1;
}
