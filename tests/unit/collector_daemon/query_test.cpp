// The collector end to end without namespaces: Exporter-built datagrams over loopback UDP into a Collector with a
// BGP view filled in code, then the query socket protocol round trip (table / match / top / clear / counters /
// bgp_peers / bgp_dump / errors), the CLI rendering, and the file + SQLite outputs.
#include "probes/collector/query.hpp"
#include "probes/bgp/message.hpp"
#include "probes/collector/collector.hpp"
#include "probes/wire/exporter.hpp"
#include "tests/unit/collector_daemon/loopback_udp.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace flowlab::collector {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& stem) {
  auto d = fs::temp_directory_path() / ("fl-collector-" + stem + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

wire::FlowRecord record(const char* src, const char* dst, std::uint16_t dport, std::uint64_t packets,
                        std::uint64_t bytes) {
  wire::FlowRecord r;
  r.src_addr = *IpAddress::parse(src);
  r.dst_addr = *IpAddress::parse(dst);
  r.src_port = 40000;
  r.dst_port = dport;
  r.protocol = 6;
  r.packets = packets;
  r.bytes = bytes;
  r.first_ms = 1'700'000'000'000ULL;
  r.last_ms = 1'700'000'001'000ULL;
  r.input_ifindex = 3;
  r.output_ifindex = 1;
  return r;
}

using testing::send_udp;

class CollectorQuery : public ::testing::Test {
 protected:
  // The collector's config; `dir_` is set.
  virtual std::string config_yaml() const {
    return "listen: [{proto: netflow, address: 127.0.0.1, port: 0}]\n"
           "aggregates:\n"
           "  - {name: in, primitives: [dst_host, dst_as, as_path, peer_dst_ip]}\n"
           "  - {name: web, primitives: [dst_port], filter: \"dst port 443\"}\n"
           "outputs:\n"
           "  socket: " +
           (dir_ / "c.sock").string() +
           "\n"
           "  files:\n"
           "    - {aggregate: in, format: json, path: " +
           (dir_ / "in.jsonl").string() +
           ", interval: 1h}\n"
           "    - {aggregate: in, format: csv, path: " +
           (dir_ / "in.csv").string() +
           ", interval: 1h}\n"
           "  sqlite: {path: " +
           (dir_ / "flows.db").string() + ", interval: 1h}\n";
  }
  void SetUp() override {
    dir_ = temp_dir("query");
    auto config = parse_config(config_yaml(), "test.yaml");
    ASSERT_TRUE(config.ok()) << config.error().message;
    auto c = Collector::create(io_, *config);
    ASSERT_TRUE(c.ok()) << c.error().message;
    collector_ = std::move(*c);
    // The exporter 127.0.0.1 is also the BGP peer: its view routes 203.0.113.0/24 via 65530 65533.
    bgp::PathAttributes attrs;
    attrs.origin = bgp::Origin::kIgp;
    attrs.as_path = bgp::AsPath{{bgp::AsPathSegment{bgp::SegmentType::kSequence, {65530, 65533}}}};
    attrs.next_hop = *IpAddress::parse("198.51.100.1");
    attrs.local_pref = 100;
    collector_->tables()
        .rib(*IpAddress::parse("127.0.0.1"), 64500)
        .announce(*Prefix::parse("203.0.113.0/24"), 0, attrs);
    ASSERT_TRUE(collector_->start().ok());
    port_ = collector_->listening_ports().at(0);
  }
  void TearDown() override {
    collector_.reset();
    fs::remove_all(dir_);
  }

  // Runs the io_context until `done` or 5 s.
  void run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(std::chrono::milliseconds(10));
    }
  }
  // A query answered by the collector running on a helper thread.
  nlohmann::json ask(const nlohmann::json& request) {
    std::atomic<bool> done{false};
    std::thread t([&] {
      while (!done) {
        io_.run_for(std::chrono::milliseconds(5));
      }
    });
    auto r = query_socket((dir_ / "c.sock").string(), request, std::chrono::seconds(5));
    done = true;
    t.join();
    io_.restart();
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : nlohmann::json();
  }
  void feed() {
    wire::ExportOptions o;
    o.protocol = wire::ExportProtocol::kIpfix;
    wire::Exporter exporter(o);
    std::vector<wire::FlowRecord> records{record("192.0.2.10", "203.0.113.5", 443, 10, 1000),
                                          record("192.0.2.11", "203.0.113.5", 443, 5, 500),
                                          record("192.0.2.10", "198.51.100.7", 80, 2, 120)};
    const std::uint64_t before = collector_->counters().records;
    send_udp(port_, exporter.encode(records, 1'700'000'002'000ULL));
    run_until([&] { return collector_->counters().records >= before + 3; });
  }

  boost::asio::io_context io_;
  fs::path dir_;
  std::unique_ptr<Collector> collector_;
  std::uint16_t port_ = 0;
};

