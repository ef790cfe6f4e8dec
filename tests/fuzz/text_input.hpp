// Shared by the text-file fuzz targets (YAML loaders, map files, receivers file, query lines): the input as a
// string_view, and where the repository's files are (a scenario's relative `topology:` resolves there).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace flowlab::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

}  // namespace flowlab::fuzz
