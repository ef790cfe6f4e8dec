// flowgen in real namespaces: fl-tgen-<pid>-tx (sender) and fl-tgen-<pid>-rx (sink) joined by one veth, both with
// IPv4 and IPv6 addresses. Every stream's counts and bytes must arrive exactly (received == sent == spec); the
// achieved rate must be within 10 % of the requested one; a sink expecting more than is sent exits 3 at its timeout.
#include "platform/netns/netns.hpp"
#include "platform/process/process.hpp"

#include <unistd.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace flowlab::gen {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTxV4 = "192.0.2.1";
constexpr const char* kRxV4 = "192.0.2.2";
constexpr const char* kTxV6 = "2001:db8:0:1::1";
constexpr const char* kRxV6 = "2001:db8:0:1::2";

#define ASSERT_OK(expr)                                                           \
  do {                                                                            \
    auto&& assert_ok_result_ = (expr);                                            \
    ASSERT_TRUE(assert_ok_result_.ok()) << assert_ok_result_.error().to_string(); \
  } while (false)

// The last line of a program's stdout that parses as a JSON object with "streams" (the summary).
nlohmann::json summary_of(const std::string& out) {
  std::istringstream lines(out);
  nlohmann::json found;
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("streams")) {
      found = j;
    }
  }
  return found;
}

const nlohmann::json* stream_named(const nlohmann::json& summary, const std::string& name) {
  if (!summary.contains("streams")) {
    return nullptr;
  }
  for (const auto& s : summary["streams"]) {
    if (s.value("name", "") == name) {
      return &s;
    }
  }
  return nullptr;
}

class GenLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root (creates network namespaces)";
    }
    prefix_ = "fl-tgen-" + std::to_string(::getpid()) + "-";
    tx_ = prefix_ + "tx";
    rx_ = prefix_ + "rx";
    dir_ = std::filesystem::temp_directory_path() / ("fl-tgen-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    for (const auto& ns : {tx_, rx_}) {
      ASSERT_OK(netns::create_namespace(ns));
      ASSERT_OK(netns::write_sysctls(ns, netns::host_sysctls()));
    }
    auto tx = netns::NetlinkSocket::open(tx_);
    ASSERT_OK(tx);
    auto rx = netns::NetlinkSocket::open(rx_);
    ASSERT_OK(rx);
    ASSERT_OK(tx->link_up("lo"));
    ASSERT_OK(rx->link_up("lo"));
    ASSERT_OK(tx->create_veth("eth0", rx_, "eth0"));
    ASSERT_OK(tx->set_up("eth0"));
    ASSERT_OK(rx->set_up("eth0"));
    ASSERT_OK(tx->add_address("eth0", *Prefix::parse_interface(std::string(kTxV4) + "/24")));
    ASSERT_OK(rx->add_address("eth0", *Prefix::parse_interface(std::string(kRxV4) + "/24")));
    ASSERT_OK(tx->add_address("eth0", *Prefix::parse_interface(std::string(kTxV6) + "/64")));
    ASSERT_OK(rx->add_address("eth0", *Prefix::parse_interface(std::string(kRxV6) + "/64")));
  }

  void TearDown() override {
    if (prefix_.empty()) {
      return;
    }
    for (const auto& name : netns::list_namespaces(prefix_)) {
      Status deleted = netns::delete_namespace(name);
      EXPECT_TRUE(deleted.ok()) << deleted.error().to_string();
    }
    EXPECT_TRUE(netns::list_namespaces(prefix_).empty());
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  struct Run {
    process::Output sink;
    process::Output send;
    nlohmann::json sink_summary;
    nlohmann::json send_summary;
  };

  // Starts `flowgen sink` in rx with sink_args, waits for its ready file, runs `flowgen send` in tx with send_args,
  // then waits for the sink to end.
  Run run(const std::vector<std::string>& sink_args, const std::vector<std::string>& send_args) {
    Run out;
    const std::string ready = (dir_ / "sink.ready").string();
    std::filesystem::remove(ready);
    std::vector<std::string> sink_argv = {FLOWLAB_FLOWGEN, "sink", "--json", "--ready-file", ready};
    sink_argv.insert(sink_argv.end(), sink_args.begin(), sink_args.end());
    std::optional<Result<process::Output>> sink_result;
    std::thread sink_thread([&] {
      process::RunOptions o;
      o.netns = rx_;
      o.timeout = 60s;
      sink_result.emplace(process::run(sink_argv, o));
    });
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (!std::filesystem::exists(ready) && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(5ms);
    }
    const bool became_ready = std::filesystem::exists(ready);
    EXPECT_TRUE(became_ready) << "the sink did not create its ready file";
    if (became_ready) {
      std::vector<std::string> send_argv = {FLOWLAB_FLOWGEN, "send", "--json"};
      send_argv.insert(send_argv.end(), send_args.begin(), send_args.end());
      process::RunOptions o;
      o.netns = tx_;
      o.timeout = 60s;
      auto sent = process::run(send_argv, o);
      EXPECT_TRUE(sent.ok()) << sent.error().to_string();
      if (sent.ok()) {
        out.send = *sent;
      }
    }
    sink_thread.join();
    EXPECT_TRUE(sink_result && sink_result->ok())
        << (sink_result && !sink_result->ok() ? sink_result->error().to_string() : "");
    if (sink_result && sink_result->ok()) {
      out.sink = **sink_result;
    }
    out.sink_summary = summary_of(out.sink.out);
    out.send_summary = summary_of(out.send.out);
    return out;
  }

  std::string write_spec(const nlohmann::json& spec) {
    const std::string path = (dir_ / "spec.json").string();
    std::ofstream(path) << spec.dump();
    return path;
  }

  std::string prefix_;
  std::string tx_;
  std::string rx_;
  std::filesystem::path dir_;
};

