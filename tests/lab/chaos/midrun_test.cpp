// Chaos while flows are being exported (issue 20), with real flowcollector processes and a real BIRD:
//  - the collector is killed (SIGKILL) and started again while an exporter keeps sending IPFIX: the new collector
//    learns the templates again (data sets before the next template are counted as template_missing, not
//    guessed), counts the datagrams the exporter then left out as sequence gaps, and counts nothing twice — the
//    arithmetic over every datagram the exporter sent is asserted exactly;
//  - the collector's BGP session with the exporter's router is reset (BIRD disables and enables it) while records
//    flow: a record is either enriched with that router's route or not enriched at all, never from another peer's
//    table (a second BGP peer announces the same prefix with another AS) nor from the withdrawn one; every record
//    sent while the session was down is unenriched, every record sent while it was up (and its table synced: the
//    End-of-RIB arrived) is enriched; none is lost.
#include "platform/process/process.hpp"
#include "probes/collector/query.hpp"
#include "probes/wire/exporter.hpp"
#include "tests/support/eventually.hpp"
#include "tests/unit/bgp/bird_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

namespace flowlab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <class F>
bool eventually(F&& done, std::chrono::milliseconds timeout) {
  return test_support::eventually(std::forward<F>(done), timeout, 50ms);
}

json ask(const std::string& socket, const json& request) {
  auto r = collector::query_socket(socket, request, 5s);
  return r.ok() && r->is_object() ? *r : json::object();
}

fs::path temp_dir(const std::string& stem) {
  const fs::path d = fs::temp_directory_path() / ("fl-i20-" + stem + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// A flowcollector process (the real binary) with `yaml` + a query socket, in `netns` ("" = ours).
class Collector {
 public:
  Collector(const fs::path& dir, const std::string& yaml, const std::string& netns = "")
      : socket_((dir / "c.sock").string()) {
    std::ofstream(dir / "c.yaml") << yaml << "outputs: {socket: " << socket_ << "}\n";
    fs::remove(socket_);
    auto r = process::start(process::Spec{.name = "flowcollector",
                                          .argv = {FLOWLAB_FLOWCOLLECTOR, "-c", (dir / "c.yaml").string()},
                                          .netns = netns,
                                          .log_file = dir / "c.log"});
    if (r.ok()) {
      ref_ = *r;
      started_ = eventually([&] { return ask(socket_, {{"cmd", "counters"}}).value("ok", false); }, 10s);
    }
  }
  ~Collector() { stop(); }
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] const std::string& socket() const { return socket_; }
  json query(const json& request) const { return ask(socket_, request); }
  void kill9() {
    ::kill(ref_.pid, SIGKILL);
    (void)process::stop(ref_, 1000ms);  // reaps it
    ref_ = {};
  }
  void stop() {
    if (ref_.pid > 0) {
      (void)process::stop(ref_);
      ref_ = {};
    }
  }

 private:
  std::string socket_;
  process::ProcessRef ref_;
  bool started_ = false;
};

std::uint16_t free_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin));  // NOLINT
  socklen_t len = sizeof(sin);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);  // NOLINT
  ::close(fd);
  return ntohs(sin.sin_port);
}

// What the exporter did with each datagram of its sequence.
struct Sent {
  std::uint32_t sequence = 0;  // IPFIX sequence number: records sent before this datagram
  std::uint32_t records = 0;
  bool templates = false;  // the datagram carried the templates
  bool left_out = false;   // encoded (the sequence moved on) but not sent: a gap the collector must count
};

constexpr std::uint32_t kRecords = 10;  // per datagram
constexpr std::uint64_t kPacketsPerRecord = 3;

// One IPFIX datagram of kRecords records whose source ports start at `first_port`.
std::vector<std::byte> encode(wire::Exporter& exporter, std::uint16_t first_port, const char* dst) {
  std::vector<wire::FlowRecord> batch;
  const auto now = static_cast<std::uint64_t>(now_ms());
  for (std::uint32_t i = 0; i < kRecords; ++i) {
    wire::FlowRecord r;
    r.src_addr = *IpAddress::parse("192.0.2.10");
    r.dst_addr = *IpAddress::parse(dst);
    r.src_port = static_cast<std::uint16_t>(first_port + i);
    r.dst_port = 443;
    r.protocol = 6;
    r.packets = kPacketsPerRecord;
    r.bytes = 300;
    r.first_ms = now - 10;
    r.last_ms = now;
    batch.push_back(r);
  }
  auto datagrams = exporter.encode(batch, now);
  EXPECT_EQ(datagrams.size(), 1U);
  return datagrams.empty() ? std::vector<std::byte>{} : datagrams.front();
}

