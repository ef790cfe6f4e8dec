#include "probes/probe/options.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace flowlab::probe {
namespace {

std::variant<ProbeOptions, ParseOutcome> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "flowprobe");
  std::vector<const char*> argv;
  for (const auto& a : args) {
    argv.push_back(a.c_str());
  }
  return parse_options(static_cast<int>(argv.size()), argv.data());
}

TEST(Options, SoftflowdStyleFlags) {
  auto r = parse({"-i", "eth1", "-i",   "eth2",       "-n",  "192.0.2.9:2055", "-n", "[2001:db8::9]:4739",
                  "-v", "10",   "-t",   "maxlife=60", "-t",  "general=5s",     "-s", "100",
                  "-d", "-m",   "1000", "-b",         "tcp", "port",           "80"});
  ASSERT_TRUE(std::holds_alternative<ProbeOptions>(r)) << std::get<ParseOutcome>(r).message;
  const auto& o = std::get<ProbeOptions>(r);
  EXPECT_EQ(o.interfaces, (std::vector<std::string>{"eth1", "eth2"}));
  ASSERT_EQ(o.collectors.size(), 2U);
  EXPECT_EQ(o.collectors[0].to_string(), "192.0.2.9:2055");
  EXPECT_EQ(o.collectors[1].to_string(), "[2001:db8::9]:4739");
  EXPECT_EQ(o.protocol, wire::ExportProtocol::kIpfix);
  EXPECT_EQ(o.active_timeout_ms, 60000U);
  EXPECT_EQ(o.inactive_timeout_ms, 5000U);
  EXPECT_EQ(o.sampling, 100U);
  EXPECT_EQ(o.max_flows, 1000U);
  EXPECT_EQ(o.filter, "tcp port 80");
}

TEST(Options, RepeatableOptionsNeverSwallowTheFilter) {
  auto r = parse({"-r", "x.pcap", "-n", "127.0.0.1:2055", "-t", "general=30", "udp", "dst", "port", "5555"});
  ASSERT_TRUE(std::holds_alternative<ProbeOptions>(r)) << std::get<ParseOutcome>(r).message;
  EXPECT_EQ(std::get<ProbeOptions>(r).filter, "udp dst port 5555");
  EXPECT_EQ(std::get<ProbeOptions>(r).inactive_timeout_ms, 30000U);
}

TEST(Options, LongOptions) {
  auto r = parse({"--read",      "x.pcap",
                  "--collector", "127.0.0.1:9995",
                  "--sflow",     "--active-timeout",
                  "2m",          "--inactive-timeout",
                  "500ms",       "--sampling-mode",
                  "random",      "--sampling-seed",
                  "7",           "--observation-domain",
                  "42",          "--source",
                  "127.0.0.1",   "--template-refresh-packets",
                  "5",           "--template-refresh-time",
                  "10s",         "--export-pcap",
                  "e.pcap",      "--fib",
                  "--json",      "--max-datagram",
                  "1200",        "--input-ifindex",
                  "3",           "--direction",
                  "both",        "-f",
                  "udp"});
  ASSERT_TRUE(std::holds_alternative<ProbeOptions>(r)) << std::get<ParseOutcome>(r).message;
  const auto& o = std::get<ProbeOptions>(r);
  EXPECT_EQ(o.read_file, "x.pcap");
  EXPECT_EQ(o.protocol, wire::ExportProtocol::kSflowV5);
  EXPECT_EQ(o.active_timeout_ms, 120000U);
  EXPECT_EQ(o.inactive_timeout_ms, 500U);
  EXPECT_EQ(o.sampling_mode, meter::SamplingMode::kRandom);
  EXPECT_EQ(o.sampling_seed, 7U);
  EXPECT_EQ(o.observation_domain, 42U);
  ASSERT_TRUE(o.source.has_value());
  EXPECT_EQ(o.source->to_string(), "127.0.0.1");
  EXPECT_EQ(o.template_refresh_packets, 5U);
  EXPECT_EQ(o.template_refresh_ms, 10000U);
  EXPECT_EQ(o.export_pcap, "e.pcap");
  EXPECT_TRUE(o.fib);
  EXPECT_TRUE(o.json);
  EXPECT_EQ(o.max_datagram_bytes, 1200U);
  EXPECT_EQ(o.offline_ifindex, 3U);
  EXPECT_EQ(o.direction, Direction::kBoth);
  EXPECT_EQ(o.filter, "udp");
}

