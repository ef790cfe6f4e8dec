// flowlab enum tables (header-only but for join_names) — one table per enum names its values, for reading
// (YamlReader::get_enum, command-line flags) and for printing (JSON, plans, reports) alike:
//
//   inline constexpr EnumName<Proto> kProtoNames[] = {{"udp", Proto::kUdp}, {"tcp", Proto::kTcp}};
//   find_enum(kProtoNames, "tcp") == Proto::kTcp;  enum_name(kProtoNames, Proto::kUdp) == "udp"
#pragma once

#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace flowlab {

template <class E>
struct EnumName {
  std::string_view name;
  E value;
};

template <class Table>
using EnumOf = std::remove_cvref_t<decltype(std::begin(std::declval<const Table&>())->value)>;

// The value named `name`; nullopt when the table has no such name.
template <class Table>
[[nodiscard]] constexpr std::optional<EnumOf<Table>> find_enum(const Table& table, std::string_view name) {
  for (const auto& entry : table) {
    if (entry.name == name) {
      return entry.value;
    }
  }
  return std::nullopt;
}

// The entry of `value` in `table` (a table may be a struct of the caller's with more columns, such as a colour per
// value); nullptr when the table does not list it.
template <class Table>
[[nodiscard]] constexpr const auto* enum_entry(const Table& table, EnumOf<Table> value) {
  for (const auto& entry : table) {
    if (entry.value == value) {
      return &entry;
    }
  }
  return static_cast<decltype(&*std::begin(table))>(nullptr);
}

// The name of `value`; `unknown` when the table does not list it.
template <class Table>
[[nodiscard]] constexpr std::string_view enum_name(const Table& table, EnumOf<Table> value, std::string_view unknown) {
  const auto* entry = enum_entry(table, value);
  return entry == nullptr ? unknown : entry->name;
}

// The first name of `value` ("" when the table has none: a table must name every value it is used to print).
template <class Table>
[[nodiscard]] constexpr std::string_view enum_name(const Table& table, EnumOf<Table> value) {
  for (const auto& entry : table) {
    if (entry.value == value) {
      return entry.name;
    }
  }
  return {};
}

// Every name, in table order.
template <class Table>
[[nodiscard]] std::vector<std::string_view> enum_names(const Table& table) {
  std::vector<std::string_view> out;
  for (const auto& entry : table) {
    out.push_back(entry.name);
  }
  return out;
}

// "a, b, c" / "a, b or c" (last = " or ").
[[nodiscard]] std::string join_names(const std::vector<std::string_view>& names, std::string_view last = ", ");

}  // namespace flowlab
