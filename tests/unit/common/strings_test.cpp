// common/strings.hpp: the one decimal parser and the one "did you mean" every loader and CLI uses.
#include "common/strings.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace flowlab {
namespace {

TEST(ParseDecimal, DigitsOnlyWithinTheLimit) {
  EXPECT_EQ(parse_decimal("0"), 0U);
  EXPECT_EQ(parse_decimal("18446744073709551615"), 18446744073709551615ULL);
  EXPECT_EQ(parse_decimal<std::uint16_t>("65535"), 65535);
  EXPECT_EQ(parse_decimal<std::uint32_t>("4200000000"), 4200000000U);
  EXPECT_EQ(parse_decimal("255", 255), 255U);
  for (const char* bad : {"", " 1", "1 ", "+1", "-1", "1.0", "0x10", "12abc", "18446744073709551616"}) {
    EXPECT_FALSE(parse_decimal(bad).has_value()) << bad;
  }
  EXPECT_FALSE(parse_decimal("256", 255).has_value());
  EXPECT_FALSE(parse_decimal<std::uint16_t>("65536").has_value());  // the type's own limit
  EXPECT_FALSE(parse_decimal<std::uint32_t>("4294967296").has_value());
}

TEST(Suggestions, EditDistanceAndClosestMatch) {
  EXPECT_EQ(edit_distance("anounce", "announce"), 1U);
  EXPECT_EQ(edit_distance("ans", "asn"), 1U);  // transposition
  EXPECT_EQ(edit_distance("", "abc"), 3U);
  const std::vector<std::string> keys{"kind", "asn", "loopback", "announce"};
  EXPECT_EQ(closest_match("lookback", keys), "loopback");
  EXPECT_EQ(closest_match("ans", keys), "asn");
  EXPECT_FALSE(closest_match("colour", keys).has_value());
  EXPECT_FALSE(closest_match("x", keys).has_value());
  // Any range of strings or views; the closest wins, the first of a tie.
  constexpr std::array<std::string_view, 3> views{"src_as", "dst_as", "src_port"};
  EXPECT_EQ(closest_match("src_a", views), "src_as");
  EXPECT_EQ(closest_match("sr_as", views), "src_as");
  EXPECT_EQ(closest_match("xst_as", views), "dst_as");
  EXPECT_TRUE(plausible_typo("balance_alg", "balance-alg"));
  EXPECT_TRUE(plausible_typo("ip", "id"));  // short words: one edit
  EXPECT_FALSE(plausible_typo("x", "id"));  // as many edits as the candidate has characters
}

TEST(Utf8, FirstInvalidByte) {
  EXPECT_EQ(first_invalid_utf8("plain ascii"), std::nullopt);
  EXPECT_EQ(first_invalid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), std::nullopt);  // é € 😀
  EXPECT_EQ(first_invalid_utf8("caf\xe9!"), 3U);                                             // Latin-1, not UTF-8
  EXPECT_EQ(first_invalid_utf8("ab\xff"), 2U);                                               // never valid
  EXPECT_EQ(first_invalid_utf8("\xc0\xaf"), 0U);                                             // overlong '/'
  EXPECT_EQ(first_invalid_utf8("\xed\xa0\x80"), 0U);                                         // a surrogate
  EXPECT_EQ(first_invalid_utf8("\xf4\x90\x80\x80"), 0U);                                     // above U+10FFFF
  EXPECT_EQ(first_invalid_utf8("x\xe2\x82"), 1U);                                            // truncated at the end
}

}  // namespace
}  // namespace flowlab
