// BGP message codec tests: golden vectors (tests/golden/bgp/*.hex) <-> structures in both directions, RFC 7606
// malformed-attribute handling, header/OPEN errors, and truncation sweeps.
#include "probes/bgp/message.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

namespace flowlab::bgp {
namespace {

const std::string kGoldenDir = std::string(FLOWLAB_SOURCE_DIR) + "/tests/golden/bgp/";

IpAddress ip(const char* s) { return *IpAddress::parse(s); }
Prefix pfx(const char* s) { return *Prefix::parse(s); }
Nlri nlri(const char* s, std::uint32_t path_id = 0) { return Nlri{pfx(s), path_id}; }
AsPath seq(std::vector<std::uint32_t> asns) { return AsPath{{AsPathSegment{SegmentType::kSequence, std::move(asns)}}}; }

std::vector<std::byte> read_golden(const std::string& name) {
  std::ifstream in(kGoldenDir + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return from_hex(ss.str());
}

// 16 bytes per line, so diffs of regenerated files stay readable.
void write_golden(const std::string& name, Bytes bytes) {
  std::ofstream out(kGoldenDir + name);
  for (std::size_t i = 0; i < bytes.size(); i += 16) {
    out << to_hex(bytes.subspan(i, std::min<std::size_t>(16, bytes.size() - i))) << '\n';
  }
}

bool update_golden() { return std::getenv("UPDATE_GOLDEN") != nullptr; }

Bytes body_of(const std::vector<std::byte>& msg) { return Bytes(msg).subspan(kHeaderSize); }

// ---------------------------------------------------------------- OPEN golden vectors

struct OpenCase {
  std::string file;
  std::function<Open()> build;
};

Open base_open() {
  Open o;
  o.my_as = 65001;
  o.hold_time = 90;
  o.bgp_id = 0xc0000201;  // 192.0.2.1
  return o;
}

std::vector<OpenCase> open_cases() {
  return {
      {"open_none.hex", [] { return base_open(); }},
      {"open_mp_ipv4.hex",
       [] {
         auto o = base_open();
         o.capabilities.emplace_back(MultiprotocolCap{kIpv4Unicast});
         return o;
       }},
      {"open_mp_ipv6.hex",
       [] {
         auto o = base_open();
         o.capabilities.emplace_back(MultiprotocolCap{kIpv6Unicast});
         return o;
       }},
      {"open_route_refresh.hex",
       [] {
         auto o = base_open();
         o.capabilities.emplace_back(RouteRefreshCap{});
         return o;
       }},
      {"open_enhanced_route_refresh.hex",
       [] {
         auto o = base_open();
         o.capabilities.emplace_back(EnhancedRouteRefreshCap{});
         return o;
       }},
      {"open_four_octet_as.hex",
       [] {
         auto o = base_open();
         o.my_as = kAsTrans;
         o.capabilities.emplace_back(FourOctetAsCap{4200000001U});
         return o;
       }},
      {"open_add_path.hex",
       [] {
         auto o = base_open();
         o.capabilities.emplace_back(
             AddPathCap{{{kIpv4Unicast, AddPathMode::kBoth}, {kIpv6Unicast, AddPathMode::kSend}}});
         return o;
       }},
      {"open_graceful_restart.hex",
       [] {
         auto o = base_open();
         o.capabilities.emplace_back(GracefulRestartCap{8, 120, {{kIpv4Unicast, 0x80}, {kIpv6Unicast, 0}}});
         return o;
       }},
      {"open_unknown_cap.hex",
       [] {
         auto o = base_open();
         // FQDN capability (73), kept as unknown: hostname "r1", empty domain.
         o.capabilities.emplace_back(UnknownCap{73, from_hex("02 72 31 00")});
         return o;
       }},
      {"open_all.hex",
       [] {
         auto o = base_open();
         o.my_as = kAsTrans;
         o.hold_time = 240;
         o.capabilities = {MultiprotocolCap{kIpv4Unicast},
                           MultiprotocolCap{kIpv6Unicast},
                           RouteRefreshCap{},
                           EnhancedRouteRefreshCap{},
                           FourOctetAsCap{4200000001U},
                           AddPathCap{{{kIpv4Unicast, AddPathMode::kReceive}, {kIpv6Unicast, AddPathMode::kReceive}}},
                           GracefulRestartCap{0, 90, {}},
                           UnknownCap{73, from_hex("02 72 31 00")}};
         return o;
       }},
  };
}

TEST(BgpOpenGolden, BothDirections) {
  for (const auto& c : open_cases()) {
    SCOPED_TRACE(c.file);
    const Open expected = c.build();
    const auto encoded = encode(expected);
    if (update_golden()) {
      write_golden(c.file, encoded);
    }
    const auto golden = read_golden(c.file);
    ASSERT_FALSE(golden.empty()) << "missing golden file; run with UPDATE_GOLDEN=1";
    EXPECT_EQ(to_hex(encoded), to_hex(golden));  // structure -> bytes
    auto header = parse_header(golden);
    ASSERT_TRUE(header.ok()) << header.error().to_string();
    EXPECT_EQ(header->type, MessageType::kOpen);
    auto parsed = parse_open(body_of(golden));  // bytes -> structure
    ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
    EXPECT_EQ(*parsed, expected);
  }
}

TEST(BgpOpen, Accessors) {
  auto o = open_cases().back().build();
  EXPECT_EQ(o.asn(), 4200000001U);
  EXPECT_TRUE(o.has_four_octet_as());
  EXPECT_TRUE(o.has_route_refresh());
  EXPECT_TRUE(o.has_enhanced_route_refresh());
  EXPECT_EQ(o.multiprotocol().size(), 2U);
  EXPECT_EQ(o.add_path(kIpv6Unicast), AddPathMode::kReceive);
  EXPECT_FALSE(o.add_path(AfiSafi{1, 128}).has_value());
}

TEST(BgpOpen, OneCapabilityPerOptionalParameter) {
  // FRR-style: each capability in its own optional parameter; parses to the same structure.
  Open o = base_open();
  o.capabilities = {MultiprotocolCap{kIpv4Unicast}, RouteRefreshCap{}, FourOctetAsCap{65001}};
  auto bytes = encode(base_open());
  const auto params = from_hex("02 06 01 04 00 01 00 01  02 02 02 00  02 06 41 04 00 00 fd e9");
  bytes[28] = static_cast<std::byte>(params.size());
  bytes.insert(bytes.end(), params.begin(), params.end());
  bytes[17] = static_cast<std::byte>(bytes.size());
  ASSERT_TRUE(parse_header(bytes).ok());
  auto parsed = parse_open(body_of(bytes));
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  EXPECT_EQ(*parsed, o);
}

struct OpenErrorCase {
  std::string name;
  std::function<void(Open&)> mutate;
  std::uint32_t expected_as;
  std::uint8_t code, subcode;
};

TEST(BgpOpen, CheckOpenErrors) {
  const std::vector<OpenErrorCase> cases = {
      {"hold time 2", [](Open& o) { o.hold_time = 2; }, 0, err::kOpen, err::kUnacceptableHoldTime},
      {"hold time 1", [](Open& o) { o.hold_time = 1; }, 0, err::kOpen, err::kUnacceptableHoldTime},
      {"bgp id 0", [](Open& o) { o.bgp_id = 0; }, 0, err::kOpen, err::kBadBgpId},
      {"bgp id ours", [](Open& o) { o.bgp_id = 0x0a000001; }, 0, err::kOpen, err::kBadBgpId},
      {"wrong peer AS", [](Open&) {}, 65002, err::kOpen, err::kBadPeerAs},
      {"wrong 4-octet AS",
       [](Open& o) {
         o.my_as = kAsTrans;
         o.capabilities.emplace_back(FourOctetAsCap{4200000002U});
       },
       4200000001U, err::kOpen, err::kBadPeerAs},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Open o = base_open();
    c.mutate(o);
    auto r = check_open(o, c.expected_as, 0x0a000001);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, c.code);
    EXPECT_EQ(r.error().subcode, c.subcode);
  }
  EXPECT_TRUE(check_open(base_open(), 65001, 0x0a000001).ok());
  EXPECT_TRUE(check_open(base_open(), 0, 0x0a000001).ok());
  Open zero_hold = base_open();
  zero_hold.hold_time = 0;
  EXPECT_TRUE(check_open(zero_hold, 0, 1).ok());
}

TEST(BgpOpen, WireErrors) {
  // version 3
  auto bytes = encode(base_open());
  bytes[19] = std::byte{3};
  auto r = parse_open(body_of(bytes));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, err::kOpen);
  EXPECT_EQ(r.error().subcode, err::kUnsupportedVersion);
  EXPECT_EQ(to_hex(r.error().data), "00 04");

