// The ClickHouse store in a deployed lab (issue 18): `labctl run --keep scenarios/janog36-store.yaml` (the three
// expect steps live, then `from: store`) passes; the clickhouse node answers from the collector's namespace at the URL
// rendered into the collector's config; `labctl flows --history --json` (the raw tier regrouped like the live
// aggregate) equals `labctl flows --json` row for row, counts and every enriched field; `labctl destroy` leaves
// nothing (namespaces, the server process, mounts, the run directory with the server's data).
#include "tests/lab/lab_fixture.hpp"

#include "platform/netns/namespace.hpp"
#include "probes/collector/clickhouse_http.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace flowlab::labtest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Each JSON line as {key: value as text}, sorted: the rows as a multiset that ignores order and number/string form.
std::vector<std::map<std::string, std::string>> rows_of(const std::string& text) {
  std::vector<std::map<std::string, std::string>> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_object()) {
      continue;
    }
    std::map<std::string, std::string> row;
    for (const auto& [key, value] : j.items()) {
      row[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    out.push_back(std::move(row));
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(StoreLab, ScenarioPassesStoredRowsEqualLiveAndDestroyLeavesNothing) {
  if (!is_root()) {
    GTEST_SKIP() << "lab tests need root";
  }
  const std::string lab = unique_lab("i18-st");
  {
    LabGuard guard(lab);
    const fs::path out = fs::temp_directory_path() / (lab + "-run");
    fs::remove_all(out);
    auto run = labctl({"run", "-q", "--keep", "--name", lab, "--out", out.string(),
                       std::string(FLOWLAB_SOURCE_DIR) + "/scenarios/janog36-store.yaml"},
                      5min);
    ASSERT_EQ(run.exit_code, 0) << describe(run);

    // The collector inserts at the store node's mgmt0 address; the server answers there from c1's namespace.
    const std::string config = read_text(fs::path(kRunDir) / lab / "c1" / "flowcollector.yaml");
    std::smatch url;
    ASSERT_TRUE(std::regex_search(config, url, std::regex(R"(clickhouse: \{url: "http://([0-9.]+):8123")"))) << config;
    auto answer = netns::run_in_namespace("fl-" + lab + "-c1", [&]() -> Result<std::string> {
      return collector::ClickHouseHttp(collector::HttpUrl{url[1].str(), 8123})
          .query("SELECT count() FROM flowlab.flows");
    });
    ASSERT_TRUE(answer.ok()) << answer.error().to_string();
    EXPECT_NE(*answer, "0\n");

    // The stored rows, regrouped like the live aggregate, are the live aggregate's rows.
    auto live = labctl({"flows", lab, "--json"}, 60s);
    auto stored = labctl({"flows", lab, "--history", "--json"}, 60s);
    ASSERT_EQ(live.exit_code, 0) << describe(live);
    ASSERT_EQ(stored.exit_code, 0) << describe(stored);
    const auto live_rows = rows_of(live.out);
    EXPECT_GE(live_rows.size(), 3U) << live.out;  // out4, out6, in4 at least
    auto stored_rows = rows_of(stored.out);
    for (auto& row : stored_rows) {  // the live lines have no flows counter (pmacct prints it when aggregated)
      EXPECT_EQ(row.erase("flows"), 1U);
    }
    std::sort(stored_rows.begin(), stored_rows.end());
    EXPECT_EQ(stored_rows, live_rows) << "live:\n" << live.out << "\nstored:\n" << stored.out;

    // One host's rows, read through the store's address index, are the live rows from or to it.
    const std::string host = live_rows.front().at("ip_dst");
    auto by_host = labctl({"flows", lab, "--history", "--host", host, "--json"}, 60s);
    ASSERT_EQ(by_host.exit_code, 0) << describe(by_host);
    auto host_rows = rows_of(by_host.out);
    for (auto& row : host_rows) {
      EXPECT_EQ(row.erase("flows"), 1U);
    }
    std::sort(host_rows.begin(), host_rows.end());
    std::vector<std::map<std::string, std::string>> live_host_rows;
    for (const auto& r : live_rows) {
      if (r.at("ip_src") == host || r.at("ip_dst") == host) {
        live_host_rows.push_back(r);
      }
    }
    std::sort(live_host_rows.begin(), live_host_rows.end());
    EXPECT_FALSE(host_rows.empty());
    EXPECT_EQ(host_rows, live_host_rows) << "live:\n" << live.out << "\nstored, host " << host << ":\n" << by_host.out;

    // The tiers sum the same traffic.
    auto minute = labctl({"flows", lab, "--history", "--tier", "minute", "--last", "1h", "--json"}, 60s);
    ASSERT_EQ(minute.exit_code, 0) << describe(minute);
    std::uint64_t live_bytes = 0;
    std::uint64_t minute_bytes = 0;
    for (const auto& r : live_rows) {
      live_bytes += std::stoull(r.at("bytes"));
    }
    for (const auto& r : rows_of(minute.out)) {
      minute_bytes += std::stoull(r.at("bytes"));
    }
    EXPECT_EQ(minute_bytes, live_bytes) << minute.out;

    auto destroyed = labctl({"destroy", lab}, 120s);
    EXPECT_EQ(destroyed.exit_code, 0) << describe(destroyed);
  }
  EXPECT_EQ(leftovers(lab), std::vector<std::string>{});
}

TEST(StoreLab, HistoryOfALabWithoutStoreIsAClearError) {
  if (!is_root()) {
    GTEST_SKIP() << "lab tests need root";
  }
  const std::string lab = unique_lab("i18-ns");
  {
    LabGuard guard(lab);
    const fs::path topo = fs::temp_directory_path() / (lab + ".yaml");
    std::ofstream(topo) << "name: " << lab << "\nnodes:\n  c1: {kind: collector}\n";
    auto deployed = labctl({"deploy", "-t", topo.string()}, 120s);
    ASSERT_EQ(deployed.exit_code, 0) << describe(deployed);
    auto history = labctl({"flows", lab, "--history"}, 30s);
    EXPECT_EQ(history.exit_code, 2) << describe(history);
    EXPECT_NE(history.err.find("lab " + lab + " has no store (a collector with `store: NODE`"), std::string::npos)
        << describe(history);
    auto tier = labctl({"flows", lab, "--history", "--tier", "week"}, 30s);
    EXPECT_EQ(tier.exit_code, 2) << describe(tier);
    EXPECT_NE(tier.err.find("--tier: expected raw, minute or hour, found 'week'"), std::string::npos) << describe(tier);
    auto host = labctl({"flows", lab, "--history", "--tier", "minute", "--host", "192.0.2.1"}, 30s);
    EXPECT_EQ(host.exit_code, 2) << describe(host);
    EXPECT_NE(host.err.find("--host: the minute tier keeps no addresses"), std::string::npos) << describe(host);
    auto bad = labctl({"flows", lab, "--history", "--host", "192.0.2"}, 30s);
    EXPECT_EQ(bad.exit_code, 2) << describe(bad);
    EXPECT_NE(bad.err.find("--host: expected an IPv4 or IPv6 address, found '192.0.2'"), std::string::npos)
        << describe(bad);
  }
  EXPECT_EQ(leftovers(lab), std::vector<std::string>{});
}

}  // namespace
}  // namespace flowlab::labtest
