// History query over stored flows (issue 18): ClickHouse against nfdump on the SAME flows, same run. A generator makes
// N flows (default 20,000,000) over one day (whole-second start = end times, so a time range means the same in both
// tools; destination ASes log-uniform over 2,000 ASes; one host in 16 flows). The flows go
//   - to nfcapd (nfdump 1.7) as NetFlow v9 replayed to loopback (tests/bench/collector_throughput: replay.hpp and
//     nfcapd_side.hpp), every record counted in its files or the bench fails;
//   - to a real clickhouse-server in a temp folder (tests/store/clickhouse_server.hpp) directly as Native blocks of
//     the raw table (the collector's own StoreRow + NativeBlockWriter: this bench measures queries, not inserts), the
//     tier views dropped during the fill and the hour tier then filled by the view's own SELECT.
// Queries, each run twice alternately per tool (wall seconds, and CPU seconds of nfdump / of clickhouse-server):
//   A  top 10 destination ASes by bytes over 6 hours: `nfdump -R DIR -t RANGE -s dstas/bytes -n 10` vs ClickHouse
//      on the raw table and on the hour tier;
//   B  one host's flows over the whole day: `nfdump -R DIR 'host X'` vs ClickHouse `WHERE ip_src = X OR ip_dst = X`
//      on the raw table, restricted by its primary key to the (time, exporter) the address index TABLE_addr holds for
//      X (clickhouse_schema.hpp: address_index_filter); the index is filled by its view during the fill, as the
//      collector's inserts fill it.
// Every answer must equal nfdump's (else exit 1). Exit 2 when ClickHouse is not >= 20x faster on every query.
//
// Usage: bench_store_query [flows, default 20000000] [nfcapd replay pace records/s, default 150000]
#include "probes/collector/clickhouse_schema.hpp"
#include "probes/collector/output_clickhouse_row.hpp"
#include "probes/wire/exporter.hpp"
#include "tests/bench/collector_throughput/nfcapd_side.hpp"
#include "tests/store/clickhouse_server.hpp"

#include <sys/resource.h>
#include <sys/wait.h>

#include <cinttypes>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <map>

using namespace flowlab;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kDayStartS = 1'764'547'200;  // 2025-12-01 00:00:00 UTC
constexpr std::uint64_t kDaySeconds = 86'400;
constexpr std::uint64_t kRangeStartS = kDayStartS + 6 * std::uint64_t{3600};  // query A: 06:00 ..
constexpr std::uint64_t kRangeEndS = kDayStartS + 12 * std::uint64_t{3600};   // .. 12:00 (exclusive)
constexpr std::uint32_t kHost = 0xc000024dU;                                  // 192.0.2.77
constexpr std::size_t kHostFlows = 16;
constexpr std::size_t kChunk = 500'000;  // rows per INSERT

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

// Flow i of n: the one generator both stores are filled from.
wire::FlowRecord flow(std::uint64_t i, std::uint64_t n) {
  const std::uint64_t h = mix64(i);
  wire::FlowRecord r;
  r.src_addr = IpAddress::v4(0x0a000000U | static_cast<std::uint32_t>(h & 0xffffffU));
  r.dst_addr = IpAddress::v4(0x0a000000U | static_cast<std::uint32_t>((h >> 24U) & 0xffffffU));
  if (i % (n / kHostFlows) == 7) {
    (i % 2 == 0 ? r.src_addr : r.dst_addr) = IpAddress::v4(kHost);
  }
  r.src_port = static_cast<std::uint16_t>(h >> 48U);
  r.dst_port = i % 3 == 0 ? 53 : 443;
  r.protocol = i % 3 == 0 ? 17 : 6;
  r.packets = 1 + (h >> 8U) % 20;
  r.bytes = r.packets * (64 + (h >> 16U) % 1400);
  r.first_ms = r.last_ms = (kDayStartS + i * kDaySeconds / n) * 1000;
  r.input_ifindex = 1 + static_cast<std::uint32_t>(i % 4);
  r.output_ifindex = 5;
  r.src_as = 64512 + static_cast<std::uint32_t>(h % 1000);
  // log-uniform over 2,000 ASes: AS 1000 the largest, each next one smaller (top 10 well apart)
  const double u = static_cast<double>((h >> 20U) % 1'000'000) / 1e6;
  r.dst_as = 1000 + static_cast<std::uint32_t>(std::pow(2000.0, u)) - 1;
  return r;
}

