// flowlab::netns — named network namespaces, iproute2-compatible (/run/netns/NAME).
//
// A namespace is created the way `ip netns add` does it: /run/netns is made a shared mount point, a dedicated
// thread unshare()s a fresh network namespace and bind-mounts /proc/self/task/<tid>/ns/net onto /run/netns/NAME,
// so `ip netns exec NAME ...` works for a human debugging a lab. Work "inside" a namespace is done by
// run_in_namespace(): a short-lived thread setns()es, runs one function (open a socket, write sysctls) and ends;
// the calling thread never changes namespace. Sockets opened that way stay bound to the namespace.
#pragma once

#include "common/fd.hpp"
#include "common/result.hpp"

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace flowlab::netns {

inline constexpr std::string_view kNetnsRunDir = "/run/netns";

// "/run/netns/NAME".
std::string namespace_path(std::string_view name);

// A usable namespace name: non-empty, at most 255 bytes, no '/', not "." or "..". Errors name the problem.
Status check_namespace_name(std::string_view name);

// Creates /run/netns/NAME holding a fresh network namespace (only `lo`, down). Fails if it exists already.
Status create_namespace(const std::string& name);

// Removes the name (umount2 MNT_DETACH + unlink). Idempotent: succeeds when there is no such namespace. The
// namespace itself (and its veths) goes away when the last process or socket inside it is gone.
Status delete_namespace(const std::string& name);

// Names under /run/netns starting with prefix, sorted.
std::vector<std::string> list_namespaces(std::string_view prefix = {});

// True when /run/netns/NAME exists.
bool namespace_exists(const std::string& name);

// Owns an open file descriptor of /run/netns/NAME (for setns(2) or IFLA_NET_NS_FD).
class NamespaceFd {
 public:
  static Result<NamespaceFd> open(const std::string& name);

  [[nodiscard]] int get() const { return fd_.get(); }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  NamespaceFd(Fd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}

  Fd fd_;
  std::string name_;
};

// A namespace this object created and deletes on destruction (unless released). For tests and for the set-up
// phase of a lab, where a failure half-way must not leave names behind.
class OwnedNamespace {
 public:
  static Result<OwnedNamespace> create(const std::string& name);

  OwnedNamespace(const OwnedNamespace&) = delete;
  OwnedNamespace& operator=(const OwnedNamespace&) = delete;
  OwnedNamespace(OwnedNamespace&& other) noexcept : name_(std::exchange(other.name_, {})) {}
  OwnedNamespace& operator=(OwnedNamespace&& other) noexcept;
  ~OwnedNamespace();

  [[nodiscard]] const std::string& name() const { return name_; }
  // Keeps the namespace; returns its name.
  std::string release() { return std::exchange(name_, {}); }

 private:
  explicit OwnedNamespace(std::string name) : name_(std::move(name)) {}

  std::string name_;
};

namespace detail {

// Joins the namespace on the calling thread (only ever called on run_in_namespace's own thread).
Status enter_namespace(const NamespaceFd& ns);

// What run_in_namespace returns for a function returning T: Result<T>, Status for void, and a Result<U> as is.
template <class T>
struct InNamespace {
  using type = Result<T>;
};
template <>
struct InNamespace<void> {
  using type = Status;
};
template <class U>
struct InNamespace<Result<U>> {
  using type = Result<U>;
};

}  // namespace detail

// Runs fn() on a dedicated thread that first joins the namespace; returns fn's result (flattened into one
// Result). The calling thread's namespace never changes. An exception escaping fn becomes an error.
template <class F>
auto run_in_namespace(const NamespaceFd& ns, F fn) -> typename detail::InNamespace<std::invoke_result_t<F&>>::type {
  using R = std::invoke_result_t<F&>;
  using Out = typename detail::InNamespace<R>::type;
  std::optional<Out> out;
  auto body = [&] {
    try {
      Status entered = detail::enter_namespace(ns);
      if (!entered.ok()) {
        out.emplace(fail(entered.error()));
        return;
      }
      if constexpr (std::is_void_v<R>) {
        fn();
        out.emplace();
      } else {
        out.emplace(fn());
      }
    } catch (const std::exception& e) {
      out.emplace(fail(ErrorKind::kNetns, "running a task in " + ns.name() + ": exception: " + e.what()));
    } catch (...) {
      out.emplace(fail(ErrorKind::kNetns, "running a task in " + ns.name() + ": unknown exception"));
    }
  };
  try {
    std::thread worker(body);
    worker.join();
  } catch (const std::system_error& e) {
    return fail(ErrorKind::kNetns, "starting a thread for " + ns.name() + ": " + e.what());
  }
  return std::move(*out);
}

template <class F>
auto run_in_namespace(const std::string& name, F fn) -> typename detail::InNamespace<std::invoke_result_t<F&>>::type {
  auto ns = NamespaceFd::open(name);
  if (!ns.ok()) {
    return fail(ns.error());
  }
  return run_in_namespace(*ns, std::move(fn));
}

}  // namespace flowlab::netns
