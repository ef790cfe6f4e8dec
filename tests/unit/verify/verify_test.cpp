// The three-way comparison: pmacct renderings normalized, disagreements named with every source's value.
#include "labctl/verify/verify.hpp"

#include <gtest/gtest.h>

namespace flowlab::verify {
namespace {

struct NormalizeCase {
  const char* field;
  const char* in;
  const char* out;
};

TEST(VerifyNormalize, PmacctRenderingsMeetInOneForm) {
  const NormalizeCase cases[] = {
      {"as_path", "^$", ""},
      {"as_path", "65530 65533", "65530_65533"},
      {"as_path", "65530_{65533,65534}", "65530_{65533,65534}"},
      {"src_as_path", "^$", ""},
      {"comms", "64510:200_64510:100", "64510:100 64510:200"},
      {"comms", "64510:100 64510:200", "64510:100 64510:200"},
      {"lcomms", "", ""},
      {"peer_ip_dst", "0.0.0.0", ""},
      {"peer_ip_dst", "::", ""},
      {"peer_ip_dst", "198.18.0.7", "198.18.0.7"},
      {"net_dst", "203.0.113.0/24", "203.0.113.0"},
      {"net_dst", "0.0.0.0", ""},
      {"as_dst", "", "0"},
      {"mask_dst", "", "0"},
      {"iface_in", "eth3", "eth3"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(normalize(c.field, c.in), c.out) << c.field << " '" << c.in << "'";
  }
}

TEST(VerifyCompare, AgreementPasses) {
  const Check c = compare("as_path", "65530_65533", "65530 65533", "65530_65533", "65530_65533");
  EXPECT_EQ(c.outcome, Outcome::kPass);
  EXPECT_TRUE(c.explanation.empty());
}

TEST(VerifyCompare, AbsentSourcesDoNotVote) {
  const Check c = compare("as_dst", "65533", std::nullopt, "65533", std::nullopt);
  EXPECT_EQ(c.outcome, Outcome::kPass);
  EXPECT_FALSE(c.router.has_value());
}

TEST(VerifyCompare, CollectorWithoutRouteIsExplained) {
  const Check c = compare("peer_as_dst", "65530", "65530", "0", std::nullopt, "dst 203.0.113.2, exporter 198.19.128.2");
  EXPECT_EQ(c.outcome, Outcome::kFail);
  EXPECT_NE(c.explanation.find("collector reported peer_as_dst 0, oracle says 65530"), std::string::npos)
      << c.explanation;
  EXPECT_NE(c.explanation.find("agent map?"), std::string::npos) << c.explanation;
  EXPECT_NE(c.explanation.find("exporter 198.19.128.2"), std::string::npos) << c.explanation;
}

TEST(VerifyCompare, ExplicitValueIsTheReference) {
  const Check c = compare("as_dst", "65533", "65533", "65533", "64999");
  EXPECT_EQ(c.outcome, Outcome::kFail);
  EXPECT_NE(c.explanation.find("oracle reported as_dst 65533, expected says 64999"), std::string::npos)
      << c.explanation;
}

TEST(VerifyCompare, RouterDisagreementBlamesTheModel) {
  const Check c = compare("as_path", "65530_65533", "65531_65533", "65531_65533", std::nullopt);
  EXPECT_EQ(c.outcome, Outcome::kFail);
  EXPECT_NE(c.explanation.find("router reported as_path 65531_65533"), std::string::npos) << c.explanation;
}

TEST(VerifyWorst, FailDominates) {
  EXPECT_EQ(worst(Outcome::kPass, Outcome::kFlagged), Outcome::kFlagged);
  EXPECT_EQ(worst(Outcome::kFail, Outcome::kFlagged), Outcome::kFail);
  EXPECT_EQ(worst(Outcome::kPass, Outcome::kPass), Outcome::kPass);
}

topology::RibEntry route(const char* prefix, std::vector<std::uint32_t> path, const char* next_hop, bool best = true,
                         const char* source = "bgp") {
  topology::RibEntry e;
  e.prefix = *Prefix::parse(prefix);
  e.as_path = std::move(path);
  e.next_hop = IpAddress::parse(next_hop);
  e.best = best;
  e.source = source;
  e.local_pref = 100;
  return e;
}

TEST(VerifyRouterFields, LongestBestBgpRouteWins) {
  const std::vector<topology::RibEntry> rib{
      route("203.0.0.0/16", {65530}, "198.18.0.7"),
      route("203.0.113.0/24", {65530, 65533}, "198.18.0.7"),
      route("203.0.113.0/24", {65531, 65533}, "198.18.0.9", /*best=*/false),
      route("203.0.113.0/25", {}, "198.18.0.1", true, "ospf"),  // not in the BGP view
      route("192.0.2.64/26", {}, "198.19.0.1"),
  };
  const auto f = router_fields(rib, *IpAddress::parse("192.0.2.66"), *IpAddress::parse("203.0.113.2"));
  EXPECT_EQ(f.at("as_path"), "65530_65533");
  EXPECT_EQ(f.at("as_dst"), "65533");
  EXPECT_EQ(f.at("peer_as_dst"), "65530");
  EXPECT_EQ(f.at("peer_ip_dst"), "198.18.0.7");
  EXPECT_EQ(f.at("net_dst"), "203.0.113.0");
  EXPECT_EQ(f.at("mask_dst"), "24");
  EXPECT_EQ(f.at("as_src"), "0");
  EXPECT_EQ(f.at("src_as_path"), "");
  EXPECT_EQ(f.at("mask_src"), "26");
}

TEST(VerifyRouterFields, NoRouteNoField) {
  const auto f = router_fields({}, *IpAddress::parse("192.0.2.66"), *IpAddress::parse("203.0.113.2"));
  EXPECT_TRUE(f.empty());
}

}  // namespace
}  // namespace flowlab::verify
