// Receivers file parser: a table of valid files (-> pools) and invalid lines (-> file:line:col error text).
#include "probes/collector/tee.hpp"

#include <gtest/gtest.h>

namespace flowlab::collector {
namespace {

Endpoint ep(const char* address, std::uint16_t port) { return Endpoint{*IpAddress::parse(address), port}; }

struct GoodCase {
  const char* name;
  const char* text;
  std::vector<TeePool> pools;
};

TEST(TeeReceiversParse, ValidFiles) {
  const std::vector<GoodCase> cases = {
      {"seed 002 stage 1",
       "id=1 ip=172.16.1.100:20001\nid=2 ip=172.16.1.200:20001\n",
       {TeePool{1, {ep("172.16.1.100", 20001)}, std::nullopt, 0},
        TeePool{2, {ep("172.16.1.200", 20001)}, std::nullopt, 0}}},
      {"seed 002 stage 2, no final newline",
       "id=1 ip=127.0.0.1:65001\nid=2 ip=127.0.0.1:65002\nid=3 ip=127.0.0.1:65003",
       {TeePool{1, {ep("127.0.0.1", 65001)}, std::nullopt, 0}, TeePool{2, {ep("127.0.0.1", 65002)}, std::nullopt, 0},
        TeePool{3, {ep("127.0.0.1", 65003)}, std::nullopt, 0}}},
      {"comments, blanks, tabs, CRLF",
       "! pmacct comment\n# hash comment\n\n   \n\tid=7\tip=192.0.2.1:2100  \r\n",
       {TeePool{7, {ep("192.0.2.1", 2100)}, std::nullopt, 0}}},
      {"pool with balance-alg hash-agent and a list",
       "id=1 ip=192.0.2.1:2100,192.0.2.2:2100,192.0.2.3:2101 balance-alg=hash-agent\n",
       {TeePool{1, {ep("192.0.2.1", 2100), ep("192.0.2.2", 2100), ep("192.0.2.3", 2101)}, TeeBalance::kHashAgent, 0}}},
      {"rr, explicit all, src_port",
       "id=1 ip=192.0.2.1:1,192.0.2.2:2 balance-alg=rr\nid=2 balance-alg=all "
       "ip=192.0.2.9:9 src_port=2055\n",
       {TeePool{1, {ep("192.0.2.1", 1), ep("192.0.2.2", 2)}, TeeBalance::kRoundRobin, 0},
        TeePool{2, {ep("192.0.2.9", 9)}, TeeBalance::kAll, 2055}}},
      {"IPv6 bracketed and bare (last colon splits, like pmacct)",
       "id=1 ip=[2001:db8::1]:2100,2001:db8::2:2100\n",
       {TeePool{1, {ep("2001:db8::1", 2100), ep("2001:db8::2", 2100)}, std::nullopt, 0}}},
      {"empty file", "", {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto pools = parse_tee_receivers(c.text, "r.lst");
    ASSERT_TRUE(pools.ok()) << pools.error().to_string();
    EXPECT_EQ(*pools, c.pools);
    // Rendering gives a file that parses back to the same pools.
    auto again = parse_tee_receivers(render_tee_receivers(*pools), "rendered");
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    EXPECT_EQ(*again, c.pools);
  }
}

struct BadCase {
  const char* text;
  const char* error;  // exact error message
};

TEST(TeeReceiversParse, ErrorsCarryFileLineColumn) {
  const std::vector<BadCase> cases = {
      {"id=1 ip=192.0.2.1", "r.lst:1:9: error: receiver '192.0.2.1' needs ADDRESS:PORT"},
      {"id=1 ip=192.0.2.1:0", "r.lst:1:9: error: receiver '192.0.2.1:0': port '0' is not in 1..65535"},
      {"id=1 ip=192.0.2.1:65536", "r.lst:1:9: error: receiver '192.0.2.1:65536': port '65536' is not in 1..65535"},
      {"id=1 ip=collector.example:2100",
       "r.lst:1:9: error: receiver 'collector.example:2100': 'collector.example' is not a numeric IPv4/IPv6 address"},
      {"id=1 ip=192.0.2.1:2100,192.0.2.300:2100",
       "r.lst:1:24: error: receiver '192.0.2.300:2100': '192.0.2.300' is not a numeric IPv4/IPv6 address"},
      {"id=1 ip=192.0.2.1:2100,192.0.2.1:2100",
       "r.lst:1:24: error: receiver '192.0.2.1:2100' listed twice in this pool"},
      {"id=0 ip=192.0.2.1:2100", "r.lst:1:4: error: pool id '0' is not an integer in 1..4294967295"},
      {"id=x ip=192.0.2.1:2100", "r.lst:1:4: error: pool id 'x' is not an integer in 1..4294967295"},
      {"id=1 ip=192.0.2.1:2100\n! c\nid=1 ip=192.0.2.2:2100", "r.lst:3:4: error: duplicate pool id 1"},
      {"ip=192.0.2.1:2100", "r.lst:1:1: error: missing 'id=' (pool id)"},
      {"  id=3", "r.lst:1:3: error: missing 'ip=' (receivers)"},
      {"id=1 id=2 ip=192.0.2.1:2100", "r.lst:1:6: error: duplicate key 'id'"},
      {"id=1 ip=", "r.lst:1:9: error: empty value for 'ip'"},
      {"id=1 192.0.2.1:2100", "r.lst:1:6: error: expected KEY=VALUE, got '192.0.2.1:2100'"},
      {"id=1 ip=192.0.2.1:2100 balance=rr",
       "r.lst:1:24: error: unknown key 'balance'; keys: id, ip, balance-alg, src_port"},
      {"id=1 ipp=192.0.2.1:2100",
       "r.lst:1:6: error: unknown key 'ipp' (did you mean 'ip'?); keys: id, ip, balance-alg, src_port"},
      {"id=1 ip=192.0.2.1:2100 balance-alg=random",
       "r.lst:1:36: error: unknown balance 'random' (expected all, hash-agent or rr)"},
      {"id=1 ip=192.0.2.1:2100 balance-alg=hash-tag",
       "r.lst:1:36: error: balance-alg 'hash-tag' is not supported (flowcollector has no pre_tag_map; use "
       "hash-agent or rr)"},
      {"id=1 ip=192.0.2.1:2100 tag=5", "r.lst:1:24: error: pmacct key 'tag' is not supported by flowcollector's tee"},
      {"id=1 ip=192.0.2.1:2100 src_port=70000", "r.lst:1:33: error: src_port '70000' is not in 0..65535"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto pools = parse_tee_receivers(c.text, "r.lst");
    ASSERT_FALSE(pools.ok());
    EXPECT_EQ(pools.error().message, c.error);
    EXPECT_EQ(pools.error().kind, ErrorKind::kConfig);
  }
}

TEST(TeeReceiversParse, ReportsEveryBadLineAtOnce) {
  auto pools = parse_tee_receivers("id=1 ip=192.0.2.1:2100\nid=2 ip=x:1\nid=3 ip=192.0.2.3:2100\nid=4\n", "f");
  ASSERT_FALSE(pools.ok());
  EXPECT_EQ(pools.error().message,
            "f:2:9: error: receiver 'x:1': 'x' is not a numeric IPv4/IPv6 address\n"
            "f:4:1: error: missing 'ip=' (receivers)");
}

TEST(TeeBalanceNames, RoundTrip) {
  for (TeeBalance b : {TeeBalance::kAll, TeeBalance::kHashAgent, TeeBalance::kRoundRobin}) {
    auto parsed = parse_tee_balance(to_string(b));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, b);
  }
  EXPECT_FALSE(parse_tee_balance("hash").ok());
}

}  // namespace
}  // namespace flowlab::collector
