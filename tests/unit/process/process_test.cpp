#include "platform/process/process.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace flowlab::process {
namespace {

using namespace std::chrono_literals;

TEST(Run, CapturesOutputExitCodeAndStdin) {
  auto r = run({"sh", "-c", "cat; echo err >&2; exit 3"}, RunOptions{.stdin_data = "hello\n"});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "hello\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_FALSE(r->success());
}

TEST(Run, KillsOnTimeout) {
  auto begin = std::chrono::steady_clock::now();
  auto r = run({"sleep", "10"}, RunOptions{.timeout = 200ms});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->signal, SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
}

TEST(Run, MissingProgramIsAnError) {
  auto r = run({"flowlab-no-such-program"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not found"), std::string::npos);
}

TEST(Run, UnknownNamespaceIsAnError) {
  auto r = run({"true"}, RunOptions{.netns = "fl-no-such-ns"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("fl-no-such-ns"), std::string::npos);
}

TEST(Start, DaemonLogsAndStopsByTerm) {
  auto dir = std::filesystem::temp_directory_path() / ("fl-proc-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Spec spec{.name = "sleeper",
            .argv = {"sh", "-c", "echo started; trap 'echo bye; exit 0' TERM; while :; do sleep 0.05; done"},
            .log_file = dir / "sleeper.log"};
  auto ref = start(spec);
  ASSERT_TRUE(ref.ok()) << ref.error().to_string();
  EXPECT_TRUE(alive(*ref));
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(stop(*ref, 2s).ok());
  EXPECT_FALSE(alive(*ref));
  std::ifstream log(spec.log_file);
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_NE(text.str().find("started"), std::string::npos);
  EXPECT_NE(text.str().find("bye"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Start, StopEscalatesToKill) {
  Spec spec{
      .name = "stubborn", .argv = {"sh", "-c", "trap '' TERM; while :; do sleep 0.05; done"}, .log_file = "/dev/null"};
  auto ref = start(spec);
  ASSERT_TRUE(ref.ok());
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(stop(*ref, 300ms).ok());
  EXPECT_FALSE(alive(*ref));
}

TEST(Alive, ARecycledPidIsNotOurs) {
  ProcessRef self{.pid = ::getpid(), .start_time = 0, .name = "self"};
  EXPECT_FALSE(alive(self));  // wrong start time: never signalled
  self.start_time = *start_time_of(::getpid());
  EXPECT_TRUE(alive(self));
}

}  // namespace
}  // namespace flowlab::process
