#include "common/files.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace flowlab {
namespace {

std::filesystem::path scratch(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("flowlab-files-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

TEST(ReadTextFile, ReadsTheWholeFileByteForByte) {
  const auto path = scratch("bytes");
  const std::string bytes("line 1\r\nline 2\0tail", 19);
  std::ofstream(path, std::ios::binary) << bytes;
  auto text = read_text_file(path);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, bytes);
  std::filesystem::remove_all(path.parent_path());
}

TEST(ReadTextFile, AMissingFileIsAnErrorNamingItUnlessTheCallerSaysEmpty) {
  const auto path = scratch("not-there");
  auto missing = read_text_file(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find(path.string()), std::string::npos) << missing.error().message;
  auto empty = read_text_file(path, IfMissing::kEmpty);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
  std::filesystem::remove_all(path.parent_path());
}

TEST(ReadTextFile, ADirectoryIsAnErrorEvenWhenMissingMeansEmpty) {
  const auto path = scratch("a-directory");
  std::filesystem::create_directories(path);
  EXPECT_FALSE(read_text_file(path, IfMissing::kEmpty).ok());
  std::filesystem::remove_all(path.parent_path());
}

}  // namespace
}  // namespace flowlab
