// flowlab::process::ended — how a process started with start() ended (what the scenario runner's process watch
// reports). Kept apart from process.hpp so that its users do not depend on it.
#pragma once

#include "platform/process/process.hpp"

#include <optional>
#include <string>

namespace flowlab::process {

// How a process we started ended. `known` only when it was this process's child (a process started by an earlier
// labctl was reaped by init, which keeps its status).
struct Exit {
  bool known = false;
  int code = -1;   // exit status, -1 when killed by a signal
  int signal = 0;  // the signal that killed it
  // "exited with status 3", "killed by signal 9 (SIGKILL)", "exited (status unknown: not a child of this labctl)"
  [[nodiscard]] std::string text() const;
};

// nullopt while the process runs; how it ended once it is gone (a child is reaped here, or by alive(), and its
// status kept for this call).
std::optional<Exit> ended(const ProcessRef& ref);

}  // namespace flowlab::process
