// flowlab::Result — the error-carrying return type every flowlab library uses.
//
// Libraries never throw through their public API: they return Result<T>, which holds either a value or an
// Error naming what failed (an ErrorKind plus a human sentence). main() maps the kind to an exit code. A Result must be
// looked at ([[nodiscard]]).
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace flowlab {

// ErrorKind: what class of thing failed. It decides the exit code (exit_code_class) and prefixes the message;
// the message names the operation and the object.
enum class ErrorKind : std::uint8_t {
  kUsage,        // a command line that cannot be obeyed
  kConfig,       // a configuration, spec, map or query the user wrote is invalid
  kParse,        // the output of a tool we drive (birdc, vtysh, a dump) could not be read
  kExists,       // what is to be created is already there
  kNotFound,     // what was named does not exist
  kUnsupported,  // valid, but not something flowlab does
  kNetlink,      // a netlink request (links, addresses, routes) failed
  kNetns,        // entering, creating or configuring a network namespace (sysctl) failed
  kSocket,       // a socket call (bind, send, poll, signalfd) failed
  kProcess,      // starting, signalling or restarting a process failed
  kPcap,         // libpcap failed
  kIo,           // reading or writing a file or store failed
  kState,        // a lab's saved state is missing or unreadable
  kTimeout,      // something did not happen within its time
  kBgp,          // a BGP session or announcement failed
  kVerify,       // a scenario step could not be carried out
};

// The stable lower-case name printed before a message ("netlink: adding veth eth1: ...").
[[nodiscard]] constexpr const char* kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage:
      return "usage";
    case ErrorKind::kConfig:
      return "config";
    case ErrorKind::kParse:
      return "parse";
    case ErrorKind::kExists:
      return "exists";
    case ErrorKind::kNotFound:
      return "not found";
    case ErrorKind::kUnsupported:
      return "unsupported";
    case ErrorKind::kNetlink:
      return "netlink";
    case ErrorKind::kNetns:
      return "netns";
    case ErrorKind::kSocket:
      return "socket";
    case ErrorKind::kProcess:
      return "process";
    case ErrorKind::kPcap:
      return "pcap";
    case ErrorKind::kIo:
      return "io";
    case ErrorKind::kState:
      return "state";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kBgp:
      return "bgp";
    case ErrorKind::kVerify:
      return "verify";
  }
  return "error";
}

// True for the kinds that mean "what you asked for or wrote is wrong" (exit 2 in every flowlab tool) as opposed
// to "it failed while running" (each tool's runtime exit code).
[[nodiscard]] constexpr bool is_usage_error(ErrorKind kind) {
  return kind == ErrorKind::kUsage || kind == ErrorKind::kConfig || kind == ErrorKind::kExists ||
         kind == ErrorKind::kNotFound || kind == ErrorKind::kUnsupported;
}

inline constexpr int kExitUsageError = 2;  // the exit code of a usage error, in every flowlab tool

struct Error {
  ErrorKind kind = ErrorKind::kIo;
  std::string message;  // for people: names the operation and the object it was about

  [[nodiscard]] std::string to_string() const { return std::string(kind_name(kind)) + ": " + message; }
};

template <class E>
struct Failure {
  E error;
};

// fail(...) builds the error side of any Result: `return fail(ErrorKind::kNetlink, "adding veth eth1: " + why);`
inline Failure<Error> fail(ErrorKind kind, std::string message) {
  return Failure<Error>{Error{kind, std::move(message)}};
}
inline Failure<Error> fail(Error error) { return Failure<Error>{std::move(error)}; }

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  using error_type = E;

  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Failure<E> failure)                                             // NOLINT(google-explicit-constructor)
      : state_(std::in_place_index<1>, std::move(failure.error)) {}

  [[nodiscard]] bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  [[nodiscard]] const E& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <class U>
  T value_or(U&& fallback) const& {
    return ok() ? std::get<0>(state_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, E> state_;
};

template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(Failure<E> failure) : error_(std::move(failure.error)), ok_(false) {}  // NOLINT

  [[nodiscard]] bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  [[nodiscard]] const E& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  E error_{};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace flowlab

// FLOWLAB_TRY(expr): return the error of a failed Result from the enclosing function.
#define FLOWLAB_TRY(expr)                                  \
  do {                                                     \
    auto&& flowlab_try_result_ = (expr);                   \
    if (!flowlab_try_result_.ok()) {                       \
      return ::flowlab::fail(flowlab_try_result_.error()); \
    }                                                      \
  } while (false)
