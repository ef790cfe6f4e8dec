#include "common/poll.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace flowlab {
namespace {

using std::chrono::milliseconds;

TEST(Poll, ReturnsAtOnceWhenTheConditionAlreadyHolds) {
  int checks = 0;
  EXPECT_TRUE(poll_for([&] { return ++checks > 0; }, milliseconds(1000), milliseconds(500)));
  EXPECT_EQ(checks, 1);
}

TEST(Poll, SeesAConditionAnotherThreadMakesTrue) {
  std::atomic<bool> flag{false};
  std::thread setter([&] {
    std::this_thread::sleep_for(milliseconds(30));
    flag = true;
  });
  const auto started = PollClock::now();
  EXPECT_TRUE(poll_for([&] { return flag.load(); }, milliseconds(5000), milliseconds(5)));
  EXPECT_LT(PollClock::now() - started, milliseconds(4000));
  setter.join();
}

TEST(Poll, GivesUpAtTheDeadlineAfterOneLastCheck) {
  int checks = 0;
  const auto started = PollClock::now();
  // A step longer than the timeout: the wait is cut to the deadline, then the condition is checked once more.
  EXPECT_FALSE(poll_for([&] { return ++checks < 0; }, milliseconds(40), milliseconds(10'000)));
  const auto waited = PollClock::now() - started;
  EXPECT_GE(waited, milliseconds(40));
  EXPECT_LT(waited, milliseconds(5000));
  EXPECT_EQ(checks, 2);
}

TEST(Poll, ADeadlineInThePastChecksOnce) {
  int checks = 0;
  EXPECT_FALSE(poll_until([&] { return ++checks < 0; }, PollClock::now() - milliseconds(1), milliseconds(10)));
  EXPECT_EQ(checks, 1);
  EXPECT_TRUE(poll_until([] { return true; }, PollClock::now() - milliseconds(1), milliseconds(10)));
}

TEST(Poll, AFailingConditionEndsTheWaitWithItsError) {
  int checks = 0;
  const auto r = poll_for_ok(
      [&]() -> Result<bool> {
        if (++checks == 3) {
          return fail(ErrorKind::kIo, "reading the counters failed");
        }
        return false;
      },
      milliseconds(10'000), milliseconds(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "reading the counters failed");
  EXPECT_EQ(checks, 3);
  const auto held = poll_for_ok([]() -> Result<bool> { return true; }, milliseconds(10), milliseconds(1));
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE(*held);
  const auto timed_out = poll_for_ok([]() -> Result<bool> { return false; }, milliseconds(10), milliseconds(1));
  ASSERT_TRUE(timed_out.ok());
  EXPECT_FALSE(*timed_out);
}

}  // namespace
}  // namespace flowlab