std::vector<std::vector<std::byte>> v9_datagrams(std::uint64_t n) {
  wire::ExportOptions o;
  o.protocol = wire::ExportProtocol::kNetflowV9;
  o.boot_time_ms = (kDayStartS - 60) * 1000;
  wire::Exporter exporter(o);
  std::vector<std::vector<std::byte>> out;
  std::vector<wire::FlowRecord> batch;
  for (std::uint64_t i = 0; i < n; ++i) {
    batch.push_back(flow(i, n));
    if (batch.size() == 1000 || i + 1 == n) {
      for (auto& d : exporter.encode(batch, batch.back().last_ms + 1000)) {
        out.push_back(std::move(d));
      }
      batch.clear();
    }
  }
  return out;
}

// ---- ClickHouse fill

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Where the fill's time goes: this thread's CPU encoding rows (NativeBlockWriter::append, as the collector's writer
// thread), and the wall time of the INSERTs (the server parsing, writing and filling the address index).
struct FillCost {
  double encode_cpu_s = 0;
  double encode_wall_s = 0;
  double insert_wall_s = 0;
};

Status fill_clickhouse(const collector::ClickHouseHttp& http, const collector::ClickHouseOutputConfig& config,
                       std::uint64_t n, FillCost& cost) {
  if (auto s = collector::ensure_schema(http, config); !s) {
    return s;
  }
  for (const auto tier : {collector::StoreTier::kMinute, collector::StoreTier::kHour}) {
    auto dropped = http.query("DROP TABLE " + config.database + "." + collector::tier_table(config, tier) + "_mv");
    if (!dropped) {
      return fail(dropped.error());
    }
  }
  auto formatter = collector::Aggregate::create(collector::store_formatter_spec());
  if (!formatter) {
    return fail(formatter.error());
  }
  collector::NativeBlockWriter writer;
  std::string body;
  collector::StoreRow row;
  row.has_record = true;
  row.peer_ip_src = IpAddress::v4(0x7f000001U);
  const std::string table = config.database + "." + config.table;
  double cpu0 = thread_cpu_seconds();
  auto wall0 = bench::Clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    row.record = flow(i, n);
    row.time = static_cast<std::uint32_t>(row.record.first_ms / 1000);
    row.as_src = row.record.src_as;
    row.as_dst = row.record.dst_as;
    row.packets = row.record.packets;
    row.bytes = row.record.bytes;
    row.flows = 1;
    writer.append(*formatter, row);
    if ((i + 1) % kChunk == 0 || i + 1 == n) {
      writer.finish(body);
      cost.encode_cpu_s += thread_cpu_seconds() - cpu0;
      const auto sent = bench::Clock::now();
      cost.encode_wall_s += std::chrono::duration<double>(sent - wall0).count();
      if (auto s = http.insert_rows(table, "Native", body); !s) {
        return s;
      }
      wall0 = bench::Clock::now();
      cost.insert_wall_s += std::chrono::duration<double>(wall0 - sent).count();
      cpu0 = thread_cpu_seconds();
    }
  }
  // The hour tier as its view would have filled it: the view's SELECT over the raw table.
  const auto views = collector::view_statements(config);
  const std::string& hour_view = views[1];  // minute, hour, address index
  const auto select = hour_view.find(" AS SELECT ");
  auto filled = http.query("INSERT INTO " + config.database + "." +
                           collector::tier_table(config, collector::StoreTier::kHour) + hour_view.substr(select + 3));
  return filled ? Status{} : fail(filled.error());
}

// ---- timing

struct Timed {
  std::string answer;
  double wall_s = 0;
  double cpu_s = 0;
};

double children_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_CHILDREN, &ru);
  return bench::seconds(ru.ru_utime) + bench::seconds(ru.ru_stime);
}

// nfdump's stdout (TZ=UTC: -t is read in local time).
Timed run_nfdump(const std::string& args) {
  const double cpu0 = children_cpu_seconds();
  const auto start = bench::Clock::now();
  Timed t;
  FILE* p = ::popen(("TZ=UTC nfdump -q -N " + args + " 2>&1").c_str(), "r");
  char line[1024];
  while (p != nullptr && std::fgets(line, sizeof line, p) != nullptr) {
    t.answer += line;
  }
  if (p != nullptr) {
    ::pclose(p);
  }
  t.wall_s = std::chrono::duration<double>(bench::Clock::now() - start).count();
  t.cpu_s = children_cpu_seconds() - cpu0;
  return t;
}

Timed run_clickhouse(const collector::ClickHouseHttp& http, pid_t server, const std::string& sql) {
  const double cpu0 = bench::tree_cpu_seconds(server);
  const auto start = bench::Clock::now();
  auto r = http.query(sql);
  Timed t;
  t.wall_s = std::chrono::duration<double>(bench::Clock::now() - start).count();
  t.cpu_s = bench::tree_cpu_seconds(server) - cpu0;
  t.answer = r ? *r : "error: " + r.error().message;
  return t;
}

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) {
    out.push_back(w);
  }
  return out;
}