TEST_F(CollectorQuery, TableMatchTopClear) {
  feed();
  ASSERT_EQ(collector_->counters().records, 3U);

  auto all = ask({{"cmd", "table"}, {"aggregate", "in"}, {"sort", "bytes"}});
  ASSERT_TRUE(all.value("ok", false)) << all.dump();
  EXPECT_EQ(all["primitives"], nlohmann::json({"dst_host", "dst_as", "as_path", "peer_dst_ip"}));
  ASSERT_EQ(all["rows"].size(), 2U);
  EXPECT_EQ(all["rows"][0]["values"][0], "203.0.113.5");
  EXPECT_EQ(all["rows"][0]["values"][1], "65533");
  EXPECT_EQ(all["rows"][0]["bytes"], 1500);
  EXPECT_EQ(all["rows"][0]["packets"], 15);
  EXPECT_EQ(all["rows"][0]["flows"], 2);
  EXPECT_EQ(all["total"], 2);

  auto matched = ask({{"cmd", "table"}, {"aggregate", "in"}, {"match", {{"dst_as", "65533"}}}});
  ASSERT_EQ(matched["rows"].size(), 1U);
  auto by_json_key = ask({{"cmd", "table"}, {"aggregate", "in"}, {"match", {{"ip_dst", "198.51.100.7"}}}});
  ASSERT_EQ(by_json_key["rows"].size(), 1U);
  EXPECT_EQ(by_json_key["rows"][0]["bytes"], 120);

  auto top = ask({{"cmd", "table"}, {"aggregate", "in"}, {"top", 1}, {"sort", "packets"}});
  ASSERT_EQ(top["rows"].size(), 1U);
  EXPECT_EQ(top["rows"][0]["packets"], 15);

  auto web = ask({{"cmd", "table"}, {"aggregate", "web"}});
  ASSERT_EQ(web["rows"].size(), 1U);  // the filter kept port 443 only
  EXPECT_EQ(web["rows"][0]["values"][0], "443");

  // The CLI's rendering of a table response (pmacct -s style).
  QueryOptions o;
  o.aggregate = "in";
  auto text = render_response(o, all);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("For a total of: 2 entries"), std::string::npos) << *text;
  o.format = QueryFormat::kCsv;
  auto csv = render_response(o, all);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(std::count(csv->begin(), csv->end(), '\n'), 3) << *csv;
  o.format = QueryFormat::kJson;
  auto json = render_response(o, all);
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->find("\"as_path\""), std::string::npos) << *json;

  auto cleared = ask({{"cmd", "clear"}, {"aggregate", "in"}});
  EXPECT_TRUE(cleared.value("ok", false));
  EXPECT_EQ(ask({{"cmd", "table"}, {"aggregate", "in"}})["rows"].size(), 0U);
  EXPECT_EQ(ask({{"cmd", "table"}, {"aggregate", "web"}})["rows"].size(), 1U);
}

