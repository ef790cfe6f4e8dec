// Seed 002's two-stage tee chain, in a private namespace (fl-tee-<pid>), on its loopback:
//
//   exporter 127.0.0.2:40000 --v9--> stage 1 tee 127.0.0.1:21000 --(pool 1)--> stage 2a 127.0.0.1:21001
//                                                                 --(pool 2)--> stage 2b 127.0.0.1:21002
//   stage 2a --> final receivers 127.0.0.1:65001, :65002, :65003      (seed 002: three processes per server)
//   stage 2b --> final receivers 127.0.0.1:65011, :65012, :65013
//
// The exporter replays N NetFlow v9 datagrams (probes/wire Exporter, consecutive sequence numbers) at full speed.
// Every final receiver must get every datagram exactly once (sequence numbers complete, no gaps, no duplicates),
// the tees must count no drops, and the kernel no receive-buffer drops. In transparent mode every final receiver
// sees the exporter's address and port as the datagram's source; otherwise the stage-2 tee's address. The same
// for IPv6 (exporter 2001:db8:ee::2, tees on ::1). Each case runs twice: with `tee_relay` (the flowlab_tee library
// behind one UDP listener: the library alone) and with `flowcollector` running tee-only configs (what the `tee`
// node kind renders; skipped when flowcollector is not built).
#include "platform/netns/namespace.hpp"
#include "probes/collector/tee.hpp"
#include "probes/wire/exporter.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace flowlab::collector {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kDatagrams = 20000;
constexpr std::uint16_t kExporterPort = 40000;

// ---- namespace ---------------------------------------------------------------------------------------------

int run_command(const std::vector<std::string>& argv) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) {
      args.push_back(const_cast<char*>(a.c_str()));  // NOLINT: execvp's signature
    }
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The whole test binary moves into the namespace once (children and threads inherit it) and back at the end.
class LabNamespace {
 public:
  static LabNamespace& get() {
    static LabNamespace instance;
    return instance;
  }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& why() const { return why_; }
  void leave() {
    if (original_ >= 0) {
      ::setns(original_, CLONE_NEWNET);
      ::close(original_);
      original_ = -1;
    }
    owned_.reset();  // deletes /run/netns/<name>
  }

 private:
  LabNamespace() {
    std::string name = "fl-tee-" + std::to_string(::getpid());
    auto ns = netns::OwnedNamespace::create(name);
    if (!ns.ok()) {
      why_ = ns.error().to_string();
      return;
    }
    owned_ = std::make_unique<netns::OwnedNamespace>(std::move(*ns));
    original_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int target = ::open(netns::namespace_path(name).c_str(), O_RDONLY | O_CLOEXEC);
    if (original_ < 0 || target < 0 || ::setns(target, CLONE_NEWNET) != 0) {
      why_ = "entering " + name + ": " + std::strerror(errno);
      if (target >= 0) {
        ::close(target);
      }
      return;
    }
    ::close(target);
    if (run_command({"ip", "link", "set", "lo", "up"}) != 0 ||
        run_command({"ip", "-6", "addr", "add", "2001:db8:ee::2/128", "dev", "lo", "nodad"}) != 0) {
      why_ = "configuring lo in " + name;
      return;
    }
    ok_ = true;
  }

  std::unique_ptr<netns::OwnedNamespace> owned_;
  int original_ = -1;
  bool ok_ = false;
  std::string why_;
};

class NamespaceEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    if (::geteuid() == 0) {
      LabNamespace::get().leave();
    }
  }
};
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new NamespaceEnvironment);

// /proc/net/snmp Udp: RcvbufErrors (this namespace).
std::uint64_t udp_rcvbuf_errors(bool v6) {
  std::ifstream in(v6 ? "/proc/net/snmp6" : "/proc/net/snmp");
  std::string line;
  if (v6) {
    while (std::getline(in, line)) {
      std::istringstream s(line);
      std::string key;
      std::uint64_t value = 0;
      s >> key >> value;
      if (key == "Udp6RcvbufErrors") {
        return value;
      }
    }
    return 0;
  }
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    if (line.rfind("Udp: ", 0) != 0) {
      continue;
    }
    std::istringstream s(line.substr(5));
    std::vector<std::string> words{std::istream_iterator<std::string>(s), std::istream_iterator<std::string>()};
    if (header.empty()) {
      header = words;
      continue;
    }
    for (std::size_t i = 0; i < header.size() && i < words.size(); ++i) {
      if (header[i] == "RcvbufErrors") {
        return std::stoull(words[i]);
      }
    }
  }
  return 0;
}

