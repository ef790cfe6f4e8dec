// flowlab::log — one logger for the executables, with component tags ("[netns] ...").
// Libraries do not print: they return errors. Executables and the controller's orchestration code log.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace flowlab::log {

// Initialise the process-wide logger (stderr). level: "trace", "debug", "info", "warn", "error".
void init(std::string_view program, std::string_view level);

}  // namespace flowlab::log
