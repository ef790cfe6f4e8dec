// Stream specs: --stream text and JSON spec files, defaults, and every kind of bad input with its message.
#include "probes/gen/stream.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace flowlab::gen {
namespace {

using namespace std::chrono_literals;

Result<std::vector<StreamSpec>> from_options(const std::vector<std::string>& texts) {
  std::vector<StreamSpec> out;
  for (const auto& t : texts) {
    auto s = parse_stream_option(t);
    if (!s) {
      return fail(s.error());
    }
    out.push_back(*s);
  }
  FLOWLAB_TRY(finalize_streams(out));
  return out;
}

TEST(GenStream, ParsesTheBriefsExample) {
  auto v = from_options({"name=web,dst=198.51.100.10,proto=tcp,dport=443,packets=1000,size=512,pps=5000"});
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  const StreamSpec& s = v->front();
  EXPECT_EQ(s.name, "web");
  EXPECT_EQ(s.family, Family::kIpv4);
  EXPECT_EQ(s.protocol, Protocol::kTcp);
  EXPECT_FALSE(s.src.has_value());
  EXPECT_EQ(s.dst, *IpAddress::parse("198.51.100.10"));
  EXPECT_EQ(s.dport, 443);
  EXPECT_EQ(s.sport, default_sport("web"));
  EXPECT_GE(s.sport, 49152);
  EXPECT_EQ(s.packets, 1000U);
  EXPECT_EQ(s.size, 512U);
  EXPECT_EQ(s.pps, 5000U);
  EXPECT_EQ(s.tos, 0);
  EXPECT_EQ(s.delay, 0ns);
}

TEST(GenStream, FieldsAndDefaults) {
  auto v = from_options({
      "name=a,dst=2001:db8::10,proto=udp,dport=53,packets=1",
      "name=b,dst=192.0.2.1,src=192.0.2.9,proto=icmp,packets=2,size=28,tos=0x2e,delay=250ms",
      "name=c,dst=2001:db8::10,family=6,proto=icmp,type=135,code=0,packets=3,sport=7",
      "proto=icmpv6,name=d,dst=2001:db8::10,packets=3",
      "name=e,dst=2001:db8::10,family=ipv6,protocol=tcp,dport=80,packets=1,pps=0,delay=2",
  });
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  const auto& s = *v;
  EXPECT_EQ(s[0].family, Family::kIpv6);
  EXPECT_EQ(s[0].size, kDefaultSize);
  EXPECT_EQ(s[1].protocol, Protocol::kIcmp);
  EXPECT_EQ(s[1].icmp_type, 8);  // echo request
  EXPECT_EQ(s[1].src, IpAddress::parse("192.0.2.9"));
  EXPECT_EQ(s[1].tos, 0x2e);
  EXPECT_EQ(s[1].delay, 250ms);
  EXPECT_EQ(flow_dport(s[1]), 8 << 8);
  EXPECT_EQ(flow_sport(s[1]), 0);
  EXPECT_EQ(s[2].icmp_type, 135);
  EXPECT_EQ(s[2].sport, 7);
  EXPECT_EQ(s[3].icmp_type, 128);  // ICMPv6 echo request
  EXPECT_EQ(ip_protocol(s[3].protocol, s[3].family), 58);
  EXPECT_EQ(protocol_name(s[3].protocol, s[3].family), "icmpv6");
  EXPECT_EQ(s[4].protocol, Protocol::kTcp);
  EXPECT_EQ(s[4].delay, 2s);
}

TEST(GenStream, MinimumSizes) {
  struct Case {
    std::string proto;
    std::string dst;
    std::uint32_t minimum;
  };
  for (const auto& c : std::vector<Case>{{"udp", "192.0.2.1", 28},
                                         {"tcp", "192.0.2.1", 40},
                                         {"icmp", "192.0.2.1", 28},
                                         {"udp", "2001:db8::1", 48},
                                         {"tcp", "2001:db8::1", 60},
                                         {"icmp", "2001:db8::1", 48}}) {
    const std::string base =
        "name=x,dst=" + c.dst + ",proto=" + c.proto + (c.proto == "icmp" ? "" : ",dport=9") + ",packets=1,size=";
    SCOPED_TRACE(base);
    EXPECT_TRUE(from_options({base + std::to_string(c.minimum)}).ok());
    auto below = from_options({base + std::to_string(c.minimum - 1)});
    ASSERT_FALSE(below.ok());
    EXPECT_NE(below.error().message.find("is below the " + std::to_string(c.minimum) + " bytes"), std::string::npos)
        << below.error().message;
  }
  EXPECT_FALSE(from_options({"name=x,dst=192.0.2.1,proto=udp,dport=9,packets=1,size=65536"}).ok());
  EXPECT_TRUE(from_options({"name=x,dst=2001:db8::1,proto=udp,dport=9,packets=1,size=65575"}).ok());
}

TEST(GenStream, BadInputIsReportedClearly) {
  struct Case {
    std::vector<std::string> streams;
    std::string message;  // a part of the error
  };
  const std::vector<Case> cases = {
      {{""}, "empty stream"},
      {{"name=x,dst"}, "'dst' is not key=value"},
      {{"name=x,=3"}, "is not key=value"},
      {{"name=x,dts=192.0.2.1"}, "unknown key 'dts' (did you mean 'dst'?)"},
      {{"name=x,colour=red"}, "unknown key 'colour' (known: name, family"},
      {{"name=x,name=y"}, "key 'name' given twice"},
      {{"name=x,dst=192.0.2.300"}, "dst: '192.0.2.300' is not an IPv4 or IPv6 address"},
      {{"name=x,dst=192.0.2.1,proto=sctp"}, "proto: 'sctp' is not udp, tcp, icmp or icmpv6"},
      {{"name=x,dst=192.0.2.1,proto=udp,dport=0"}, "dport: '0' is not a number 1..65535"},
      {{"name=x,dst=192.0.2.1,proto=udp,dport=70000"}, "dport: '70000' is not a number 1..65535"},
      {{"name=x,dst=192.0.2.1,proto=udp,dport=9,packets=-1"}, "packets: '-1' is not a number"},
      {{"name=x,dst=192.0.2.1,proto=udp,dport=9,packets=1,pps=fast"}, "pps: 'fast' is not a number"},
      {{"name=x,dst=192.0.2.1,proto=udp,dport=9,packets=1,delay=soon"}, "delay: 'soon' is not a duration"},
      {{"name=x,dst=192.0.2.1,family=4,proto=icmpv6"}, "contradicts family 4"},
      {{"name=x,dst=192.0.2.1,family=5"}, "family: '5' is not 4, 6, ipv4 or ipv6"},
      {{"name=x,dst=192.0.2.1,family=6,proto=udp,dport=9,packets=1"}, "family 6 does not match dst 192.0.2.1"},
      {{"name=x,dst=192.0.2.1,src=2001:db8::1,proto=udp,dport=9,packets=1"}, "are of different families"},
      {{"name=x,dst=0.0.0.0,proto=udp,dport=9,packets=1"}, "unspecified address"},
      {{"name=x,dst=fe80::1,proto=udp,dport=9,packets=1"}, "link-local"},
      {{"name=x,proto=udp,dport=9,packets=1"}, "stream 'x': dst is missing"},
      {{"dst=192.0.2.1,proto=udp,dport=9,packets=1"}, "stream #1: name is missing"},
      {{"name=a b,dst=192.0.2.1,proto=udp,dport=9,packets=1"}, "name must be"},
      {{"name=x,dst=192.0.2.1,proto=udp,packets=1"}, "dport is missing (required for udp)"},
      {{"name=x,dst=192.0.2.1,proto=udp,dport=9"}, "packets is missing"},
      {{"name=x,dst=192.0.2.1,proto=icmp,dport=9,packets=1"}, "dport does not apply to icmp"},
      {{"name=x,dst=192.0.2.1,proto=udp,dport=9,type=8,packets=1"}, "type and code apply to icmp only"},
      {{"name=x,dst=192.0.2.1,proto=udp,dport=9,packets=1", "name=x,dst=192.0.2.2,proto=udp,dport=9,packets=1"},
       "stream 'x': name is used by another stream"},
      {{"name=a,dst=192.0.2.1,proto=udp,sport=5,dport=9,packets=1",
        "name=b,dst=192.0.2.1,proto=udp,sport=5,dport=9,packets=1"},
       "stream 'b': same addresses, protocol and ports as stream 'a'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.streams.front());
    auto v = from_options(c.streams);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().kind, ErrorKind::kConfig);
    EXPECT_NE(v.error().message.find(c.message), std::string::npos) << v.error().message;
  }
}

TEST(GenStream, AllProblemsOfASetAreReportedAtOnce) {
  auto v = from_options({"name=a,dst=192.0.2.1,proto=udp,packets=1", "name=b,dst=192.0.2.1,proto=tcp,dport=1"});
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("stream 'a': dport is missing"), std::string::npos);
  EXPECT_NE(v.error().message.find("\nstream 'b': packets is missing"), std::string::npos);
}

