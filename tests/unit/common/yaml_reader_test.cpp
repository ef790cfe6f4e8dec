// common/yaml_reader.hpp + yaml_enum.hpp: enum tables read (get_enum) and print (enum_name) from one table, and
// every reader diagnostic lands at the value's file:line:col.
#include "common/yaml_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace flowlab {
namespace {

enum class Colour : std::uint8_t { kRed, kGreen, kBlue };
constexpr EnumName<Colour> kColourNames[] = {{"red", Colour::kRed}, {"green", Colour::kGreen}, {"blue", Colour::kBlue}};

struct Read {
  std::optional<Colour> value;
  std::vector<std::string> diagnostics;
};

Read read_colour(const std::string& text) {
  DiagnosticSink sink("c.yaml");
  SourceMap marks;
  yaml::YamlReader reader(sink, marks);
  Read out;
  const YAML::Node root = YAML::Load(text);
  if (auto entries = reader.map_entries(root, "", {"colour"})) {
    for (const auto& e : *entries) {
      out.value = reader.get_enum(e.value, "colour", kColourNames);
    }
  }
  for (const auto& d : sink.take()) {
    out.diagnostics.push_back(d.to_string());
  }
  return out;
}

TEST(EnumTable, FindsAndNamesFromOneTable) {
  EXPECT_EQ(find_enum(kColourNames, "green"), Colour::kGreen);
  EXPECT_EQ(find_enum(kColourNames, "Green"), std::nullopt);
  EXPECT_EQ(enum_name(kColourNames, Colour::kBlue), "blue");
  EXPECT_EQ(join_names(enum_names(kColourNames)), "red, green, blue");
  EXPECT_EQ(join_names(enum_names(kColourNames), " or "), "red, green or blue");
}

TEST(YamlReader, GetEnumReadsEachName) {
  for (const auto& [name, value] : kColourNames) {
    SCOPED_TRACE(std::string(name));
    auto r = read_colour("colour: " + std::string(name) + "\n");
    EXPECT_EQ(r.value, value);
    EXPECT_TRUE(r.diagnostics.empty());
  }
}

TEST(YamlReader, GetEnumReportsTheChoicesAtTheValue) {
  const struct {
    const char* yaml;
    const char* diagnostic;
  } kCases[] = {
      {"colour: gren\n",
       "c.yaml:1:9: error: colour: expected one of red, green, blue, found 'gren' (did you mean "
       "'green'?)"},
      {"colour: purple\n", "c.yaml:1:9: error: colour: expected one of red, green, blue, found 'purple'"},
      {"colour: [red]\n", "c.yaml:1:9: error: colour: expected one of red, green, blue, found a list"},
      {"\ncolour:\n", "c.yaml:2:1: error: colour: expected one of red, green, blue, found an empty value"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.yaml);
    auto r = read_colour(c.yaml);
    EXPECT_EQ(r.value, std::nullopt);
    ASSERT_EQ(r.diagnostics.size(), 1U);
    EXPECT_EQ(r.diagnostics[0], c.diagnostic);
  }
}

}  // namespace
}  // namespace flowlab
