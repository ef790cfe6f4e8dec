// flowgen's command line: subcommands, exit codes of bad usage, --spec files, and the `check` round trip.
#include "probes/gen/options.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace flowlab::gen {
namespace {

using namespace std::chrono_literals;

std::variant<GenOptions, ParseOutcome> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "flowgen");
  std::vector<const char*> argv;
  for (const auto& a : args) {
    argv.push_back(a.c_str());
  }
  return parse_options(static_cast<int>(argv.size()), argv.data());
}

TEST(GenOptions, SendAndSink) {
  auto send = parse({"send", "--json", "--stream", "name=a,dst=192.0.2.1,proto=udp,dport=9,packets=3", "--stream",
                     "name=b,dst=192.0.2.1,proto=icmp,packets=1"});
  ASSERT_TRUE(std::holds_alternative<GenOptions>(send)) << std::get<ParseOutcome>(send).message;
  const auto& o = std::get<GenOptions>(send);
  EXPECT_EQ(o.command, Command::kSend);
  EXPECT_TRUE(o.json);
  ASSERT_EQ(o.streams.size(), 2U);
  EXPECT_NE(o.streams[0].sport, 0);  // finalized

  auto sink = parse({"sink", "--timeout", "5s", "--linger", "100ms", "--ready-file", "/tmp/r", "-i", "eth1", "-i",
                     "eth2", "--stream", "name=a,dst=192.0.2.1,proto=udp,dport=9,packets=3"});
  ASSERT_TRUE(std::holds_alternative<GenOptions>(sink)) << std::get<ParseOutcome>(sink).message;
  const auto& k = std::get<GenOptions>(sink);
  EXPECT_EQ(k.command, Command::kSink);
  EXPECT_EQ(k.sink.timeout, 5s);
  EXPECT_EQ(k.sink.linger, 100ms);
  EXPECT_EQ(k.ready_file, "/tmp/r");
  EXPECT_EQ(k.sink.interfaces, (std::vector<std::string>{"eth1", "eth2"}));
}

TEST(GenOptions, UsageErrorsExitTwo) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "A subcommand is required"},
      {{"send"}, "no streams"},
      {{"send", "--stream", "name=a,dst=192.0.2.1,proto=udp,packets=1"}, "flowgen: stream 'a': dport is missing"},
      {{"sink", "--timeout", "soon", "--stream", "name=a"}, "not a duration"},
      {{"send", "--spec", "/nonexistent/spec.json"}, "/nonexistent/spec.json: cannot open"},
      {{"send", "--stream", "name=a,dst=1.2.3.4,pps=x"}, "pps: 'x' is not a number"},
  };
  for (const auto& [args, message] : cases) {
    auto r = parse(args);
    ASSERT_TRUE(std::holds_alternative<ParseOutcome>(r)) << message;
    const auto& outcome = std::get<ParseOutcome>(r);
    EXPECT_EQ(outcome.exit_code, 2) << message;
    EXPECT_NE(outcome.message.find(message), std::string::npos) << outcome.message;
  }
  auto help = parse({"--help"});
  ASSERT_TRUE(std::holds_alternative<ParseOutcome>(help));
  EXPECT_EQ(std::get<ParseOutcome>(help).exit_code, 0);
}

TEST(GenOptions, SpecFileThenStreamsAndCheckRoundTrip) {
  const auto path = std::filesystem::temp_directory_path() / ("flowgen-spec-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << R"({"streams":[{"name":"web","dst":"198.51.100.10","proto":"tcp","dport":443,)"
                         R"("packets":1000,"size":512,"pps":5000,"delay":"20ms"}]})";
  auto r = parse({"check", "--spec", path.string(), "--stream", "name=p6,dst=2001:db8::1,proto=icmp,packets=4"});
  ASSERT_TRUE(std::holds_alternative<GenOptions>(r)) << std::get<ParseOutcome>(r).message;
  const auto& o = std::get<GenOptions>(r);
  ASSERT_EQ(o.streams.size(), 2U);
  EXPECT_EQ(o.streams[0].name, "web");
  EXPECT_EQ(o.streams[1].name, "p6");
  // What `check` prints is a spec that parses back to the same finalized streams.
  auto again = parse_spec_json(spec_json(o.streams).dump(), "check");
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  ASSERT_TRUE(finalize_streams(*again).ok());
  EXPECT_EQ(*again, o.streams);
  std::filesystem::remove(path);
}

// docs/flowgen.md: "every problem is listed" — across a spec file's streams (a bad key in one, a missing field
// in another), every bad --stream option, and the same-5-tuple check among the good streams, all in one run.
TEST(GenOptions, EveryProblemAtOnce) {
  const auto path = std::filesystem::temp_directory_path() / ("flowgen-bad-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << R"({"streams":[{"name":"a","dst":"192.0.2.1","dport":9,"packets":1,"sizes":3,"pps":"x"},)"
                         R"({"name":"b","dst":"192.0.2.1","dport":9},)"
                         R"({"name":"c","dst":"192.0.2.1","dport":9,"sport":5000,"packets":1}]})";
  auto r = parse({"check", "--spec", path.string(), "--stream", "name=d,dst=192.0.2.1,dport=9,colour=red", "--stream",
                  "name=e,dst=192.0.2.1,dport=9,sport=5000,packets=1"});
  std::filesystem::remove(path);
  ASSERT_TRUE(std::holds_alternative<ParseOutcome>(r));
  const auto& out = std::get<ParseOutcome>(r);
  EXPECT_EQ(out.exit_code, 2);
  for (const std::string& line : std::vector<std::string>{
           "flowgen: " + path.string() + ": streams[0] (a): unknown key 'sizes' (did you mean 'size'?)",
           "flowgen: " + path.string() + ": streams[0] (a): pps: 'x' is not a number",
           "flowgen: stream 'b': packets is missing",
           "flowgen: stream 'd': unknown key 'colour'",
           "flowgen: stream 'e': same addresses, protocol and ports as stream 'c'",
       }) {
    EXPECT_NE(out.message.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << out.message;
  }
}

TEST(GenOptions, SameTupleCheckedBesideOtherProblems) {
  auto r = parse({"check", "--stream", "name=a,dst=192.0.2.1,dport=9,sport=7,packets=1", "--stream",
                  "name=b,dst=192.0.2.1,dport=9,sport=7,packets=1", "--stream", "name=c,dst=192.0.2.2,packets=1"});
  ASSERT_TRUE(std::holds_alternative<ParseOutcome>(r));
  const auto& out = std::get<ParseOutcome>(r).message;
  EXPECT_NE(out.find("flowgen: stream 'c': dport is missing"), std::string::npos) << out;
  EXPECT_NE(out.find("flowgen: stream 'b': same addresses, protocol and ports as stream 'a'"), std::string::npos)
      << out;
}

}  // namespace
}  // namespace flowlab::gen
