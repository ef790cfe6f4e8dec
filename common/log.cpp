#include "common/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <string>

namespace flowlab::log {

void init(std::string_view program, std::string_view level) {
  auto logger = spdlog::stderr_color_mt(std::string(program));
  logger->set_pattern("%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(logger);
}

}  // namespace flowlab::log
