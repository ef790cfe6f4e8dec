// aggregate_filter: parsing (with column-precise errors) and matching on records.
#include "probes/collector/filter.hpp"

#include <gtest/gtest.h>

namespace flowlab::collector {
namespace {

wire::FlowRecord record(const char* src, const char* dst, std::uint8_t proto, std::uint16_t sport,
                        std::uint16_t dport) {
  wire::FlowRecord r;
  r.src_addr = *IpAddress::parse(src);
  r.dst_addr = *IpAddress::parse(dst);
  r.protocol = proto;
  r.src_port = sport;
  r.dst_port = dport;
  return r;
}

struct MatchCase {
  std::string filter;
  bool tcp_in;   // 203.0.113.5:40000 -> 192.0.2.10:443 tcp
  bool udp_out;  // 192.0.2.10:53 -> 198.51.100.7:5353 udp
  bool v6;       // 2001:db8::1:1000 -> 2001:db8:1::1:80 tcp
};

class FilterMatch : public ::testing::TestWithParam<MatchCase> {};

TEST_P(FilterMatch, Records) {
  const auto& c = GetParam();
  auto f = Filter::parse(c.filter);
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->matches(record("203.0.113.5", "192.0.2.10", 6, 40000, 443)), c.tcp_in);
  EXPECT_EQ(f->matches(record("192.0.2.10", "198.51.100.7", 17, 53, 5353)), c.udp_out);
  EXPECT_EQ(f->matches(record("2001:db8::1", "2001:db8:1::1", 6, 1000, 80)), c.v6);
}

INSTANTIATE_TEST_SUITE_P(
    Collector, FilterMatch,
    ::testing::Values(
        MatchCase{"", true, true, true}, MatchCase{"dst net 192.0.2.0/24", true, false, false},
        MatchCase{"src net 192.0.2.0/24", false, true, false}, MatchCase{"net 192.0.2.0/24", true, true, false},
        MatchCase{"src host 203.0.113.5", true, false, false}, MatchCase{"dst host 2001:db8:1::1", false, false, true},
        MatchCase{"net 2001:db8::/32", false, false, true}, MatchCase{"proto tcp", true, false, true},
        MatchCase{"udp", false, true, false}, MatchCase{"proto 17", false, true, false},
        MatchCase{"port 53", false, true, false}, MatchCase{"src port 53", false, true, false},
        MatchCase{"dst port 53", false, false, false}, MatchCase{"tcp and dst port 443", true, false, false},
        MatchCase{"not tcp", false, true, false}, MatchCase{"port 443 or port 80", true, false, true},
        MatchCase{"not (port 443 or port 80)", false, true, false},
        MatchCase{"ip6 or dst net 192.0.2.0/24", true, false, true},
        MatchCase{"src net 203.0.113.0/24 or src net 192.0.2.0/24 and udp", true, true, false},  // and binds tighter
        MatchCase{"(src net 203.0.113.0/24 or src net 192.0.2.0/24) && !udp", true, false, false},
        MatchCase{"dst net 192.0.2.1/24", true, false, false}));  // host bits ignored

TEST(Filter, ErrorsCarryColumns) {
  struct C {
    std::string text, error;
  };
  for (const C& c : {C{"dst net 192.0.2.0/33", "col 9: bad prefix"}, C{"dst nett 1.2.3.4", "col 5: expected 'net'"},
                     C{"proto tcp and", "col 14: expected a filter term"}, C{"(tcp or udp", "col 12: expected ')'"},
                     C{"tcp udp", "col 5: unexpected 'udp'"}, C{"port 70000", "col 6: bad port"},
                     C{"proto bogus", "col 7: bad protocol"}, C{"src host 1.2.3", "col 10: bad address"},
                     C{"vlan 5", "col 1: unknown filter term"}}) {
    SCOPED_TRACE(c.text);
    auto f = Filter::parse(c.text);
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error().message.substr(0, c.error.size()), c.error) << f.error().message;
  }
}

}  // namespace
}  // namespace flowlab::collector