int udp_socket_to(const char* bind_address, const char* to_address, std::uint16_t port, sockaddr_in& to) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (bind_address != nullptr) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, bind_address, &from.sin_addr);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)), 0);  // NOLINT
  }
  to = sockaddr_in{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, to_address, &to.sin_addr);
  return fd;
}

TEST(ChaosMidRun, CollectorKilledAndRestartedMidExportCountsEveryRecordOnce) {
  const fs::path dir = temp_dir("restart");
  const std::uint16_t port = free_udp_port();
  const std::string yaml =
      "log: {level: warn}\nlisten: [{proto: netflow, address: 127.0.0.1, port: " + std::to_string(port) +
      "}]\naggregates: [{name: a, primitives: [src_port]}]\n";
  auto first = std::make_unique<Collector>(dir, yaml);
  ASSERT_TRUE(first->started());

  wire::ExportOptions options;
  options.protocol = wire::ExportProtocol::kIpfix;
  options.observation_domain = 7;
  options.template_refresh_packets = 25;  // like a probe: templates every 25 datagrams
  wire::Exporter exporter(options);
  sockaddr_in to{};
  const int fd = udp_socket_to(nullptr, "127.0.0.1", port, to);
  std::vector<Sent> log;
  std::atomic<bool> restarted{false};
  std::atomic<bool> stop{false};
  std::mutex log_mutex;
  std::thread sender([&] {
    std::uint32_t sequence = 0;
    for (std::uint32_t i = 0; !stop; ++i) {
      const auto templates_before = exporter.counters().template_sends;
      const auto d = encode(exporter, static_cast<std::uint16_t>(1000 + (i % 6000) * kRecords), "203.0.113.5");
      // After the restart, every 7th datagram is left out: gaps the new collector must count.
      const bool left_out = restarted && i % 7 == 3;
      if (!left_out) {
        (void)::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to));  // NOLINT
      }
      {
        std::lock_guard<std::mutex> lock(log_mutex);
        log.push_back({sequence, kRecords, exporter.counters().template_sends != templates_before, left_out});
      }
      sequence += kRecords;
      std::this_thread::sleep_for(2ms);
    }
  });
  std::this_thread::sleep_for(1s);
  EXPECT_GT(first->query({{"cmd", "counters"}})["collector"].value("records", 0ULL), 0U);
  first->kill9();
  std::this_thread::sleep_for(300ms);  // datagrams sent now find no socket
  auto second = std::make_unique<Collector>(dir, yaml);
  ASSERT_TRUE(second->started());
  restarted = true;
  std::this_thread::sleep_for(1500ms);
  stop = true;
  sender.join();
  ::close(fd);

  const auto sent_total =
      static_cast<std::uint64_t>(std::count_if(log.begin(), log.end(), [](const Sent& s) { return !s.left_out; }));
  json c;
  ASSERT_TRUE(eventually(
      [&] {
        c = second->query({{"cmd", "counters"}});
        return c.value("ok", false);
      },
      5s));
  std::this_thread::sleep_for(300ms);
  c = second->query({{"cmd", "counters"}});
  const std::uint64_t received = c["receivers"][0].value("datagrams", 0ULL);
  ASSERT_GT(received, 0U);
  ASSERT_LT(received, sent_total);
  // Loopback loses nothing: the new collector got the last `received` datagrams actually sent.
  std::size_t first_index = log.size();
  for (std::uint64_t n = 0; first_index > 0 && n < received;) {
    --first_index;
    n += log[first_index].left_out ? 0U : 1U;
  }
  // Until a datagram with the templates arrives, the new collector cannot decode the data sets, so it cannot know
  // how many records they hold: those datagrams count as ipfix_template_missing and the sequence resynchronises on
  // the first decodable one. From there on every record is either counted or lost by a gap.
  std::uint64_t expected_units = 0;
  std::uint64_t gap_records = 0;
  std::uint64_t uncountable_gap = 0;  // left out while the collector had no template: no sequence can show them
  std::uint64_t before_template = 0;  // received datagrams whose data set had no template yet
  std::uint64_t decodable_records = 0;
  bool have_template = false;
  std::size_t end = log.size();  // datagrams left out at the very end are gaps nobody can see yet
  while (end > first_index && log[end - 1].left_out) {
    --end;
  }
  for (std::size_t i = first_index; i < end; ++i) {
    if (log[i].left_out) {
      (have_template ? gap_records : uncountable_gap) += log[i].records;
      expected_units += have_template ? log[i].records : 0;
      continue;
    }
    have_template = have_template || log[i].templates;
    if (have_template) {
      decodable_records += log[i].records;
      expected_units += log[i].records;
    } else {
      ++before_template;
    }
  }
  ASSERT_EQ(c["sequence"]["streams"].size(), 1U) << c.dump();
  const json& stream = c["sequence"]["streams"][0];
  SCOPED_TRACE(stream.dump());
  EXPECT_EQ(stream.value("datagrams", 0ULL), received);
  EXPECT_EQ(stream.value("expected", 0ULL), expected_units);  // received + lost, from the first datagram seen
  EXPECT_EQ(stream.value("lost", 0ULL), gap_records);
  EXPECT_EQ(stream.value("duplicate", 0ULL), 0U);
  EXPECT_EQ(c["decoder"].value("ipfix_template_missing", 0ULL), before_template);
  EXPECT_GT(c["decoder"].value("templates", 0ULL), 0U) << "templates learned again";
  EXPECT_EQ(c["collector"].value("records", 0ULL), decodable_records);
  // Nothing counted twice: the table holds exactly the packets of the records decoded.
  const json table = second->query({{"cmd", "table"}, {"aggregate", "a"}});
  std::uint64_t packets = 0;
  for (const auto& row : table["rows"]) {
    packets += row.value("packets", 0ULL);
  }
  EXPECT_EQ(packets, decodable_records * kPacketsPerRecord);
  std::printf(
      "restart: exporter sent %zu datagrams (%llu left out after the restart); the new collector received "
      "%llu, %llu before the next template, counted %llu records, %llu lost by sequence gaps\n",
      log.size(), static_cast<unsigned long long>(log.size() - sent_total), static_cast<unsigned long long>(received),
      static_cast<unsigned long long>(before_template), static_cast<unsigned long long>(decodable_records),
      static_cast<unsigned long long>(gap_records));
  second.reset();
  fs::remove_all(dir);
}