  // optional parameter type 1 (authentication, deprecated) -> Unsupported Optional Parameter
  Open o = base_open();
  auto with_param = encode(o);
  with_param[28] = std::byte{4};  // opt len
  for (auto b : from_hex("01 02 00 00")) {
    with_param.push_back(b);
  }
  auto r2 = parse_open(body_of(with_param));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().subcode, err::kUnsupportedOptParam);

  // optional parameters length disagrees with the message
  auto bad_len = encode(base_open());
  bad_len[28] = std::byte{3};
  auto r3 = parse_open(body_of(bad_len));
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.error().code, err::kHeader);
  EXPECT_EQ(r3.error().subcode, err::kBadLength);

  // malformed 4-octet AS capability (length 2)
  Open o4 = base_open();
  o4.capabilities.emplace_back(UnknownCap{cap::kFourOctetAs, from_hex("fd e9")});
  auto r4 = parse_open(body_of(encode(o4)));
  ASSERT_FALSE(r4.ok());
  EXPECT_EQ(r4.error().code, err::kOpen);
}

// ---------------------------------------------------------------- UPDATE golden vectors

struct UpdateCase {
  std::string file;
  SessionContext ctx;
  std::function<Update()> build;
};

SessionContext two_octet() {
  SessionContext c;
  c.four_octet_as = false;
  return c;
}
SessionContext add_path_ctx() {
  SessionContext c;
  c.add_path_ipv4 = true;
  c.add_path_ipv6 = true;
  return c;
}