struct ExactCase {
  std::string stream;  // flowgen --stream text
  std::string name;
  std::string src;  // the address the sender must resolve
  std::uint64_t packets = 0;
  std::uint64_t size = 0;
};

// Each protocol and family on its own, flooded (pps 0) and paced.
TEST_F(GenLabTest, ExactCountsAndBytesPerProtocolAndFamily) {
  const std::vector<ExactCase> cases = {
      {std::string("name=udp4,dst=") + kRxV4 + ",proto=udp,dport=53,packets=1000,size=100", "udp4", kTxV4, 1000, 100},
      {std::string("name=tcp4,dst=") + kRxV4 + ",proto=tcp,dport=443,packets=700,size=1500,pps=20000", "tcp4", kTxV4,
       700, 1500},
      {std::string("name=icmp4,dst=") + kRxV4 + ",proto=icmp,packets=300,size=84", "icmp4", kTxV4, 300, 84},
      {std::string("name=udp6,dst=") + kRxV6 + ",proto=udp,dport=53,packets=1000,size=120", "udp6", kTxV6, 1000, 120},
      {std::string("name=tcp6,dst=") + kRxV6 + ",proto=tcp,dport=443,packets=500,size=1500,pps=20000", "tcp6", kTxV6,
       500, 1500},
      {std::string("name=icmp6,dst=") + kRxV6 + ",proto=icmpv6,packets=300,size=48", "icmp6", kTxV6, 300, 48},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.stream);
    Run r = run({"--timeout", "20s", "--linger", "200ms", "--stream", c.stream}, {"--stream", c.stream});
    EXPECT_EQ(r.send.exit_code, 0) << r.send.err;
    EXPECT_EQ(r.sink.exit_code, 0) << r.sink.err;
    const auto* sent = stream_named(r.send_summary, c.name);
    const auto* got = stream_named(r.sink_summary, c.name);
    ASSERT_NE(sent, nullptr) << r.send.out;
    ASSERT_NE(got, nullptr) << r.sink.out;
    EXPECT_EQ((*sent)["packets_sent"], c.packets);
    EXPECT_EQ((*sent)["bytes_sent"], c.packets * c.size);
    EXPECT_EQ((*got)["packets_received"], c.packets);
    EXPECT_EQ((*got)["bytes_received"], c.packets * c.size);
    EXPECT_EQ((*sent)["src"], c.src);
    EXPECT_EQ((*got)["src"], c.src);
    EXPECT_EQ(r.sink_summary["kernel_drops"], 0);
  }
}