// ---- sockets -----------------------------------------------------------------------------------------------

struct Endpoint {
  std::string address;
  std::uint16_t port = 0;
  [[nodiscard]] std::string text() const {
    return address.find(':') != std::string::npos ? "[" + address + "]:" + std::to_string(port)
                                                  : address + ":" + std::to_string(port);
  }
};

int bound_socket(const Endpoint& e) {
  bool v6 = e.address.find(':') != std::string::npos;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int size = 256 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (v6) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(e.port);
    ::inet_pton(AF_INET6, e.address.c_str(), &sin6.sin6_addr);
    std::memcpy(&ss, &sin6, sizeof(sin6));
    len = sizeof(sin6);
  } else {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(e.port);
    ::inet_pton(AF_INET, e.address.c_str(), &sin.sin_addr);
    std::memcpy(&ss, &sin, sizeof(sin));
    len = sizeof(sin);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {  // NOLINT: sockaddr API
    ADD_FAILURE() << "bind " << e.text() << ": " << std::strerror(errno);
  }
  return fd;
}

std::string source_text(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, &ss, sizeof(sin));
    ::inet_ntop(AF_INET, &sin.sin_addr, buf, sizeof(buf));
    return Endpoint{buf, ntohs(sin.sin_port)}.text();
  }
  sockaddr_in6 sin6{};
  std::memcpy(&sin6, &ss, sizeof(sin6));
  ::inet_ntop(AF_INET6, &sin6.sin6_addr, buf, sizeof(buf));
  return Endpoint{buf, ntohs(sin6.sin6_port)}.text();
}

std::uint32_t v9_sequence(const std::uint8_t* p) {
  return (static_cast<std::uint32_t>(p[12]) << 24U) | (static_cast<std::uint32_t>(p[13]) << 16U) |
         (static_cast<std::uint32_t>(p[14]) << 8U) | p[15];
}

// Final receivers: one thread drains all of them, noting each datagram's v9 sequence number and source.
class FinalReceivers {
 public:
  explicit FinalReceivers(const std::vector<Endpoint>& endpoints)
      : seqs_(endpoints.size()), sources_(endpoints.size()) {
    for (const auto& e : endpoints) {
      fds_.push_back(bound_socket(e));
    }
    thread_ = std::thread([this] { loop(); });
  }
  ~FinalReceivers() {
    stop_ = true;
    thread_.join();
    for (int fd : fds_) {
      ::close(fd);
    }
  }
  FinalReceivers(const FinalReceivers&) = delete;
  FinalReceivers& operator=(const FinalReceivers&) = delete;

  [[nodiscard]] std::size_t min_count() const {
    std::size_t m = SIZE_MAX;
    for (std::size_t i = 0; i < fds_.size(); ++i) {
      m = std::min<std::size_t>(m, counts_[i].load());
    }
    return m;
  }
  [[nodiscard]] std::size_t total() const {
    std::size_t t = 0;
    for (const auto& c : counts_) {
      t += c.load();
    }
    return t;
  }
  // Valid after the destructor's join... or after stop(): call stop() before reading.
  void stop() {
    if (!stop_.exchange(true)) {
      thread_.join();
      thread_ = std::thread([] {});
    }
  }
  [[nodiscard]] const std::vector<std::vector<std::uint32_t>>& seqs() const { return seqs_; }
  [[nodiscard]] const std::vector<std::map<std::string, std::size_t>>& sources() const { return sources_; }

 private:
  void loop() {
    std::vector<pollfd> p;
    for (int fd : fds_) {
      p.push_back(pollfd{fd, POLLIN, 0});
    }
    std::vector<std::uint8_t> buf(65536);
    while (!stop_) {
      if (::poll(p.data(), p.size(), 50) <= 0) {
        continue;
      }
      for (std::size_t i = 0; i < p.size(); ++i) {
        if ((p[i].revents & POLLIN) == 0) {
          continue;
        }
        for (;;) {
          sockaddr_storage from{};
          socklen_t len = sizeof(from);
          ssize_t n = ::recvfrom(fds_[i], buf.data(), buf.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from),
                                 &len);  // NOLINT: sockaddr API
          if (n < 0) {
            break;
          }
          if (n >= 20) {
            seqs_[i].push_back(v9_sequence(buf.data()));
          }
          ++sources_[i][source_text(from)];
          ++counts_[i];
        }
      }
    }
  }

  std::vector<int> fds_;
  std::vector<std::vector<std::uint32_t>> seqs_;
  std::vector<std::map<std::string, std::size_t>> sources_;
  std::array<std::atomic<std::size_t>, 16> counts_{};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// ---- relays ------------------------------------------------------------------------------------------------

