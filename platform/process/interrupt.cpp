#include "platform/process/interrupt.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>

namespace flowlab::process {
namespace {

std::atomic<int> g_signal{0};

extern "C" void on_interrupt(int signal) {
  int none = 0;
  if (!g_signal.compare_exchange_strong(none, signal)) {
    // The second one: the default action now (the lab stays; labctl destroy removes it).
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  static constexpr char kSay[] =
      "labctl: interrupted: stopping after this step and destroying the lab "
      "(again to quit at once)\n";
  (void)!::write(STDERR_FILENO, kSay, sizeof(kSay) - 1);
}

}  // namespace

void catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // blocking calls go on; the run checks interrupt_signal() between steps
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

int interrupt_signal() { return g_signal.load(); }

std::string interrupt_text() {
  const int signal = g_signal.load();
  if (signal == 0) {
    return "";
  }
  return std::string("interrupted by ") + (signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal");
}

}  // namespace flowlab::process