TEST(Options, DefaultsAreSoftflowdLikeButSaner) {
  auto r = parse({"-r", "x.pcap", "-n", "127.0.0.1:2055"});
  ASSERT_TRUE(std::holds_alternative<ProbeOptions>(r));
  const auto& o = std::get<ProbeOptions>(r);
  EXPECT_EQ(o.protocol, wire::ExportProtocol::kNetflowV9);
  EXPECT_EQ(o.sampling, 1U);
  EXPECT_EQ(o.max_flows, 65536U);
  EXPECT_EQ(o.active_timeout_ms, 1800000U);
  EXPECT_EQ(o.inactive_timeout_ms, 15000U);
  EXPECT_EQ(o.direction, Direction::kIn);
}

TEST(Options, SflowSamplesAtRandomByDefault) {
  auto mode = [](std::vector<std::string> args) {
    args.insert(args.end(), {"-r", "x.pcap", "-n", "127.0.0.1:6343", "-s", "100"});
    auto r = parse(args);
    EXPECT_TRUE(std::holds_alternative<ProbeOptions>(r));
    return std::holds_alternative<ProbeOptions>(r) ? std::get<ProbeOptions>(r).sampling_mode
                                                   : meter::SamplingMode::kCount;
  };
  EXPECT_EQ(mode({"--sflow"}), meter::SamplingMode::kRandom);  // sFlow v5 section 4.2
  EXPECT_EQ(mode({"--sflow", "--sampling-mode", "count"}), meter::SamplingMode::kCount);
  EXPECT_EQ(mode({"-v", "10"}), meter::SamplingMode::kCount);  // announced as deterministic (IE 35 = 1)
  EXPECT_EQ(mode({"-v", "10", "--sampling-mode", "random"}), meter::SamplingMode::kRandom);
}

TEST(Options, BadInputExitsWithTwoAndSaysWhy) {
  struct Case {
    std::vector<std::string> args;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {{"-n", "127.0.0.1:2055"}, "either -i IF"},
      {{"-i", "eth0", "-r", "x.pcap", "-n", "127.0.0.1:2055"}, "either -i IF"},
      {{"-r", "x.pcap"}, "nowhere to export"},
      {{"-r", "x.pcap", "-n", "127.0.0.1"}, "HOST:PORT"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:0"}, "port must be"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:70000"}, "port must be"},
      {{"-r", "x.pcap", "-n", "2001:db8::1:2055"}, "[IPv6]:PORT"},
      {{"-r", "x.pcap", "-n", "[2001:db8::1]2055"}, "[IPv6]:PORT"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "-v", "7"}, "export-version"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "-t", "maxlife"}, "name=value"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "-t", "maxlife=soon"}, "not a duration"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "-t", "tcp.fin=30"}, "softflowd's but not flowprobe's"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "-t", "bogus=1"}, "unknown timeout"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "-t", "general=0"}, "> 0"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "-s", "0"}, "sampling"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "--sampling-mode", "odd"}, "sampling-mode"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "--source", "::1"}, "address family"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "--source", "nope"}, "not an IP address"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "--active-timeout", "later"}, "duration"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "--no-such-flag"}, "no-such-flag"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "-f", "tcp", "udp"}, "not both"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "--ifindex", "eth3"}, "expected IF=N"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "--ifindex", "eth3=0"}, "1..2147483647"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "--ifindex", "eth3=2147483648"}, "1..2147483647"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "--ifindex", "eth3=5x"}, "1..2147483647"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "--ifindex", "=5"}, "not an interface name"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "--ifindex", "a-very-long-ifname=5"}, "not an interface name"},
      {{"-r", "x.pcap", "-n", "127.0.0.1:2055", "--ifindex", "eth3=5", "--ifindex", "eth3=6"}, "given twice"},
  };
  for (const Case& c : cases) {
    std::string joined;
    for (const auto& a : c.args) {
      joined += a + " ";
    }
    SCOPED_TRACE(joined);
    auto r = parse(c.args);
    ASSERT_TRUE(std::holds_alternative<ParseOutcome>(r));
    const auto& outcome = std::get<ParseOutcome>(r);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_NE(outcome.message.find(c.message_part), std::string::npos) << outcome.message;
  }
}

