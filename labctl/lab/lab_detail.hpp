// detail of flowlab::lab, shared by its files: lab.cpp (deploy, restart), teardown.cpp (stopping processes,
// destroy) and labs.cpp (the lab index, which labs exist and where).
#pragma once

#include "labctl/lab/lab.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace flowlab::lab::detail {

void say(const Options& o, const std::string& line);

// The lab index (kLabIndexDir): the run directory each lab was deployed under.
std::filesystem::path indexed_rundir(const std::string& lab);
void write_index(const std::string& lab, const std::filesystem::path& rundir, const Options& options);
void remove_index(const std::string& lab);
// Whether `rundir` holds the lab's state file or topology copy.
bool holds_lab(const std::filesystem::path& rundir, const std::string& lab);

// Processes whose network namespace is one of `namespaces` (they can only have been started by the lab).
std::vector<process::ProcessRef> processes_in(const std::vector<std::string>& namespaces);
// TERM, then KILL what is left, of every process; waits for all together.
Status stop_all(const std::vector<process::ProcessRef>& procs);
// Removes the leftovers of processes that are gone; returns those still owned by running processes.
std::vector<Leftover> remove_leftovers(const std::vector<Leftover>& leftovers);

}  // namespace flowlab::lab::detail
