#include "registry/tar_layout.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/process.h"

namespace fetchpool::registry {
namespace {

// What Python's tarfile (a reader that knows pax) lists: "NAME SIZE" per entry, and the
// contents of the small entries.
std::string python_listing(const std::filesystem::path& tar) {
  std::string command =
      "python3 -c 'import sys, tarfile\n"
      "for m in tarfile.open(sys.argv[1]):\n"
      "    print(m.name, m.size, m.isfile())\n' '" +
      tar.string() + "' 2>&1";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[256];
  while (pipe != nullptr && fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  if (pipe != nullptr) pclose(pipe);
  return out;
}

TEST(TarLayout, EntriesWrittenAtTheirOffsetsInAnyOrderMakeAValidArchive) {
  test::TempDir dir;
  TarLayout layout;
  std::string error;
  std::int64_t a = 0, b = 0, c = 0;
  ASSERT_TRUE(layout.add("blobs/sha256/aaaa", 1000, &a, &error)) << error;
  ASSERT_TRUE(layout.add("manifest.json", 2, &b, &error)) << error;
  ASSERT_TRUE(layout.add("empty", 0, &c, &error)) << error;
  EXPECT_EQ(a, 512);
  EXPECT_EQ(b, 512 + 1024 + 512);
  EXPECT_EQ(layout.size(), b + 512 + 512 + 1024);
  platform::OutputFile out;
  std::filesystem::path path = dir / "out.tar";
  ASSERT_TRUE(out.open_truncate(path.string(), &error)) << error;
  ASSERT_TRUE(layout.write_headers(out, &error)) << error;
  ASSERT_TRUE(out.write_at(b, "[]", 2, &error));
  ASSERT_TRUE(out.write_at(a, std::string(1000, 'x').data(), 1000, &error));
  ASSERT_TRUE(out.close(&error)) << error;
  EXPECT_EQ(std::filesystem::file_size(path), static_cast<std::uintmax_t>(layout.size()));
  EXPECT_EQ(python_listing(path), "blobs/sha256/aaaa 1000 True\nmanifest.json 2 True\nempty 0 True\n");
}

TEST(TarLayout, EntriesOf8GiBAndMoreGetAPaxSize) {
  test::TempDir dir;
  TarLayout layout;
  std::string error;
  const std::int64_t big = (std::int64_t{9} << 30) + 7;  // beyond ustar's 8 GiB - 1
  std::int64_t big_at = 0, after_at = 0;
  ASSERT_TRUE(layout.add("blobs/sha256/big", big, &big_at, &error)) << error;
  ASSERT_TRUE(layout.add("after", 5, &after_at, &error)) << error;
  EXPECT_EQ(big_at, 3 * 512);  // pax header, its record, then the ustar header
  platform::OutputFile out;
  std::filesystem::path path = dir / "big.tar";
  ASSERT_TRUE(out.open_truncate(path.string(), &error)) << error;
  ASSERT_TRUE(layout.write_headers(out, &error)) << error;  // sparse: nothing written in between
  ASSERT_TRUE(out.write_at(after_at, "hello", 5, &error));
  ASSERT_TRUE(out.close(&error)) << error;
  EXPECT_EQ(python_listing(path), "blobs/sha256/big " + std::to_string(big) + " True\nafter 5 True\n");
}

TEST(TarLayout, NamesLongerThanUstarHoldsAreRefused) {
  TarLayout layout;
  std::string error;
  std::int64_t at = 0;
  EXPECT_FALSE(layout.add(std::string(101, 'n'), 1, &at, &error));
  EXPECT_NE(error.find("longer than 100 bytes"), std::string::npos);
}

}  // namespace
}  // namespace fetchpool::registry