TEST_F(CollectorQuery, CountersPeersDumpAndErrors) {
  feed();
  auto c = ask({{"cmd", "counters"}});
  ASSERT_TRUE(c.value("ok", false));
  EXPECT_EQ(c["collector"]["records"], 3);
  EXPECT_EQ(c["decoder"]["records"], 3);
  EXPECT_EQ(c["sequence"]["lost"], 0);
  ASSERT_EQ(c["sequence"]["streams"].size(), 1U);
  EXPECT_EQ(c["sequence"]["streams"][0]["protocol"], "ipfix");
  ASSERT_EQ(c["receivers"].size(), 1U);
  EXPECT_EQ(c["receivers"][0]["datagrams"], 1);
  EXPECT_EQ(c["receivers"][0]["kernel_drops"], 0);

  auto dump = ask({{"cmd", "bgp_dump"}, {"peer", "127.0.0.1"}});
  ASSERT_TRUE(dump.value("ok", false)) << dump.dump();
  ASSERT_EQ(dump["lines"].size(), 1U);
  auto line = nlohmann::json::parse(dump["lines"][0].get<std::string>());
  EXPECT_EQ(line["ip_prefix"], "203.0.113.0/24");
  EXPECT_EQ(line["as_path"], "65530 65533");

  EXPECT_TRUE(ask({{"cmd", "bgp_peers"}}).value("ok", false));
  EXPECT_FALSE(ask({{"cmd", "nope"}}).value("ok", true));
  EXPECT_FALSE(ask({{"cmd", "table"}, {"aggregate", "missing"}}).value("ok", true));
  EXPECT_FALSE(ask({{"cmd", "table"}, {"aggregate", "in"}, {"match", {{"src_as", "1"}}}}).value("ok", true));
  EXPECT_FALSE(ask({{"cmd", "table"}, {"sort", "size"}}).value("ok", true));
  EXPECT_FALSE(ask({{"cmd", "bgp_dump"}, {"peer", "nobody"}}).value("ok", true));
}