// Six streams at once, interleaved, the sink reading them from a JSON spec file and the sender from --stream options.
TEST_F(GenLabTest, InterleavedStreamsFromSpecFileAndOptions) {
  const std::vector<std::string> streams = {
      std::string("name=web,dst=") + kRxV4 + ",proto=tcp,dport=443,packets=1000,size=512,pps=5000",
      std::string("name=dns,dst=") + kRxV4 + ",proto=udp,dport=53,packets=400,size=80,pps=2000",
      std::string("name=ping,dst=") + kRxV4 + ",proto=icmp,packets=50,size=84,pps=250,delay=50ms",
      std::string("name=web6,dst=") + kRxV6 + ",proto=tcp,dport=443,packets=800,size=1280,pps=4000",
      std::string("name=dns6,dst=") + kRxV6 + ",proto=udp,dport=53,packets=200,size=120",
      std::string("name=ping6,dst=") + kRxV6 + ",family=6,proto=icmp,packets=50,size=104,pps=250",
  };
  nlohmann::json spec{{"streams", nlohmann::json::array()}};
  std::vector<std::string> send_args;
  for (const auto& text : streams) {
    nlohmann::json s;
    std::istringstream items(text);
    for (std::string item; std::getline(items, item, ',');) {
      const auto eq = item.find('=');
      s[item.substr(0, eq)] = item.substr(eq + 1);
    }
    s["packets"] = std::stoull(s["packets"].get<std::string>());  // numbers may be JSON numbers or strings
    spec["streams"].push_back(s);
    send_args.push_back("--stream");
    send_args.push_back(text);
  }
  Run r = run({"--timeout", "20s", "--linger", "200ms", "--spec", write_spec(spec)}, send_args);
  EXPECT_EQ(r.send.exit_code, 0) << r.send.err;
  EXPECT_EQ(r.sink.exit_code, 0) << r.sink.err;
  ASSERT_TRUE(r.sink_summary.contains("streams")) << r.sink.out << r.sink.err;
  ASSERT_EQ(r.sink_summary["streams"].size(), streams.size());
  for (const auto& got : r.sink_summary["streams"]) {
    SCOPED_TRACE(got.dump());
    const auto* sent = stream_named(r.send_summary, got["name"]);
    ASSERT_NE(sent, nullptr);
    EXPECT_EQ(got["packets_received"], got["packets_expected"]);
    EXPECT_EQ(got["bytes_received"], got["bytes_expected"]);
    EXPECT_EQ((*sent)["packets_sent"], got["packets_expected"]);
    EXPECT_EQ((*sent)["bytes_sent"], got["bytes_expected"]);
    EXPECT_EQ((*sent)["sport"], got["sport"]);  // both sides derive the same ports from the spec
    EXPECT_EQ((*sent)["dport"], got["dport"]);
  }
  EXPECT_EQ(r.sink_summary["unmatched"], 0);
}

// 2000 pps for one second: the achieved rate (sender's first to last packet, and the sink's) within 10 %.
TEST_F(GenLabTest, AchievedRateWithinTenPercent) {
  constexpr double kRequested = 2000;
  const std::string stream =
      std::string("name=rate,dst=") + kRxV4 + ",proto=udp,dport=9,packets=2001,size=200,pps=2000";
  Run r = run({"--timeout", "20s", "--stream", stream}, {"--stream", stream});
  EXPECT_EQ(r.send.exit_code, 0) << r.send.err;
  EXPECT_EQ(r.sink.exit_code, 0) << r.sink.err;
  const auto* sent = stream_named(r.send_summary, "rate");
  const auto* got = stream_named(r.sink_summary, "rate");
  ASSERT_NE(sent, nullptr);
  ASSERT_NE(got, nullptr);
  const double achieved = (*sent)["pps_achieved"].get<double>();
  const double span_s =
      static_cast<double>((*got)["last_ns"].get<std::int64_t>() - (*got)["first_ns"].get<std::int64_t>()) / 1e9;
  const double received_pps = 2000.0 / span_s;
  std::printf("flowgen rate: requested %.0f pps, sent at %.1f pps, received at %.1f pps (span %.4f s)\n", kRequested,
              achieved, received_pps, span_s);
  EXPECT_NEAR(achieved, kRequested, kRequested * 0.10);
  EXPECT_NEAR(received_pps, kRequested, kRequested * 0.10);
}