// --ifindex IF=N (pmacctd's pcap_interfaces_map): repeatable, one number per interface.
TEST(Options, IfindexOverrides) {
  auto r = parse({"-i", "eth1", "-i", "eth3", "-n", "127.0.0.1:2055", "--ifindex", "eth3=99", "--ifindex", "eth1=7"});
  ASSERT_TRUE(std::holds_alternative<ProbeOptions>(r)) << std::get<ParseOutcome>(r).message;
  const auto& o = std::get<ProbeOptions>(r);
  EXPECT_EQ(o.ifindex_overrides, (std::map<std::string, std::uint32_t>{{"eth1", 7}, {"eth3", 99}}));
  auto none = parse({"-i", "eth1", "-n", "127.0.0.1:2055"});
  ASSERT_TRUE(std::holds_alternative<ProbeOptions>(none));
  EXPECT_TRUE(std::get<ProbeOptions>(none).ifindex_overrides.empty());
}

// --sampler IF=N[/ID] (repeatable): per-interface samplers; --sampler-options picks how the export announces them.
TEST(Options, SamplersAndHowTheyAreAnnounced) {
  auto r = parse({"-i", "eth1", "-i", "eth3", "-n", "127.0.0.1:2055", "-s", "5", "--sampler", "eth3=100/7", "--sampler",
                  "eth1=10", "--sampler-id", "9", "--sampler-options", "ipfix-305"});
  ASSERT_TRUE(std::holds_alternative<ProbeOptions>(r)) << std::get<ParseOutcome>(r).message;
  const auto& o = std::get<ProbeOptions>(r);
  ASSERT_EQ(o.interface_samplers.size(), 2U);
  EXPECT_EQ(o.interface_samplers[0].interface, "eth3");
  EXPECT_EQ(o.interface_samplers[0].rate, 100U);
  EXPECT_EQ(o.interface_samplers[0].id, 7U);
  EXPECT_EQ(o.interface_samplers[1].interface, "eth1");
  EXPECT_EQ(o.interface_samplers[1].rate, 10U);
  EXPECT_EQ(o.interface_samplers[1].id, 2U);  // its position
  EXPECT_EQ(o.sampler_id, 9U);
  EXPECT_EQ(o.sampler_announce, wire::SamplerAnnounce::kIpfix305);

  struct Bad {
    std::vector<std::string> args;
    const char* message_part;
  };
  for (const Bad& c :
       {Bad{{"--sampler", "eth9=10"}, "eth9 is not a captured interface"},
        Bad{{"--sampler", "eth1"}, "expected IF=N or IF=N/ID"}, Bad{{"--sampler", "eth1=0"}, "the rate N must be"},
        Bad{{"--sampler", "eth1=10/0"}, "the sampler ID must be"},
        Bad{{"--sampler", "eth1=10", "--sampler", "eth1=20"}, "eth1 is given twice"},
        Bad{{"--sampler-options", "cisco"}, "sampler-options"}}) {
    std::vector<std::string> args{"-i", "eth1", "-n", "127.0.0.1:2055"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto bad = parse(args);
    ASSERT_TRUE(std::holds_alternative<ParseOutcome>(bad)) << c.message_part;
    EXPECT_EQ(std::get<ParseOutcome>(bad).exit_code, 2);
    EXPECT_NE(std::get<ParseOutcome>(bad).message.find(c.message_part), std::string::npos)
        << std::get<ParseOutcome>(bad).message;
  }
}

TEST(Options, BgpFeed) {
  auto r = parse({"-i", "eth3", "-n", "127.0.0.1:2055", "--bgp-peer", "127.0.0.1", "--bgp-peer", "[::1]:1790",
                  "--bgp-listen", "127.0.0.2:1179", "--bgp-asn", "64500", "--bgp-router-id", "10.0.0.9"});
  ASSERT_TRUE(std::holds_alternative<ProbeOptions>(r)) << std::get<ParseOutcome>(r).message;
  const auto& o = std::get<ProbeOptions>(r);
  EXPECT_TRUE(o.bgp());
  ASSERT_EQ(o.bgp_peers.size(), 2U);
  EXPECT_EQ(o.bgp_peers[0].to_string(), "127.0.0.1:179");
  EXPECT_EQ(o.bgp_peers[1].to_string(), "[::1]:1790");
  ASSERT_EQ(o.bgp_listen.size(), 1U);
  EXPECT_EQ(o.bgp_listen[0].to_string(), "127.0.0.2:1179");
  EXPECT_EQ(o.bgp_asn, 64500U);
  ASSERT_TRUE(o.bgp_router_id.has_value());
  EXPECT_EQ(o.bgp_router_id->to_string(), "10.0.0.9");

  auto off = parse({"-i", "eth3", "-n", "127.0.0.1:2055"});
  ASSERT_TRUE(std::holds_alternative<ProbeOptions>(off));
  EXPECT_FALSE(std::get<ProbeOptions>(off).bgp());

  const std::vector<std::pair<std::vector<std::string>, std::string>> bad{
      {{"--bgp-listen", "127.0.0.2:1179"}, "--bgp-listen needs --bgp-peer"},
      {{"--bgp-peer", "router1"}, "--bgp-peer 'router1': expected ADDR, ADDR:PORT or [IPv6]:PORT"},
      {{"--bgp-peer", "127.0.0.1", "--bgp-router-id", "::1"}, "--bgp-router-id '::1' is not a non-zero IPv4 address"},
  };
  for (const auto& [extra, message] : bad) {
    std::vector<std::string> args{"-i", "eth3", "-n", "127.0.0.1:2055"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto b = parse(args);
    ASSERT_TRUE(std::holds_alternative<ParseOutcome>(b)) << message;
    EXPECT_EQ(std::get<ParseOutcome>(b).exit_code, 2);
    EXPECT_NE(std::get<ParseOutcome>(b).message.find(message), std::string::npos) << std::get<ParseOutcome>(b).message;
  }
}

TEST(Options, HelpDocumentsEveryOption) {
  auto r = parse({"--help"});
  ASSERT_TRUE(std::holds_alternative<ParseOutcome>(r));
  const auto& outcome = std::get<ParseOutcome>(r);
  EXPECT_EQ(outcome.exit_code, 0);
  for (const char* flag : {"-i,--interface",
                           "-r,--read",
                           "-n,--collector",
                           "-v,--export-version",
                           "--sflow",
                           "-t,--timeout",
                           "--active-timeout",
                           "--inactive-timeout",
                           "-s,--sampling",
                           "--sampling-mode",
                           "--sampler",
                           "--sampler-id",
                           "--sampler-options",
                           "-m,--max-flows",
                           "-d,--foreground",
                           "-b,--ip-bytes",
                           "--buffer-size",
                           "--observation-domain",
                           "--ifindex",
                           "--source",
                           "--export-pcap",
                           "--fib",
                           "--bgp-peer",
                           "--bgp-listen",
                           "--bgp-asn",
                           "--bgp-router-id",
                           "--json"}) {
    EXPECT_NE(outcome.message.find(flag), std::string::npos) << flag;
  }
}

TEST(Endpoint, Parse) {
  struct Case {
    std::string text;
    bool ok;
    std::string canonical;
  };
  const std::vector<Case> cases = {
      {"127.0.0.1:2055", true, "127.0.0.1:2055"},
      {"[::1]:4739", true, "[::1]:4739"},
      {"[2001:db8::1]:6343", true, "[2001:db8::1]:6343"},
      {"localhost:9995", true, ""},
      {"127.0.0.1", false, ""},
      {"::1:2055", false, ""},
      {"[::1]", false, ""},
      {"127.0.0.1:-1", false, ""},
      {":2055", false, ""},
      {"no-such-host.invalid:2055", false, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto e = parse_endpoint(c.text);
    EXPECT_EQ(e.ok(), c.ok);
    if (e.ok() && !c.canonical.empty()) {
      EXPECT_EQ(e->to_string(), c.canonical);
    }
  }
}

}  // namespace
}  // namespace flowlab::probe