std::vector<UpdateCase> update_cases() {
  return {
      {"update_as4_merge.hex", two_octet(),
       [] {
         Update u;
         u.attrs.origin = Origin::kIgp;
         u.attrs.as_path = seq({65001, kAsTrans, kAsTrans, 65002});
         u.attrs.next_hop = ip("192.0.2.1");
         u.attrs.aggregator = Aggregator{kAsTrans, ip("192.0.2.9")};
         u.attrs.as4_path = seq({4200000001U, 4200000002U, 65002});
         u.attrs.as4_aggregator = Aggregator{4200000002U, ip("192.0.2.9")};
         u.nlri = {nlri("198.51.100.0/24"), nlri("203.0.113.128/25")};
         return u;
       }},
      {"update_as_set.hex", SessionContext{},
       [] {
         Update u;
         u.attrs.origin = Origin::kIncomplete;
         u.attrs.as_path = AsPath{{AsPathSegment{SegmentType::kSequence, {65001, 4200000000U}},
                                   AsPathSegment{SegmentType::kSet, {65003, 65004}}}};
         u.attrs.next_hop = ip("192.0.2.1");
         u.attrs.atomic_aggregate = true;
         u.attrs.aggregator = Aggregator{4200000000U, ip("192.0.2.2")};
         u.nlri = {nlri("10.0.0.0/8")};
         return u;
       }},
      {"update_confed.hex", SessionContext{},
       [] {
         Update u;
         u.attrs.origin = Origin::kIgp;
         u.attrs.as_path =
             AsPath{{AsPathSegment{SegmentType::kConfedSequence, {64512, 64513}},
                     AsPathSegment{SegmentType::kConfedSet, {64514}}, AsPathSegment{SegmentType::kSequence, {65001}}}};
         u.attrs.next_hop = ip("192.0.2.1");
         u.attrs.local_pref = 100;
         u.nlri = {nlri("192.0.2.0/24")};
         return u;
       }},
      {"update_communities.hex", SessionContext{},
       [] {
         Update u;
         u.attrs.origin = Origin::kEgp;
         u.attrs.as_path = seq({65001});
         u.attrs.next_hop = ip("192.0.2.1");
         u.attrs.med = 50;
         u.attrs.local_pref = 200;
         u.attrs.communities = {(65001U << 16U) | 100U, 0xffffff01U};
         u.attrs.ext_communities = {0x0002fde900000064ULL, 0x0103c00002010007ULL};
         u.attrs.large_communities = {{4200000001U, 1, 2}, {65001, 0, 0}};
         u.nlri = {nlri("198.51.100.0/24")};
         return u;
       }},
      {"update_mp_reach_v6_ll.hex", SessionContext{},
       [] {
         Update u;
         u.attrs.origin = Origin::kIgp;
         u.attrs.as_path = seq({65001, 65010});
         MpReach mp;
         mp.af = kIpv6Unicast;
         mp.next_hop = ip("2001:db8::1");
         mp.link_local_next_hop = ip("fe80::1");
         mp.nlri = {nlri("2001:db8:1::/48"), nlri("2001:db8:2:8000::/49"), nlri("::/0")};
         u.attrs.mp_reach = mp;
         return u;
       }},
      {"update_mp_reach_v6_global.hex", SessionContext{},
       [] {
         Update u;
         u.attrs.origin = Origin::kIgp;
         u.attrs.as_path = seq({});
         u.attrs.as_path->segments.clear();  // empty AS_PATH (iBGP, locally originated)
         u.attrs.local_pref = 100;
         MpReach mp;
         mp.af = kIpv6Unicast;
         mp.next_hop = ip("2001:db8::2");
         mp.nlri = {nlri("2001:db8:ffff::/64")};
         u.attrs.mp_reach = mp;
         return u;
       }},
      {"update_mp_unreach_v6.hex", SessionContext{},
       [] {
         Update u;
         u.attrs.mp_unreach = MpUnreach{kIpv6Unicast, {nlri("2001:db8:1::/48"), nlri("2001:db8::/32")}};
         return u;
       }},
      {"update_add_path.hex", add_path_ctx(),
       [] {
         Update u;
         u.withdrawn = {nlri("192.0.2.0/24", 7)};
         u.attrs.origin = Origin::kIgp;
         u.attrs.as_path = seq({65001});
         u.attrs.next_hop = ip("192.0.2.1");
         MpReach mp;
         mp.af = kIpv6Unicast;
         mp.next_hop = ip("2001:db8::1");
         mp.nlri = {nlri("2001:db8:1::/48", 1), nlri("2001:db8:1::/48", 2)};
         u.attrs.mp_reach = mp;
         u.nlri = {nlri("198.51.100.0/24", 1), nlri("198.51.100.0/24", 2)};
         return u;
       }},
      {"update_withdraw_v4.hex", SessionContext{},
       [] {
         Update u;
         u.withdrawn = {nlri("198.51.100.0/24"), nlri("0.0.0.0/0"), nlri("203.0.113.7/32")};
         return u;
       }},
      {"update_full.hex", SessionContext{},
       [] {
         Update u;
         u.attrs.origin = Origin::kIgp;
         u.attrs.as_path = seq({65001, 65002, 65003});
         u.attrs.next_hop = ip("192.0.2.1");
         u.attrs.med = 0;
         u.attrs.local_pref = 100;
         u.attrs.atomic_aggregate = true;
         u.attrs.aggregator = Aggregator{65003, ip("192.0.2.3")};
         u.attrs.communities = {(65001U << 16U) | 1U};
         u.attrs.originator_id = ip("192.0.2.5");
         u.attrs.cluster_list = {0xc0000206U, 0xc0000207U};
         u.attrs.large_communities = {{65001, 7, 8}};
         u.attrs.unknown = {RawAttribute{0xc0, 99, from_hex("de ad be ef")}};
         u.nlri = {nlri("198.51.100.0/24"), nlri("198.51.100.128/25"), nlri("192.0.2.77/32")};
         return u;
       }},
      {"update_eor_v4.hex", SessionContext{}, [] { return Update{}; }},
      {"update_eor_v6.hex", SessionContext{},
       [] {
         Update u;
         u.attrs.mp_unreach = MpUnreach{kIpv6Unicast, {}};
         return u;
       }},
  };
}