// The tee processes: tee_relay (flowlab_tee behind one listener) or flowcollector with a tee-only config.
enum class Daemon : std::uint8_t { kRelay, kFlowcollector };

#ifdef FLOWLAB_FLOWCOLLECTOR_PATH
const char* const kFlowcollector = FLOWLAB_FLOWCOLLECTOR_PATH;
#else
const char* const kFlowcollector = "";
#endif

struct Relay {
  std::string name;
  Daemon daemon = Daemon::kRelay;
  pid_t pid = 0;
  fs::path out;
  fs::path err;
  fs::path socket;  // flowcollector's query socket
};

pid_t spawn(std::vector<std::string> argv, const fs::path& out_file, const fs::path& err_file) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> args;
    for (auto& a : argv) {
      args.push_back(a.data());
    }
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

std::string slurp(const fs::path& p) {
  std::stringstream s;
  s << std::ifstream(p).rdbuf();
  return s.str();
}

Relay start_relay(Daemon daemon, const fs::path& dir, const std::string& name, const Endpoint& listen,
                  const std::vector<Endpoint>& receivers, bool transparent) {
  Relay r{name, daemon, 0, dir / (name + ".out"), dir / (name + ".err"), dir / (name + ".sock")};
  fs::path lst = dir / (name + ".lst");
  {
    std::ofstream f(lst);
    f << "! " << name << " receivers (pmacct tee_receivers syntax)\n";
    for (std::size_t i = 0; i < receivers.size(); ++i) {
      f << "id=" << i + 1 << " ip=" << receivers[i].text() << "\n";
    }
  }
  fs::path ready = dir / (name + ".ready");
  if (daemon == Daemon::kRelay) {
    std::vector<std::string> argv = {FLOWLAB_TEE_RELAY, "--name",     name,      "--listen",    listen.text(),
                                     "--receivers",     lst.string(), "--ready", ready.string()};
    if (transparent) {
      argv.emplace_back("--transparent");
    }
    r.pid = spawn(argv, r.out, r.err);
  } else {
    // What nodes/tee renders: listen + tee + query socket, nothing else.
    fs::path config = dir / (name + ".yaml");
    std::ofstream(config) << "log: {level: warn}\n"
                          << "listen:\n  - {proto: netflow, address: \"" << listen.address
                          << "\", port: " << listen.port << "}\n"
                          << "socket_buffer: 256MiB\n"
                          << "outputs:\n  socket: \"" << r.socket.string() << "\"\n"
                          << "tee:\n  - {name: " << name << ", receivers: \"" << lst.string()
                          << "\", balance: all, transparent: " << (transparent ? "true" : "false") << "}\n";
    r.pid = spawn({kFlowcollector, "-c", config.string()}, r.out, r.err);
    ready = r.socket;
  }
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!fs::exists(ready) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(fs::exists(ready)) << name << " did not start: " << slurp(r.err);
  return r;
}

// Its counters in tee_relay's shape: {"received", "truncated"} first, then one object per tee receiver.
// flowcollector: `flowcollector query --counters` before SIGTERM.
std::vector<nlohmann::json> stop_relay(Relay& r) {
  std::vector<nlohmann::json> out;
  if (r.pid <= 0) {
    return out;
  }
  if (r.daemon == Daemon::kFlowcollector) {
    fs::path query_out = r.out.string() + ".query";
    pid_t q =
        spawn({kFlowcollector, "query", "-s", r.socket.string(), "--counters"}, query_out, r.err.string() + ".query");
    int qs = 0;
    ::waitpid(q, &qs, 0);
    auto counters = nlohmann::json::parse(slurp(query_out), nullptr, false);
    EXPECT_TRUE(counters.is_object()) << r.name << ": query --counters gave " << slurp(query_out)
                                      << slurp(r.err.string() + ".query");
    if (counters.is_object()) {
      std::uint64_t received = 0;
      std::uint64_t truncated = 0;
      for (const auto& l : counters.value("receivers", nlohmann::json::array())) {
        received += l.value("datagrams", 0ULL);
        truncated += l.value("truncated", 0ULL);
      }
      out.push_back({{"tee", r.name}, {"received", received}, {"truncated", truncated}});
      for (const auto& t : counters.value("tee", nlohmann::json::array())) {
        out.push_back(t);
      }
    }
  }
  ::kill(r.pid, SIGTERM);
  int status = 0;
  ::waitpid(r.pid, &status, 0);
  r.pid = 0;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << r.name << " exit status " << status;
  if (r.daemon == Daemon::kRelay) {
    std::ifstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
      out.push_back(nlohmann::json::parse(line, nullptr, false));
    }
  }
  return out;
}

