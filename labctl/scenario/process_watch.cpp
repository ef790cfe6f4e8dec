// Process watching: every process the lab started (the lab state's list: routing daemons, probes, collectors,
// tees) is checked between steps and in every wait of a step (converge polls, delivery waits, wait steps), so a
// process that dies is reported within a poll interval — naming the node, the process, how it ended, the step and
// the tail of its log — instead of as the timeout or refused connection it causes later.
#include "labctl/lab/state.hpp"
#include "labctl/scenario/run_context.hpp"
#include "platform/process/ended.hpp"

#include <deque>
#include <fstream>
#include <thread>

namespace flowlab::scenario {
namespace {

constexpr std::size_t kLogTailLines = 10;

std::string log_tail(const std::filesystem::path& log) {
  std::ifstream in(log);
  if (!in) {
    return "(no log at " + log.string() + ")";
  }
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
    if (lines.size() > kLogTailLines) {
      lines.pop_front();
    }
  }
  std::string out;
  for (const auto& line : lines) {
    out += "\n  | " + line;
  }
  return out.empty() ? "(empty log)" : out;
}

std::string step_text(const RunContext& run) {
  if (run.sc.steps.empty() || run.step_index >= run.sc.steps.size()) {
    return "after deploy";
  }
  return "during step " + std::to_string(run.step_index + 1) + " (" + run.sc.steps[run.step_index].summary() + ")";
}

}  // namespace

Status watch_processes(RunContext& run) {
  if (!run.deployed || run.death) {
    return run.death ? fail(ErrorKind::kProcess, run.death->value("message", "")) : Status{};
  }
  for (const auto& ref : run.lab_processes()) {
    const auto exit = process::ended(ref);
    if (!exit) {
      continue;
    }
    const auto log = lab::lab_dir(run.lab_options.rundir, run.sc.lab_name()) / ref.node / (ref.name + ".log");
    const std::string message = "node " + ref.node + ": process " + ref.name + " (pid " + std::to_string(ref.pid) +
                                ") " + exit->text() + " " + step_text(run) + "; last lines of " + log.string() + ":" +
                                log_tail(log);
    run.death = nlohmann::json{{"node", ref.node},
                               {"process", ref.name},
                               {"pid", ref.pid},
                               {"exit", exit->text()},
                               {"exit_known", exit->known},
                               {"exit_status", exit->code},
                               {"signal", exit->signal},
                               {"step", run.step_index + 1},
                               {"log", log.string()},
                               {"message", message},
                               {"detected_unix_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                        std::chrono::system_clock::now().time_since_epoch())
                                                        .count()}};
    return fail(ErrorKind::kProcess, message);
  }
  return {};
}

Status watched_sleep(RunContext& run, std::chrono::milliseconds duration) {
  const auto end = std::chrono::steady_clock::now() + duration;
  while (true) {
    FLOWLAB_TRY(watch_processes(run));
    const auto now = std::chrono::steady_clock::now();
    if (now >= end) {
      return {};
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(end - now, kWatchInterval));
  }
}

}  // namespace flowlab::scenario
