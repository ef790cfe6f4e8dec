// report.html's time steps (labctl/report/timeline.hpp) from a hand-written steps.json: the graphs' series, the
// slider and one view per step, the fault marked, the page still well-formed.
#include "labctl/report/timeline.hpp"

#include "labctl/report/report_html.hpp"

#include <gtest/gtest.h>

namespace flowlab::report {

std::string xml_problem(const std::string& doc);  // html_test.cpp

namespace {

using nlohmann::json;

json fact(std::uint32_t peer, std::uint64_t bytes) {
  TrafficFact f;
  f.router = "r1";
  f.router_asn = 64500;
  f.as_dst = 65030;
  f.peer_as_dst = peer;
  f.net_dst = "203.0.113.0/24";
  f.direction = TrafficDirection::kOutbound;
  f.bytes = bytes;
  f.packets = bytes / 256;
  f.flows = 1;
  return to_json(f);
}

json step(double start, double end, const std::string& event, std::uint32_t peer, std::uint64_t bytes) {
  json groups{{"peer_as", json::array()}, {"as", json::array()}, {"interface", json::array()}};
  if (bytes > 0) {
    const double rate = static_cast<double>(bytes) / (end - start);
    groups["peer_as"].push_back({{"key", "AS " + std::to_string(peer)},
                                 {"bytes", bytes},
                                 {"packets", 1},
                                 {"flows", 1},
                                 {"bytes_per_second", rate}});
    groups["as"].push_back(
        {{"key", "AS 65030"}, {"bytes", bytes}, {"packets", 1}, {"flows", 1}, {"bytes_per_second", rate}});
  }
  return {{"start", start},   {"end", end},
          {"event", event},   {"total", {{"bytes", bytes}}},
          {"groups", groups}, {"facts", bytes > 0 ? json::array({fact(peer, bytes)}) : json::array()}};
}

json failover() {
  return {{"collector", "c1"},
          {"interval_seconds", 2},
          {"readings_failed", 0},
          {"steps", json::array({step(0, 2, "", 0, 0), step(2, 4, "", 65010, 256000),
                                 step(4, 5, "link down r1:eth1", 0, 0), step(5, 7, "", 65020, 128000)})}};
}

TEST(Timeline, SeriesPerKeyAcrossTheSteps) {
  const auto series = timeline_series(failover()["steps"], "peer_as", 10);
  ASSERT_EQ(series.size(), 2U);
  EXPECT_EQ(series[0].key, "AS 65010");  // the busiest first
  EXPECT_EQ(series[0].rates, (std::vector<double>{0, 128000, 0, 0}));
  EXPECT_EQ(series[1].rates, (std::vector<double>{0, 0, 0, 64000}));
  EXPECT_EQ(timeline_series(failover()["steps"], "peer_as", 1).size(), 1U);
  EXPECT_TRUE(timeline_series(failover()["steps"], "interface", 10).empty());
}

TEST(Timeline, SliderGraphsAndOneViewPerStep) {
  const std::string html = timeline_section(failover());
  EXPECT_NE(html.find("id=\"step-slider\" min=\"0\" max=\"3\" value=\"1\""), std::string::npos);  // first busy step
  EXPECT_NE(html.find("id=\"timeline-peer_as\""), std::string::npos);
  EXPECT_NE(html.find("class=\"fault\""), std::string::npos);
  EXPECT_NE(html.find("link down r1:eth1"), std::string::npos);
  std::size_t views = 0;
  std::size_t hidden = 0;
  for (std::size_t at = html.find("class=\"time-step\""); at != std::string::npos;
       at = html.find("class=\"time-step\"", at + 1)) {
    ++views;
    hidden += html.compare(html.find('>', at) - 15, 15, "hidden=\"hidden\"") == 0 ? 1U : 0U;
  }
  EXPECT_EQ(views, 4U);
  EXPECT_EQ(hidden, 3U);  // only the selected step shows without the script
  EXPECT_NE(html.find("<tr data-key=\"AS 65020\" data-bytes=\"128000\">"), std::string::npos);
  EXPECT_EQ(timeline_section(json()), "");
}

TEST(Timeline, ReportWithTimeStepsIsWellFormed) {
  RunRecord run;
  run.scenario = "dualstack-failover";
  run.time_steps = failover();
  const std::string html = report_html(run);
  EXPECT_EQ(xml_problem(html), "");
  EXPECT_NE(html.find("href=\"#time-steps\""), std::string::npos);
  EXPECT_EQ(std::string(kTimelineScript).find_first_of("&<"), std::string::npos);
}

}  // namespace
}  // namespace flowlab::report
