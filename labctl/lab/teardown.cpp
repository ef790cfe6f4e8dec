// Taking a lab away: its processes (recorded, and any found in its namespaces), what they left behind, its
// namespaces, its run directory and its index entry.
#include "common/poll.hpp"
#include "labctl/lab/lab_detail.hpp"
#include "platform/netns/netns.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <set>
#include <thread>

namespace flowlab::lab {
namespace fs = std::filesystem;

namespace detail {

namespace {

// (dev, inode) of a network namespace file.
std::optional<std::pair<dev_t, ino_t>> ns_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return std::nullopt;
  }
  return std::make_pair(st.st_dev, st.st_ino);
}

}  // namespace

// Processes whose network namespace is one of `namespaces` (they can only have been started by this lab).
std::vector<process::ProcessRef> processes_in(const std::vector<std::string>& namespaces) {
  std::set<std::pair<dev_t, ino_t>> ids;
  for (const auto& ns : namespaces) {
    if (auto id = ns_identity("/run/netns/" + ns)) {
      ids.insert(*id);
    }
  }
  std::vector<process::ProcessRef> out;
  if (ids.empty()) {
    return out;
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string pid_text = entry.path().filename().string();
    if (pid_text.empty() || !std::all_of(pid_text.begin(), pid_text.end(), ::isdigit)) {
      continue;
    }
    auto id = ns_identity(entry.path().string() + "/ns/net");
    if (!id || ids.count(*id) == 0) {
      continue;
    }
    process::ProcessRef ref;
    ref.pid = static_cast<pid_t>(std::stol(pid_text));
    ref.name = "pid " + pid_text;
    if (auto st = process::start_time_of(ref.pid)) {
      ref.start_time = *st;
      out.push_back(ref);
    }
  }
  return out;
}

// Removes the leftovers of processes that are gone (stop_all first). A PID that lives again belongs to someone else
// now: its path is kept. Returns the leftovers still owned by running processes.
std::vector<Leftover> remove_leftovers(const std::vector<Leftover>& leftovers) {
  std::vector<Leftover> kept;
  for (const auto& l : leftovers) {
    if (process::alive(process::ProcessRef{l.pid, l.start_time, "", ""})) {
      kept.push_back(l);
    } else if (::kill(l.pid, 0) != 0) {
      std::error_code ec;
      fs::remove_all(l.path, ec);
    }
  }
  return kept;
}

Status stop_all(const std::vector<process::ProcessRef>& procs) {
  // TERM everything first, then wait for all together: destroy time does not grow with the node count.
  for (const auto& p : procs) {
    if (process::alive(p)) {
      (void)::kill(p.pid, SIGTERM);
    }
  }
  (void)poll_for(
      [&] { return std::none_of(procs.begin(), procs.end(), [](const auto& p) { return process::alive(p); }); },
      std::chrono::seconds(2), std::chrono::milliseconds(10));
  Status result;
  for (const auto& p : procs) {
    auto s = process::stop(p, std::chrono::milliseconds(500));
    if (!s.ok() && result.ok()) {
      result = s;
    }
  }
  return result;
}

}  // namespace detail

using detail::processes_in;
using detail::remove_index;
using detail::remove_leftovers;
using detail::say;
using detail::stop_all;

Status destroy(const std::string& lab, const Options& options) {
  if (!valid_lab_name(lab)) {
    return fail(ErrorKind::kUsage, "invalid lab name '" + lab + "'");
  }
  const fs::path rundir = lab_rundir(lab, options);
  State state;
  if (auto s = read_state(rundir, lab); s.ok()) {
    state = *s;
  }
  state.lab = lab;
  // Namespaces: those recorded, plus any named after the lab (fl-<lab>-<node>; node names have no '-').
  std::set<std::string> namespaces(state.namespaces.begin(), state.namespaces.end());
  const std::regex mine("^fl-" + lab + "-[a-z0-9]+$");
  for (const auto& ns : netns::list_namespaces("fl-" + lab + "-")) {
    if (std::regex_match(ns, mine)) {
      namespaces.insert(ns);
    }
  }
  std::vector<std::string> ns_list(namespaces.begin(), namespaces.end());
  say(options, "stopping processes of lab " + lab);
  Status result = stop_all(state.processes);
  // Anything still running inside the lab's namespaces was started there by us.
  Status swept = stop_all(processes_in(ns_list));
  (void)remove_leftovers(state.leftovers);
  if (result.ok()) {
    result = swept;
  }
  say(options, "deleting " + std::to_string(ns_list.size()) + " namespaces");
  for (const auto& ns : ns_list) {
    Status s = netns::delete_namespace(ns);
    if (!s.ok() && result.ok()) {
      result = s;
    }
  }
  std::error_code ec;
  fs::remove_all(lab_dir(rundir, lab), ec);
  if (ec && result.ok()) {
    result = fail(ErrorKind::kIo, "removing " + lab_dir(rundir, lab).string() + ": " + ec.message());
  }
  if (result.ok()) {
    remove_index(lab);
  }
  return result;
}

}  // namespace flowlab::lab