// ---- exporter ----------------------------------------------------------------------------------------------

std::vector<std::vector<std::byte>> v9_datagrams(std::size_t n) {
  wire::ExportOptions options;
  options.protocol = wire::ExportProtocol::kNetflowV9;
  options.observation_domain = 7;
  wire::Exporter exporter(options);
  std::vector<std::vector<std::byte>> out;
  std::vector<wire::FlowRecord> records(12);
  std::uint64_t now_ms = 1'764'000'000'000ULL;
  std::uint32_t i = 0;
  while (out.size() < n) {
    for (auto& r : records) {
      r.src_addr = IpAddress::v4(0xc6336400U + (i & 0xffU));
      r.dst_addr = IpAddress::v4(0xcb007100U + ((i >> 8U) & 0xffU));
      r.src_port = static_cast<std::uint16_t>(1024U + (i % 60000U));
      r.dst_port = 443;
      r.protocol = 6;
      r.packets = 10;
      r.bytes = 15000;
      r.first_ms = now_ms - 1000;
      r.last_ms = now_ms;
      ++i;
    }
    for (auto& d : exporter.encode(records, now_ms)) {
      out.push_back(std::move(d));
    }
    now_ms += 1;
  }
  out.resize(n);
  return out;
}

// ---- the test ----------------------------------------------------------------------------------------------

struct ChainCase {
  const char* name;
  bool v6;
  bool transparent;
  Daemon daemon = Daemon::kRelay;
};
void PrintTo(const ChainCase& c, std::ostream* os) { *os << c.name; }

class TeeChain : public ::testing::TestWithParam<ChainCase> {};

