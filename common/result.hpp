// flowlab::Result — the error-carrying return type every flowlab library uses.
//
// Libraries never throw through their public API: they return Result<T>, which holds either a value or an
// Error naming what failed (a short machine-readable code plus a human sentence). main() maps errors to
// exit codes. A Result must be looked at ([[nodiscard]]).
#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace flowlab {

struct Error {
  std::string code;     // stable, machine-readable: "netlink", "yaml", "exec", "truncated", ...
  std::string message;  // for people: names the operation and the object it was about

  [[nodiscard]] std::string to_string() const { return code.empty() ? message : code + ": " + message; }
};

template <class E>
struct Failure {
  E error;
};

// fail(...) builds the error side of any Result: `return fail("netlink", "adding veth eth1: " + why);`
inline Failure<Error> fail(std::string code, std::string message) {
  return Failure<Error>{Error{std::move(code), std::move(message)}};
}
inline Failure<Error> fail(Error error) { return Failure<Error>{std::move(error)}; }

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  using error_type = E;

  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Failure<E> failure)  // NOLINT(google-explicit-constructor)
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
#define FLOWLAB_TRY(expr)                                       \
  do {                                                          \
    auto&& flowlab_try_result_ = (expr);                        \
    if (!flowlab_try_result_.ok()) {                            \
      return ::flowlab::fail(flowlab_try_result_.error());      \
    }                                                           \
  } while (false)
