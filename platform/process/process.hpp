// flowlab::process — running programs inside lab nodes.
//
// Two ways: `run()` executes a short command to completion and captures its output (birdc, vtysh, sysctl-free
// probes); `start()` launches a long-running daemon detached from labctl (it must outlive a labctl that exits
// after deploy), its stdout/stderr appended to a log file, and returns a ProcessRef (PID + kernel start time) that
// the lab state file records. Children are argv-only (no shell); when `netns` is set the child joins that named
// network namespace (setns on /run/netns/NAME) between fork and exec; `private_mounts` gives it its own mount
// namespace where /run/<dir> binds can differ per node. stop() ends only the process it was given — verified by
// its start time, so a recycled PID is never signalled.
#pragma once

#include "common/result.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace flowlab::process {

// A bind mount set up in the child's private mount namespace before exec: `source` appears at `target`.
struct BindMount {
  std::filesystem::path source;
  std::filesystem::path target;
};

struct RunOptions {
  std::string netns;                                     // "" = stay in the caller's namespace
  std::chrono::milliseconds timeout{10000};              // killed (SIGKILL) after this
  std::string stdin_data;                                // written to the child's stdin, then closed
  std::vector<std::pair<std::string, std::string>> env;  // added to the environment
};

struct Output {
  int exit_code = -1;  // -1 when killed by a signal (see signal)
  int signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;
  [[nodiscard]] bool success() const { return exit_code == 0 && !timed_out; }
};

// Runs argv to completion. Fails only when the program could not be started; a non-zero exit is an Output.
Result<Output> run(const std::vector<std::string>& argv, const RunOptions& options = {});

// Runs argv with this process's stdin/stdout/stderr (for `labctl exec`); returns its exit code (128+signal when
// killed by a signal).
Result<int> run_attached(const std::vector<std::string>& argv, const std::string& netns);

struct Spec {
  std::string name;                   // "bird", "zebra", "flowprobe": used for the log file and state
  std::vector<std::string> argv;      // argv[0] is looked up in PATH when it has no '/'
  std::string netns;                  // named namespace to join ("" = caller's)
  std::filesystem::path log_file;     // stdout+stderr, appended; parent directory must exist
  std::filesystem::path working_dir;  // "" = "/"
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<BindMount> binds;  // non-empty => private mount namespace with these binds
  std::chrono::milliseconds stop_timeout{3000};
};

// Identity of a process we started: PID plus its start time in clock ticks since boot (/proc/PID/stat field 22).
struct ProcessRef {
  pid_t pid = 0;
  std::uint64_t start_time = 0;
  std::string name;
  std::string node;
};

// Starts a daemon. The child is reparented to init (double fork) so it survives labctl; its ProcessRef is
// returned once exec succeeded (an exec failure is reported as an error, with errno).
Result<ProcessRef> start(const Spec& spec);

// True when the process with this PID is still the one we started (same start time) and not a zombie.
bool alive(const ProcessRef& ref);

// SIGTERM, wait up to `timeout`, then SIGKILL. Succeeds when the process is gone (or was already).
Status stop(const ProcessRef& ref, std::chrono::milliseconds timeout = std::chrono::milliseconds{3000});

// Reads the start time of a PID from /proc (nullopt when there is no such process).
std::optional<std::uint64_t> start_time_of(pid_t pid);

}  // namespace flowlab::process
