// A table still syncing is never read for enrichment (issue 20): after a BGP session comes up, its table fills over
// some time, and a record enriched meanwhile can take a less specific route whose more specific one has not arrived
// yet — a wrong answer. End to end over loopback: a real Collector (its BGP speaker and NetFlow receiver on
// 127.0.0.1) and a scripted BGP peer that announces 10.0.0.0/16, then — before its End-of-RIB — 10.0.1.0/24; a
// record to 10.0.1.5 sent in between is reported unenriched and counted (records_unenriched_syncing), one sent after
// the End-of-RIB gets the /24. BgpTables' own rules (per family, the timeout, a session going down) are unit-tested.
#include "probes/bgp/message.hpp"
#include "probes/collector/collector.hpp"
#include "probes/wire/exporter.hpp"
#include "tests/support/eventually.hpp"
#include "tests/unit/collector_daemon/loopback_udp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <future>
#include <map>
#include <thread>

namespace flowlab::collector {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const IpAddress kLoopback = IpAddress::v4(0x7f000001U);

// ---------------------------------------------------------------- BgpTables

bgp::PeerInfo peer_info(bool ipv6) {
  bgp::PeerInfo p;
  p.address = kLoopback;
  p.asn = 65001;
  p.bgp_id = 0x01020304;
  p.context.ipv6_unicast = ipv6;
  return p;
}

TEST(TableSync, SyncingPerFamilyUntilEndOfRib) {
  BgpTables tables;
  tables.set_sync_timeout(30s);
  const auto peer = peer_info(true);
  tables.peer_up(peer);
  const bgp::Rib* rib = tables.by_address(kLoopback);
  ASSERT_NE(rib, nullptr);
  EXPECT_TRUE(tables.syncing(rib, Family::kIpv4));
  EXPECT_TRUE(tables.syncing(rib, Family::kIpv6));
  tables.end_of_rib(peer, bgp::kIpv4Unicast);
  EXPECT_FALSE(tables.syncing(rib, Family::kIpv4));
  EXPECT_TRUE(tables.syncing(rib, Family::kIpv6));
  EXPECT_EQ(tables.peers().front().sync_state(Family::kIpv4, std::chrono::steady_clock::now()), "end-of-rib");
  EXPECT_EQ(tables.peers().front().sync_state(Family::kIpv6, std::chrono::steady_clock::now()), "syncing");
  tables.end_of_rib(peer, bgp::kIpv6Unicast);
  EXPECT_FALSE(tables.syncing(rib, Family::kIpv6));
  // Down and up again: a new session syncs again.
  tables.peer_down(peer);
  EXPECT_FALSE(tables.syncing(rib, Family::kIpv4));
  tables.peer_up(peer);
  EXPECT_TRUE(tables.syncing(rib, Family::kIpv4));
}

TEST(TableSync, FamilyNotNegotiatedNeverSyncsAndTimeoutEndsTheWait) {
  BgpTables tables;
  tables.set_sync_timeout(200ms);
  tables.peer_up(peer_info(false));
  const bgp::Rib* rib = tables.by_address(kLoopback);
  EXPECT_TRUE(tables.syncing(rib, Family::kIpv4));
  EXPECT_FALSE(tables.syncing(rib, Family::kIpv6));
  std::this_thread::sleep_for(250ms);
  EXPECT_FALSE(tables.syncing(rib, Family::kIpv4));
  EXPECT_EQ(tables.peers().front().sync_state(Family::kIpv4, std::chrono::steady_clock::now()), "timeout");
}

TEST(TableSync, NoTimeoutNoWait) {
  BgpTables tables;  // the default: 0 (BMP tables, tests filling tables directly)
  tables.peer_up(peer_info(true));
  EXPECT_FALSE(tables.syncing(tables.by_address(kLoopback), Family::kIpv4));
}

// ---------------------------------------------------------------- end to end

// A blocking TCP client speaking BGP from 127.0.0.1.
class ScriptedPeer {
 public:
  explicit ScriptedPeer(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) == 0;  // NOLINT
  }
  ~ScriptedPeer() { ::close(fd_); }
  ScriptedPeer(const ScriptedPeer&) = delete;
  ScriptedPeer& operator=(const ScriptedPeer&) = delete;
  [[nodiscard]] bool connected() const { return connected_; }
  [[nodiscard]] bool write(const std::vector<std::byte>& m) const {
    return ::write(fd_, m.data(), m.size()) == static_cast<ssize_t>(m.size());
  }

 private:
  int fd_;
  bool connected_ = false;
};

std::vector<std::byte> announce(const char* prefix, std::uint32_t origin_as) {
  bgp::Update u;
  u.attrs.origin = bgp::Origin::kIgp;
  u.attrs.as_path = bgp::AsPath{{bgp::AsPathSegment{bgp::SegmentType::kSequence, {65001, origin_as}}}};
  u.attrs.next_hop = kLoopback;
  u.nlri.push_back(bgp::Nlri{*Prefix::parse(prefix), 0});
  return encode(u, bgp::SessionContext{});
}

wire::FlowRecord record_to(const char* dst, std::uint16_t dport) {
  wire::FlowRecord r;
  r.src_addr = *IpAddress::parse("192.0.2.10");
  r.dst_addr = *IpAddress::parse(dst);
  r.src_port = 40000;
  r.dst_port = dport;
  r.protocol = 6;
  r.packets = 1;
  r.bytes = 100;
  r.first_ms = 1'700'000'000'000ULL;
  r.last_ms = 1'700'000'001'000ULL;
  return r;
}

