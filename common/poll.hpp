// Waiting for something another process or thread does (a file appears, a counter moves, a process ends): the one
// polling loop of the programs and the tests. The caller's condition says what it waits for; this says how often
// it looks and when it gives up.
#pragma once

#include "common/result.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>

namespace flowlab {

using PollClock = std::chrono::steady_clock;

// Checks `done()` every `step` until it returns true (then true) or `deadline` has passed (false). The last check
// comes after the deadline, so a condition that became true during the last step still counts. A condition that
// must also end the wait on failure (the process it waits for died) returns true for that too; the caller tells the
// two apart afterwards.
template <class Done>
[[nodiscard]] bool poll_until(Done&& done, PollClock::time_point deadline, PollClock::duration step) {
  while (!done()) {
    const auto now = PollClock::now();
    if (now >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::min(step, deadline - now));
  }
  return true;
}

// The same with a timeout from now.
template <class Done>
[[nodiscard]] bool poll_for(Done&& done, PollClock::duration timeout, PollClock::duration step) {
  return poll_until(std::forward<Done>(done), PollClock::now() + timeout, step);
}

// The same for a condition that can fail (`done()` returns Result<bool>: a query, a file read): its first error ends
// the wait and is returned; otherwise true when it held, false when the time ran out.
template <class Done>
[[nodiscard]] Result<bool> poll_for_ok(Done&& done, PollClock::duration timeout, PollClock::duration step) {
  std::optional<Error> error;
  const bool held = poll_for(
      [&] {
        Result<bool> r = done();
        if (!r.ok()) {
          error = r.error();
          return true;
        }
        return *r;
      },
      timeout, step);
  if (error) {
    return fail(std::move(*error));
  }
  return held;
}

}  // namespace flowlab