// The sink expects 100 packets, the sender sends 60 of the same stream: exit 3 after the timeout, 60 counted.
TEST_F(GenLabTest, SinkTimesOutShortWithExitThree) {
  const std::string base = std::string("name=short,dst=") + kRxV4 + ",proto=udp,dport=5000,size=64,";
  const auto started = std::chrono::steady_clock::now();
  Run r = run({"--timeout", "1s", "--stream", base + "packets=100"}, {"--stream", base + "packets=60"});
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.send.exit_code, 0) << r.send.err;
  EXPECT_EQ(r.sink.exit_code, 3) << r.sink.err;
  EXPECT_EQ(r.sink_summary["timed_out"], true);
  EXPECT_EQ(r.sink_summary["complete"], false);
  const auto* got = stream_named(r.sink_summary, "short");
  ASSERT_NE(got, nullptr);
  EXPECT_EQ((*got)["packets_received"], 60);
  EXPECT_EQ((*got)["bytes_received"], 60 * 64);
  EXPECT_GE(elapsed, 1s);
  EXPECT_LT(elapsed, 10s);
}

// A packet larger than the veth's MTU is refused, never fragmented: the sender exits 1 and says why.
TEST_F(GenLabTest, OversizePacketIsAnErrorNotAFragment) {
  for (const char* dst : {kRxV4, kRxV6}) {
    SCOPED_TRACE(dst);
    process::RunOptions o;
    o.netns = tx_;
    auto sent = process::run({FLOWLAB_FLOWGEN, "send", "--json", "--stream",
                              std::string("name=big,dst=") + dst + ",proto=udp,dport=9,packets=3,size=1501"},
                             o);
    ASSERT_OK(sent);
    EXPECT_EQ(sent->exit_code, 1);
    EXPECT_NE(sent->err.find("MTU"), std::string::npos) << sent->err;
    const auto summary = summary_of(sent->out);
    const auto* s = stream_named(summary, "big");
    ASSERT_NE(s, nullptr) << sent->out;
    EXPECT_EQ((*s)["packets_sent"], 0);
  }
}

// Traffic on lo is not counted: a sender inside the sink's own namespace reaches it over lo only.
TEST_F(GenLabTest, SinkIgnoresLoopback) {
  const std::string stream = std::string("name=local,dst=") + kRxV4 + ",proto=udp,dport=9,packets=20";
  const std::string ready = (dir_ / "lo.ready").string();
  std::optional<Result<process::Output>> sink;
  std::thread sink_thread([&] {
    process::RunOptions o;
    o.netns = rx_;
    sink.emplace(process::run(
        {FLOWLAB_FLOWGEN, "sink", "--json", "--timeout", "1s", "--ready-file", ready, "--stream", stream}, o));
  });
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (!std::filesystem::exists(ready) && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);
  }
  process::RunOptions o;
  o.netns = rx_;
  auto sent = process::run({FLOWLAB_FLOWGEN, "send", "--stream", stream}, o);
  sink_thread.join();
  ASSERT_OK(sent);
  EXPECT_EQ(sent->exit_code, 0) << sent->err;
  ASSERT_TRUE(sink && sink->ok());
  EXPECT_EQ((*sink)->exit_code, 3);
  const auto summary = summary_of((*sink)->out);
  const auto* s = stream_named(summary, "local");
  ASSERT_NE(s, nullptr) << (*sink)->out;
  EXPECT_EQ((*s)["packets_received"], 0);
}

// No route in the namespace: the sender refuses before sending anything.
TEST_F(GenLabTest, NoRouteIsARuntimeError) {
  process::RunOptions o;
  o.netns = tx_;
  auto sent = process::run(
      {FLOWLAB_FLOWGEN, "send", "--stream", "name=nowhere,dst=203.0.113.9,proto=udp,dport=9,packets=1"}, o);
  ASSERT_OK(sent);
  EXPECT_EQ(sent->exit_code, 1);
  EXPECT_NE(sent->err.find("no route to 203.0.113.9"), std::string::npos) << sent->err;
}