TEST(GenStream, DerivedSourcePortsStepPastClashesDeterministically) {
  // Same name hash is impossible across names, so force a clash: b's explicit sport equals a's derived one.
  const std::uint16_t a_port = default_sport("a");
  auto v = from_options({"name=b,dst=192.0.2.1,proto=udp,dport=9,packets=1,sport=" + std::to_string(a_port),
                         "name=a,dst=192.0.2.1,proto=udp,dport=9,packets=1"});
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ((*v)[0].sport, a_port);
  EXPECT_EQ((*v)[1].sport, a_port == 65535 ? 49152 : a_port + 1);
  // Different destination ports do not clash.
  auto w = from_options({"name=b,dst=192.0.2.1,proto=udp,dport=9,packets=1,sport=" + std::to_string(a_port),
                         "name=a,dst=192.0.2.1,proto=udp,dport=10,packets=1"});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)[1].sport, a_port);
  // Known, different sources do not clash either.
  auto x =
      from_options({"name=b,src=192.0.2.7,dst=192.0.2.1,proto=udp,dport=9,packets=1,sport=" + std::to_string(a_port),
                    "name=a,src=192.0.2.8,dst=192.0.2.1,proto=udp,dport=9,packets=1"});
  ASSERT_TRUE(x.ok());
  EXPECT_EQ((*x)[1].sport, a_port);
}

