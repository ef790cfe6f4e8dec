#include "platform/process/process.hpp"

#include "common/fd.hpp"
#include "common/strings.hpp"
#include "platform/process/ended.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace flowlab::process {
namespace bp = boost::process;
namespace fs = std::filesystem;

namespace {

std::string errno_text(int err) { return std::strerror(err); }

Result<Fd> open_netns(const std::string& netns) {
  if (netns.empty()) {
    return Fd();
  }
  std::string path = "/run/netns/" + netns;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(ErrorKind::kNetns, "opening namespace " + netns + " (" + path + "): " + errno_text(errno));
  }
  return Fd(fd);
}

Result<fs::path> resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    return fs::path(name);
  }
  fs::path found = bp::search_path(name).string();
  if (found.empty()) {
    return fail(ErrorKind::kProcess, "program '" + name + "' not found in PATH");
  }
  return found;
}

// Marks every descriptor above stderr close-on-exec, so a started program gets only stdin/stdout/stderr: whatever
// the caller holds without O_CLOEXEC (a lock `flock FILE labctl ...` hands down, a socket of a library) must not
// live on in a daemon. Close-on-exec rather than close: the executor's error pipe must stay open until exec.
// Safe after fork: close_range(2) where the kernel has it (5.11+), else one fcntl per possible descriptor.
void close_inherited_on_exec() {
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
    return;
  }
  const long max_fd = ::sysconf(_SC_OPEN_MAX);
  for (int fd = 3; fd < (max_fd > 0 && max_fd < 65536 ? max_fd : 65536); ++fd) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) {
      ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
  }
}

// Work done in the child between fork and exec. Everything here must be safe after fork: plain syscalls only.
struct ChildSetup {
  int netns_fd = -1;
  int log_fd = -1;
  int devnull_fd = -1;
  bool new_session = false;
  pid_t die_with = 0;  // the child is SIGKILLed when this parent dies (a killed labctl leaves no vtysh behind) ...
  bool only_until_exec = false;  // ... start(): only until it has entered the lab's namespace and execs
  const std::vector<BindMount>* binds = nullptr;

  template <class Executor>
  void operator()(Executor& exec) const {
    auto die = [&exec](const char* what) {
      exec.set_error(std::error_code(errno, std::system_category()), what);
      ::_exit(127);
    };
    if (new_session) {
      ::setsid();
    }
    if (die_with != 0 && (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != die_with)) {
      ::_exit(127);  // the parent is gone already
    }
    if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) {
      die("setns(CLONE_NEWNET) failed");
    }
    if (binds != nullptr && !binds->empty()) {
      if (::unshare(CLONE_NEWNS) != 0) {
        die("unshare(CLONE_NEWNS) failed");
      }
      if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        die("making / a private mount failed");
      }
      for (const auto& b : *binds) {
        if (::mount(b.source.c_str(), b.target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
          die("bind mount failed");
        }
      }
    }
    close_inherited_on_exec();
    if (devnull_fd >= 0) {
      ::dup2(devnull_fd, STDIN_FILENO);
    }
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    }
    if (only_until_exec) {
      ::prctl(PR_SET_PDEATHSIG, 0);  // a daemon outlives labctl, but only once it is inside the lab's namespace
    }
  }
};

std::vector<std::string> tail_args(const std::vector<std::string>& argv) { return {argv.begin() + 1, argv.end()}; }

bp::environment make_env(const std::vector<std::pair<std::string, std::string>>& extra) {
  bp::environment env = boost::this_process::environment();
  for (const auto& [k, v] : extra) {
    env[k] = v;
  }
  return env;
}

}  // namespace

