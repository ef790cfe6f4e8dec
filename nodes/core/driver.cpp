#include "nodes/core/driver.hpp"

namespace flowlab::nodes {

std::string to_string(SessionState s) {
  switch (s) {
    case SessionState::kIdle:
      return "Idle";
    case SessionState::kConnect:
      return "Connect";
    case SessionState::kActive:
      return "Active";
    case SessionState::kOpenSent:
      return "OpenSent";
    case SessionState::kOpenConfirm:
      return "OpenConfirm";
    case SessionState::kEstablished:
      return "Established";
    case SessionState::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

}  // namespace flowlab::nodes