TEST_F(CollectorQuery, FileAndSqliteOutputsWriteIntervalDeltas) {
  feed();
  collector_->write_outputs();
  feed();  // the same three records again: the second write holds only what came since the first
  collector_->write_outputs();
  std::ifstream json(dir_ / "in.jsonl");
  std::string l;
  std::vector<std::string> lines;
  while (std::getline(json, l)) {
    lines.push_back(l);
  }
  ASSERT_EQ(lines.size(), 4U);  // 2 keys per interval
  EXPECT_NE(lines[0].find("\"bytes\": 1500"), std::string::npos) << lines[0];
  EXPECT_NE(lines[2].find("\"bytes\": 1500"), std::string::npos) << lines[2];
  std::ifstream csv(dir_ / "in.csv");
  std::vector<std::string> csv_lines;
  while (std::getline(csv, l)) {
    csv_lines.push_back(l);
  }
  ASSERT_EQ(csv_lines.size(), 5U);  // one header, then 2 + 2 rows

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "flows.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*), sum(bytes), sum(packets) FROM acct_in", -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 4);
  EXPECT_EQ(sqlite3_column_int64(st, 1), 2 * 1620);
  EXPECT_EQ(sqlite3_column_int64(st, 2), 2 * 17);
  sqlite3_finalize(st);
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT as_dst, ip_dst, stamp_inserted FROM acct_in ORDER BY bytes DESC LIMIT 1", -1,
                               &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 65533);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 1))), "203.0.113.5");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 2))).size(), 19U);
  sqlite3_finalize(st);
  sqlite3_close(db);

  // The rows are in flows.db itself, not only in its WAL: a copy of the file alone (the run directory) has them.
  fs::copy_file(dir_ / "flows.db", dir_ / "copy.db");
  ASSERT_EQ(sqlite3_open((dir_ / "copy.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM acct_in", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 4);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// `--listen` alone (docs/flowcollector.md): no aggregates configured, so the collector has pmacct's default,
// `default` with src_host, and `query` shows its records.
class PlainCollector : public CollectorQuery {
 protected:
  std::string config_yaml() const override {
    return "listen: [{proto: netflow, address: 127.0.0.1, port: 0}]\noutputs: {socket: " + (dir_ / "c.sock").string() +
           "}\n";
  }
};

TEST_F(PlainCollector, HasPmacctsDefaultAggregate) {
  ASSERT_EQ(collector_->config().aggregates.size(), 1U);
  feed();
  auto aggregates = ask({{"cmd", "aggregates"}});
  ASSERT_EQ(aggregates["aggregates"].size(), 1U) << aggregates.dump();
  EXPECT_EQ(aggregates["aggregates"][0]["name"], "default");
  EXPECT_EQ(aggregates["aggregates"][0]["primitives"], nlohmann::json({"src_host"}));
  auto table = ask({{"cmd", "table"}, {"sort", "bytes"}});  // no aggregate named: the first, i.e. `default`
  ASSERT_TRUE(table.value("ok", false)) << table.dump();
  ASSERT_EQ(table["rows"].size(), 2U) << table.dump();
  EXPECT_EQ(table["rows"][0]["values"][0], "192.0.2.10");
  EXPECT_EQ(table["rows"][0]["bytes"], 1120);
  EXPECT_EQ(table["rows"][1]["values"][0], "192.0.2.11");
}

TEST(DefaultAggregate, OnlyWithoutAggregatesAndTee) {
  CollectorConfig plain;
  EXPECT_TRUE(apply_default_aggregate(plain));
  ASSERT_EQ(plain.aggregates.size(), 1U);
  EXPECT_EQ(plain.aggregates[0].name, "default");
  EXPECT_FALSE(apply_default_aggregate(plain));  // already has one
  CollectorConfig tee;
  tee.tee.push_back(TeeConfig{});
  EXPECT_FALSE(apply_default_aggregate(tee));  // a tee-only collector does not decode
  EXPECT_TRUE(tee.aggregates.empty());
}

// Whether a process running as `uid` can connect to the Unix socket at `path` (a forked child; root only).
bool can_connect_as(const std::string& path, uid_t uid) {
  const pid_t child = ::fork();
  if (child == 0) {
    if (::setgid(uid) != 0 || ::setuid(uid) != 0) {
      ::_exit(2);
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::strncpy(sun.sun_path, path.c_str(), sizeof(sun.sun_path) - 1);
    ::_exit(::connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) == 0 ? 0 : 1);  // NOLINT
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The query socket answers every query and `refresh`: owner-only by default, whatever the umask, and another user
// cannot connect; `socket_mode` widens it.
TEST(QuerySocket, OwnerOnlyByDefaultWhateverTheUmask) {
  const auto dir = temp_dir("mode");
  boost::asio::io_context io;
  auto handler = [](const nlohmann::json&) { return nlohmann::json{{"ok", true}}; };
  const mode_t old_umask = ::umask(0);
  auto closed = QueryServer::open(io, (dir / "a.sock").string(), handler);
  auto widened = QueryServer::open(io, (dir / "b.sock").string(), handler, 0660);
  ::umask(old_umask);
  ASSERT_TRUE(closed.ok()) << closed.error().message;
  ASSERT_TRUE(widened.ok()) << widened.error().message;
  struct stat st {};
  ASSERT_EQ(::stat((dir / "a.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777U, 0600U);
  ASSERT_EQ(::stat((dir / "b.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777U, 0660U);
  if (::geteuid() == 0) {
    constexpr uid_t kNobody = 65534;
    ::chmod(dir.c_str(), 0755);  // the directory is not what keeps others out
    EXPECT_FALSE(can_connect_as((dir / "a.sock").string(), kNobody));
    ::chmod((dir / "b.sock").c_str(), 0666);
    EXPECT_TRUE(can_connect_as((dir / "b.sock").string(), kNobody)) << "the check itself must be able to succeed";
  }
  fs::remove_all(dir);
}

TEST(QueryRequest, BuiltFromCliOptions) {
  QueryOptions o;
  o.aggregate = "in";
  o.match = {"src_as=65533", "dst_port=443"};
  o.top = 5;
  auto r = build_request(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["cmd"], "table");
  EXPECT_EQ((*r)["match"]["src_as"], "65533");
  EXPECT_EQ((*r)["top"], 5);
  o.match = {"noequals"};
  EXPECT_FALSE(build_request(o).ok());
  QueryOptions both;
  both.counters = true;
  both.clear = true;
  EXPECT_FALSE(build_request(both).ok());
  QueryOptions dump;
  dump.bgp_dump = "r1_v4";
  EXPECT_EQ((*build_request(dump))["cmd"], "bgp_dump");
}

// Found by fuzz_query: a response of the wrong shape aborted `flowcollector query` / `labctl flows` (an uncaught
// nlohmann type_error); it is an error now.
TEST(QueryResponse, WrongShapeIsAnErrorNotACrash) {
  QueryOptions peers;
  peers.bgp_peers = true;
  auto r = render_response(peers, nlohmann::json::parse(R"({"ok":true,"peers":[1]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("malformed response from the collector"), std::string::npos) << r.error().message;
  QueryOptions table;
  EXPECT_FALSE(render_response(table, nlohmann::json::parse(R"({"ok":true,"rows":[1]})")).ok());
  EXPECT_FALSE(render_response(table, nlohmann::json::parse(R"({"ok":"yes"})")).ok());
  // Also found by fuzz_query: counts that are not unsigned numbers (a float beyond uint64 was undefined behaviour
  // in the conversion, a negative became a huge count).
  for (const char* bad :
       {R"({"ok":true,"rows":[{"values":[],"flows":2e54}]})", R"({"ok":true,"rows":[{"values":[],"packets":-1}]})",
        R"({"ok":true,"rows":[{"values":[],"bytes":"300"}]})"}) {
    auto rendered = render_response(table, nlohmann::json::parse(bad));
    ASSERT_FALSE(rendered.ok()) << bad;
    EXPECT_NE(rendered.error().message.find("is not an unsigned number"), std::string::npos)
        << rendered.error().message;
  }
  EXPECT_FALSE(render_response(peers, nlohmann::json::parse(R"({"ok":true,"peers":[{"asn":1.5}]})")).ok());
  auto fine = render_response(table, nlohmann::json::parse(R"({"ok":true,"rows":[{"values":[],"flows":7}]})"));
  ASSERT_TRUE(fine.ok()) << fine.error().message;
}

TEST(IntervalDeltaTest, OnlyChangesAndClears) {
  IntervalDelta d;
  std::vector<Row> rows{{{"a"}, 1, 10, 1}, {{"b"}, 2, 20, 1}};
  EXPECT_EQ(d.take(rows).size(), 2U);
  EXPECT_EQ(d.take(rows).size(), 0U);
  rows[0].packets = 3;
  rows[0].bytes = 30;
  auto changed = d.take(rows);
  ASSERT_EQ(changed.size(), 1U);
  EXPECT_EQ(changed[0].packets, 2U);
  EXPECT_EQ(changed[0].bytes, 20U);
  std::vector<Row> after_clear{{{"a"}, 1, 5, 1}};
  auto fresh = d.take(after_clear);
  ASSERT_EQ(fresh.size(), 1U);
  EXPECT_EQ(fresh[0].bytes, 5U);
}

TEST(ExpandPath, StrftimeAndPeer) {
  EXPECT_EQ(expand_path("/x/bgp-%peer.jsonl", 0, "2001:db8::1"), "/x/bgp-2001_db8__1.jsonl");
  EXPECT_EQ(expand_path("/x/in-%Y%m%d-%H%M.csv", 86400 + 3600 + 120), "/x/in-19700102-0102.csv");
}

}  // namespace
}  // namespace flowlab::collector