// Two BIRDs announce 203.0.113.0/24: 192.0.2.2 (AS 65001, the exporter's router) and 192.0.2.3 (AS 65003, another
// peer). The collector enriches the exporter 192.0.2.2's records from peer 192.0.2.2 only.
const char* kBirdExporterConfig = R"(
router id 192.0.2.2;
protocol device {}
protocol static s4 { ipv4; route 203.0.113.0/24 blackhole; }
protocol bgp exporter { local 192.0.2.2 as 65001; multihop; strict bind yes; neighbor 192.0.2.1 port 1179 as 65000;
  connect retry time 2; error wait time 1, 5; ipv4 { import none; export all; }; }
)";
const char* kBirdOtherConfig = R"(
router id 192.0.2.3;
protocol device {}
protocol static s4 { ipv4; route 203.0.113.0/24 blackhole; }
protocol bgp peer3 { local 192.0.2.3 as 65003; multihop; strict bind yes; neighbor 192.0.2.1 port 1179 as 65000;
  connect retry time 2; error wait time 1, 5; ipv4 { import none; export all; }; }
)";

TEST(ChaosMidRun, BgpSessionResetMidSendNeverEnrichesFromAStaleOrWrongTable) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root (a network namespace)";
  }
  bgp::testing::TestNetns ns("i20r", {"192.0.2.1/32", "192.0.2.2/32", "192.0.2.3/32"});
  ASSERT_TRUE(ns.ok());
  const fs::path dir = temp_dir("reset");
  Collector collector(dir,
                      "log: {level: warn}\n"
                      "listen: [{proto: netflow, address: 192.0.2.1, port: 2100}]\n"
                      "bgp:\n  local_as: 65000\n  router_id: 192.0.2.1\n"
                      "  listen: [{address: 192.0.2.1, port: 1179}]\n"
                      "  peers: [{address: 192.0.2.2, asn: 65001}, {address: 192.0.2.3, asn: 65003}]\n"
                      "aggregates: [{name: a, primitives: [src_port, dst_as, as_path, peer_dst_as]}]\n",
                      ns.name());
  ASSERT_TRUE(collector.started());
  bgp::testing::BirdProcess bird(ns.name(), dir / "bird", kBirdExporterConfig);
  ASSERT_TRUE(bird.started()) << bird.error();
  bgp::testing::BirdProcess other(ns.name(), dir / "bird3", kBirdOtherConfig);
  ASSERT_TRUE(other.started()) << other.error();
  auto peer = [&](const std::string& address) {
    const json peers = collector.query({{"cmd", "bgp_peers"}});  // kept: a range-for over a temporary's member dangles
    for (const auto& p : peers.value("peers", json::array())) {
      if (p.value("address", "") == address) {
        return std::make_pair(p.value("state", ""), p.value("routes", std::uint64_t{0}));
      }
    }
    return std::make_pair(std::string(), std::uint64_t{0});
  };
  // Up: Established, the route in the table and the table synced (the peer's End-of-RIB, bgp_tables.hpp) — before
  // that the collector does not enrich from it.
  auto synced = [&](const std::string& address) {
    const json peers = collector.query({{"cmd", "bgp_peers"}});
    for (const auto& p : peers.value("peers", json::array())) {
      if (p.value("address", "") == address) {
        return p.value("sync", json::object()).value("ipv4", "") == "end-of-rib";
      }
    }
    return false;
  };
  auto up = [&](const std::string& address) {
    const auto [state, routes] = peer(address);
    return state == "Established" && routes == 1 && synced(address);
  };
  ASSERT_TRUE(eventually([&] { return up("192.0.2.2") && up("192.0.2.3"); }, 90s))
      << collector.query({{"cmd", "bgp_peers"}}).dump();

  // The exporter: a thread in the namespace sending from 192.0.2.2, one datagram (kRecords records with their own
  // source ports) every 2 ms, each send time logged.
  std::atomic<bool> stop{false};
  std::vector<std::int64_t> sent_at;  // by datagram index
  std::thread sender([&] {
    const int nsfd = ::open(("/run/netns/" + ns.name()).c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_EQ(::setns(nsfd, CLONE_NEWNET), 0);
    ::close(nsfd);
    wire::ExportOptions options;
    options.protocol = wire::ExportProtocol::kIpfix;
    options.template_refresh_packets = 1;
    wire::Exporter exporter(options);
    sockaddr_in to{};
    const int fd = udp_socket_to("192.0.2.2", "192.0.2.1", 2100, to);
    for (std::uint32_t i = 0; !stop && i < 6000; ++i) {
      const auto d = encode(exporter, static_cast<std::uint16_t>(1000 + i * kRecords), "203.0.113.5");
      sent_at.push_back(now_ms());
      (void)::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to));  // NOLINT
      std::this_thread::sleep_for(2ms);
    }
    ::close(fd);
  });
  std::this_thread::sleep_for(1s);
  const std::int64_t down_issued = now_ms();
  (void)bird.birdc({"disable", "exporter"});
  ASSERT_TRUE(eventually([&] { return peer("192.0.2.2").first != "Established"; }, 10s));
  const std::int64_t down_seen = now_ms();
  std::this_thread::sleep_for(1500ms);
  const std::int64_t up_issued = now_ms();
  (void)bird.birdc({"enable", "exporter"});
  ASSERT_TRUE(eventually([&] { return up("192.0.2.2"); }, 30s));
  const std::int64_t up_seen = now_ms();
  std::this_thread::sleep_for(1s);
  stop = true;
  sender.join();
  std::this_thread::sleep_for(300ms);

  // Every record: enriched from the exporter's router (AS 65001) or not at all; by its send time, which.
  const json table = collector.query({{"cmd", "table"}, {"aggregate", "a"}});
  ASSERT_TRUE(table.value("ok", false)) << table.dump();
  std::uint64_t packets = 0;
  std::size_t enriched = 0;
  std::size_t unenriched = 0;
  std::size_t wrong = 0;
  for (const auto& row : table["rows"]) {
    const auto& v = row["values"];
    const auto port = static_cast<std::uint32_t>(std::stoul(v[0].get<std::string>()));
    const std::size_t index = (port - 1000) / kRecords;
    ASSERT_LT(index, sent_at.size());
    const std::int64_t at = sent_at[index];
    packets += row.value("packets", 0ULL);
    const bool is_enriched = v[1] == "65001" && v[2] == "65001" && v[3] == "65001";
    const bool is_unenriched = v[1] == "0" && v[2] == "" && v[3] == "0";
    if (!is_enriched && !is_unenriched) {
      ++wrong;
      ADD_FAILURE() << "record enriched from a wrong table: " << row.dump();
    }
    enriched += is_enriched ? 1 : 0;
    unenriched += is_unenriched ? 1 : 0;
    if (at < down_issued || at > up_seen) {
      EXPECT_TRUE(is_enriched) << "sent while the session was up: " << row.dump();
    } else if (at > down_seen && at < up_issued) {
      EXPECT_TRUE(is_unenriched) << "sent while the session was down: " << row.dump();
    }
  }
  EXPECT_EQ(table["rows"].size(), sent_at.size() * kRecords);
  EXPECT_EQ(packets, sent_at.size() * kRecords * kPacketsPerRecord);
  EXPECT_GT(unenriched, 0U);
  const auto syncing = collector.query({{"cmd", "counters"}})["collector"].value("records_unenriched_syncing", 0ULL);
  EXPECT_LE(syncing, unenriched);
  std::printf(
      "bgp reset: %zu datagrams sent, %zu records enriched from the exporter's router, %zu unenriched (the "
      "session was down %lld ms; %llu while its table was syncing), %zu from a wrong table\n",
      sent_at.size(), enriched, unenriched, static_cast<long long>(up_seen - down_issued),
      static_cast<unsigned long long>(syncing), wrong);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace flowlab
