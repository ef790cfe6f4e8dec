// flowlab common enum <-> name tables (header-only): one table per enum instead of a switch to print it and a loop
// over its values to parse it. A table is any range of entries with members `value` and `name` (EnumName, or a
// struct of the caller's with more columns, such as a colour per value).
#pragma once

#include <iterator>
#include <optional>
#include <string_view>

namespace flowlab {

template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

// The entry of `value` in `table`; nullptr when the table does not list it.
template <class Table, class E>
[[nodiscard]] constexpr const auto* enum_entry(const Table& table, E value) {
  for (const auto& entry : table) {
    if (entry.value == value) {
      return &entry;
    }
  }
  return static_cast<decltype(&*std::begin(table))>(nullptr);
}

// The name of `value` in `table`; `unknown` when the table does not list it.
template <class Table, class E>
[[nodiscard]] constexpr std::string_view enum_name(const Table& table, E value, std::string_view unknown) {
  const auto* entry = enum_entry(table, value);
  return entry == nullptr ? unknown : entry->name;
}

// The value named `name` in `table`; nullopt when no entry has that name.
template <class Table>
[[nodiscard]] constexpr auto enum_value(const Table& table, std::string_view name)
    -> std::optional<decltype(std::begin(table)->value)> {
  for (const auto& entry : table) {
    if (entry.name == name) {
      return entry.value;
    }
  }
  return std::nullopt;
}

}  // namespace flowlab
