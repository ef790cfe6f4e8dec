// interrupt.hpp — SIGINT and SIGTERM as a request to stop at the next safe point: `labctl run` and `labctl matrix`
// end the step they are in, destroy the lab they built and write their reports. A second signal ends the program
// at once (the lab then stays, and `labctl destroy LAB` removes it, as after a SIGKILL).
#pragma once

#include <string>

namespace flowlab::process {

// Installs the handlers (idempotent). Until then the signals keep their default action.
void catch_interrupts();
// The first SIGINT/SIGTERM received since catch_interrupts(), or 0.
[[nodiscard]] int interrupt_signal();
// "interrupted by SIGTERM" for the received signal ("" when none came).
[[nodiscard]] std::string interrupt_text();

}  // namespace flowlab::process