class EndOfRibGuard : public ::testing::Test {
 protected:
  // `f` run on the collector's thread.
  template <class F>
  auto on_io(F f) {
    std::promise<decltype(f())> p;
    boost::asio::post(io_, [&] { p.set_value(f()); });
    return p.get_future().get();
  }
  void SetUp() override {
    auto config = parse_config(
        "listen: [{proto: netflow, address: 127.0.0.1, port: 0}]\n"
        "bgp:\n  local_as: 65000\n  router_id: 127.0.0.1\n  end_of_rib_timeout: 30s\n"
        "  listen: [{address: 127.0.0.1, port: 0}]\n"
        "  peers: [{address: 127.0.0.1, asn: 65001}]\n"
        "aggregates: [{name: a, primitives: [dst_port, dst_as, dst_mask]}]\n",
        "eor.yaml");
    ASSERT_TRUE(config.ok()) << config.error().message;
    auto c = Collector::create(io_, *config);
    ASSERT_TRUE(c.ok()) << c.error().message;
    collector_ = std::move(*c);
    ASSERT_TRUE(collector_->start().ok());
    netflow_port_ = collector_->listening_ports().at(0);
    bgp_port_ = collector_->bgp_listening().at(0).port;
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      on_io([this] {
        collector_->stop();
        return 0;
      });
      io_.stop();
      thread_.join();
    }
    collector_.reset();
  }

  // `done` holds on the io thread within 5 s.
  template <class F>
  bool eventually(F done) {
    return test_support::eventually([&] { return on_io(done); }, 5s, 10ms);
  }
  std::string sync_state() {
    return on_io([this] {
      const auto peers = collector_->handle_query({{"cmd", "bgp_peers"}}).value("peers", json::array());
      return peers.empty() ? std::string() : peers[0].value("sync", json::object()).value("ipv4", "");
    });
  }
  // One record to `dst`, sent as IPFIX from 127.0.0.1; returns once the collector has counted it.
  void send_record(const char* dst, std::uint16_t dport) {
    const std::uint64_t before = on_io([this] { return collector_->counters().records; });
    const std::vector<wire::FlowRecord> records{record_to(dst, dport)};
    const auto datagrams = exporter_.encode(records, 1'700'000'002'000ULL);
    testing::send_udp(netflow_port_, datagrams);
    ASSERT_TRUE(eventually([&] { return collector_->counters().records > before; }))
        << datagrams.size() << " " << on_io([this] { return collector_->counters_json().dump(); });
  }
  // dst_port -> (dst_as, dst_mask) of every row of aggregate a.
  std::map<std::string, std::pair<std::string, std::string>> rows() {
    const json table = on_io([this] { return collector_->handle_query({{"cmd", "table"}, {"aggregate", "a"}}); });
    std::map<std::string, std::pair<std::string, std::string>> out;
    for (const auto& row : table.value("rows", json::array())) {
      const auto& v = row["values"];
      out[v[0].get<std::string>()] = {v[1].get<std::string>(), v[2].get<std::string>()};
    }
    return out;
  }

  boost::asio::io_context io_;
  std::unique_ptr<Collector> collector_;
  std::thread thread_;
  std::uint16_t netflow_port_ = 0;
  std::uint16_t bgp_port_ = 0;
  wire::Exporter exporter_{wire::ExportOptions{.template_refresh_packets = 1}};
};

TEST_F(EndOfRibGuard, RecordBeforeEndOfRibIsUnenrichedNotFromTheLessSpecificRoute) {
  ScriptedPeer peer(bgp_port_);
  ASSERT_TRUE(peer.connected());
  bgp::Open open;
  open.my_as = 65001;
  open.hold_time = 90;
  open.bgp_id = 0x01020304;
  open.capabilities = {bgp::MultiprotocolCap{bgp::kIpv4Unicast}, bgp::FourOctetAsCap{65001}};
  ASSERT_TRUE(peer.write(encode(open)));
  ASSERT_TRUE(peer.write(encode(bgp::Keepalive{})));
  ASSERT_TRUE(peer.write(announce("10.0.0.0/16", 64999)));
  ASSERT_TRUE(eventually([this] {
    const bgp::Rib* rib = collector_->tables().by_address(kLoopback);
    return rib != nullptr && rib->size() == 1;
  }));
  EXPECT_EQ(sync_state(), "syncing");

  // The table holds the /16 only: the more specific /24 is still to come.
  send_record("10.0.1.5", 1);
  ASSERT_TRUE(peer.write(announce("10.0.1.0/24", 64777)));
  ASSERT_TRUE(peer.write(encode(bgp::Update{}, bgp::SessionContext{})));  // IPv4 End-of-RIB
  ASSERT_TRUE(eventually([this] { return collector_->tables().peers().front().ipv4.end_of_rib; }));
  EXPECT_EQ(sync_state(), "end-of-rib");
  send_record("10.0.1.6", 2);

  auto r = rows();
  EXPECT_EQ(r["1"], std::make_pair(std::string("0"), std::string("0"))) << "enriched from a table still syncing";
  EXPECT_EQ(r["2"], std::make_pair(std::string("64777"), std::string("24")));
  const json counters = on_io([this] { return collector_->counters_json(); });
  EXPECT_EQ(counters["collector"].value("records_unenriched_syncing", 99ULL), 1U) << counters["collector"].dump();
  EXPECT_EQ(counters["bgp"]["counters"].value("bgp_end_of_rib", 0ULL), 1U);
}

}  // namespace
}  // namespace flowlab::collector
