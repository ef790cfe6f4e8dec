#include "platform/process/locate.hpp"

#include <array>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace flowlab::process {

namespace fs = std::filesystem;

namespace {

bool executable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && (fs::status(p, ec).permissions() & fs::perms::owner_exec) != fs::perms::none;
}

}  // namespace

std::string locate_program(const std::string& name) {
  if (const char* dir = std::getenv("FLOWLAB_BIN_DIR"); dir != nullptr && *dir != '\0') {
    if (const fs::path p = fs::path(dir) / name; executable(p)) {
      return p.string();
    }
  }
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    if (const fs::path p = self.parent_path() / name; executable(p)) {
      return p.string();
    }
    // Build tree: <build>/labctl/cli/labctl or <build>/tests/<kind>/<dir>/<test>: walk up to the directory that
    // holds probes/.
    static constexpr std::array<const char*, 3> kDirs{"probe", "collector", "gen"};
    for (fs::path dir = self.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      for (const char* sub : kDirs) {
        if (const fs::path p = dir / "probes" / sub / name; executable(p)) {
          return p.string();
        }
      }
    }
  }
  return name;
}

}  // namespace flowlab::process