// Through a router namespace (fl-tgen-<pid>-r): the sender uses its namespace's default routes, the packets are
// forwarded, and a sink counting on the router (-i eth0, its side toward the sender) and the one at the destination
// both see every packet exactly once.
TEST_F(GenLabTest, ExactThroughARouter) {
  const std::string router = prefix_ + "r";
  ASSERT_OK(netns::create_namespace(router));
  ASSERT_OK(netns::write_sysctls(router, netns::router_sysctls()));
  auto r = netns::NetlinkSocket::open(router);
  ASSERT_OK(r);
  auto tx = netns::NetlinkSocket::open(tx_);
  ASSERT_OK(tx);
  auto rx = netns::NetlinkSocket::open(rx_);
  ASSERT_OK(rx);
  // tx:eth1 <-> r:eth0 (198.18.0.0/31, 2001:db8:0:10::/64), r:eth1 <-> rx:eth1 (198.18.0.2/31, 2001:db8:0:11::/64).
  ASSERT_OK(r->link_up("lo"));
  ASSERT_OK(r->create_veth("eth0", tx_, "eth1"));
  ASSERT_OK(r->create_veth("eth1", rx_, "eth1"));
  ASSERT_OK(r->set_up("eth0"));
  ASSERT_OK(r->set_up("eth1"));
  ASSERT_OK(tx->set_up("eth1"));
  ASSERT_OK(rx->set_up("eth1"));
  ASSERT_OK(tx->add_address("eth1", *Prefix::parse_interface("198.18.0.1/31")));
  ASSERT_OK(r->add_address("eth0", *Prefix::parse_interface("198.18.0.0/31")));
  ASSERT_OK(r->add_address("eth1", *Prefix::parse_interface("198.18.0.2/31")));
  ASSERT_OK(rx->add_address("eth1", *Prefix::parse_interface("198.18.0.3/31")));
  ASSERT_OK(rx->add_address("lo", *Prefix::parse_interface("203.0.113.10/32")));
  ASSERT_OK(tx->add_address("eth1", *Prefix::parse_interface("2001:db8:0:10::1/64")));
  ASSERT_OK(r->add_address("eth0", *Prefix::parse_interface("2001:db8:0:10::/64")));
  ASSERT_OK(r->add_address("eth1", *Prefix::parse_interface("2001:db8:0:11::/64")));
  ASSERT_OK(rx->add_address("eth1", *Prefix::parse_interface("2001:db8:0:11::1/64")));
  ASSERT_OK(tx->add_route(*Prefix::parse("203.0.113.0/24"), IpAddress::parse("198.18.0.0"), std::nullopt));
  ASSERT_OK(r->add_route(*Prefix::parse("203.0.113.0/24"), IpAddress::parse("198.18.0.3"), std::nullopt));
  ASSERT_OK(tx->add_route(*Prefix::parse("2001:db8:0:11::/64"), IpAddress::parse("2001:db8:0:10::"), std::nullopt));

  const std::vector<std::string> streams = {
      "name=far4,dst=203.0.113.10,proto=udp,dport=53,packets=500,size=200,pps=5000",
      "name=far6,dst=2001:db8:0:11::1,proto=tcp,dport=80,packets=300,size=1000,pps=5000",
  };
  std::vector<std::string> sink_args = {"--timeout", "20s", "--linger", "200ms"};
  std::vector<std::string> send_args;
  for (const auto& s : streams) {
    sink_args.insert(sink_args.end(), {"--stream", s});
    send_args.insert(send_args.end(), {"--stream", s});
  }
  // A second sink on the router, counting what arrives on its eth0 only (forwarded packets are counted once).
  std::optional<Result<process::Output>> router_sink;
  const std::string router_ready = (dir_ / "router.ready").string();
  std::thread router_thread([&] {
    std::vector<std::string> argv = {FLOWLAB_FLOWGEN, "sink", "--json", "-i", "eth0", "--ready-file", router_ready};
    argv.insert(argv.end(), sink_args.begin(), sink_args.end());
    process::RunOptions o;
    o.netns = router;
    o.timeout = 60s;
    router_sink.emplace(process::run(argv, o));
  });
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (!std::filesystem::exists(router_ready) && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);
  }
  Run run_result = run(sink_args, send_args);
  router_thread.join();
  EXPECT_EQ(run_result.send.exit_code, 0) << run_result.send.err;
  EXPECT_EQ(run_result.sink.exit_code, 0) << run_result.sink.err;
  ASSERT_TRUE(router_sink && router_sink->ok());
  EXPECT_EQ((*router_sink)->exit_code, 0) << (*router_sink)->err;
  const auto at_router = summary_of((*router_sink)->out);
  for (const char* name : {"far4", "far6"}) {
    SCOPED_TRACE(name);
    const auto* sent = stream_named(run_result.send_summary, name);
    const auto* got = stream_named(run_result.sink_summary, name);
    const auto* seen = stream_named(at_router, name);
    ASSERT_TRUE(sent != nullptr && got != nullptr && seen != nullptr);
    EXPECT_EQ((*sent)["packets_sent"], (*sent)["packets_expected"]);
    EXPECT_EQ((*got)["packets_received"], (*sent)["packets_expected"]);
    EXPECT_EQ((*got)["bytes_received"], (*sent)["bytes_expected"]);
    EXPECT_EQ((*seen)["packets_received"], (*sent)["packets_expected"]);
    EXPECT_EQ((*sent)["src"], std::string(name) == "far4" ? "198.18.0.1" : "2001:db8:0:10::1");
  }
}