// The words of each line, one space apart. `stat`: nfdump's -s lines (date time duration proto AS flows(%) packets(%)
// bytes(%) ...) as "AS bytes", like ClickHouse's.
std::string normalized(const std::string& text, bool stat = false) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    for (std::size_t open = line.find('('); open != std::string::npos; open = line.find('(')) {
      line.erase(open, line.find(')', open) - open + 1);  // "( 9.0)"
    }
    auto w = words(line);
    if (stat && w.size() >= 8) {
      w = {w[4], w[7]};
    }
    if (!w.empty()) {
      for (std::size_t i = 0; i < w.size(); ++i) {
        out += (i == 0 ? "" : " ") + w[i];
      }
      out += "\n";
    }
  }
  return out;
}

std::string day_time(std::uint64_t s) {
  const auto t = static_cast<std::time_t>(s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y/%m/%d.%H:%M:%S", &tm);
  return text;
}

struct Query {
  const char* name;
  std::string nfdump_args;
  std::string sql;
  bool stat = false;  // nfdump -s output
};

// Runs nfdump and ClickHouse alternately twice; false when an answer differs from nfdump's or is < 20x slower.
bool compare(const collector::ClickHouseHttp& http, pid_t server, const Query& q, const std::string& nfdump_dir,
             bool& fast) {
  std::vector<Timed> theirs;
  std::vector<Timed> ours;
  for (int round = 0; round < 2; ++round) {
    theirs.push_back(run_nfdump("-R " + nfdump_dir + " " + q.nfdump_args));
    ours.push_back(run_clickhouse(http, server, q.sql));
  }
  const std::string want = normalized(theirs[0].answer, q.stat);
  bool same = !want.empty();
  for (const auto& t : theirs) {
    same = same && normalized(t.answer, q.stat) == want;
  }
  for (const auto& t : ours) {
    same = same && normalized(t.answer) == want;
  }
  double best_ratio = 0;
  for (std::size_t round = 0; round < 2; ++round) {
    const double ratio = theirs[round].wall_s / std::max(ours[round].wall_s, 1e-6);
    best_ratio = round == 0 ? ratio : std::min(best_ratio, ratio);
    std::printf(
        "  %-26s round %zu: nfdump %7.3f s wall %7.3f s CPU | ClickHouse %7.3f s wall %7.3f s server CPU | "
        "%6.1fx wall\n",
        q.name, round + 1, theirs[round].wall_s, theirs[round].cpu_s, ours[round].wall_s, ours[round].cpu_s, ratio);
  }
  std::printf("  %-26s answers %s; slower round %.1fx (target >= 20x)\n", q.name, same ? "equal" : "DIFFER",
              best_ratio);
  if (!same) {
    std::printf("--- nfdump\n%s--- ClickHouse\n%s---\n", want.c_str(), normalized(ours[0].answer).c_str());
  }
  fast = fast && best_ratio >= 20;
  std::fflush(stdout);
  return same;
}

volatile pid_t g_server = 0;
volatile pid_t g_nfcapd[2] = {};  // nfcapd and its sender while they run (Nfcapd::publish_pids)
char g_dir[256] = {};
char g_nfcapd_dir[256] = {};

void on_signal(int /*signal*/) {
  for (const pid_t pid : {g_server, g_nfcapd[0], g_nfcapd[1]}) {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);  // reaped here: no zombie is left behind the exec below
    }
  }
  ::execlp("rm", "rm", "-rf", g_dir, g_nfcapd_dir,
           static_cast<char*>(nullptr));  // async-signal-safe; replaces this process
  _exit(130);
}

std::string uptime() { return bgp::testing::run_out({"uptime"}); }

}  // namespace

