// The held-back bound (verify/held_back.hpp): a probe's counter shortfalls are flagged only when the packets it
// held back at its last flush cover all of them, in whole packets of each stream's size.
#include "labctl/verify/held_back.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "labctl/verify/rules.hpp"

namespace flowlab::verify {
namespace {

// A point whose packets and bytes checks failed: the collector counted `packets` of `sent` packets of `size` bytes.
PointResult short_point(std::uint64_t sent, std::uint64_t packets, std::uint32_t size) {
  PointResult p;
  p.stream = "s";
  p.checks.push_back(compare("as_path", "64501", "64501", "64501", std::nullopt));
  p.checks.push_back(compare("packets", std::to_string(sent), std::nullopt, std::to_string(packets), std::nullopt));
  p.checks.push_back(
      compare("bytes", std::to_string(sent * size), std::nullopt, std::to_string(packets * size), std::nullopt));
  settle(p);
  return p;
}

PointResult no_record_point() {
  PointResult p;
  p.stream = "t";
  p.outcome = Outcome::kFail;
  p.note = "no record for stream t";
  return p;
}

const HeldBackPackets kHeld{12, "softflowd0 on p1", "softflowd had read 88 of the 100 packets"};

TEST(HeldBack, ShortfallsWithinWhatTheProbeHeldBackAreFlaggedWithItsWords) {
  std::vector<PointResult> points{short_point(100, 95, 512), no_record_point()};
  ASSERT_EQ(points[0].outcome, Outcome::kFail);
  const std::vector<Shortfall> shortfalls{{0, 5, 5 * 512, 512, false}, {1, 7, 7 * 100, 100, true}};
  EXPECT_TRUE(settle_held_back(points, shortfalls, kHeld));
  EXPECT_EQ(points[0].outcome, Outcome::kFlagged);
  EXPECT_EQ(points[0].checks[0].outcome, Outcome::kPass);  // the other checks keep theirs
  EXPECT_EQ(points[0].checks[1].outcome, Outcome::kFlagged);
  EXPECT_NE(points[0].checks[1].explanation.find("short by 5 packets"), std::string::npos);
  EXPECT_NE(points[0].checks[1].explanation.find("held back 12 captured packets"), std::string::npos);
  EXPECT_NE(points[0].checks[1].explanation.find("short by 12 in all"), std::string::npos);
  EXPECT_NE(points[0].checks[1].explanation.find("softflowd had read 88"), std::string::npos);
  EXPECT_EQ(points[0].checks[2].outcome, Outcome::kFlagged);
  EXPECT_EQ(points[1].outcome, Outcome::kFlagged);
  ASSERT_EQ(points[1].checks.size(), 1U);
  EXPECT_EQ(points[1].checks[0].name, "record");
  EXPECT_EQ(points[1].checks[0].collector, "none");
}

TEST(HeldBack, MoreShortThanHeldBackStaysAFailAndSaysWhy) {
  std::vector<PointResult> points{short_point(100, 95, 512), no_record_point()};
  const std::vector<Shortfall> shortfalls{{0, 5, 5 * 512, 512, false}, {1, 8, 8 * 100, 100, true}};  // 13 > 12
  EXPECT_FALSE(settle_held_back(points, shortfalls, kHeld));
  EXPECT_EQ(points[0].outcome, Outcome::kFail);
  EXPECT_EQ(points[0].checks[1].outcome, Outcome::kFail);
  EXPECT_EQ(points[1].outcome, Outcome::kFail);
  EXPECT_NE(points[0].note.find("short by 13 packets, more than the 12 it held back"), std::string::npos)
      << points[0].note;
}

TEST(HeldBack, BytesThatAreNotWholePacketsAreNotExplained) {
  std::vector<PointResult> points{short_point(100, 95, 512)};
  const std::vector<Shortfall> odd{{0, 5, 5 * 512 - 1, 512, false}};
  EXPECT_FALSE(settle_held_back(points, odd, kHeld));
  EXPECT_EQ(points[0].outcome, Outcome::kFail);
  EXPECT_NE(points[0].note.find("not whole packets"), std::string::npos) << points[0].note;
  const std::vector<Shortfall> more_bytes{{0, 5, std::numeric_limits<std::uint64_t>::max(), 512, false}};
  EXPECT_FALSE(settle_held_back(points, more_bytes, kHeld));
}

TEST(HeldBack, NothingShortChangesNothing) {
  std::vector<PointResult> points{short_point(100, 100, 512)};
  EXPECT_FALSE(settle_held_back(points, {}, kHeld));
  EXPECT_EQ(points[0].outcome, Outcome::kPass);
  EXPECT_TRUE(points[0].note.empty());
}

}  // namespace
}  // namespace flowlab::verify
