#include "platform/netns/namespace.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace flowlab::netns {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Serialises the "make /run/netns a shared mount point" step inside this process, so two threads never stack
// two bind mounts of /run/netns on top of each other.
std::mutex& run_dir_mutex() {
  static std::mutex m;
  return m;
}

// iproute2 ipnetns.c: make /run/netns a shared mount point (bind-mounting it on itself the first time), so a
// namespace mounted there is visible in every mount namespace that is a slave of this one.
Status prepare_run_dir() {
  std::lock_guard lock(run_dir_mutex());
  const std::string dir(kNetnsRunDir);
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return fail(ErrorKind::kNetns, "creating " + dir + ": " + errno_text(errno));
  }
  bool bound = false;
  while (::mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0) {
    if (errno != EINVAL || bound) {
      return fail(ErrorKind::kNetns, "making " + dir + " a shared mount point: " + errno_text(errno));
    }
    if (::mount(dir.c_str(), dir.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0) {
      return fail(ErrorKind::kNetns, "bind-mounting " + dir + " on itself: " + errno_text(errno));
    }
    bound = true;
  }
  return {};
}

}  // namespace

std::string namespace_path(std::string_view name) {
  std::string path(kNetnsRunDir);
  path += '/';
  path += name;
  return path;
}

Status check_namespace_name(std::string_view name) {
  if (name.empty()) {
    return fail(ErrorKind::kNetns, "namespace name is empty");
  }
  if (name.size() > 255) {
    return fail(ErrorKind::kNetns,
                "namespace name '" + std::string(name.substr(0, 32)) + "...' is longer than 255 bytes");
  }
  if (name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return fail(ErrorKind::kNetns, "namespace name '" + std::string(name) + "' is not a plain file name");
  }
  return {};
}

Status create_namespace(const std::string& name) {
  FLOWLAB_TRY(check_namespace_name(name));
  FLOWLAB_TRY(prepare_run_dir());
  const std::string path = namespace_path(name);
  {
    Fd placeholder(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
    if (!placeholder) {
      int err = errno;
      if (err == EEXIST) {
        return fail(ErrorKind::kNetns, "creating namespace " + name + ": it already exists (" + path + ")");
      }
      return fail(ErrorKind::kNetns, "creating namespace " + name + ": creating " + path + ": " + errno_text(err));
    }
  }
  // unshare() on a thread of its own: only that thread moves to the new namespace, and it ends right after
  // pinning the namespace with the bind mount.
  Status made;
  auto body = [&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      made = fail(ErrorKind::kNetns, "creating namespace " + name + ": unshare(CLONE_NEWNET): " + errno_text(errno));
      return;
    }
    const std::string self = "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/net";
    if (::mount(self.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) {
      made = fail(ErrorKind::kNetns,
                  "creating namespace " + name + ": bind-mounting " + self + " on " + path + ": " + errno_text(errno));
    }
  };
  try {
    std::thread worker(body);
    worker.join();
  } catch (const std::system_error& e) {
    made = fail(ErrorKind::kNetns, "creating namespace " + name + ": starting a thread: " + e.what());
  }
  if (!made.ok()) {
    ::unlink(path.c_str());
    return made;
  }
  return {};
}

Status delete_namespace(const std::string& name) {
  FLOWLAB_TRY(check_namespace_name(name));
  const std::string path = namespace_path(name);
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return fail(ErrorKind::kNetns, "deleting namespace " + name + ": unmounting " + path + ": " + errno_text(errno));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return fail(ErrorKind::kNetns, "deleting namespace " + name + ": removing " + path + ": " + errno_text(errno));
  }
  return {};
}

std::vector<std::string> list_namespaces(std::string_view prefix) {
  std::vector<std::string> names;
  const std::string dir(kNetnsRunDir);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    return names;
  }
  while (const dirent* entry = ::readdir(d)) {
    std::string_view n(entry->d_name);
    if (n == "." || n == "..") {
      continue;
    }
    if (n.substr(0, prefix.size()) == prefix) {
      names.emplace_back(n);
    }
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool namespace_exists(const std::string& name) {
  if (!check_namespace_name(name).ok()) {
    return false;
  }
  struct stat st {};
  return ::stat(namespace_path(name).c_str(), &st) == 0;
}

Result<NamespaceFd> NamespaceFd::open(const std::string& name) {
  FLOWLAB_TRY(check_namespace_name(name));
  const std::string path = namespace_path(name);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    int err = errno;
    if (err == ENOENT) {
      return fail(ErrorKind::kNetns, "namespace " + name + " does not exist (no " + path + ")");
    }
    return fail(ErrorKind::kNetns, "opening namespace " + name + " (" + path + "): " + errno_text(err));
  }
  return NamespaceFd(std::move(fd), name);
}

Result<OwnedNamespace> OwnedNamespace::create(const std::string& name) {
  FLOWLAB_TRY(create_namespace(name));
  return OwnedNamespace(name);
}

OwnedNamespace& OwnedNamespace::operator=(OwnedNamespace&& other) noexcept {
  if (this != &other) {
    if (!name_.empty()) {
      (void)delete_namespace(name_);
    }
    name_ = std::exchange(other.name_, {});
  }
  return *this;
}

OwnedNamespace::~OwnedNamespace() {
  if (!name_.empty()) {
    (void)delete_namespace(name_);
  }
}

namespace detail {

Status enter_namespace(const NamespaceFd& ns) {
  if (::setns(ns.get(), CLONE_NEWNET) != 0) {
    return fail(ErrorKind::kNetns, "entering namespace " + ns.name() + " (setns): " + errno_text(errno));
  }
  return {};
}

}  // namespace detail
}  // namespace flowlab::netns
