// flowlab::process::locate_program — where flowlab's own executables are (flowprobe, flowcollector, flowgen).
//
// labctl starts them inside nodes, so it needs their paths: $FLOWLAB_BIN_DIR/<name> when set; else next to the
// running labctl (an installed layout); else the build tree around it (<build>/labctl/cli/labctl →
// <build>/probes/<dir>/<name>); else the bare name, found in PATH at exec time.
#pragma once

#include <string>

namespace flowlab::process {

std::string locate_program(const std::string& name);

}  // namespace flowlab::process
