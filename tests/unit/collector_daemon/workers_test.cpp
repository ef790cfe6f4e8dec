// flowcollector `workers: N` (issue 15): real datagrams over loopback into a started collector with two receive
// workers. The kernel's reuseport group, steered by the collector's classic BPF program, must give each exporter —
// every source port of it — to the worker exporter_worker() names: its templates, sequence state and records all
// on that worker, sequence loss counted exactly, and the aggregates merged over both workers on query.
#include "common/poll.hpp"
#include "probes/collector/collector.hpp"
#include "probes/collector/steering.hpp"
#include "probes/wire/exporter.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace flowlab::collector {
namespace {

using namespace std::chrono_literals;

// A UDP socket bound to `address` (any 127/8 address works on lo), port chosen by the kernel.
class ExporterSocket {
 public:
  explicit ExporterSocket(const IpAddress& address) : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(address.v4_host_order());
    bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) == 0;  // NOLINT
  }
  ~ExporterSocket() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  ExporterSocket(const ExporterSocket&) = delete;
  ExporterSocket& operator=(const ExporterSocket&) = delete;
  [[nodiscard]] bool bound() const { return bound_; }
  void send(std::uint16_t port, const std::vector<std::byte>& datagram) const {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to),  // NOLINT
                       sizeof(to)),
              static_cast<ssize_t>(datagram.size()));
  }

 private:
  int fd_;
  bool bound_ = false;
};

wire::FlowRecord record(std::uint32_t host, std::uint64_t bytes) {
  wire::FlowRecord r;
  r.src_addr = IpAddress::v4(0xC0000200U + host);  // 192.0.2.<host>
  r.dst_addr = *IpAddress::parse("203.0.113.5");
  r.src_port = 40000;
  r.dst_port = 443;
  r.protocol = 6;
  r.packets = 1;
  r.bytes = bytes;
  r.first_ms = 1'700'000'000'000ULL;
  r.last_ms = 1'700'000'001'000ULL;
  return r;
}

// One exporting process: its own source port and observation domain; templates in its first datagram only, so a
// data datagram handed to a worker that did not see them could not be decoded.
struct Exporting {
  ExporterSocket socket;
  wire::Exporter exporter;
  Exporting(const IpAddress& address, std::uint32_t domain) : socket(address), exporter(options(domain)) {}
  static wire::ExportOptions options(std::uint32_t domain) {
    wire::ExportOptions o;
    o.protocol = wire::ExportProtocol::kNetflowV9;
    o.observation_domain = domain;
    o.template_refresh_packets = 0;
    o.template_refresh_ms = 0;
    return o;
  }
};

// The first two addresses of 127.0.0.0/8 that the steering gives to worker 0 and worker 1 of two.
std::pair<IpAddress, IpAddress> one_exporter_per_worker() {
  std::optional<IpAddress> first;
  std::optional<IpAddress> second;
  for (std::uint32_t host = 1; host < 255 && (!first || !second); ++host) {
    const IpAddress a = IpAddress::v4(0x7F000000U + host);
    auto& slot = exporter_worker(a, 2) == 0 ? first : second;
    if (!slot) {
      slot = a;
    }
  }
  return {first.value(), second.value()};
}

TEST(Steering, SpreadsExportersAndKeepsOneWorkerForOne) {
  EXPECT_EQ(exporter_worker(*IpAddress::parse("192.0.2.1"), 1), 0U);
  std::map<std::size_t, int> seen;
  for (std::uint32_t host = 1; host <= 64; ++host) {
    const IpAddress a = IpAddress::v4(0x0A000000U + host);
    const std::size_t w = exporter_worker(a, 4);
    ASSERT_LT(w, 4U);
    EXPECT_EQ(exporter_worker(a, 4), w);  // a function of the address alone
    ++seen[w];
  }
  EXPECT_EQ(seen.size(), 4U) << "64 consecutive exporters all on fewer than 4 workers";
  // An IPv6 exporter folds its four words; an IPv4-mapped one is steered as its IPv4 address by the receiver.
  EXPECT_LT(exporter_worker(*IpAddress::parse("2001:db8::1"), 3), 3U);
  EXPECT_EQ(steering_program(2).size(), 21U);
  EXPECT_GE(default_workers(), 1U);
}

TEST(WorkersConfig, AutoANumberOrAClearError) {
  auto automatic = parse_config("listen: [{proto: netflow, port: 0}]\nworkers: auto\n", "w.yaml");
  ASSERT_TRUE(automatic.ok()) << automatic.error().message;
  EXPECT_EQ(automatic->workers, 0U);
  auto two = parse_config("listen: [{proto: netflow, port: 0}]\nworkers: 2\n", "w.yaml");
  ASSERT_TRUE(two.ok()) << two.error().message;
  EXPECT_EQ(two->workers, 2U);
  auto zero = parse_config("listen: [{proto: netflow, port: 0}]\nworkers: 0\n", "w.yaml");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("w.yaml:2:10"), std::string::npos) << zero.error().message;
  EXPECT_NE(zero.error().message.find("workers"), std::string::npos) << zero.error().message;
}

