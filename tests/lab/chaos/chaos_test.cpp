// Chaos in running labs: a lab process killed with SIGKILL while `labctl run` converges is reported within 2 s,
// naming the node, the process, the signal and the step, with its log's tail; labctl itself killed at every
// point of a deploy (and in the middle of a destroy) leaves nothing once `labctl destroy` has run; a SIGTERM to
// `labctl run` makes it destroy its own lab, and to `labctl matrix` too (and no further combination starts).
#include "labctl/lab/state.hpp"
#include "platform/netns/netns.hpp"
#include "platform/process/ended.hpp"
#include "tests/lab/lab_fixture.hpp"
#include "tests/support/eventually.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

namespace flowlab::labtest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<lab::State> state_of(const std::string& lab) {
  auto state = lab::read_state(kRunDir, lab);
  return state.ok() ? std::optional<lab::State>(*state) : std::nullopt;
}

// Waits until `done()` or the timeout; false on timeout.
bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout, std::chrono::milliseconds step) {
  return test_support::eventually(done, timeout, step);
}

// labctl (started by us, so alive() reaps it) gone within the timeout.
bool wait_gone(const process::ProcessRef& ref, std::chrono::milliseconds timeout) {
  return wait_for([&] { return !process::alive(ref); }, timeout, 10ms);
}

// Starts `labctl run janog36-model2` as lab `lab` (run directory `out`, emptied first; its progress in
// out/labctl.log) and returns once its converge step has begun.
void run_until_converge(const std::string& lab, const fs::path& out, std::optional<process::ProcessRef>& run) {
  fs::remove_all(out);
  fs::create_directories(out);
  process::Spec spec{.name = "labctl",
                     .argv = {FLOWLAB_LABCTL, "--rundir", kRunDir, "run", "--name", lab, "--out", out.string(),
                              std::string(FLOWLAB_SOURCE_DIR) + "/scenarios/janog36-model2.yaml"},
                     .log_file = out / "labctl.log"};
  auto started = process::start(spec);
  ASSERT_TRUE(started.ok()) << started.error().to_string();
  run = *started;
  ASSERT_TRUE(
      wait_for([&] { return read_text(out / "labctl.log").find("labctl: converge") != std::string::npos; }, 180s, 5ms))
      << read_text(out / "labctl.log");
}

struct Victim {
  std::string label;  // test name
  std::string node;   // janog36 node
  std::string name;   // process name in the lab state
};

class ProcessDeath : public ::testing::TestWithParam<Victim> {};

// `labctl run janog36-model2` (BIRD r1 with the collector's session, FRR r3, probe on r1, collector c1); the
// victim is killed as soon as the converge step has begun.
TEST_P(ProcessDeath, KillDuringConvergeIsReportedWithinTwoSeconds) {
  if (!is_root()) {
    GTEST_SKIP() << "lab tests need root";
  }
  const Victim victim = GetParam();
  const std::string lab = unique_lab("i20" + victim.label.substr(0, 2));
  LabGuard guard(lab);
  const fs::path out = fs::temp_directory_path() / (lab + "-run");
  std::optional<process::ProcessRef> run;
  ASSERT_NO_FATAL_FAILURE(run_until_converge(lab, out, run));
  const auto state = state_of(lab);
  ASSERT_TRUE(state.has_value());
  std::optional<process::ProcessRef> target;
  for (const auto& p : state->processes) {
    if (p.node == victim.node && p.name == victim.name) {
      target = p;
    }
  }
  ASSERT_TRUE(target.has_value()) << "no " << victim.name << " on " << victim.node;
  ASSERT_EQ(::kill(target->pid, SIGKILL), 0);
  const std::int64_t killed_ms = now_unix_ms();
  ASSERT_TRUE(wait_gone(*run, 120s)) << read_text(out / "labctl.log");
  const auto exit = process::ended(*run);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->text(), "exited with status 3") << read_text(out / "labctl.log");  // a runtime error

  const auto verdict = nlohmann::json::parse(read_text(out / "verdict.json"), nullptr, false);
  ASSERT_FALSE(verdict.is_discarded()) << read_text(out / "labctl.log");
  EXPECT_EQ(verdict.value("outcome", ""), "ERROR");
  const std::string error = verdict.value("error", "");
  EXPECT_NE(error.find("node " + victim.node + ": process " + victim.name), std::string::npos) << error;
  EXPECT_NE(error.find("killed by signal 9 (SIGKILL)"), std::string::npos) << error;
  EXPECT_NE(error.find("during step 1 (converge"), std::string::npos) << error;
  EXPECT_NE(error.find("last lines of "), std::string::npos) << error;
  nlohmann::json died;
  for (const auto& step : verdict["steps"]) {
    if (step.contains("details") && step["details"].contains("process_died")) {
      died = step["details"]["process_died"];
    }
  }
  ASSERT_TRUE(died.is_object()) << verdict.dump(2);
  EXPECT_EQ(died.value("node", ""), victim.node);
  EXPECT_EQ(died.value("process", ""), victim.name);
  EXPECT_EQ(died.value("signal", 0), SIGKILL);
  EXPECT_EQ(died.value("pid", 0), target->pid);
  const std::int64_t latency = died.value("detected_unix_ms", std::int64_t{0}) - killed_ms;
  EXPECT_GE(latency, 0);
  EXPECT_LE(latency, 2000) << "reported " << latency << " ms after the kill";
  RecordProperty("detection_ms", std::to_string(latency));
  EXPECT_EQ(leftovers(lab), std::vector<std::string>{});
  fs::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Chaos, ProcessDeath,
                         ::testing::Values(Victim{"collector", "c1", "flowcollector"}, Victim{"router", "r1", "bird"},
                                           Victim{"probe", "r1", "flowprobe0"}),
                         [](const auto& param_info) { return param_info.param.label; });

