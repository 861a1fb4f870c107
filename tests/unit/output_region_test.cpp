// platform::OutputFile::open_region: a window of an existing file that reads and writes as a
// file of its own and never reaches, resizes or truncates what lies around it.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "platform/file.h"
#include "support/process.h"

namespace fetchpool::platform {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class OutputRegionTest : public testing::Test {
 protected:
  void SetUp() override { std::ofstream(path_, std::ios::binary) << std::string(100, '.'); }
  test::TempDir dir_;
  std::string path_ = dir_ / "archive";
};

TEST_F(OutputRegionTest, OffsetsCountFromTheRegionsStartAndNothingAroundItChanges) {
  OutputFile region;
  std::string error;
  ASSERT_TRUE(region.open_region(path_, 40, 10, &error)) << error;
  EXPECT_TRUE(region.is_region());
  ASSERT_TRUE(region.write_at(0, "abc", 3, &error)) << error;
  ASSERT_TRUE(region.write_at(7, "xyz", 3, &error)) << error;
  char back[3] = {};
  ASSERT_TRUE(region.read_at(7, back, 3, &error)) << error;
  EXPECT_EQ(std::string(back, 3), "xyz");
  // What a sink does to a file of its own leaves the region's file as it is.
  EXPECT_TRUE(region.truncate_all(&error)) << error;
  EXPECT_TRUE(region.resize(10, &error)) << error;
  EXPECT_TRUE(region.reserve(0, 10, &error)) << error;
  ASSERT_TRUE(region.close(&error)) << error;
  EXPECT_EQ(read_all(path_), std::string(40, '.') + "abc....xyz" + std::string(50, '.'));
}

TEST_F(OutputRegionTest, NothingReachesPastTheRegionsEnd) {
  OutputFile region;
  std::string error;
  ASSERT_TRUE(region.open_region(path_, 40, 10, &error)) << error;
  EXPECT_FALSE(region.write_at(8, "abc", 3, &error));
  EXPECT_NE(error.find("past its region"), std::string::npos) << error;
  EXPECT_NE(error.find(path_), std::string::npos) << error;
  char back[3];
  EXPECT_FALSE(region.read_at(9, back, 2, &error));
  EXPECT_FALSE(region.write_at(-1, "a", 1, &error));
  EXPECT_FALSE(region.resize(11, &error));
  EXPECT_FALSE(region.write_all("a", 1, &error)) << "a region has no end to append at";
  ASSERT_TRUE(region.close(&error)) << error;
  EXPECT_EQ(read_all(path_), std::string(100, '.'));
}

TEST_F(OutputRegionTest, ARegionMustLieInAnExistingRegularFile) {
  OutputFile region;
  std::string error;
  EXPECT_FALSE(region.open_region(dir_ / "missing", 0, 1, &error));
  EXPECT_NE(error.find("missing"), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "missing")) << "it was created";
  EXPECT_FALSE(region.open_region(path_, 95, 10, &error));
  EXPECT_NE(error.find("at least 105 bytes"), std::string::npos) << error;
  EXPECT_FALSE(region.open_region(dir_.path(), 0, 0, &error)) << "a directory";
  EXPECT_EQ(std::filesystem::file_size(path_), 100u);
}

}  // namespace
}  // namespace fetchpool::platform
