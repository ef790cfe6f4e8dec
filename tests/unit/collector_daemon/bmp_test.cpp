// flowcollector's BMP station over a real TCP connection on loopback: a client plays a router's BMP session, the
// collector's view feeds enrichment (enrich.source: bmp), the session's end drops the router; config errors.
#include "probes/collector/collector.hpp"
#include "probes/wire/exporter.hpp"
#include "tests/unit/bmp/bmp_fixtures.hpp"
#include "tests/unit/collector_daemon/loopback_udp.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

namespace flowlab::collector {
namespace {

using namespace bmp::testing;

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, const std::vector<std::byte>& data) {
  ASSERT_EQ(::send(fd, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
}

using testing::send_udp;

class CollectorBmp : public ::testing::Test {
 protected:
  void SetUp() override {
    // From a file, so that reload() (SIGHUP) can read it again.
    std::string dir = (std::filesystem::temp_directory_path() / "flowlab-bmp-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    std::ofstream(dir_ / "c.yaml") << "listen: [{proto: netflow, address: 127.0.0.1, port: 0}]\n"
                                      "bmp: {listen: [{address: 127.0.0.1, port: 0}]}\n"
                                      "enrich: {source: bmp}\n"
                                      "aggregates: [{name: in, primitives: [dst_host, dst_as, peer_dst_as]}]\n";
    auto config = load_config(dir_ / "c.yaml");
    ASSERT_TRUE(config.ok()) << config.error().message;
    auto c = Collector::create(io_, *config);
    ASSERT_TRUE(c.ok()) << c.error().message;
    collector_ = std::move(*c);
    ASSERT_TRUE(collector_->start().ok());
    ASSERT_NE(collector_->bmp(), nullptr);
    bmp_port_ = collector_->bmp()->listening().at(0).port;
  }
  void TearDown() override {
    collector_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(std::chrono::milliseconds(10));
    }
  }
  std::size_t view_routes() const {
    const auto routers = collector_->bmp_tables().routers();
    return routers.empty() ? 0 : routers[0].view_routes;
  }

  // One IPFIX record towards dst; returns the aggregate's rows once the collector counted it.
  nlohmann::json flow_to(const char* dst) {
    wire::FlowRecord r;
    r.src_addr = addr("192.0.2.10");
    r.dst_addr = addr(dst);
    r.protocol = 6;
    r.packets = 1;
    r.bytes = 100;
    r.first_ms = 1'700'000'000'000ULL;
    r.last_ms = 1'700'000'001'000ULL;
    wire::ExportOptions o;
    o.protocol = wire::ExportProtocol::kIpfix;
    wire::Exporter exporter(o);
    const std::vector<wire::FlowRecord> records{r};
    const auto before = collector_->counters().records;
    send_udp(collector_->listening_ports().at(0), exporter.encode(records, 1'700'000'002'000ULL));
    run_until([&] { return collector_->counters().records > before; });
    return collector_->handle_query({{"cmd", "table"}, {"aggregate", "in"}})["rows"];
  }
  // r1 reports peer 192.0.2.2 (AS 65002) with 203.0.113.0/24 via 65002 65533; true once the view holds it.
  bool report_one_route(int fd) {
    const auto p = peer("192.0.2.2", 65002, bmp::flag::kPostPolicy);
    send_all(fd, initiation("r1"));
    send_all(fd, peer_up(p, 65001));
    send_all(fd, route_monitoring(p, update({"203.0.113.0/24"}, {65002, 65533})));
    send_all(fd, end_of_rib(p, false));  // the end of the router's dump: the view is read from now on
    run_until([&] { return view_routes() == 1 && !syncing(); });
    return view_routes() == 1 && !syncing();
  }
  bool syncing() const {
    const auto routers = collector_->bmp_tables().routers();
    return !routers.empty() && routers[0].syncing_ipv4;
  }
  std::uint64_t unenriched_syncing() const {
    return collector_->counters_json()["collector"]["records_unenriched_syncing"].get<std::uint64_t>();
  }

  boost::asio::io_context io_;
  std::unique_ptr<Collector> collector_;
  std::uint16_t bmp_port_ = 0;
  std::filesystem::path dir_;
};

TEST_F(CollectorBmp, RouterSessionFeedsEnrichmentAndItsEndDropsTheRoutes) {
  const int fd = connect_loopback(bmp_port_);
  ASSERT_GE(fd, 0);
  const auto p = peer("192.0.2.2", 65002, bmp::flag::kPostPolicy);
  send_all(fd, initiation("r1"));
  send_all(fd, peer_up(p, 65001));
  auto rm = route_monitoring(p, update({"203.0.113.0/24"}, {65002, 65533}));
  // Split mid-message: the station reassembles the stream.
  send_all(fd, std::vector<std::byte>(rm.begin(), rm.begin() + 30));
  run_until([&] { return collector_->bmp()->sessions() == 1; });
  send_all(fd, std::vector<std::byte>(rm.begin() + 30, rm.end()));
  send_all(fd, route_monitoring(p, update({"2001:db8:2::/48"}, {65002})));
  send_all(fd, end_of_rib(p, false));
  send_all(fd, end_of_rib(p, true));
  run_until([&] { return view_routes() == 2 && !syncing(); });
  ASSERT_EQ(view_routes(), 2U);
  EXPECT_EQ(collector_->bmp_tables().routers()[0].sys_name, "r1");

  const auto rows = flow_to("203.0.113.5");
  ASSERT_EQ(rows.size(), 1U) << rows.dump();
  EXPECT_EQ(rows[0]["values"][1], "65533");
  EXPECT_EQ(rows[0]["values"][2], "65002");

  auto dump = collector_->handle_query({{"cmd", "bmp_dump"}, {"router", "127.0.0.1"}});
  EXPECT_EQ(dump["lines"].size(), 2U) << dump.dump();
  auto per_peer = collector_->handle_query(
      {{"cmd", "bmp_dump"}, {"router", "127.0.0.1"}, {"rib", "adj-rib-in-post"}, {"peer", "192.0.2.2"}});
  EXPECT_EQ(per_peer["lines"].size(), 2U) << per_peer.dump();
  const auto counters = collector_->counters_json()["bmp"]["counters"];
  EXPECT_EQ(counters["route_monitoring"], 4);
  EXPECT_EQ(counters["end_of_rib"], 2);
  EXPECT_EQ(counters["peer_up"], 1);
  EXPECT_EQ(unenriched_syncing(), 0U);

  ::close(fd);
  run_until([&] { return collector_->bmp_tables().routers().empty(); });
  EXPECT_TRUE(collector_->bmp_tables().routers().empty());
  EXPECT_EQ(collector_->counters_json()["bmp"]["counters"]["sessions_closed"], 1);
}

// The End-of-RIB guard over a real BMP session (bmp_tables.hpp): the router dumps peers a and b, both up before the
// session; a's 10.0.0.0/16 (origin AS 64999) has arrived, b's 10.0.1.0/24 (AS 64777) not yet. A record to
// 10.0.1.5 meanwhile is unenriched and counted (records_unenriched_syncing), never enriched from the /16; after
// b's /24 and both End-of-RIBs a record to 10.0.1.6 gets the /24's AS.
TEST_F(CollectorBmp, RecordDuringTheDumpIsUnenrichedNotFromTheLessSpecificRoute) {
  const int fd = connect_loopback(bmp_port_);
  ASSERT_GE(fd, 0);
  const auto a = peer("192.0.2.2", 65002, bmp::flag::kPostPolicy);
  const auto b = peer("192.0.2.3", 65003, bmp::flag::kPostPolicy);
  send_all(fd, initiation("r1"));
  send_all(fd, peer_up(a, 65001));
  send_all(fd, peer_up(b, 65001));
  send_all(fd, route_monitoring(a, update({"10.0.0.0/16"}, {65002, 64999})));
  run_until([&] { return view_routes() == 1; });
  ASSERT_EQ(view_routes(), 1U);
  EXPECT_TRUE(syncing());
  auto rows = flow_to("10.0.1.5");
  ASSERT_EQ(rows.size(), 1U) << rows.dump();
  EXPECT_EQ(rows[0]["values"][1], "0") << "dst_as: enriched from the /16 while the /24 was still to come";
  EXPECT_EQ(rows[0]["values"][2], "0") << "peer_dst_as";
  EXPECT_EQ(unenriched_syncing(), 1U);

  send_all(fd, route_monitoring(b, update({"10.0.1.0/24"}, {65003, 64777})));
  send_all(fd, end_of_rib(a, false));
  send_all(fd, end_of_rib(b, false));
  run_until([&] { return !syncing(); });
  ASSERT_FALSE(syncing());
  rows = flow_to("10.0.1.6");
  ASSERT_EQ(rows.size(), 2U) << rows.dump();
  for (const auto& row : rows) {
    if (row["values"][0] == "10.0.1.6") {
      EXPECT_EQ(row["values"][1], "64777") << row.dump();
      EXPECT_EQ(row["values"][2], "65003") << row.dump();
    }
  }
  EXPECT_EQ(unenriched_syncing(), 1U);
  const auto routers = collector_->counters_json()["bmp"]["routers"];
  EXPECT_EQ(routers.at(0)["syncing"], (nlohmann::json{{"ipv4", false}, {"ipv6", true}})) << routers.dump();
  ::close(fd);
}

// SIGHUP re-reads the maps and the sampling rules and rebuilds the enricher: the BMP view must still enrich.
TEST_F(CollectorBmp, ReloadKeepsBmpEnrichment) {
  const int fd = connect_loopback(bmp_port_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(report_one_route(fd));
  const auto reloaded = collector_->reload();
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  EXPECT_EQ(view_routes(), 1U);  // the station's tables are not the config's
  const auto rows = flow_to("203.0.113.5");
  ASSERT_EQ(rows.size(), 1U) << rows.dump();
  EXPECT_EQ(rows[0]["values"][1], "65533") << "dst_as after reload";
  EXPECT_EQ(rows[0]["values"][2], "65002") << "peer_dst_as after reload";
  ::close(fd);
}

TEST_F(CollectorBmp, ABrokenStreamClosesTheSession) {
  const int fd = connect_loopback(bmp_port_);
  ASSERT_GE(fd, 0);
  send_all(fd, initiation("r1"));
  run_until([&] { return collector_->bmp_tables().routers().size() == 1; });
  send_all(fd, std::vector<std::byte>(12, std::byte{0xff}));
  run_until([&] { return collector_->bmp_tables().routers().empty(); });
  EXPECT_TRUE(collector_->bmp_tables().routers().empty());
  EXPECT_EQ(collector_->counters_json()["bmp"]["counters"]["stream_errors"], 1);
  ::close(fd);
}

TEST(CollectorBmpConfig, SourceBmpNeedsABmpSection) {
  auto c = parse_config("enrich:\n  source: bmp\n", "c.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("c.yaml:2:11: error: enrich.source"), std::string::npos) << c.error().message;
  auto bad = parse_config("bmp: {listen: [{port: 99999}]}\nenrich: {source: bpm}\n", "c.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("bmp.listen[0].port"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("enrich.source"), std::string::npos) << bad.error().message;
  auto ok = parse_config("bmp:\n  listen: [{address: 127.0.0.1}]\n", "c.yaml");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->bmp.listen.at(0).port, 1790);
  EXPECT_EQ(ok->bmp.end_of_rib_timeout, std::chrono::seconds(30));
  auto timeout = parse_config("bmp: {end_of_rib_timeout: 5s}\n", "c.yaml");
  ASSERT_TRUE(timeout.ok()) << timeout.error().message;
  EXPECT_EQ(timeout->bmp.end_of_rib_timeout, std::chrono::seconds(5));
  EXPECT_FALSE(timeout->bgp.enabled);
  auto wrong = parse_config("bmp: {end_of_rib_timeout: soon}\n", "c.yaml");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("bmp.end_of_rib_timeout"), std::string::npos) << wrong.error().message;
}

}  // namespace
}  // namespace flowlab::collector