int main(int argc, char** argv) {
  bench::Sender::run_if_sender(argc, argv);  // nfcapd's replay (nfcapd_side.hpp) runs in a copy of this binary
  const std::uint64_t n = argc > 1 ? std::stoull(argv[1]) : 20'000'000;
  const double pace = argc > 2 ? std::stod(argv[2]) : 150'000;
  if (!testing::ClickHouseServer::command()) {
    std::printf("%s\n", testing::ClickHouseServer::kMissing);
    return 1;
  }
  bench::Nfcapd nfcapd;
  if (!nfcapd.available() || n < 1000) {
    std::printf("needs nfcapd (nfdump 1.7) and at least 1000 flows\n");
    return 1;
  }
  const fs::path dir = fs::temp_directory_path() / ("fl-bench-query-" + std::to_string(::getpid()));
  std::snprintf(g_dir, sizeof g_dir, "%s", dir.c_str());
  std::snprintf(g_nfcapd_dir, sizeof g_nfcapd_dir, "%s", nfcapd.dir().c_str());
  nfcapd.publish_pids(g_nfcapd);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::printf("store history query: %" PRIu64 " flows, load %s", n, uptime().c_str());

  // nfcapd: v9 at `pace`, every record in its files.
  auto t0 = bench::Clock::now();
  const auto datagrams = v9_datagrams(n);
  const bench::Trial fed = nfcapd.run(datagrams, n, pace);
  std::printf("nfcapd: %" PRIu64 " of %" PRIu64 " flows stored (%.0f s at %.0f records/s, %.1f CPU s)\n", fed.received,
              n, std::chrono::duration<double>(bench::Clock::now() - t0).count(), pace, fed.cpu_s);
  std::fflush(stdout);
  if (fed.received != n) {
    std::printf("nfcapd lost flows: run again with a lower pace\n");
    return 1;
  }

  auto server = testing::ClickHouseServer::start(dir / "clickhouse");
  if (!server.ok()) {
    std::fprintf(stderr, "clickhouse-server: %s\n", server.error().message.c_str());
    fs::remove_all(dir);
    return 1;
  }
  g_server = (*server)->pid();
  collector::ClickHouseOutputConfig config;
  config.url = (*server)->url();
  config.database = "bench";
  const collector::ClickHouseHttp http(*collector::parse_http_url(config.url), std::chrono::minutes(10));
  t0 = bench::Clock::now();
  const double server0 = bench::tree_cpu_seconds(g_server);
  FillCost cost;
  if (auto s = fill_clickhouse(http, config, n, cost); !s) {
    std::printf("ClickHouse fill: %s\n", s.error().message.c_str());
    server->reset();
    fs::remove_all(dir);
    return 1;
  }
  for (const char* table : {"bench.flows", "bench.flows_addr"}) {
    (void)http.query(std::string("OPTIMIZE TABLE ") + table);  // one merge round now, not during the queries
  }
  std::printf(
      "ClickHouse: %s rows raw, %s rows in the hour tier, %s in the address index (filled in %.0f s, server %.1f CPU "
      "s)\n",
      words((*server)->query("SELECT count() FROM bench.flows").value_or("?"))[0].c_str(),
      words((*server)->query("SELECT count() FROM bench.flows_hour").value_or("?"))[0].c_str(),
      words((*server)->query("SELECT count() FROM bench.flows_addr").value_or("?"))[0].c_str(),
      std::chrono::duration<double>(bench::Clock::now() - t0).count(), bench::tree_cpu_seconds(g_server) - server0);
  std::printf(
      "  fill: encoding %.1f CPU s (%.2f us a row; %.1f s wall), INSERTs %.1f s wall; the rest: the hour tier and "
      "OPTIMIZE\n",
      cost.encode_cpu_s, cost.encode_cpu_s * 1e6 / static_cast<double>(n), cost.encode_wall_s, cost.insert_wall_s);
  std::fflush(stdout);

  const std::string range = day_time(kRangeStartS) + "-" + day_time(kRangeEndS - 1);
  const std::string where = " WHERE time >= toDateTime(" + std::to_string(kRangeStartS) + ") AND time < toDateTime(" +
                            std::to_string(kRangeEndS) + ")";
  const std::string top = " GROUP BY as_dst ORDER BY b DESC, as_dst LIMIT 10";
  const std::string host = IpAddress::v4(kHost).to_string();
  const std::vector<Query> queries{
      {"A top 10 dst AS, raw", "-t " + range + " -s dstas/bytes -n 10",
       "SELECT as_dst, sum(bytes) AS b FROM bench.flows" + where + top, true},
      {"A top 10 dst AS, hour tier", "-t " + range + " -s dstas/bytes -n 10",
       "SELECT as_dst, sum(bytes) AS b FROM bench.flows_hour" + where + top, true},
      {"B one host's flows", "-o 'fmt:%sa %da %byt' 'host " + host + "'",
       "SELECT ip_src, ip_dst, bytes FROM bench.flows WHERE " + collector::address_index_filter(config, host) +
           " AND (ip_src = '" + host + "' OR ip_dst = '" + host + "') ORDER BY time"},
  };
  bool same = true;
  bool fast = true;
  for (const auto& q : queries) {
    same = compare(http, g_server, q, nfcapd.dir().string() + "/flows", fast) && same;
  }
  std::printf("load after: %s", uptime().c_str());
  std::printf("history query: answers %s; ClickHouse >= 20x nfdump on every query: %s\n", same ? "equal" : "DIFFER",
              fast ? "met" : "NOT met");
  server->reset();  // ends the server by its PID
  fs::remove_all(dir);
  return !same ? 1 : fast ? 0 : 2;
}
