// report.html from a checked-in verdict.json (a real janog36-model2 run): well-formed (a small XML check: balanced
// tags, quoted attributes, entities only), every run string escaped, no external references, the sections the
// brief asks for; and `labctl report`'s round trip: verdict.json -> RunRecord -> the verdict.txt the run wrote.
#include "labctl/report/report.hpp"
#include "labctl/report/report_html.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

namespace flowlab::report {
namespace {

namespace fs = std::filesystem;

const fs::path kData = fs::path(FLOWLAB_SOURCE_DIR) / "tests/unit/report/data";

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

RunRecord fixture() {
  auto run = run_from_json(nlohmann::json::parse(read(kData / "janog36-model2.verdict.json")));
  EXPECT_TRUE(run.ok()) << (run.ok() ? "" : run.error().message);
  return run.ok() ? *run : RunRecord{};
}

}  // namespace

// "" when `doc` is well-formed XML after its doctype; else the first problem and its offset (timeline_test too).
std::string xml_problem(const std::string& doc);
std::string xml_problem(const std::string& doc) {
  std::size_t i = 0;
  const std::string doctype = "<!DOCTYPE html>";
  if (doc.compare(0, doctype.size(), doctype) == 0) {
    i = doctype.size();
  }
  std::vector<std::string> open;
  auto at = [&](std::size_t pos) { return " at offset " + std::to_string(pos); };
  auto check_entities = [&](std::size_t from, std::size_t to) -> std::string {
    static const std::regex kEntity("^&([a-zA-Z]+|#[0-9]+);");
    for (std::size_t k = from; k < to; ++k) {
      if (doc[k] == '&' &&
          !std::regex_search(doc.begin() + static_cast<long>(k), doc.begin() + static_cast<long>(to), kEntity)) {
        return "bare &" + at(k);
      }
    }
    return "";
  };
  bool root_seen = false;
  while (i < doc.size()) {
    if (doc[i] != '<') {
      const std::size_t end = doc.find('<', i);
      const std::size_t stop = end == std::string::npos ? doc.size() : end;
      if (auto p = check_entities(i, stop); !p.empty()) {
        return p;
      }
      const std::string text = doc.substr(i, stop - i);
      if (open.empty() && text.find_first_not_of(" \n\t") != std::string::npos) {
        return "text outside the root element" + at(i);
      }
      i = stop;
      continue;
    }
    if (doc.compare(i, 4, "<!--") == 0) {
      const auto end = doc.find("-->", i);
      if (end == std::string::npos) {
        return "unterminated comment" + at(i);
      }
      i = end + 3;
      continue;
    }
    const bool closing = doc.compare(i, 2, "</") == 0;
    std::size_t k = i + (closing ? 2 : 1);
    const std::size_t name_start = k;
    while (k < doc.size() && (std::isalnum(static_cast<unsigned char>(doc[k])) != 0 || doc[k] == '-')) {
      ++k;
    }
    const std::string name = doc.substr(name_start, k - name_start);
    if (name.empty()) {
      return "bad tag" + at(i);
    }
    if (closing) {
      if (k >= doc.size() || doc[k] != '>') {
        return "bad closing tag " + name + at(i);
      }
      if (open.empty() || open.back() != name) {
        return "</" + name + "> closes <" + (open.empty() ? std::string("nothing") : open.back()) + ">" + at(i);
      }
      open.pop_back();
      i = k + 1;
      continue;
    }
    // Attributes: name="value", value without < or ".
    bool self_closing = false;
    while (true) {
      while (k < doc.size() && std::isspace(static_cast<unsigned char>(doc[k])) != 0) {
        ++k;
      }
      if (k >= doc.size()) {
        return "unterminated tag " + name + at(i);
      }
      if (doc[k] == '>') {
        ++k;
        break;
      }
      if (doc.compare(k, 2, "/>") == 0) {
        self_closing = true;
        k += 2;
        break;
      }
      const std::size_t attr = k;
      while (k < doc.size() && (std::isalnum(static_cast<unsigned char>(doc[k])) != 0 || doc[k] == '-' ||
                                doc[k] == ':' || doc[k] == '_')) {
        ++k;
      }
      if (k == attr || doc.compare(k, 2, "=\"") != 0) {
        return "attribute without a quoted value in <" + name + ">" + at(k);
      }
      const std::size_t value = k + 2;
      const std::size_t end = doc.find('"', value);
      if (end == std::string::npos) {
        return "unterminated attribute" + at(k);
      }
      if (doc.substr(value, end - value).find('<') != std::string::npos) {
        return "< in an attribute value" + at(value);
      }
      if (auto p = check_entities(value, end); !p.empty()) {
        return p;
      }
      k = end + 1;
    }
    if (!self_closing) {
      if (open.empty() && root_seen) {
        return "second root element <" + name + ">" + at(i);
      }
      root_seen = true;
      open.push_back(name);
    }
    i = k;
  }
  if (!open.empty()) {
    return "<" + open.back() + "> never closed";
  }
  return root_seen ? "" : "no root element";
}

namespace {

TEST(ReportHtml, XmlCheckCatchesBrokenDocuments) {
  EXPECT_EQ(xml_problem("<!DOCTYPE html>\n<html><p a=\"1\">x &amp; y<br/></p></html>\n"), "");
  EXPECT_NE(xml_problem("<html><p>x</html>"), "");
  EXPECT_NE(xml_problem("<html><p>a & b</p></html>"), "");
  EXPECT_NE(xml_problem("<html><p a=1>x</p></html>"), "");
  EXPECT_NE(xml_problem("<html><p>x</p>"), "");
  EXPECT_NE(xml_problem("<html><b><i>x</b></i></html>"), "");
}

TEST(ReportHtml, FixtureRendersWellFormed) {
  const std::string html = report_html(fixture());
  EXPECT_EQ(xml_problem(html), "");
  EXPECT_GT(html.size(), 10000U);
  EXPECT_LT(html.size(), 500000U);
}

TEST(ReportHtml, HeaderVerdictsTopologyAndTraffic) {
  const RunRecord run = fixture();
  const std::string html = report_html(run);
  EXPECT_NE(html.find("<h1>janog36-model2 <span class=\"badge PASS\">PASS</span></h1>"), std::string::npos);
  EXPECT_NE(html.find("63 checks, 0 failed, 0 flagged"), std::string::npos);
  EXPECT_NE(html.find("No failures"), std::string::npos);
  // Topology: every node of janog36 drawn, the probed interface marked.
  for (const char* node : {"r1", "r2", "r3", "u1", "t1", "h1", "h2", "h3", "h4", "c1"}) {
    EXPECT_NE(html.find("id=\"node-" + std::string(node) + "\""), std::string::npos) << node;
  }
  EXPECT_NE(html.find("class=\"node router\""), std::string::npos);
  EXPECT_NE(html.find("class=\"node collector\""), std::string::npos);
  EXPECT_NE(html.find("class=\"feed export\""), std::string::npos);
  // Verdicts: the seed's row, oracle / router / collector / expected.
  EXPECT_NE(html.find("<td>as_path</td><td class=\"v\">65530_65533</td><td class=\"v\">65530_65533</td>"
                      "<td class=\"v\">65530_65533</td><td class=\"v\">65530_65533</td>"),
            std::string::npos);
  // Traffic: outbound (out4, out6) and inbound (in4) bands, router -> AS 65530 -> prefixes.
  EXPECT_NE(html.find("class=\"band outbound\""), std::string::npos);
  EXPECT_NE(html.find("class=\"band inbound\""), std::string::npos);
  EXPECT_NE(html.find("r1 → AS 65530 (outbound): 1,024,000 bytes, 2,000 packets, 2 flows"), std::string::npos);
  EXPECT_NE(html.find("r1 → AS 65530 (inbound): 600,000 bytes, 500 packets, 1 flow"), std::string::npos);
  EXPECT_NE(html.find(">203.0.113.0/24</text>"), std::string::npos);
}

// Exactly one script: the Sankey's hover (inline, after the content).
std::size_t scripts(const std::string& html) {
  std::size_t n = 0;
  for (std::size_t pos = 0; (pos = html.find("<script", pos)) != std::string::npos; ++pos) {
    ++n;
  }
  return n;
}

TEST(ReportHtml, SelfContained) {
  const std::string html = report_html(fixture());
  EXPECT_EQ(scripts(html), 1U);
  EXPECT_NE(html.find("<script>\n(function () {"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  std::size_t pos = 0;
  while ((pos = html.find("http://", pos)) != std::string::npos) {  // only the SVG namespace
    EXPECT_EQ(html.compare(pos, 26, "http://www.w3.org/2000/svg"), 0) << html.substr(pos, 60);
    ++pos;
  }
  pos = 0;
  while ((pos = html.find("url(", pos)) != std::string::npos) {  // only in-document markers
    EXPECT_EQ(html.compare(pos, 5, "url(#"), 0) << html.substr(pos, 40);
    ++pos;
  }
}

TEST(ReportHtml, EscapesEveryRunString) {
  RunRecord run = fixture();
  const std::string evil = "<script>alert('x')</script> & \"q\"";
  run.scenario = evil;
  run.description = evil;
  run.error = evil;
  run.runtime_error = true;
  run.outcome = verify::Outcome::kFail;
  auto& point = run.steps.back().points.front();
  point.stream = evil;
  point.outcome = verify::Outcome::kFail;
  point.checks.front().collector = evil;
  point.checks.front().outcome = verify::Outcome::kFail;
  point.checks.front().explanation = evil;
  run.topology->nodes.front().name = "r<1>&";
  run.steps.back().details["traffic"][0]["stream"] = evil;
  run.steps.back().details["traffic"][0]["net_dst"] = evil;
  const std::string html = report_html(run);
  EXPECT_EQ(xml_problem(html), "");
  EXPECT_EQ(scripts(html), 1U);  // the hover script only
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("r<1>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"), std::string::npos);
  EXPECT_NE(html.find("r&lt;1&gt;&amp;"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"badge ERROR\">ERROR</span>"), std::string::npos);
  EXPECT_NE(html.find("Failures and flags"), std::string::npos);
  EXPECT_NE(html.find("open=\"open\""), std::string::npos) << "failing points are unfolded";
}

TEST(ReportRoundTrip, VerdictJsonGivesBackTheRunsVerdictTxt) {
  const RunRecord run = fixture();
  EXPECT_EQ(verdict_table(run), read(kData / "janog36-model2.verdict.txt"));
  EXPECT_EQ(verdict_json(run), nlohmann::json::parse(read(kData / "janog36-model2.verdict.json")));
  ASSERT_TRUE(run.topology);
  EXPECT_EQ(run.topology->nodes.size(), 10U);
  EXPECT_EQ(traffic_facts(run).size(), 3U);
}

TEST(ReportRoundTrip, ErrorsNameTheDamage) {
  auto j = nlohmann::json::parse(read(kData / "janog36-model2.verdict.json"));
  EXPECT_FALSE(run_from_json(nlohmann::json::array()).ok());
  auto bad = j;
  bad["steps"][4]["points"][0]["checks"][1].erase("field");
  auto r = run_from_json(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("steps[4].points[0].checks[1].field"), std::string::npos) << r.error().message;
  bad = j;
  bad["steps"][2]["outcome"] = "MAYBE";
  r = run_from_json(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("steps[2].outcome"), std::string::npos) << r.error().message;
  bad = j;
  bad["topology"]["nodes"][0]["role"] = "spaceship";
  EXPECT_FALSE(run_from_json(bad).ok());
  bad = j;
  bad["outcome"] = "ERROR";
  r = run_from_json(bad);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->runtime_error);
}

}  // namespace
}  // namespace flowlab::report