TEST(BgpUpdateGolden, BothDirections) {
  for (const auto& c : update_cases()) {
    SCOPED_TRACE(c.file);
    const Update expected = c.build();
    const auto encoded = encode(expected, c.ctx);
    if (update_golden()) {
      write_golden(c.file, encoded);
    }
    const auto golden = read_golden(c.file);
    ASSERT_FALSE(golden.empty()) << "missing golden file; run with UPDATE_GOLDEN=1";
    EXPECT_EQ(to_hex(encoded), to_hex(golden));
    auto header = parse_header(golden);
    ASSERT_TRUE(header.ok()) << header.error().to_string();
    EXPECT_EQ(header->type, MessageType::kUpdate);
    Counters counters;
    auto parsed = parse_update(body_of(golden), c.ctx, counters);
    ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
    EXPECT_EQ(parsed->update, expected);
    EXPECT_FALSE(parsed->verdict.treat_as_withdraw);
    EXPECT_TRUE(parsed->verdict.discarded.empty());
    EXPECT_EQ(counters.bgp_update_treat_as_withdraw, 0U);
  }
}

TEST(BgpUpdate, As4MergeRfc6793) {
  const auto golden = read_golden("update_as4_merge.hex");
  Counters counters;
  auto parsed = parse_update(body_of(golden), two_octet(), counters);
  ASSERT_TRUE(parsed.ok());
  const PathAttributes a = parsed->update.route_attributes(false);
  ASSERT_TRUE(a.as_path.has_value());
  // AS_PATH has 4 ASes, AS4_PATH 3: keep the first AS_PATH AS, then AS4_PATH.
  EXPECT_EQ(a.as_path->to_string(), "65001 4200000001 4200000002 65002");
  EXPECT_EQ(a.aggregator, std::optional<Aggregator>(Aggregator{4200000002U, ip("192.0.2.9")}));
  EXPECT_FALSE(a.as4_path.has_value());
  EXPECT_FALSE(a.as4_aggregator.has_value());
  EXPECT_EQ(a.as_path->first_as(), 65001U);
  EXPECT_EQ(a.as_path->origin_as(), 65002U);
}

TEST(BgpUpdate, As4MergeEdgeCases) {
  struct Case {
    std::string name;
    AsPath as_path;
    AsPath as4_path;
    std::optional<Aggregator> aggregator;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"as4 longer than as_path is ignored", seq({kAsTrans}), seq({4200000001U, 4200000002U}), std::nullopt, "23456"},
      {"aggregator without AS_TRANS ignores AS4_PATH", seq({65001, kAsTrans}), seq({4200000001U}),
       Aggregator{65009, ip("192.0.2.1")}, "65001 23456"},
      {"set counts as one",
       AsPath{{AsPathSegment{SegmentType::kSequence, {65001}}, AsPathSegment{SegmentType::kSet, {kAsTrans, 65005}}}},
       AsPath{{AsPathSegment{SegmentType::kSet, {4200000001U, 65005}}}}, std::nullopt, "65001 {4200000001,65005}"},
      {"equal length replaces everything", seq({kAsTrans, kAsTrans}), seq({4200000001U, 4200000002U}), std::nullopt,
       "4200000001 4200000002"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    PathAttributes a;
    a.as_path = c.as_path;
    a.as4_path = c.as4_path;
    a.aggregator = c.aggregator;
    normalize(a, false);
    EXPECT_EQ(a.as_path->to_string(), c.expected);
    EXPECT_FALSE(a.as4_path.has_value());
  }
  // A 4-octet session ignores AS4_PATH entirely.
  PathAttributes a;
  a.as_path = seq({4200000001U});
  a.as4_path = seq({1, 2, 3});
  normalize(a, true);
  EXPECT_EQ(a.as_path->to_string(), "4200000001");
}

