// flowlab::report lenient JSON member reads, for documents whose optional members default (the diagram and the
// traffic facts in verdict.json; run_from_json() reads the run record itself strictly).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace flowlab::report {

// The string member `key` of `j`; "" when it is missing or not a string.
[[nodiscard]] inline std::string string_or_empty(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The unsigned member `key` of `j`; 0 when it is missing or not an unsigned number.
template <class T>
[[nodiscard]] T unsigned_or_zero(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<T>() : T{0};
}

}  // namespace flowlab::report