TEST_P(TeeChain, EveryFinalReceiverGetsEveryDatagram) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root (a private network namespace, raw sockets for transparent mode)";
  }
  auto& ns = LabNamespace::get();
  ASSERT_TRUE(ns.ok()) << ns.why();
  const ChainCase& c = GetParam();
  if (c.daemon == Daemon::kFlowcollector && (std::string(kFlowcollector).empty() || !fs::exists(kFlowcollector))) {
    GTEST_SKIP() << "flowcollector not built (" << kFlowcollector << ")";
  }
  const std::string local = c.v6 ? "::1" : "127.0.0.1";
  const Endpoint exporter_end{c.v6 ? "2001:db8:ee::2" : "127.0.0.2", kExporterPort};
  const Endpoint stage1{local, 21000};
  const Endpoint stage2a{local, 21001};
  const Endpoint stage2b{local, 21002};
  const std::vector<Endpoint> finals_a = {{local, 65001}, {local, 65002}, {local, 65003}};
  const std::vector<Endpoint> finals_b = {{local, 65011}, {local, 65012}, {local, 65013}};
  std::vector<Endpoint> finals = finals_a;
  finals.insert(finals.end(), finals_b.begin(), finals_b.end());

  fs::path dir = fs::temp_directory_path() / ("fl-tee-lab-" + std::to_string(::getpid()) + "-" + c.name);
  fs::remove_all(dir);
  fs::create_directories(dir);

  auto datagrams = v9_datagrams(kDatagrams);
  std::vector<std::uint32_t> expected;
  for (const auto& d : datagrams) {
    expected.push_back(v9_sequence(reinterpret_cast<const std::uint8_t*>(d.data())));  // NOLINT
  }
  std::sort(expected.begin(), expected.end());
  ASSERT_EQ(std::adjacent_find(expected.begin(), expected.end()), expected.end()) << "exporter repeated a sequence";
  ASSERT_EQ(expected.back() - expected.front() + 1, kDatagrams) << "exporter sequence numbers not consecutive";

  const std::uint64_t kernel_drops_before = udp_rcvbuf_errors(c.v6);
  FinalReceivers receivers(finals);
  std::vector<Relay> relays;
  relays.push_back(start_relay(c.daemon, dir, "stage2a", stage2a, finals_a, c.transparent));
  relays.push_back(start_relay(c.daemon, dir, "stage2b", stage2b, finals_b, c.transparent));
  relays.push_back(start_relay(c.daemon, dir, "stage1", stage1, {stage2a, stage2b}, c.transparent));

  // Replay at full speed.
  int exporter = bound_socket(exporter_end);
  sockaddr_storage to{};
  socklen_t to_len = 0;
  if (c.v6) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(stage1.port);
    ::inet_pton(AF_INET6, stage1.address.c_str(), &sin6.sin6_addr);
    std::memcpy(&to, &sin6, sizeof(sin6));
    to_len = sizeof(sin6);
  } else {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(stage1.port);
    ::inet_pton(AF_INET, stage1.address.c_str(), &sin.sin_addr);
    std::memcpy(&to, &sin, sizeof(sin));
    to_len = sizeof(sin);
  }
  const auto start = Clock::now();
  std::size_t bytes = 0;
  for (const auto& d : datagrams) {
    ssize_t n = ::sendto(exporter, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&to), to_len);  // NOLINT
    ASSERT_EQ(n, static_cast<ssize_t>(d.size())) << std::strerror(errno);
    bytes += d.size();
  }
  const auto sent = Clock::now();
  ::close(exporter);

  // Wait until every final receiver has them all, or nothing moved for 5 s.
  std::size_t last_total = 0;
  auto last_progress = Clock::now();
  while (receivers.min_count() < kDatagrams && Clock::now() - last_progress < std::chrono::seconds(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (receivers.total() != last_total) {
      last_total = receivers.total();
      last_progress = Clock::now();
    }
  }
  const auto done = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // late duplicates would show up here
  receivers.stop();

  std::map<std::string, std::vector<nlohmann::json>> counters;
  for (auto& r : relays) {
    counters[r.name] = stop_relay(r);
  }
  const std::uint64_t kernel_drops = udp_rcvbuf_errors(c.v6) - kernel_drops_before;

  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::printf(
      "[ figures  ] %s: %zu datagrams (%zu bytes) sent in %lld ms, all %zu final receivers complete after "
      "%lld ms; kernel UDP receive-buffer drops: %llu\n",
      c.name, kDatagrams, bytes, static_cast<long long>(ms(sent - start)), finals.size(),
      static_cast<long long>(ms(done - start)), static_cast<unsigned long long>(kernel_drops));

  // Every final receiver: each sequence number exactly once.
  for (std::size_t i = 0; i < finals.size(); ++i) {
    SCOPED_TRACE("final receiver " + finals[i].text());
    std::vector<std::uint32_t> got = receivers.seqs()[i];
    EXPECT_EQ(got.size(), kDatagrams);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end()) << "duplicates";
    std::vector<std::uint32_t> missing;
    std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(), std::back_inserter(missing));
    EXPECT_TRUE(missing.empty()) << missing.size() << " sequence numbers missing, first " << missing.front();

    // Source address: the exporter (transparent) or the stage-2 tee (plain UDP from its own socket).
    const auto& sources = receivers.sources()[i];
    ASSERT_EQ(sources.size(), 1U) << "datagrams from several sources";
    const std::string& source = sources.begin()->first;
    if (c.transparent) {
      EXPECT_EQ(source, exporter_end.text());
    } else {
      EXPECT_EQ(source.rfind(c.v6 ? "[::1]:" : "127.0.0.1:", 0), 0U) << source;
      EXPECT_NE(source, exporter_end.text());
    }
  }

  // The tees' own counters: every receiver got N datagrams, no drops.
  for (const auto& [name, lines] : counters) {
    SCOPED_TRACE(name);
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.front().value("received", 0ULL), kDatagrams);
    EXPECT_EQ(lines.front().value("truncated", 1ULL), 0U);
    ASSERT_EQ(lines.size(), name == "stage1" ? 3U : 4U);
    for (std::size_t i = 1; i < lines.size(); ++i) {
      EXPECT_EQ(lines[i].value("datagrams", 0ULL), kDatagrams) << lines[i].dump();
      EXPECT_EQ(lines[i].value("dropped", 1ULL), 0U) << lines[i].dump();
      std::printf("[ counters ] %s\n", lines[i].dump().c_str());
    }
  }
  EXPECT_EQ(kernel_drops, 0U);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Seed002, TeeChain,
    ::testing::Values(ChainCase{"ipv4_plain", false, false}, ChainCase{"ipv4_transparent", false, true},
                      ChainCase{"ipv6_transparent", true, true},
                      ChainCase{"ipv4_plain_flowcollector", false, false, Daemon::kFlowcollector},
                      ChainCase{"ipv4_transparent_flowcollector", false, true, Daemon::kFlowcollector},
                      ChainCase{"ipv6_transparent_flowcollector", true, true, Daemon::kFlowcollector}),
    [](const ::testing::TestParamInfo<ChainCase>& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace flowlab::collector