TEST(BgpUpdate, AsPathRendering) {
  AsPath p{{AsPathSegment{SegmentType::kSequence, {1, 2}}, AsPathSegment{SegmentType::kSet, {3, 4}},
            AsPathSegment{SegmentType::kConfedSequence, {5, 6}}, AsPathSegment{SegmentType::kConfedSet, {7, 8}}}};
  EXPECT_EQ(p.to_string(), "1 2 {3,4} (5 6) [7,8]");
  EXPECT_EQ(p.length(), 3U);
  EXPECT_EQ(AsPath{}.to_string(), "");
  EXPECT_EQ(AsPath{}.origin_as(), 0U);
  const AsPath set_only{{AsPathSegment{SegmentType::kSet, {3, 4}}}};
  EXPECT_EQ(set_only.origin_as(), 0U);
}

TEST(BgpUpdate, EndOfRib) {
  EXPECT_TRUE(update_cases()[10].build().is_end_of_rib());
  EXPECT_TRUE(update_cases()[11].build().is_end_of_rib());
  EXPECT_FALSE(update_cases()[6].build().is_end_of_rib());
}

// ---------------------------------------------------------------- RFC 7606 malformed attributes

// A raw UPDATE from hex pieces: withdrawn routes, path attributes, NLRI.
std::vector<std::byte> raw_update(const std::string& withdrawn, const std::string& attrs, const std::string& nlri) {
  const auto w = from_hex(withdrawn);
  const auto a = from_hex(attrs);
  const auto n = from_hex(nlri);
  Writer out;
  for (int i = 0; i < 16; ++i) {
    out.u8(0xff);
  }
  out.u16(static_cast<std::uint16_t>(kHeaderSize + 4 + w.size() + a.size() + n.size()));
  out.u8(2);
  out.u16(static_cast<std::uint16_t>(w.size()));
  out.bytes(Bytes(w));
  out.u16(static_cast<std::uint16_t>(a.size()));
  out.bytes(Bytes(a));
  out.bytes(Bytes(n));
  return out.take();
}

const std::string kOrigin = "40 01 01 00 ";
const std::string kAsPath4 = "40 02 06 02 01 00 00 fd e9 ";  // AS_SEQUENCE [65001], 4-octet
const std::string kNextHop = "40 03 04 c0 00 02 01 ";
const std::string kNlri = "18 c6 33 64";  // 198.51.100.0/24
const std::string kMpReachV6 =
    "80 0e 1c 00 02 01 10 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 00 30 20 01 0d b8 00 01 ";

enum class Expect { kOk, kWithdraw, kDiscard, kReset };

struct MalformedCase {
  std::string name;
  std::string withdrawn, attrs, nlri;
  Expect expect;
  std::uint8_t subcode = 0;         // for kReset (code is always UPDATE error)
  std::uint8_t discarded_type = 0;  // for kDiscard
  SessionContext ctx{};
};

