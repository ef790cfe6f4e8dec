// flowlab::lab::State — the lab state file, `<rundir>/<lab>/state.json`.
//
// It is written BEFORE each resource is created (intent first), atomically (temp file + rename), so that after a
// crash or SIGKILL of labctl, `labctl destroy NAME` knows every namespace and process that may exist. Processes
// are recorded with their kernel start time so a recycled PID is never signalled.
#pragma once

#include "common/result.hpp"
#include "platform/process/process.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace flowlab::lab {

// A file or directory a started process leaves outside the lab's run directory (NodeDriver::leftovers), removed
// once that process is gone.
struct Leftover {
  pid_t pid = 0;
  std::uint64_t start_time = 0;
  std::string path;
};

struct State {
  std::string lab;
  std::string topology_file;  // as given to deploy (may have gone since)
  std::string status;         // "deploying", "deployed", "destroying"
  std::vector<std::string> namespaces;
  std::vector<process::ProcessRef> processes;
  std::vector<Leftover> leftovers;
};

// <rundir>/<lab>
std::filesystem::path lab_dir(const std::filesystem::path& rundir, const std::string& lab);
std::filesystem::path state_path(const std::filesystem::path& rundir, const std::string& lab);

Result<State> read_state(const std::filesystem::path& rundir, const std::string& lab);
Status write_state(const std::filesystem::path& rundir, const State& state);

// Labs that have a run directory under rundir (whatever their status).
std::vector<std::string> list_labs(const std::filesystem::path& rundir);

}  // namespace flowlab::lab