class TwoWorkers : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = parse_config(
        "listen: [{proto: netflow, address: 127.0.0.1, port: 0}]\n"
        "workers: 2\n"
        "aggregates:\n"
        "  - {name: by_src, primitives: [src_host]}\n",
        "workers.yaml");
    ASSERT_TRUE(config.ok()) << config.error().message;
    auto c = Collector::create(io_, *config);
    ASSERT_TRUE(c.ok()) << c.error().message;
    collector_ = std::move(*c);
    ASSERT_TRUE(collector_->start().ok());
    ASSERT_EQ(collector_->worker_count(), 2U);
    port_ = collector_->listening_ports().at(0);
  }
  void TearDown() override { collector_.reset(); }

  boost::asio::io_context io_;  // the workers run their own threads: nothing here needs this one run
  std::unique_ptr<Collector> collector_;
  std::uint16_t port_ = 0;
};

TEST_F(TwoWorkers, ExportersStayOnTheirWorkerTemplatesNeverSplitSequenceExact) {
  const auto [on0, on1] = one_exporter_per_worker();
  // Exporter A (worker 0): one process, 150 datagrams sent of 153 (three lost on the way).
  Exporting a(on0, 7);
  ASSERT_TRUE(a.socket.bound());
  // Exporter B (worker 1): four processes on four source ports — a 4-tuple hash would split them 15 times in 16.
  std::vector<std::unique_ptr<Exporting>> b;
  for (std::uint32_t domain = 1; domain <= 4; ++domain) {
    b.push_back(std::make_unique<Exporting>(on1, domain));
    ASSERT_TRUE(b.back()->socket.bound());
  }
  std::uint64_t a_records = 0;
  std::uint64_t b_records = 0;
  std::uint64_t a_sent = 0;
  std::uint64_t b_sent = 0;
  for (int i = 0; i < 153; ++i) {
    // Host 1 is in both exporters' records: its row must be summed over the two workers.
    const std::vector<wire::FlowRecord> records{record(1, 100), record(10 + static_cast<std::uint32_t>(i % 5), 10)};
    for (const auto& datagram : a.exporter.encode(records, 1'700'000'002'000ULL)) {
      if (i == 40 || i == 90 || i == 91) {
        continue;  // lost: v9 counts export packets, so exactly 3
      }
      a.socket.send(port_, datagram);
      a_records += records.size();
      ++a_sent;
    }
    for (auto& e : b) {
      for (const auto& datagram : e->exporter.encode(records, 1'700'000'002'000ULL)) {
        e->socket.send(port_, datagram);
        b_records += records.size();
        ++b_sent;
      }
    }
    if (i % 20 == 0) {
      std::this_thread::sleep_for(2ms);  // stay within the socket buffers
    }
  }
  ASSERT_TRUE(poll_for([&] { return collector_->counters().records >= a_records + b_records; }, 10s, 10ms))
      << collector_->counters().records << " of " << a_records + b_records;

  const CollectorCounters total = collector_->counters();
  EXPECT_EQ(total.records, a_records + b_records);
  EXPECT_EQ(total.decode_errors, 0U);
  EXPECT_EQ(collector_->worker_counters(0).records, a_records);  // every record of A on worker 0 ...
  EXPECT_EQ(collector_->worker_counters(1).records, b_records);  // ... and of B's four processes on worker 1

  const nlohmann::json c = collector_->handle_query({{"cmd", "counters"}});
  ASSERT_TRUE(c.value("ok", false)) << c.dump();
  // The kernel steered: each worker's own socket received its exporter's datagrams and no other.
  ASSERT_EQ(c["workers"].size(), 2U) << c["workers"].dump();
  EXPECT_EQ(c["workers"][0]["datagrams_received"], a_sent) << c["workers"].dump();
  EXPECT_EQ(c["workers"][1]["datagrams_received"], b_sent) << c["workers"].dump();
  // Templates never split: two data templates per exporting process, each on its exporter's worker only.
  EXPECT_EQ(c["workers"][0]["templates"], 2) << c["workers"].dump();
  EXPECT_EQ(c["workers"][1]["templates"], 8) << c["workers"].dump();
  EXPECT_EQ(c["decoder"]["v9_template_missing"], 0) << c["decoder"].dump();
  // Sequence accounting exact, per stream, on the stream's worker.
  ASSERT_EQ(c["sequence"]["streams"].size(), 5U) << c["sequence"].dump();
  for (const auto& s : c["sequence"]["streams"]) {
    const bool is_a = s["exporter"] == on0.to_string();
    EXPECT_EQ(s["worker"], is_a ? 0 : 1) << s.dump();
    EXPECT_EQ(s["lost"], is_a ? 3 : 0) << s.dump();
    EXPECT_EQ(s["duplicate"], 0) << s.dump();
    EXPECT_EQ(s["out_of_order"], 0) << s.dump();
    EXPECT_EQ(s["datagrams"], is_a ? 150 : 153) << s.dump();
  }
  EXPECT_EQ(c["sequence"]["lost"], 3);
  EXPECT_EQ(c["receivers"].size(), 1U);
  EXPECT_EQ(c["receivers"][0]["sockets"], 2);
  EXPECT_EQ(c["receivers"][0]["datagrams"], a_sent + b_sent);

  // The aggregate over both workers: host 1's row is one row with both exporters' bytes.
  const auto rows = collector_->rows("by_src");
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 6U);  // 192.0.2.1 and .10-.14
  std::uint64_t bytes = 0;
  for (const Row& r : *rows) {
    if (r.values.at(0) == "192.0.2.1") {
      EXPECT_EQ(r.bytes, 100 * (a_records + b_records) / 2);
      EXPECT_EQ(r.flows, (a_records + b_records) / 2);
    }
    bytes += r.bytes;
  }
  EXPECT_EQ(bytes, 110 * (a_records + b_records) / 2);
  const nlohmann::json aggregates = collector_->handle_query({{"cmd", "aggregates"}});
  EXPECT_EQ(aggregates["aggregates"][0]["entries"], 6) << aggregates.dump();  // merged, not 6 + 6
}