std::vector<MalformedCase> malformed_cases() {
  SessionContext ebgp;
  ebgp.ebgp = true;
  return {
      {"valid baseline", "", kOrigin + kAsPath4 + kNextHop, kNlri, Expect::kOk},
      {"ORIGIN value 5", "", "40 01 01 05 " + kAsPath4 + kNextHop, kNlri, Expect::kWithdraw},
      {"ORIGIN length 2", "", "40 01 02 00 00 " + kAsPath4 + kNextHop, kNlri, Expect::kWithdraw},
      {"ORIGIN optional flag", "", "c0 01 01 00 " + kAsPath4 + kNextHop, kNlri, Expect::kWithdraw},
      {"AS_PATH segment overrun", "", kOrigin + "40 02 06 02 02 00 00 fd e9 " + kNextHop, kNlri, Expect::kWithdraw},
      {"AS_PATH bad length for 2-octet", "", kOrigin + "40 02 03 02 01 fd " + kNextHop, kNlri, Expect::kWithdraw, 0, 0,
       two_octet()},
      {"AS_PATH segment type 7", "", kOrigin + "40 02 06 07 01 00 00 fd e9 " + kNextHop, kNlri, Expect::kWithdraw},
      {"AS_PATH zero-length segment", "", kOrigin + "40 02 02 02 00 " + kNextHop, kNlri, Expect::kWithdraw},
      {"AS_PATH segment underrun", "", kOrigin + "40 02 07 02 01 00 00 fd e9 02 " + kNextHop, kNlri, Expect::kWithdraw},
      {"duplicate ORIGIN", "", kOrigin + kOrigin + kAsPath4 + kNextHop, kNlri, Expect::kDiscard, 0, 1},
      {"missing ORIGIN", "", kAsPath4 + kNextHop, kNlri, Expect::kWithdraw},
      {"missing AS_PATH", "", kOrigin + kNextHop, kNlri, Expect::kWithdraw},
      {"missing NEXT_HOP", "", kOrigin + kAsPath4, kNlri, Expect::kWithdraw},
      {"NEXT_HOP not needed for MP only", "", kOrigin + kAsPath4 + kMpReachV6, "", Expect::kOk},
      {"NEXT_HOP length 5", "", kOrigin + kAsPath4 + "40 03 05 c0 00 02 01 00 ", kNlri, Expect::kWithdraw},
      {"NEXT_HOP 0.0.0.0", "", kOrigin + kAsPath4 + "40 03 04 00 00 00 00 ", kNlri, Expect::kWithdraw},
      {"NEXT_HOP multicast", "", kOrigin + kAsPath4 + "40 03 04 e0 00 00 01 ", kNlri, Expect::kWithdraw},
      {"MED length 2", "", kOrigin + kAsPath4 + kNextHop + "80 04 02 00 01 ", kNlri, Expect::kWithdraw},
      {"LOCAL_PREF length 3", "", kOrigin + kAsPath4 + kNextHop + "40 05 03 00 00 64 ", kNlri, Expect::kWithdraw},
      {"LOCAL_PREF from eBGP", "", kOrigin + kAsPath4 + kNextHop + "40 05 04 00 00 00 64 ", kNlri, Expect::kDiscard, 0,
       5, ebgp},
      {"ATOMIC_AGGREGATE length 1", "", kOrigin + kAsPath4 + kNextHop + "40 06 01 00 ", kNlri, Expect::kDiscard, 0, 6},
      {"AGGREGATOR length 7", "", kOrigin + kAsPath4 + kNextHop + "c0 07 07 00 00 fd e9 c0 00 02 ", kNlri,
       Expect::kDiscard, 0, 7},
      {"COMMUNITIES length 3", "", kOrigin + kAsPath4 + kNextHop + "c0 08 03 fd e9 00 ", kNlri, Expect::kWithdraw},
      {"COMMUNITIES length 0", "", kOrigin + kAsPath4 + kNextHop + "c0 08 00 ", kNlri, Expect::kWithdraw},
      {"ORIGINATOR_ID length 3", "", kOrigin + kAsPath4 + kNextHop + "80 09 03 c0 00 02 ", kNlri, Expect::kWithdraw},
      {"CLUSTER_LIST length 5", "", kOrigin + kAsPath4 + kNextHop + "80 0a 05 c0 00 02 01 01 ", kNlri,
       Expect::kWithdraw},
      {"EXTENDED_COMMUNITIES length 7", "", kOrigin + kAsPath4 + kNextHop + "c0 10 07 00 02 fd e9 00 00 00 ", kNlri,
       Expect::kWithdraw},
      {"LARGE_COMMUNITY length 11", "", kOrigin + kAsPath4 + kNextHop + "c0 20 0b 00 00 fd e9 00 00 00 01 00 00 00 ",
       kNlri, Expect::kWithdraw},
      {"AS4_PATH malformed", "", kOrigin + "40 02 04 02 01 fd e9 " + kNextHop + "c0 11 03 02 01 00 ", kNlri,
       Expect::kDiscard, 0, 17, two_octet()},
      {"AS4_AGGREGATOR length 6", "", kOrigin + "40 02 04 02 01 fd e9 " + kNextHop + "c0 12 06 00 00 c0 00 02 01 ",
       kNlri, Expect::kDiscard, 0, 18, two_octet()},
      {"MP_REACH bad next hop length", "", kOrigin + kAsPath4 + "80 0e 0d 00 02 01 05 20 01 0d b8 00 00 18 c6 33 ", "",
       Expect::kReset, err::kOptionalAttr},
      {"MP_REACH truncated prefix", "",
       kOrigin + kAsPath4 + "80 0e 18 00 02 01 10 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 00 40 20 01 ", "",
       Expect::kReset, err::kOptionalAttr},
      {"MP_REACH prefix length 129", "",
       kOrigin + kAsPath4 + "80 0e 16 00 02 01 10 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 00 81 ", "",
       Expect::kReset, err::kOptionalAttr},
      {"MP_REACH twice", "", kOrigin + kAsPath4 + kMpReachV6 + kMpReachV6, "", Expect::kReset, err::kMalformedAttrList},
      {"MP_REACH well-known flags", "", kOrigin + kAsPath4 + "40" + kMpReachV6.substr(2), "", Expect::kReset,
       err::kAttrFlags},
      {"MP_UNREACH truncated", "", "80 0f 04 00 02 01 30 ", "", Expect::kReset, err::kOptionalAttr},
      {"unrecognized well-known attribute", "", kOrigin + kAsPath4 + kNextHop + "40 63 01 00 ", kNlri, Expect::kReset,
       err::kUnrecognizedWellKnown},
      {"unknown optional non-transitive dropped", "", kOrigin + kAsPath4 + kNextHop + "80 63 01 00 ", kNlri,
       Expect::kOk},
      {"attribute overruns the attribute block", "", kOrigin + kAsPath4 + kNextHop + "40 05 09 00 00 00 64", kNlri,
       Expect::kWithdraw},
      {"two stray bytes at the end of the attributes", "", kOrigin + kAsPath4 + kNextHop + "40 05", kNlri,
       Expect::kWithdraw},
      {"NLRI prefix length 33", "", kOrigin + kAsPath4 + kNextHop, "21 c6 33 64 00 00", Expect::kReset,
       err::kInvalidNetwork},
      {"NLRI truncated", "", kOrigin + kAsPath4 + kNextHop, "18 c6 33", Expect::kReset, err::kInvalidNetwork},
      {"withdrawn prefix length 40", "28 01 02 03 04 05", "", "", Expect::kReset, err::kMalformedAttrList},
  };
}

