// The tests' one polling helper: wait until a condition holds, or give up after a timeout.
#pragma once

#include <chrono>
#include <thread>

namespace flowlab::test_support {

// Checks `done()` every `step` until it holds (true) or `timeout` has passed (false); the last check comes after
// the deadline, so a condition that became true during the last step still counts.
template <class Done>
bool eventually(Done&& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(step);
  }
  return true;
}

}  // namespace flowlab::test_support