TEST(GenStream, JsonSpec) {
  auto v = parse_spec_json(R"({"streams":[
      {"name":"web","dst":"198.51.100.10","proto":"tcp","dport":443,"packets":1000,"size":512,"pps":5000},
      {"name":"dns6","dst":"2001:db8::53","family":"ipv6","proto":"udp","dport":"53","packets":200,"size":120,
       "delay":0.25}]})",
                           "spec.json");
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  ASSERT_TRUE(finalize_streams(*v).ok());
  ASSERT_EQ(v->size(), 2U);
  EXPECT_EQ((*v)[0].packets, 1000U);
  EXPECT_EQ((*v)[0].protocol, Protocol::kTcp);
  EXPECT_EQ((*v)[1].dport, 53);
  EXPECT_EQ((*v)[1].delay, 250ms);
  // The same stream from a --stream option is the same spec.
  auto o = from_options({"name=web,dst=198.51.100.10,proto=tcp,dport=443,packets=1000,size=512,pps=5000"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->front(), v->front());
}

TEST(GenStream, BadJsonSpecs) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"{", "spec.json: not JSON"},
      {"[]", "spec.json: expected an object {\"streams\": [ ... ]}"},
      {R"({"streams":{}})", "expected an object {\"streams\""},
      {R"({"streams":[],"extra":1})", "unknown top-level key 'extra'"},
      {R"({"streams":[3]})", "spec.json: streams[0]: expected an object"},
      {R"({"streams":[{"name":"a","packets":-5}]})", "spec.json: streams[0] (a): packets: -5 is negative"},
      {R"({"streams":[{"name":"a","packets":true}]})", "packets: expected a string or a whole number, got true"},
      {R"({"streams":[{"name":"a","dst":"192.0.2.1"},{"name":"b","sizes":3}]})",
       "spec.json: streams[1] (b): unknown key 'sizes' (did you mean 'size'?)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto v = parse_spec_json(c.text, "spec.json");
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.error().message.find(c.message), std::string::npos) << v.error().message;
  }
}

}  // namespace
}  // namespace flowlab::gen