TEST(BgpUpdateRfc7606, MalformedAttributes) {
  for (const auto& c : malformed_cases()) {
    SCOPED_TRACE(c.name);
    const auto msg = raw_update(c.withdrawn, c.attrs, c.nlri);
    ASSERT_TRUE(parse_header(msg).ok());
    Counters counters;
    auto r = parse_update(body_of(msg), c.ctx, counters);
    if (c.expect == Expect::kReset) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().code, err::kUpdate);
      EXPECT_EQ(r.error().subcode, c.subcode) << r.error().to_string();
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    const auto& v = r->verdict;
    switch (c.expect) {
      case Expect::kOk:
        EXPECT_FALSE(v.treat_as_withdraw) << (v.reasons.empty() ? "" : v.reasons.front());
        EXPECT_TRUE(v.discarded.empty());
        break;
      case Expect::kWithdraw:
        EXPECT_TRUE(v.treat_as_withdraw);
        EXPECT_EQ(counters.bgp_update_treat_as_withdraw, 1U);
        EXPECT_FALSE(v.reasons.empty());
        break;
      case Expect::kDiscard:
        EXPECT_FALSE(v.treat_as_withdraw) << (v.reasons.empty() ? "" : v.reasons.front());
        ASSERT_EQ(v.discarded.size(), 1U);
        EXPECT_EQ(v.discarded[0], c.discarded_type);
        EXPECT_EQ(counters.bgp_attr_discard, 1U);
        break;
      case Expect::kReset:
        break;
    }
  }
}

TEST(BgpUpdateRfc7606, CountersNameEachEvent) {
  Counters counters;
  auto dup = raw_update("", kOrigin + kOrigin + kAsPath4 + kNextHop, kNlri);
  ASSERT_TRUE(parse_update(body_of(dup), {}, counters).ok());
  EXPECT_EQ(counters.bgp_attr_duplicate, 1U);
  auto missing = raw_update("", kAsPath4 + kNextHop, kNlri);
  ASSERT_TRUE(parse_update(body_of(missing), {}, counters).ok());
  EXPECT_EQ(counters.bgp_missing_well_known, 1U);
  auto unknown = raw_update("", kOrigin + kAsPath4 + kNextHop + "c0 63 01 07 80 64 01 00", kNlri);
  auto r = parse_update(body_of(unknown), {}, counters);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(counters.bgp_attr_unknown_kept, 1U);
  EXPECT_EQ(counters.bgp_attr_unknown_dropped, 1U);
  ASSERT_EQ(r->update.attrs.unknown.size(), 1U);
  EXPECT_EQ(r->update.attrs.unknown[0].type, 99);
  EXPECT_EQ(counters.bgp_updates_in, 3U);
  bool found = false;
  for (const auto& [name, value] : counters.items()) {
    found = found || (name == "bgp_update_treat_as_withdraw" && value == 1);
  }
  EXPECT_TRUE(found);
}

TEST(BgpUpdate, WithdrawnAndAttributeLengthOverrun) {
  // withdrawn length says 200 bytes
  auto msg = raw_update("", "", "");
  msg[19] = std::byte{0};
  msg[20] = std::byte{200};
  Counters counters;
  auto r = parse_update(body_of(msg), {}, counters);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().subcode, err::kMalformedAttrList);
  // total path attribute length says 200 bytes
  auto msg2 = raw_update("", "", "");
  msg2[22] = std::byte{200};
  auto r2 = parse_update(body_of(msg2), {}, counters);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().subcode, err::kMalformedAttrList);
}