// SIGTERM to `labctl run` mid-scenario: it ends after the step it is in, destroys its lab itself (no `labctl
// destroy` here: the lab is gone before the guard runs) and reports the interrupt as a runtime error.
TEST(ChaosInterrupt, SigtermDuringRunDestroysTheLabAndSaysSo) {
  if (!is_root()) {
    GTEST_SKIP() << "lab tests need root";
  }
  const std::string lab = unique_lab("i20int");
  LabGuard guard(lab);
  const fs::path out = fs::temp_directory_path() / (lab + "-run");
  std::optional<process::ProcessRef> run;
  ASSERT_NO_FATAL_FAILURE(run_until_converge(lab, out, run));
  ASSERT_EQ(::kill(run->pid, SIGTERM), 0);
  ASSERT_TRUE(wait_gone(*run, 120s)) << read_text(out / "labctl.log");
  const auto exit = process::ended(*run);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->text(), "exited with status 3") << read_text(out / "labctl.log");
  EXPECT_EQ(leftovers(lab), std::vector<std::string>{}) << read_text(out / "labctl.log");
  const std::string log = read_text(out / "labctl.log");
  EXPECT_NE(log.find("labctl: interrupted: stopping after this step and destroying the lab"), std::string::npos) << log;
  EXPECT_NE(log.find("labctl: destroying lab " + lab), std::string::npos) << log;
  const auto verdict = nlohmann::json::parse(read_text(out / "verdict.json"), nullptr, false);
  ASSERT_FALSE(verdict.is_discarded()) << log;
  EXPECT_EQ(verdict.value("outcome", ""), "ERROR");
  EXPECT_NE(verdict.value("error", "").find("interrupted by SIGTERM"), std::string::npos) << verdict.dump(2);
  fs::remove_all(out);
}

// SIGTERM to `labctl matrix` while its first combination runs: that combination's run destroys its lab, the second
// never starts, and the reports of what ran are written and say so (exit 3, a runtime error).
TEST(ChaosInterrupt, SigtermDuringMatrixStopsItAndWritesWhatRan) {
  if (!is_root()) {
    GTEST_SKIP() << "lab tests need root";
  }
  const std::string prefix = unique_lab("i2m");
  const std::string first = prefix + "1-flocol";
  const std::string second = prefix + "1-flonfa";
  LabGuard guard_first(first);
  LabGuard guard_second(second);
  const fs::path out = fs::temp_directory_path() / (prefix + "-matrix");
  const fs::path log = fs::temp_directory_path() / (prefix + "-matrix.log");
  fs::remove_all(out);
  process::Spec spec{
      .name = "labctl",
      .argv = {FLOWLAB_LABCTL, "--rundir", kRunDir, "matrix",
               std::string(FLOWLAB_SOURCE_DIR) + "/scenarios/janog36-model2.yaml", "--probes", "flowprobe",
               "--collectors", "collector,nfacctd", "--name", prefix, "--out", out.string()},
      .log_file = log};
  auto started = process::start(spec);
  ASSERT_TRUE(started.ok()) << started.error().to_string();
  ASSERT_TRUE(wait_for(
      [&] {
        const auto s = state_of(first);
        return s && !s->processes.empty();
      },
      180s, 5ms))
      << read_text(log);
  ASSERT_EQ(::kill(started->pid, SIGTERM), 0);
  ASSERT_TRUE(wait_gone(*started, 120s)) << read_text(log);
  const auto exit = process::ended(*started);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->text(), "exited with status 3") << read_text(log);
  EXPECT_EQ(leftovers(first), std::vector<std::string>{}) << read_text(log);
  EXPECT_EQ(leftovers(second), std::vector<std::string>{}) << read_text(log);
  EXPECT_EQ(read_text(log).find("collector nfacctd"), std::string::npos) << read_text(log);  // never started
  const auto json = nlohmann::json::parse(read_text(out / "matrix.json"), nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << read_text(log);
  EXPECT_EQ(json.value("interrupted", ""),
            "interrupted by SIGTERM after 1 of 2 combinations (lab " + first + " destroyed)")
      << json.dump(2);
  ASSERT_EQ(json["combinations"].size(), 1U) << json.dump(2);
  EXPECT_NE(read_text(out / "matrix.txt").find("INTERRUPTED: 1 combinations"), std::string::npos)
      << read_text(out / "matrix.txt");
  fs::remove_all(out);
  fs::remove(log);
}