Result<Output> run(const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty()) {
    return fail(ErrorKind::kProcess, "empty command");
  }
  auto exe = resolve_program(argv[0]);
  FLOWLAB_TRY(exe);
  auto netns = open_netns(options.netns);
  FLOWLAB_TRY(netns);

  ChildSetup setup;
  setup.netns_fd = netns->get();
  setup.die_with = ::getpid();

  Output output;
  try {
    boost::asio::io_context io;
    std::future<std::string> out;
    std::future<std::string> err;
    bp::async_pipe in_pipe(io);
    bp::child child(
        exe->string(), bp::args(tail_args(argv)), bp::std_out > out, bp::std_err > err, bp::std_in < in_pipe,
        make_env(options.env), io, bp::extend::on_exec_setup = [&setup](auto& exec) { setup(exec); });
    std::string input = options.stdin_data;
    if (input.empty()) {
      in_pipe.close();
    } else {
      boost::asio::async_write(in_pipe, boost::asio::buffer(input),
                               [&in_pipe](const boost::system::error_code&, std::size_t) { in_pipe.close(); });
    }
    io.run_for(options.timeout);
    if (!io.stopped()) {
      output.timed_out = true;
      std::error_code ec;
      child.terminate(ec);  // SIGKILL
      io.run();
    }
    if (output.timed_out) {
      output.signal = SIGKILL;
      output.exit_code = -1;
      output.out = out.get();
      output.err = err.get();
      return output;
    }
    child.wait();
    int native = child.native_exit_code();
    if (WIFSIGNALED(native)) {
      output.signal = WTERMSIG(native);
      output.exit_code = -1;
    } else {
      output.exit_code = child.exit_code();
    }
    output.out = out.get();
    output.err = err.get();
  } catch (const std::exception& e) {
    std::string where = options.netns.empty() ? "" : " in namespace " + options.netns;
    return fail(ErrorKind::kProcess, "running '" + argv[0] + "'" + where + ": " + e.what());
  }
  return output;
}

Result<int> run_attached(const std::vector<std::string>& argv, const std::string& netns) {
  if (argv.empty()) {
    return fail(ErrorKind::kProcess, "empty command");
  }
  auto exe = resolve_program(argv[0]);
  FLOWLAB_TRY(exe);
  auto ns_fd = open_netns(netns);
  FLOWLAB_TRY(ns_fd);
  ChildSetup setup;
  setup.netns_fd = ns_fd->get();
  try {
    bp::child child(
        exe->string(), bp::args(tail_args(argv)), bp::extend::on_exec_setup = [&setup](auto& exec) { setup(exec); });
    child.wait();
    int native = child.native_exit_code();
    return WIFSIGNALED(native) ? 128 + WTERMSIG(native) : child.exit_code();
  } catch (const std::exception& e) {
    return fail(ErrorKind::kProcess, "running '" + argv[0] + "' in namespace " + netns + ": " + e.what());
  }
}

std::optional<std::uint64_t> start_time_of(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!stat || !std::getline(stat, line)) {
    return std::nullopt;
  }
  // Field 2 (comm) may contain spaces and parentheses: parse from the last ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  // rest starts at field 3 (state); start time is field 22.
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) {
      return std::nullopt;
    }
  }
  return parse_decimal(field);
}

namespace {

char state_of(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!stat || !std::getline(stat, line)) {
    return '?';
  }
  auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() ? '?' : line[close + 2];
}

// The wait() status of every child reaped here, by PID (ended() reads it; a recycled PID overwrites it).
std::mutex reaped_mutex;
std::map<pid_t, int> reaped;

void reap_if_child(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) == pid) {
    const std::lock_guard lock(reaped_mutex);
    reaped[pid] = status;
  }
}

}  // namespace

std::string Exit::text() const {
  if (!known) {
    return "exited (status unknown: not a child of this labctl)";
  }
  if (signal != 0) {
    const char* abbrev = sigabbrev_np(signal);
    return "killed by signal " + std::to_string(signal) +
           (abbrev != nullptr ? " (SIG" + std::string(abbrev) + ")" : "");
  }
  return "exited with status " + std::to_string(code);
}