// ---------------------------------------------------------------- header, NOTIFICATION, ROUTE-REFRESH, KEEPALIVE

TEST(BgpHeader, Errors) {
  struct Case {
    std::string name;
    std::string hex;
    std::uint8_t subcode;
    std::string data;
  };
  const std::string marker = "ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ";
  const std::vector<Case> cases = {
      {"marker", "ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff fe 00 13 04", err::kNotSynchronized, ""},
      {"length 18", marker + "00 12 04", err::kBadLength, "00 12"},
      {"length 4097", marker + "10 01 04", err::kBadLength, "10 01"},
      {"type 9", marker + "00 13 09", err::kBadType, "09"},
      {"keepalive length 20", marker + "00 14 04 00", err::kBadLength, "00 14"},
      {"open length 28", marker + "00 1c 01 04 fd e9 00 5a c0 00 02 01", err::kBadLength, "00 1c"},
      {"update length 22", marker + "00 16 02 00 00 00", err::kBadLength, "00 16"},
      {"notification length 20", marker + "00 14 03 06", err::kBadLength, "00 14"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = parse_header(from_hex(c.hex));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, err::kHeader);
    EXPECT_EQ(r.error().subcode, c.subcode);
    EXPECT_EQ(to_hex(r.error().data), c.data);
  }
}

TEST(BgpSmallMessages, GoldenBothDirections) {
  struct Case {
    std::string file;
    std::vector<std::byte> encoded;
    std::function<void(const std::vector<std::byte>&)> check;
  };
  const Notification n{err::kCease, err::kAdminShutdown, from_hex("08 73 68 75 74 64 6f 77 6e")};
  const RouteRefresh rr{kIpv6Unicast, 1};
  const std::vector<Case> cases = {
      {"keepalive.hex", encode(Keepalive{}),
       [](const std::vector<std::byte>& g) {
         auto h = parse_header(g);
         ASSERT_TRUE(h.ok());
         EXPECT_EQ(h->type, MessageType::kKeepalive);
       }},
      {"notification_cease.hex", encode(n),
       [&n](const std::vector<std::byte>& g) {
         auto p = parse_notification(body_of(g));
         ASSERT_TRUE(p.ok());
         EXPECT_EQ(*p, n);
         EXPECT_EQ(p->to_string(), "Cease (6/2)");
       }},
      {"route_refresh_borr_v6.hex", encode(rr),
       [&rr](const std::vector<std::byte>& g) {
         auto p = parse_route_refresh(body_of(g));
         ASSERT_TRUE(p.ok());
         EXPECT_EQ(*p, rr);
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    if (update_golden()) {
      write_golden(c.file, c.encoded);
    }
    const auto golden = read_golden(c.file);
    ASSERT_FALSE(golden.empty());
    EXPECT_EQ(to_hex(c.encoded), to_hex(golden));
    ASSERT_TRUE(parse_header(golden).ok());
    c.check(golden);
  }
}

TEST(BgpRouteRefresh, BadLength) {
  auto msg = encode(RouteRefresh{kIpv4Unicast, 0});
  msg.push_back(std::byte{0});
  msg[17] = std::byte{24};
  auto r = parse_route_refresh(body_of(msg));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, err::kRouteRefresh);
  EXPECT_EQ(r.error().subcode, err::kInvalidMessageLength);
  EXPECT_EQ(to_hex(r.error().data), to_hex(msg));  // RFC 7313 §5: the whole message
}

// ---------------------------------------------------------------- truncation sweep

TEST(BgpTruncation, EveryPrefixOfEveryGoldenMessageFailsCleanly) {
  std::vector<std::pair<std::vector<std::byte>, SessionContext>> messages;
  for (const auto& c : open_cases()) {
    messages.emplace_back(encode(c.build()), SessionContext{});
  }
  for (const auto& c : update_cases()) {
    messages.emplace_back(encode(c.build(), c.ctx), c.ctx);
  }
  std::size_t checked = 0;
  for (const auto& [msg, ctx] : messages) {
    for (std::size_t cut = 0; cut < msg.size(); ++cut) {
      const Bytes part = Bytes(msg).first(cut);
      // The framing layer refuses every truncated message...
      EXPECT_FALSE(parse_header(part).ok()) << "cut " << cut;
      // ... and the body decoders, fed a truncated body, never read past it: each either fails or decodes fewer
      // items (the sanitizer build checks the "never read past it" part).
      if (cut >= kHeaderSize) {
        const Bytes body = part.subspan(kHeaderSize);
        Counters counters;
        if (msg[18] == std::byte{1}) {
          EXPECT_FALSE(parse_open(body).ok()) << "OPEN cut " << cut;
        } else {
          auto r = parse_update(body, ctx, counters);
          if (r.ok()) {
            EXPECT_TRUE(r->verdict.treat_as_withdraw || body.size() >= 4) << "cut " << cut;
          }
        }
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000U);
}

}  // namespace
}  // namespace flowlab::bgp
