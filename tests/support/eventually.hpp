// The tests' name for the programs' one polling loop (common/poll.hpp): wait until a condition holds, or give up
// after a timeout.
#pragma once

#include <chrono>
#include <utility>

#include "common/poll.hpp"

namespace flowlab::test_support {

// Checks `done()` every `step` until it holds (true) or `timeout` has passed (false); the last check comes after
// the deadline, so a condition that became true during the last step still counts.
template <class Done>
bool eventually(Done&& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(50)) {
  return poll_for(std::forward<Done>(done), timeout, step);
}

}  // namespace flowlab::test_support