std::size_t resources(const lab::State& s) { return s.namespaces.size() + s.processes.size(); }

// One `labctl deploy janog36` killed with SIGKILL once `due(elapsed, resources in its state)` holds; then
// `labctl destroy` must leave nothing. Returns the resource count at the kill, or nullopt when the deploy had
// completed first.
std::optional<std::size_t> kill_deploy_when(
    const std::string& lab, const std::function<bool(std::chrono::steady_clock::duration, std::size_t)>& due) {
  process::Spec spec{
      .name = "labctl",
      .argv = {FLOWLAB_LABCTL, "--rundir", kRunDir, "deploy", "-t", topology_path("janog36"), "--name", lab},
      .log_file = "/dev/null"};
  auto ref = process::start(spec);
  EXPECT_TRUE(ref.ok()) << ref.error().to_string();
  if (!ref.ok()) {
    return std::nullopt;
  }
  const auto begin = std::chrono::steady_clock::now();
  std::size_t at = 0;
  wait_for(
      [&] {
        const auto s = state_of(lab);
        at = s ? resources(*s) : 0;
        return due(std::chrono::steady_clock::now() - begin, at) || !process::alive(*ref);
      },
      120s, 1ms);
  (void)::kill(ref->pid, SIGKILL);
  EXPECT_TRUE(wait_gone(*ref, 5s));
  const bool killed = process::ended(*ref).value_or(process::Exit{}).signal == SIGKILL;
  const auto destroy = labctl({"destroy", lab});
  EXPECT_TRUE(destroy.success()) << "killed at " << at << " resources: " << describe(destroy);
  EXPECT_EQ(leftovers(lab), std::vector<std::string>{}) << "killed at " << at << " resources";
  return killed ? std::optional<std::size_t>(at) : std::nullopt;
}

// labctl deploy janog36 killed at every resource count its state file goes through (namespaces are recorded
// together, then each daemon and probe), and at 24 moments spread over a whole deploy (links, addresses,
// sysctls, daemons starting): each time, destroy leaves nothing.
TEST(ChaosDeploy, SigkillAtEveryPointOfDeployThenDestroyLeavesNothing) {
  if (!is_root()) {
    GTEST_SKIP() << "lab tests need root";
  }
  const std::string lab = unique_lab("i20d");
  LabGuard guard(lab);
  std::size_t kills = 0;
  std::set<std::size_t> counts;
  for (std::size_t k = 1; k < 64; ++k) {
    const auto at = kill_deploy_when(lab, [k](auto, std::size_t n) { return n >= k; });
    if (!at) {
      break;  // the deploy completed before k resources: every count was covered
    }
    counts.insert(*at);
    ++kills;
  }
  std::chrono::steady_clock::duration whole{};  // a whole deploy: the last moment it was seen running
  EXPECT_FALSE(kill_deploy_when(lab, [&whole](auto elapsed, std::size_t) {
                 whole = elapsed;
                 return false;
               }).has_value());
  constexpr int kMoments = 24;
  for (int k = 1; k <= kMoments; ++k) {
    const auto when = whole * k / (kMoments + 2);
    kills += kill_deploy_when(lab, [when](auto elapsed, std::size_t) { return elapsed >= when; }) ? 1U : 0U;
  }
  RecordProperty("kills", std::to_string(kills));
  RecordProperty("resource_counts", std::to_string(counts.size()));
  EXPECT_GE(kills, 20U);
}

// A destroy killed half-way (some namespaces gone) is finished by the next destroy.
TEST(ChaosDestroy, SigkillMidDestroyThenDestroyLeavesNothing) {
  if (!is_root()) {
    GTEST_SKIP() << "lab tests need root";
  }
  const std::string lab = unique_lab("i20x");
  LabGuard guard(lab);
  auto deploy = labctl({"deploy", "-t", topology_path("janog36"), "--name", lab});
  ASSERT_TRUE(deploy.success()) << describe(deploy);
  const std::size_t all = netns::list_namespaces("fl-" + lab + "-").size();
  process::Spec spec{
      .name = "labctl", .argv = {FLOWLAB_LABCTL, "--rundir", kRunDir, "destroy", lab}, .log_file = "/dev/null"};
  auto ref = process::start(spec);
  ASSERT_TRUE(ref.ok()) << ref.error().to_string();
  wait_for([&] { return netns::list_namespaces("fl-" + lab + "-").size() < all || !process::alive(*ref); }, 60s, 1ms);
  (void)::kill(ref->pid, SIGKILL);
  ASSERT_TRUE(wait_gone(*ref, 5s));
  EXPECT_FALSE(netns::list_namespaces("fl-" + lab + "-").empty()) << "killed too late to test anything";
  auto destroy = labctl({"destroy", lab});
  EXPECT_TRUE(destroy.success()) << describe(destroy);
  EXPECT_EQ(leftovers(lab), std::vector<std::string>{});
}

}  // namespace
}  // namespace flowlab::labtest
