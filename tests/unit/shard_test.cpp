// --shard: which entries a shard takes, and how `auto` reads the batch system. The hash is
// a format others reproduce (docs/SCALE.md), so its values are pinned here.

#include "cli/shard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cli/shard_from_environment.h"
#include "cli/shard_key.h"

namespace fetchpool::cli {
namespace {

/// An environment holding exactly `variables`.
Environment environment_of(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const char* name) -> const char* {
    auto it = variables.find(name);
    return it == variables.end() ? nullptr : it->second.c_str();
  };
}

// FNV-1a 64's published test vectors, and the documented example of docs/SCALE.md: a
// Python or Go reimplementation must give these.
TEST(ShardTest, HashIsFnv1a64MixedThenTakenModuloN) {
  EXPECT_EQ(fnv1a_64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a_64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a_64("foobar"), 0x85944171f73967e8ULL);
  EXPECT_EQ(fnv1a_64("isos/a.iso"), 0x717428870cf336f4ULL);
  EXPECT_EQ(mix64(fnv1a_64("isos/a.iso")), 0x6c23dc5020f94b3dULL);
  EXPECT_EQ(shard_of("a.bin", 4), 2);
  EXPECT_EQ(shard_of("b.bin", 4), 0);
  EXPECT_EQ(shard_of("c.bin", 4), 1);
  EXPECT_EQ(shard_of("isos/a.iso", 4), 1);
  EXPECT_EQ(shard_of("重命名 ✓.bin", 4), 3);
}

/// Lists of output paths of the shapes real lists have.
std::map<std::string, std::vector<std::string>> generated_lists() {
  std::map<std::string, std::vector<std::string>> lists;
  for (int i = 0; i < 10'000; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "f%05d.bin", i);
    lists["numbered"].push_back(name);
    lists["nested"].push_back("shard-" + std::to_string(i % 97) + "/" + std::to_string(i / 97) + "/img.jpg");
    lists["unicode"].push_back("图片/" + std::to_string(i) + " ✓.png");
  }
  // Short names that differ only in their last letters: FNV-1a alone would split these
  // badly (its low bit is the XOR of the bytes' low bits; its top bits barely see the
  // last byte).
  for (char a = 'a'; a <= 'z'; ++a)
    for (char b = 'a'; b <= 'z'; ++b)
      for (char c = 'a'; c <= 'z'; c += 2) lists["odd letters"].push_back(std::string{'x', '/', a, b, c});
  return lists;
}

// Property: for every list and every N, each entry is taken by exactly one of the N shards
// (disjoint and complete), and no shard gets far more or less than its share.
TEST(ShardTest, ShardsAreDisjointCompleteAndEvenOverGeneratedLists) {
  for (const auto& [shape, keys] : generated_lists()) {
    for (std::int64_t count : {1, 2, 3, 4, 7, 16, 64}) {
      std::vector<std::int64_t> sizes(static_cast<std::size_t>(count), 0);
      for (const std::string& key : keys) {
        int takers = 0;
        for (std::int64_t index = 0; index < count; ++index) {
          if (Shard{index, count}.takes(key)) {
            ++takers;
            ++sizes[static_cast<std::size_t>(index)];
          }
        }
        ASSERT_EQ(takers, 1) << shape << " N=" << count << " " << key;
      }
      const double share = static_cast<double>(keys.size()) / static_cast<double>(count);
      for (std::int64_t size : sizes) {
        // Binomial spread: 6 standard deviations and a little, never met by chance.
        const double slack = 6 * std::sqrt(share) + 5;
        EXPECT_NEAR(static_cast<double>(size), share, slack) << shape << " N=" << count;
      }
    }
  }
}

TEST(ShardTest, ParsesKOfNFromZero) {
  Shard shard;
  std::string error;
  const Environment none = environment_of({});
  ASSERT_TRUE(parse_shard("0/4", none, &shard, &error)) << error;
  EXPECT_EQ(shard.index, 0);
  EXPECT_EQ(shard.count, 4);
  ASSERT_TRUE(parse_shard("3/4", none, &shard, &error)) << error;
  EXPECT_EQ(shard.text(), "3/4");
  ASSERT_TRUE(parse_shard("0/1", none, &shard, &error)) << error;
  EXPECT_FALSE(shard.sharded());
  for (const char* bad : {"4/4", "-1/4", "1/0", "1", "a/b", "1/4x", " 1/4", "1/", "/4", "1/2000000"}) {
    error.clear();
    EXPECT_FALSE(parse_shard(bad, none, &shard, &error)) << bad;
    EXPECT_NE(error.find("--shard"), std::string::npos) << bad << ": " << error;
  }
  EXPECT_FALSE(parse_shard("4/4", none, &shard, &error));
  EXPECT_EQ(error,
            "--shard 4/4: K must be from 0 to 3 (shards are numbered from 0, as JOB_COMPLETION_INDEX)");
}

Shard shard_from(std::map<std::string, std::string> variables, const std::string& flag = "auto") {
  Shard shard{-1, -1};
  std::string error;
  EXPECT_TRUE(parse_shard(flag, environment_of(std::move(variables)), &shard, &error)) << error;
  return shard;
}

std::string error_from(std::map<std::string, std::string> variables, const std::string& flag = "auto") {
  Shard shard;
  std::string error;
  EXPECT_FALSE(parse_shard(flag, environment_of(std::move(variables)), &shard, &error));
  return error;
}

TEST(ShardTest, AutoReadsAKubernetesIndexedJob) {
  EXPECT_EQ(shard_from({{"JOB_COMPLETION_INDEX", "2"}, {"FETCHPOOL_SHARD_COUNT", "5"}}).text(), "2/5");
  EXPECT_EQ(shard_from({{"JOB_COMPLETION_INDEX", "0"}}, "auto/3").text(), "0/3");
  // The flag's N wins over the variable's.
  EXPECT_EQ(shard_from({{"JOB_COMPLETION_INDEX", "1"}, {"FETCHPOOL_SHARD_COUNT", "5"}}, "auto/2").text(),
            "1/2");
  EXPECT_EQ(
      error_from({{"JOB_COMPLETION_INDEX", "1"}}),
      "--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but not the number of shards: "
      "set FETCHPOOL_SHARD_COUNT to the Job's completions, or give --shard auto/N");
  EXPECT_EQ(error_from({{"JOB_COMPLETION_INDEX", "5"}, {"FETCHPOOL_SHARD_COUNT", "5"}}),
            "--shard auto: JOB_COMPLETION_INDEX=5: shard 5 is not below the number of shards (5)");
  EXPECT_EQ(error_from({{"JOB_COMPLETION_INDEX", "x"}, {"FETCHPOOL_SHARD_COUNT", "5"}}),
            "--shard auto: JOB_COMPLETION_INDEX='x' is not a whole number");
}

TEST(ShardTest, AutoReadsASlurmArrayNumberedFromAnywhere) {
  // sbatch --array=0-3
  EXPECT_EQ(shard_from({{"SLURM_ARRAY_TASK_ID", "3"},
                        {"SLURM_ARRAY_TASK_MIN", "0"},
                        {"SLURM_ARRAY_TASK_MAX", "3"},
                        {"SLURM_ARRAY_TASK_COUNT", "4"}})
                .text(),
            "3/4");
  // sbatch --array=1-4: task 1 is shard 0.
  EXPECT_EQ(shard_from({{"SLURM_ARRAY_TASK_ID", "1"},
                        {"SLURM_ARRAY_TASK_MIN", "1"},
                        {"SLURM_ARRAY_TASK_MAX", "4"},
                        {"SLURM_ARRAY_TASK_COUNT", "4"}})
                .text(),
            "0/4");
  // Without COUNT (older Slurm): from MIN and MAX.
  EXPECT_EQ(
      shard_from(
          {{"SLURM_ARRAY_TASK_ID", "12"}, {"SLURM_ARRAY_TASK_MIN", "10"}, {"SLURM_ARRAY_TASK_MAX", "13"}})
          .text(),
      "2/4");
  // sbatch --array=0-6:2 (tasks 0, 2, 4, 6).
  EXPECT_EQ(shard_from({{"SLURM_ARRAY_TASK_ID", "4"},
                        {"SLURM_ARRAY_TASK_MIN", "0"},
                        {"SLURM_ARRAY_TASK_MAX", "6"},
                        {"SLURM_ARRAY_TASK_STEP", "2"},
                        {"SLURM_ARRAY_TASK_COUNT", "4"}})
                .text(),
            "2/4");
  EXPECT_EQ(shard_from({{"SLURM_ARRAY_TASK_ID", "2"}}, "auto/3").text(), "2/3");
  EXPECT_EQ(error_from({{"SLURM_ARRAY_TASK_ID", "2"}}),
            "--shard auto: SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT nor "
            "SLURM_ARRAY_TASK_MAX: give "
            "--shard auto/N");
  // --array=1,5,9: not a range, so ID - MIN does not number the tasks.
  EXPECT_NE(error_from({{"SLURM_ARRAY_TASK_ID", "9"},
                        {"SLURM_ARRAY_TASK_MIN", "1"},
                        {"SLURM_ARRAY_TASK_MAX", "9"},
                        {"SLURM_ARRAY_TASK_COUNT", "3"}})
                .find("is not below the number of shards"),
            std::string::npos);
}

TEST(ShardTest, AutoWithoutABatchSystemIsAUsageError) {
  EXPECT_EQ(
      error_from({}),
      "--shard auto: no batch system names this process's shard: expected JOB_COMPLETION_INDEX (a Kubernetes "
      "Indexed Job, with FETCHPOOL_SHARD_COUNT or --shard auto/N) or SLURM_ARRAY_TASK_ID (a Slurm array); "
      "else "
      "give --shard K/N");
  EXPECT_NE(error_from({{"JOB_COMPLETION_INDEX", "0"}, {"SLURM_ARRAY_TASK_ID", "0"}}).find("both"),
            std::string::npos);
}

// The key is the path beneath -d, as the engine names the file; the same entry written
// back by --save-failed (same URL, out=, dir=) has the same key.
TEST(ShardTest, KeyIsTheOutputPathRelativeToTheDirectory) {
  InputEntry entry;
  entry.url = "http://127.0.0.1/a/b/%E5%9B%BE%20x.jpg?sig=1";
  Request request{.url = entry.url};
  EXPECT_EQ(shard_key(entry, &request), "图 x.jpg");
  request.file_name = "renamed.jpg";
  request.directory = "sub/dir";
  EXPECT_EQ(shard_key(entry, &request), "sub/dir/renamed.jpg");
  request.file_name = "";
  request.directory = "./sub//x/";
  EXPECT_EQ(shard_key(entry, &request), "sub/x/图 x.jpg");
  Request root_url{.url = "http://127.0.0.1/"};
  EXPECT_EQ(shard_key(entry, &root_url), "index.html");
  // An entry that cannot run is keyed as its rerun will be (its dir=, out= or URL name),
  // by its URL as written only when that does not parse.
  EXPECT_EQ(shard_key(entry, nullptr), "图 x.jpg");
  entry.dir = "d";
  entry.out = "o.jpg";
  EXPECT_EQ(shard_key(entry, nullptr), "d/o.jpg");
  InputEntry unparsable;
  unparsable.url = "not a url";
  EXPECT_EQ(shard_key(unparsable, nullptr), "not a url");
}

}  // namespace
}  // namespace fetchpool::cli
