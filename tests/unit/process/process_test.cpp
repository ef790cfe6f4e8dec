#include "platform/process/ended.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

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

// A descriptor the caller holds without O_CLOEXEC (`flock FILE cmd` hands one down) must not reach a started
// process: a daemon that outlives its lab would hold it (a lock, a socket) for as long as it runs.
TEST(Run, ChildrenGetOnlyStandardDescriptors) {
  const int fd = ::open("/dev/null", O_RDONLY);  // deliberately inheritable
  ASSERT_GE(fd, 3);
  auto r = run({"sh", "-c", "ls /proc/self/fd"});
  ::close(fd);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  std::istringstream listed(r->out);
  std::vector<int> fds;
  for (int n = 0; listed >> n;) {
    fds.push_back(n);
  }
  // 0..2, and the descriptor `ls` opens on /proc/self/fd itself (the highest one).
  ASSERT_FALSE(fds.empty());
  fds.pop_back();
  EXPECT_EQ(fds, (std::vector<int>{0, 1, 2})) << r->out;
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

// How a started process ended: nullopt while it runs, then its exit status or signal (what the scenario runner's
// process watch reports).
TEST(Ended, ReportsExitStatusAndSignal) {
  Spec spec{.name = "quitter", .argv = {"sh", "-c", "sleep 0.1; exit 3"}, .log_file = "/dev/null"};
  auto quitter = start(spec);
  ASSERT_TRUE(quitter.ok()) << quitter.error().to_string();
  EXPECT_FALSE(ended(*quitter).has_value());
  std::optional<Exit> exit;
  for (int i = 0; i < 300 && !(exit = ended(*quitter)); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->known);
  EXPECT_EQ(exit->code, 3);
  EXPECT_EQ(exit->text(), "exited with status 3");

  spec = Spec{.name = "victim", .argv = {"sleep", "30"}, .log_file = "/dev/null"};
  auto victim = start(spec);
  ASSERT_TRUE(victim.ok());
  ASSERT_EQ(::kill(victim->pid, SIGKILL), 0);
  for (int i = 0; i < 300 && !(exit = ended(*victim)); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_EQ(exit->text(), "killed by signal 9 (SIGKILL)");
  // Reaped once: asking again gives the same answer.
  EXPECT_EQ(ended(*victim)->text(), "killed by signal 9 (SIGKILL)");
}

TEST(Ended, NotOurChildHasNoStatus) {
  const Exit unknown;
  EXPECT_EQ(unknown.text(), "exited (status unknown: not a child of this labctl)");
}

TEST(Alive, ARecycledPidIsNotOurs) {
  ProcessRef self{.pid = ::getpid(), .start_time = 0, .name = "self"};
  EXPECT_FALSE(alive(self));  // wrong start time: never signalled
  self.start_time = *start_time_of(::getpid());
  EXPECT_TRUE(alive(self));
}

}  // namespace
}  // namespace flowlab::process