// 50,000 packets of 1400 bytes as fast as possible: still exact, no kernel drops at the sink.
TEST_F(GenLabTest, FloodIsExact) {
  const std::string stream = std::string("name=flood,dst=") + kRxV4 + ",proto=udp,dport=9,size=1400,packets=50000";
  Run r = run({"--timeout", "30s", "--stream", stream}, {"--stream", stream});
  EXPECT_EQ(r.send.exit_code, 0) << r.send.err;
  EXPECT_EQ(r.sink.exit_code, 0) << r.sink.err;
  const auto* sent = stream_named(r.send_summary, "flood");
  const auto* got = stream_named(r.sink_summary, "flood");
  ASSERT_NE(sent, nullptr);
  ASSERT_NE(got, nullptr);
  std::printf("flowgen flood: %s packets at %.0f pps, %s received, kernel drops %s\n",
              (*sent)["packets_sent"].dump().c_str(), (*sent)["pps_achieved"].get<double>(),
              (*got)["packets_received"].dump().c_str(), r.sink_summary["kernel_drops"].dump().c_str());
  EXPECT_EQ((*sent)["packets_sent"], 50000);
  EXPECT_EQ((*got)["packets_received"], 50000);
  EXPECT_EQ((*got)["bytes_received"], 50000 * 1400);
  EXPECT_EQ(r.sink_summary["kernel_drops"], 0);
}

// The sink says it is ready on stdout too, and prints its summary when stopped by SIGTERM (started as labctl
// starts daemons: process::start in the namespace, output to a log file).
TEST_F(GenLabTest, SinkReadyLineAndSummaryOnSigterm) {
  process::Spec spec;
  spec.name = "flowgen-sink";
  spec.netns = rx_;
  spec.log_file = dir_ / "sink.log";
  spec.argv = {FLOWLAB_FLOWGEN, "sink", "--json", "--stream",
               std::string("name=never,dst=") + kRxV4 + ",proto=udp,dport=9,packets=5"};
  auto ref = process::start(spec);
  ASSERT_OK(ref);
  auto log = [&] {
    std::ifstream in(spec.log_file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (log().find("{\"ready\":true}") == std::string::npos && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(log().rfind("{\"ready\":true}\n", 0), 0U) << log();
  ASSERT_OK(process::stop(*ref));
  const auto summary = summary_of(log());
  ASSERT_TRUE(summary.contains("streams")) << log();
  EXPECT_EQ(summary["complete"], false);
  EXPECT_EQ(summary["timed_out"], false);
  const auto* s = stream_named(summary, "never");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ((*s)["packets_received"], 0);
  EXPECT_EQ((*s)["first_ns"], nullptr);
}

}  // namespace
}  // namespace flowlab::gen