std::optional<Exit> ended(const ProcessRef& ref) {
  if (alive(ref)) {
    return std::nullopt;
  }
  // A child being killed is not alive() a moment before it can be reaped: wait for that moment (waitpid says 0
  // while our child has not changed state, -1 when it is not, or no longer, ours).
  for (int i = 0; i < 1000 && ref.pid > 0; ++i) {
    int status = 0;
    const pid_t got = ::waitpid(ref.pid, &status, WNOHANG);
    if (got == ref.pid) {
      const std::lock_guard lock(reaped_mutex);
      reaped[ref.pid] = status;
    }
    if (got != 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  Exit exit;
  const std::lock_guard lock(reaped_mutex);
  if (auto it = reaped.find(ref.pid); it != reaped.end()) {
    exit.known = true;
    exit.signal = WIFSIGNALED(it->second) ? WTERMSIG(it->second) : 0;
    exit.code = WIFEXITED(it->second) ? WEXITSTATUS(it->second) : -1;
  }
  return exit;
}

bool alive(const ProcessRef& ref) {
  if (ref.pid <= 0) {
    return false;
  }
  reap_if_child(ref.pid);
  auto started = start_time_of(ref.pid);
  if (!started || *started != ref.start_time) {
    return false;
  }
  char s = state_of(ref.pid);
  return s != 'Z' && s != 'X' && s != '?';
}

Result<ProcessRef> start(const Spec& spec) {
  if (spec.argv.empty()) {
    return fail(ErrorKind::kProcess, "empty command for " + spec.name);
  }
  auto exe = resolve_program(spec.argv[0]);
  FLOWLAB_TRY(exe);
  auto netns = open_netns(spec.netns);
  FLOWLAB_TRY(netns);
  Fd log_fd(::open(spec.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (log_fd.get() < 0) {
    return fail(ErrorKind::kProcess, "opening log file " + spec.log_file.string() + ": " + errno_text(errno));
  }
  Fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));

  ChildSetup setup;
  setup.netns_fd = netns->get();
  setup.log_fd = log_fd.get();
  setup.devnull_fd = devnull.get();
  setup.new_session = true;
  setup.binds = &spec.binds;
  // A labctl killed between fork and setns would leave a child in the host's namespace that destroy cannot find.
  setup.die_with = ::getpid();
  setup.only_until_exec = true;

  ProcessRef ref;
  ref.name = spec.name;
  try {
    fs::path wd = spec.working_dir.empty() ? fs::path("/") : spec.working_dir;
    bp::child child(
        exe->string(), bp::args(tail_args(spec.argv)), make_env(spec.env), bp::start_dir(wd.string()),
        bp::extend::on_exec_setup = [&setup](auto& exec) { setup(exec); });
    ref.pid = child.id();
    child.detach();
  } catch (const std::exception& e) {
    std::string where = spec.netns.empty() ? "" : " in namespace " + spec.netns;
    return fail(ErrorKind::kProcess, "starting " + spec.name + " ('" + spec.argv[0] + "')" + where + ": " + e.what());
  }
  auto started = start_time_of(ref.pid);
  if (!started) {
    return fail(ErrorKind::kProcess,
                spec.name + " (pid " + std::to_string(ref.pid) + ") exited immediately; see " + spec.log_file.string());
  }
  ref.start_time = *started;
  return ref;
}

Status stop(const ProcessRef& ref, std::chrono::milliseconds timeout) {
  if (!alive(ref)) {
    return {};
  }
  if (::kill(ref.pid, SIGTERM) != 0 && errno != ESRCH) {
    return fail(ErrorKind::kSocket,
                "SIGTERM to " + ref.name + " (pid " + std::to_string(ref.pid) + "): " + errno_text(errno));
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!alive(ref)) {
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (alive(ref)) {
    (void)::kill(ref.pid, SIGKILL);
    for (int i = 0; i < 200 && alive(ref); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (alive(ref)) {
    return fail(ErrorKind::kSocket, ref.name + " (pid " + std::to_string(ref.pid) + ") survived SIGKILL");
  }
  return {};
}

}  // namespace flowlab::process