// A dual-stack listener ("::"): the program reads the IPv6 header of an IPv6 exporter (its four words folded) and the
// IPv4 header of an IPv4 one, and picks the worker exporter_worker() names for each. Loopback has one IPv6 address
// (::1; the host's namespace gets no other), so the IPv4 exporters are chosen to cover both workers.
TEST(TwoWorkersDualStack, IpV6AndIpV4ExportersOnTheWorkerTheSteeringNames) {
  auto config = parse_config("listen: [{proto: netflow, address: \"::\", port: 0}]\nworkers: 2\n", "ds.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  boost::asio::io_context io;
  auto c = Collector::create(io, *config);
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto& collector = **c;
  ASSERT_TRUE(collector.start().ok());
  const std::uint16_t port = collector.listening_ports().at(0);

  std::array<std::uint64_t, 2> expected{};
  const std::vector<wire::FlowRecord> records{record(1, 100)};
  // ::1, from an IPv6 socket.
  {
    const int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    to.sin6_port = htons(port);
    to.sin6_addr = in6addr_loopback;
    wire::Exporter exporter(Exporting::options(9));
    for (int i = 0; i < 20; ++i) {
      for (const auto& d : exporter.encode(records, 1'700'000'002'000ULL)) {
        ASSERT_EQ(::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)),  // NOLINT
                  static_cast<ssize_t>(d.size()));
        ++expected.at(exporter_worker(*IpAddress::parse("::1"), 2));
      }
    }
    ::close(fd);
  }
  // Two IPv4 exporters, one per worker, to the same dual-stack socket group (IPv4 to [::]: 127.0.0.1 reaches it).
  const auto [on0, on1] = one_exporter_per_worker();
  for (const IpAddress& a : {on0, on1}) {
    Exporting e(a, 3);
    ASSERT_TRUE(e.socket.bound());
    for (int i = 0; i < 20; ++i) {
      for (const auto& d : e.exporter.encode(records, 1'700'000'002'000ULL)) {
        e.socket.send(port, d);
        ++expected.at(exporter_worker(a, 2));
      }
    }
  }
  ASSERT_TRUE(poll_for([&] { return collector.counters().records >= 60; }, 10s, 10ms));
  const nlohmann::json counters = collector.handle_query({{"cmd", "counters"}});
  EXPECT_EQ(counters["workers"][0]["datagrams_received"], expected[0]) << counters["workers"].dump();
  EXPECT_EQ(counters["workers"][1]["datagrams_received"], expected[1]) << counters["workers"].dump();
  EXPECT_EQ(counters["decoder"]["v9_template_missing"], 0);
  for (const auto& s : counters["sequence"]["streams"]) {
    EXPECT_EQ(s["worker"], exporter_worker(*IpAddress::parse(s["exporter"].get<std::string>()), 2)) << s.dump();
    EXPECT_EQ(s["lost"], 0) << s.dump();
  }
}

}  // namespace
}  // namespace flowlab::collector
