// The ClickHouse store (outputs.clickhouse) against a real clickhouse-server started in a temp folder
// (clickhouse_server.hpp): stored rows equal the live aggregate over every primitive, the tiers sum up, a killed
// server costs counted rows and nothing else, retention drops old day partitions, a foreign schema is refused.
// Label `store`; skipped (with the reason) when clickhouse-server is not installed.
#include "tests/store/clickhouse_server.hpp"

#include "probes/collector/clickhouse_schema.hpp"
#include "probes/collector/collector.hpp"
#include "probes/collector/primitives.hpp"
#include "probes/wire/exporter.hpp"
#include "tests/support/eventually.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <sstream>
#include <thread>

namespace flowlab::collector {
namespace {

namespace fs = std::filesystem;
using testing::ClickHouseServer;

constexpr std::uint64_t kDayMs = 86'400'000;
const IpAddress kExporter = *IpAddress::parse("127.0.0.1");

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

// Varied records: two routed destinations (with communities, MED, local pref), one unrouted, routed sources.
std::vector<wire::FlowRecord> make_records(std::size_t n, std::size_t seed) {
  std::vector<wire::FlowRecord> out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = i + seed;
    wire::FlowRecord r;
    r.src_addr = *IpAddress::parse("192.0.2." + std::to_string(k % 200));
    const char* dst[] = {"203.0.113.", "198.51.100.", "100.64.0."};
    r.dst_addr = *IpAddress::parse(dst[k % 3] + std::to_string(k % 250));
    r.src_port = static_cast<std::uint16_t>(1024 + k % 5000);
    r.dst_port = k % 2 == 0 ? 443 : 53;
    r.protocol = k % 2 == 0 ? 6 : 17;
    r.tcp_flags = k % 2 == 0 ? 0x1b : 0;
    r.tos = static_cast<std::uint8_t>(k % 4);
    r.packets = 1 + k % 17;
    r.bytes = r.packets * (40 + k % 1400);
    r.first_ms = 1'700'000'000'000ULL + k;
    r.last_ms = r.first_ms + 1000 + k % 7;
    r.input_ifindex = static_cast<std::uint32_t>(1 + k % 3);
    r.output_ifindex = static_cast<std::uint32_t>(4 + k % 2);
    r.direction = k % 5 == 0 ? wire::FlowDirection::kEgress : wire::FlowDirection::kIngress;
    out.push_back(r);
  }
  return out;
}

std::string every_primitive_list() {
  std::string out;
  for (const auto& i : all_primitives()) {
    out += (out.empty() ? "" : ", ") + std::string(i.name);
  }
  return out;
}

std::string column_names() {
  std::string out;
  for (const auto& i : all_primitives()) {
    out += (out.empty() ? "" : ", ") + std::string(i.client_json_key);
  }
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

class Store : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!ClickHouseServer::command()) {
      return;
    }
    dir_ = fs::temp_directory_path() / ("fl-store-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    auto s = ClickHouseServer::start(dir_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    server_ = std::move(*s);
  }
  static void TearDownTestSuite() {
    server_.reset();
    fs::remove_all(dir_);
  }
  void SetUp() override {
    if (!ClickHouseServer::command()) {
      GTEST_SKIP() << ClickHouseServer::kMissing;
    }
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override { collector_.reset(); }

  // A collector whose aggregate `all` holds every primitive, storing into `database`.
  void start_collector(const std::string& database, const std::string& options) {
    const std::string yaml = "aggregates: [{name: all, primitives: [" + every_primitive_list() +
                             "]}]\n"
                             "outputs:\n"
                             "  clickhouse: {url: " +
                             server_->url() + ", database: " + database + options + "}\n";
    auto config = parse_config(yaml, "store.yaml");
    ASSERT_TRUE(config.ok()) << config.error().message;
    auto c = Collector::create(io_, *config);
    ASSERT_TRUE(c.ok()) << c.error().message;
    collector_ = std::move(*c);
    bgp::PathAttributes dst;
    dst.origin = bgp::Origin::kIgp;
    dst.as_path = bgp::AsPath{{bgp::AsPathSegment{bgp::SegmentType::kSequence, {65530, 65533}}}};
    dst.next_hop = *IpAddress::parse("198.18.0.1");
    dst.local_pref = 150;
    dst.med = 20;
    dst.communities = {(65530U << 16U) | 7U, (65530U << 16U) | 9U};
    dst.large_communities = {{65530, 1, 2}};
    dst.ext_communities = {0x0002fdea00000064ULL};
    auto& rib = collector_->tables().rib(kExporter, 64500);
    rib.announce(*Prefix::parse("203.0.113.0/24"), 0, dst);
    bgp::PathAttributes other = dst;
    other.as_path = bgp::AsPath{{bgp::AsPathSegment{bgp::SegmentType::kSequence, {65531}},
                                 bgp::AsPathSegment{bgp::SegmentType::kSet, {65540, 65541}}}};
    other.communities.clear();
    rib.announce(*Prefix::parse("198.51.100.0/25"), 0, other);
    bgp::PathAttributes src = dst;
    src.as_path = bgp::AsPath{{bgp::AsPathSegment{bgp::SegmentType::kSequence, {65520}}}};
    rib.announce(*Prefix::parse("192.0.2.0/24"), 0, src);
    auto started = collector_->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  // Hands the records to the collector as IPFIX datagrams received at `receive_ms`.
  void feed(const std::vector<wire::FlowRecord>& records, std::uint64_t receive_ms) {
    for (const auto& d : exporter_.encode(records, receive_ms)) {
      collector_->on_datagram(d, kExporter, 4739, receive_ms);
    }
  }
  ClickHouseCounters store() const { return collector_->clickhouse()->counters(); }
  // Polls `done` for up to 30 s.
  static bool wait_for(const std::function<bool()>& done) {
    return test_support::eventually(done, std::chrono::seconds(30), std::chrono::milliseconds(20));
  }
  // Feeds in chunks small enough for the queue, each sent before the next.
  void feed_and_drain(std::size_t n, std::size_t seed) {
    for (std::size_t done = 0; done < n; done += 400) {
      feed(make_records(std::min<std::size_t>(400, n - done), seed + done), now_ms());
      ASSERT_TRUE(wait_for([&] { return store().rows_queued == 0; }));
    }
  }
  std::string ask(const std::string& sql) const {
    auto r = server_->query(sql);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : std::string();
  }

  // Why an output on `database` does not open once `table_sql` made a table there ("" when it opens).
  std::string refusal(const std::string& database, const std::string& table_sql) const {
    ask("CREATE DATABASE IF NOT EXISTS " + database);
    ask(table_sql);
    ClickHouseOutputConfig config;
    config.url = server_->url();
    config.database = database;
    auto out = ClickHouseOutput::open(config);
    return out.ok() ? std::string() : out.error().message;
  }

  static inline fs::path dir_;
  static inline std::unique_ptr<ClickHouseServer> server_;
  boost::asio::io_context io_;
  wire::Exporter exporter_{wire::ExportOptions{}};
  std::unique_ptr<Collector> collector_;
};

TEST_F(Store, StoredRowsEqualTheLiveAggregate) {
  start_collector("s_equal", ", batch_rows: 700, flush_interval: 200ms");
  feed(make_records(5000, 0), now_ms());
  std::vector<std::string> live;
  const std::vector<Row> rows = collector_->rows("all").value_or(std::vector<Row>{});
  for (const Row& row : rows) {
    std::string line;
    for (const auto& v : row.values) {
      line += v + "\t";
    }
    live.push_back(line + std::to_string(row.packets) + "\t" + std::to_string(row.bytes) + "\t" +
                   std::to_string(row.flows));
  }
  std::sort(live.begin(), live.end());
  collector_->stop();  // sends the rest
  const auto c = store();
  EXPECT_EQ(c.rows_produced, 5000U);
  EXPECT_EQ(c.rows_inserted, 5000U);
  EXPECT_EQ(c.rows_dropped, 0U);
  EXPECT_GE(c.inserts, 8U);  // 5000 rows in batches of at most 700
  EXPECT_EQ(ask("SELECT count() FROM s_equal.flows"), "5000\n");
  const auto stored =
      lines(ask("SELECT " + column_names() + ", sum(packets), sum(bytes), sum(flows) FROM s_equal.flows GROUP BY " +
                column_names()));
  ASSERT_EQ(stored.size(), live.size());
  const auto differ = std::mismatch(stored.begin(), stored.end(), live.begin());
  EXPECT_TRUE(differ.first == stored.end()) << "stored:    " << *differ.first << "\naggregate: " << *differ.second;
  // The routed fields made it (a comparison of empty columns proves nothing).
  EXPECT_NE(ask("SELECT count() FROM s_equal.flows WHERE as_path = '65530_65533' AND comms = '65530:7 65530:9' AND "
                "lcomms = '65530:1:2' AND med = 20 AND local_pref = 150 AND as_src = 65520"),
            "0\n");
  // Both tiers sum to the same traffic per destination AS.
  const std::string by_as = "SELECT as_dst, sum(packets), sum(bytes), sum(flows) FROM s_equal.";
  const auto raw = lines(ask(by_as + "flows GROUP BY as_dst"));
  EXPECT_EQ(raw.size(), 3U);
  EXPECT_EQ(lines(ask(by_as + "flows_minute GROUP BY as_dst")), raw);
  EXPECT_EQ(lines(ask(by_as + "flows_hour GROUP BY as_dst")), raw);
  // The address index holds each row's two addresses.
  EXPECT_EQ(ask("SELECT count() FROM s_equal.flows_addr"), "10000\n");
  EXPECT_EQ(lines(ask("SELECT addr, count() FROM s_equal.flows_addr GROUP BY addr")),
            lines(ask("SELECT addr, count() FROM (SELECT ip_src AS addr FROM s_equal.flows UNION ALL SELECT ip_dst "
                      "FROM s_equal.flows) GROUP BY addr")));
}

// A lookup by address through the index finds exactly the rows a scan of both address columns finds, and reads only
// the raw table's granules the index names: max_rows_to_read (100,000 of 401,000 rows) refuses the scan, not it.
TEST_F(Store, AddressLookupReadsOnlyTheIndexedGranules) {
  start_collector("s_addr", ", flush_interval: 100ms");
  feed(make_records(1000, 0), now_ms());  // 192.0.2.77 is the source of 5 of them
  collector_->stop();
  ASSERT_EQ(store().rows_inserted, 1000U);
  // 400,000 more rows over a day, 4 of them from 192.0.2.77, inserted into the raw table: its view fills the index.
  ask("INSERT INTO s_addr.flows (time, peer_ip_src, ip_src, ip_dst, bytes, flows) SELECT toDateTime(1764547200 + "
      "intDiv(number * 86400, 400000)), '127.0.0.1', if(number % 100000 = 7, '192.0.2.77', "
      "IPv4NumToString(toUInt32(167772160 + number))), IPv4NumToString(toUInt32(184549376 + number)), number, 1 FROM "
      "numbers(400000)");
  ASSERT_EQ(ask("SELECT count() FROM s_addr.flows_addr"), "802000\n");
  ClickHouseOutputConfig config;
  config.database = "s_addr";
  const std::string exact = " AND (ip_src = '192.0.2.77' OR ip_dst = '192.0.2.77')";
  const std::string count = "SELECT count(), sum(bytes) FROM s_addr.flows WHERE ";
  const std::string limit = " SETTINGS max_rows_to_read = 100000";
  const std::string scanned = ask(count + "1" + exact);
  EXPECT_EQ(scanned.substr(0, 2), "9\t");
  EXPECT_EQ(ask(count + address_index_filter(config, "192.0.2.77") + exact + limit), scanned);
  const auto scan = server_->query(count + "1" + exact + limit);
  EXPECT_FALSE(scan.ok());  // the limit measures something: a scan reads every row
  EXPECT_EQ(ask(count + address_index_filter(config, "192.0.2.78") + " AND ip_src = '192.0.2.78'" + limit),
            ask(count + "ip_src = '192.0.2.78'"));
  EXPECT_EQ(ask(count + address_index_filter(config, "198.51.100.1") + " AND ip_src = '198.51.100.1'" + limit),
            "0\t0\n");
  EXPECT_EQ(sql_quoted("a'b\\c"), "'a\\'b\\\\c'");
}

TEST_F(Store, KilledServerCostsCountedRowsOnly) {
  start_collector("s_kill", ", batch_rows: 500, queue_rows: 2000, flush_interval: 100ms");
  feed_and_drain(3000, 0);
  EXPECT_EQ(store().rows_inserted, 3000U);
  ASSERT_TRUE(server_->kill().ok());
  feed(make_records(5000, 3000), now_ms());  // the collector keeps collecting; the queue holds 2000
  EXPECT_EQ(collector_->counters().records, 8000U);
  EXPECT_EQ(store().rows_dropped, 3000U);
  ASSERT_TRUE(wait_for([&] { return store().retries >= 2; }));
  EXPECT_GE(store().insert_errors, 2U);
  const auto down = collector_->counters_json()["store"]["clickhouse"];
  EXPECT_EQ(down["rows_dropped"], 3000);
  EXPECT_EQ(down["rows_queued"], 2000);
  auto restarted = server_->restart();
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  ASSERT_TRUE(wait_for([&] { return store().rows_queued == 0; }));  // the queue drains: inserts resumed
  feed_and_drain(1000, 8000);
  collector_->stop();
  const auto c = store();
  EXPECT_EQ(c.rows_produced, 9000U);
  EXPECT_EQ(c.rows_produced, collector_->counters().records);
  EXPECT_EQ(c.rows_inserted + c.rows_dropped, c.rows_produced);
  EXPECT_EQ(c.rows_inserted, 6000U);
  EXPECT_EQ(ask("SELECT count() FROM s_kill.flows"), std::to_string(c.rows_inserted) + "\n");
}

TEST_F(Store, RetentionDropsOldDayPartitions) {
  start_collector("s_keep", ", flush_interval: 100ms");
  feed(make_records(100, 0), now_ms() - 30 * kDayMs);
  feed(make_records(50, 100), now_ms());
  collector_->stop();
  ASSERT_EQ(ask("SELECT count() FROM s_keep.flows"), "150\n");
  ClickHouseOutputConfig config;
  config.url = server_->url();
  config.database = "s_keep";
  config.raw_days = 7;
  config.minute_days = 0;  // keep forever
  config.hour_days = 60;
  auto out = ClickHouseOutput::open(config);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ((*out)->counters().partitions_dropped, 2U);  // the raw table's and its address index's
  EXPECT_EQ(ask("SELECT count() FROM s_keep.flows"), "50\n");
  EXPECT_EQ(ask("SELECT count() FROM s_keep.flows_addr"), "100\n");
  EXPECT_EQ(ask("SELECT sum(flows) FROM s_keep.flows_minute"), "150\n");
  EXPECT_EQ(ask("SELECT sum(flows) FROM s_keep.flows_hour"), "150\n");
}

TEST_F(Store, AForeignSchemaIsRefused) {
  const std::string m =
      refusal("s_other", "CREATE TABLE s_other.flows (time DateTime, bytes UInt64) ENGINE = MergeTree ORDER BY time");
  EXPECT_NE(m.find("s_other.flows has another schema: column 2: expected 'iface_in UInt32', found 'bytes UInt64'"),
            std::string::npos)
      << m;
}

TEST_F(Store, AForeignAddressIndexIsRefused) {
  const std::string m = refusal("s_index",
                                "CREATE TABLE s_index.flows_addr (addr String, time DateTime) ENGINE = MergeTree "
                                "ORDER BY (addr, time)");
  EXPECT_NE(m.find("s_index.flows_addr has another schema: column 3: expected 'peer_ip_src String', "
                   "found 'no column'"),
            std::string::npos)
      << m;
}

TEST_F(Store, CheckOnlyCreatesNothing) {
  ClickHouseOutputConfig config;
  config.url = server_->url();
  config.database = "s_none";
  config.create_schema = false;
  auto out = ClickHouseOutput::open(config);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("clickhouse table s_none.flows does not exist"), std::string::npos)
      << out.error().message;
  EXPECT_EQ(ask("SELECT count() FROM system.databases WHERE name = 's_none'"), "0\n");
}

TEST(StoreConfig, UnreachableServerFailsStart) {
  boost::asio::io_context io;
  auto config = parse_config("outputs: {clickhouse: {url: 'http://127.0.0.1:1'}}\n", "store.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  auto c = Collector::create(io, *config);
  ASSERT_TRUE(c.ok());
  auto s = (*c)->start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("outputs.clickhouse: clickhouse 127.0.0.1:1: Connection refused"), std::string::npos)
      << s.error().message;
}

TEST(StoreConfig, BadOptionsNameTheirPlace) {
  auto config = parse_config(
      "outputs:\n"
      "  clickhouse:\n"
      "    url: https://db:8443\n"
      "    table: flows-raw\n"
      "    batch_rows: 0\n"
      "    raw_days: -1\n"
      "    qeue_rows: 5\n"
      "    flush_interval: 0s\n",
      "store.yaml");
  ASSERT_FALSE(config.ok());
  const std::string& m = config.error().message;
  EXPECT_NE(m.find("store.yaml:3:10: error: outputs.clickhouse.url: expected http://HOST:PORT"), std::string::npos)
      << m;
  EXPECT_NE(m.find("store.yaml:4:12: error: outputs.clickhouse.table: expected a name of letters"), std::string::npos)
      << m;
  EXPECT_NE(m.find("store.yaml:5:17: error: outputs.clickhouse.batch_rows"), std::string::npos) << m;
  EXPECT_NE(m.find("store.yaml:6:15: error: outputs.clickhouse.raw_days"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'queue_rows'"), std::string::npos) << m;
  EXPECT_NE(m.find("store.yaml:8:21: error: outputs.clickhouse.flush_interval: expected a duration of at least 10ms"),
            std::string::npos)
      << m;
  auto good =
      parse_config("outputs: {clickhouse: {create_schema: false, raw_days: 0, flush_interval: 250ms}}\n", "store.yaml");
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_FALSE(good->outputs.clickhouse->create_schema);
  EXPECT_EQ(good->outputs.clickhouse->raw_days, 0U);
  EXPECT_EQ(good->outputs.clickhouse->flush_interval, std::chrono::milliseconds(250));
  auto small = parse_config("outputs: {clickhouse: {batch_rows: 100, queue_rows: 10}}\n", "store.yaml");
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.error().message.find("queue_rows: expected at least batch_rows (100) rows, found 10"),
            std::string::npos)
      << small.error().message;
}

}  // namespace
}  // namespace flowlab::collector
