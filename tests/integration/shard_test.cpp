// One list over N machines: N fetchpool processes, each with its --shard (or the batch
// system's variables, as a Kubernetes Indexed Job or a Slurm array sets them), run at once
// against nginx. Checked as the operator would: every file byte-exact in exactly one
// shard's directory, every failure in exactly one report, the merged report the sum of
// its parts, and the failed lists of all shards rerun each in its own shard.

#include "cli/shard.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/nginx_server.h"
#include "support/process.h"
#include "support/shared_server.h"
#include "support/test_data.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::NginxServer;
using test::TempDir;
using test::TestData;

constexpr int kMissing = 20;  // URLs nginx answers with 404

/// An entry of the list: where its file goes beneath -d, and the file it must hold
/// (empty for a 404).
struct Expected {
  std::string url;
  std::string source;
};

class ShardTest : public test::SharedServerTest<NginxServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<NginxServer>(TestData::get().root()); });
  }

  /// Writes the list: plain names, out= and dir= entries, a UTF-8 name and 404s; returns
  /// what each output path (relative to -d) must hold.
  std::map<std::string, Expected> write_list(const std::string& path) const {
    std::map<std::string, Expected> expected;
    std::string list;
    const auto& many = TestData::get().many();
    for (std::size_t i = 0; i < 240; ++i) {
      list += server_->url(many[i].url_path) + "\n";
      expected[many[i].name] = {server_->url(many[i].url_path), many[i].disk_path};
    }
    for (std::size_t i = 240; i < 270; ++i) {
      const std::string relative = "sub/" + std::to_string(i % 3) + "/renamed-" + std::to_string(i) + ".bin";
      list += server_->url(many[i].url_path) + "\n  dir=sub/" + std::to_string(i % 3) + "\n  out=renamed-" +
              std::to_string(i) + ".bin\n";
      expected[relative] = {server_->url(many[i].url_path), many[i].disk_path};
    }
    const auto& unicode = TestData::get().unicode();
    list += server_->url(unicode.url_path) + "\n";
    expected[unicode.name] = {server_->url(unicode.url_path), unicode.disk_path};
    for (int i = 0; i < kMissing; ++i) {
      const std::string name = "gone-" + std::to_string(i) + ".bin";
      list += server_->url("/missing/" + name) + "\n";
      expected[name] = {server_->url("/missing/" + name), ""};
    }
    // An entry that cannot run: reported failed (invalid_input) by exactly one shard.
    list += server_->url("/bad/option.bin") + "\n  max-tries=3\n";
    expected["(an entry with an unknown option)"] = {server_->url("/bad/option.bin"), ""};
    test::write_file(path, list);
    return expected;
  }

  /// Runs `runs` at once, as the N machines of an array do; their results in order.
  static std::vector<test::ProcessResult> run_together(const std::vector<std::vector<std::string>>& runs) {
    std::vector<std::unique_ptr<test::ChildProcess>> children;
    for (const auto& argv : runs) children.push_back(std::make_unique<test::ChildProcess>(argv));
    std::vector<test::ProcessResult> results;
    for (auto& child : children) results.push_back(child->wait(std::chrono::seconds(120)));
    return results;
  }

  /// argv for fetchpool with only `assignments` of the batch systems' variables set.
  static std::vector<std::string> with_environment(const std::vector<std::string>& assignments,
                                                   const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/env"};
    for (const char* name :
         {"JOB_COMPLETION_INDEX", "FETCHPOOL_SHARD_COUNT", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN",
          "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_STEP"})
      argv.insert(argv.end(), {"-u", name});
    argv.insert(argv.end(), assignments.begin(), assignments.end());
    const std::vector<std::string> fetchpool = test::fetchpool_argv(args);
    argv.insert(argv.end(), fetchpool.begin(), fetchpool.end());
    return argv;
  }

  static json report(const std::string& path) { return json::parse(test::read_file(path)); }

  /// Every regular file beneath `dir`, relative to it.
  static std::set<std::string> files_in(const std::string& dir) {
    std::set<std::string> names;
    if (!fs::exists(dir)) return names;
    for (const auto& entry : fs::recursive_directory_iterator(dir))
      if (entry.is_regular_file()) names.insert(entry.path().lexically_relative(dir).generic_string());
    return names;
  }

  /// The URLs a report lists as failed.
  static std::set<std::string> failed_urls(const json& r) {
    std::set<std::string> urls;
    for (const json& entry : r["transfers"])
      if (entry["status"] == "failed") urls.insert(entry["url"].get<std::string>());
    return urls;
  }

  /// Checks that the shards' directories hold every file of `expected` once, byte-exact,
  /// and that their reports list every entry once (the 404s as failed).
  static void expect_disjoint_and_complete(const std::map<std::string, Expected>& expected,
                                           const std::vector<std::string>& dirs,
                                           const std::vector<std::string>& reports) {
    std::map<std::string, int> holders;
    for (const std::string& dir : dirs) {
      for (const std::string& name : files_in(dir)) {
        ++holders[name];
        auto it = expected.find(name);
        ASSERT_NE(it, expected.end()) << "unexpected " << dir << "/" << name;
        EXPECT_EQ(test::sha256_of(dir + "/" + name), test::sha256_of(it->second.source)) << name;
      }
    }
    std::map<std::string, int> reported;
    for (std::size_t k = 0; k < reports.size(); ++k) {
      const json r = report(reports[k]);
      const json& summary = r["summary"];
      const std::int64_t in_shard =
          summary["ok"].get<std::int64_t>() + summary["failed"].get<std::int64_t>() +
          summary["skipped"].get<std::int64_t>() + summary["cancelled"].get<std::int64_t>();
      EXPECT_EQ(static_cast<std::size_t>(in_shard), r["transfers"].size()) << reports[k];
      if (reports.size() > 1) {
        EXPECT_EQ(summary["shard"], std::to_string(k) + "/" + std::to_string(reports.size())) << reports[k];
        EXPECT_EQ(in_shard + summary["other_shards"].get<std::int64_t>(),
                  static_cast<std::int64_t>(expected.size()))
            << reports[k];
      }
      for (const json& entry : r["transfers"]) ++reported[entry["url"].get<std::string>()];
    }
    for (const auto& [name, want] : expected) {
      EXPECT_EQ(reported[want.url], 1) << want.url;
      EXPECT_EQ(holders[name], want.source.empty() ? 0 : 1) << name;
    }
  }

  TempDir dir_;
};

TEST_F(ShardTest, ShardsOfAListAreDisjointCompleteByteExactAndMergeIntoTheSumOfTheirParts) {
  const std::string list = dir_ / "urls.txt";
  const std::map<std::string, Expected> expected = write_list(list);
  constexpr int kShards = 3;
  std::vector<std::vector<std::string>> runs;
  std::vector<std::string> dirs;
  std::vector<std::string> reports;
  for (int k = 0; k < kShards; ++k) {
    const std::string shard = std::to_string(k) + "/" + std::to_string(kShards);
    dirs.push_back(dir_ / ("out-" + std::to_string(k)));
    reports.push_back(dir_ / ("report-" + std::to_string(k) + ".json"));
    runs.push_back(test::fetchpool_argv({"get", "--no-config", "--shard", shard, "-i", list, "-d",
                                         dirs.back(), "--report", reports.back(), "--save-failed",
                                         dir_ / ("failed-" + std::to_string(k) + ".txt"), "--retries", "0"}));
  }
  const std::vector<test::ProcessResult> results = run_together(runs);
  for (int k = 0; k < kShards; ++k) {
    const json r = report(reports[static_cast<std::size_t>(k)]);
    EXPECT_EQ(results[static_cast<std::size_t>(k)].exit_code, r["summary"]["failed"] == 0 ? 0 : 1)
        << results[static_cast<std::size_t>(k)].err;
    // The summary line says how many entries went to the others.
    EXPECT_NE(results[static_cast<std::size_t>(k)].err.find(
                  "; shard " + std::to_string(k) + "/3: " +
                  std::to_string(r["summary"]["other_shards"].get<int>()) + " left to the other shards"),
              std::string::npos)
        << results[static_cast<std::size_t>(k)].err;
  }
  expect_disjoint_and_complete(expected, dirs, reports);

  // fetchpool report merge: every entry once, the counts the sum of the shards' counts.
  std::vector<std::string> merge{"report", "merge", "--no-config"};
  merge.insert(merge.end(), reports.begin(), reports.end());
  merge.insert(merge.end(), {"-o", dir_ / "all.json"});
  const auto merged_run = test::run_fetchpool(merge);
  EXPECT_EQ(merged_run.exit_code, 1) << merged_run.err;  // the 404s
  const json merged = report(dir_ / "all.json");
  EXPECT_EQ(merged["transfers"].size(), expected.size());
  for (const char* count : {"ok", "failed", "skipped", "cancelled", "bytes"}) {
    std::int64_t sum = 0;
    for (const std::string& path : reports) sum += report(path)["summary"][count].get<std::int64_t>();
    EXPECT_EQ(merged["summary"][count].get<std::int64_t>(), sum) << count;
  }
  EXPECT_EQ(merged["summary"]["ok"], expected.size() - kMissing - 1);
  EXPECT_EQ(merged["summary"]["failed"], kMissing + 1);
  EXPECT_EQ(merged["summary"]["reports"], kShards);
  EXPECT_EQ(failed_urls(merged).size(), static_cast<std::size_t>(kMissing + 1));
  EXPECT_NE(merged_run.err.find(std::to_string(kMissing + 1) + " failed:\n"), std::string::npos)
      << merged_run.err;
  EXPECT_NE(merged_run.err.find("unknown option 'max-tries'"), std::string::npos) << merged_run.err;
  EXPECT_NE(merged_run.err.find("/missing/gone-0.bin: HTTP 404 Not Found [http]"), std::string::npos)
      << merged_run.err;

  // A report re-indented by another tool merges the same (it is read whole, not by line).
  test::write_file(dir_ / "report-1-pretty.json", report(reports[1]).dump(2));
  const auto pretty =
      test::run_fetchpool({"report", "merge", "--no-config", reports[0], dir_ / "report-1-pretty.json",
                           reports[2], "-o", dir_ / "again.json"});
  EXPECT_EQ(pretty.exit_code, 1) << pretty.err;
  EXPECT_EQ(report(dir_ / "again.json"), merged);

  // A shard left out is named.
  const auto partial = test::run_fetchpool(
      {"report", "merge", "--no-config", reports[0], reports[2], "-o", dir_ / "partial.json"});
  EXPECT_EQ(partial.exit_code, 1);
  EXPECT_NE(partial.err.find("report merge: shard 1 of 3 missing"), std::string::npos) << partial.err;

  // The shards' failed lists, concatenated, rerun: each shard takes back exactly its own.
  std::string all_failed;
  for (int k = 0; k < kShards; ++k)
    all_failed += test::read_file(dir_ / ("failed-" + std::to_string(k) + ".txt"));
  test::write_file(dir_ / "failed.txt", all_failed);
  runs.clear();
  for (int k = 0; k < kShards; ++k)
    runs.push_back(
        test::fetchpool_argv({"get", "--no-config", "-q", "--shard", std::to_string(k) + "/3", "-i",
                              dir_ / "failed.txt", "-d", dirs[static_cast<std::size_t>(k)], "--report",
                              dir_ / ("again-" + std::to_string(k) + ".json"), "--retries", "0"}));
  run_together(runs);
  for (int k = 0; k < kShards; ++k)
    EXPECT_EQ(failed_urls(report(dir_ / ("again-" + std::to_string(k) + ".json"))),
              failed_urls(report(reports[static_cast<std::size_t>(k)])))
        << "shard " << k;
}

// A file that is no report stops the merge (exit 2), and nothing is left behind.
TEST_F(ShardTest, ReportMergeRefusesAFileThatIsNoReport) {
  test::write_file(dir_ / "notes.json", "{\"transfers\": 3}");
  const auto run =
      test::run_fetchpool({"report", "merge", "--no-config", dir_ / "notes.json", "-o", dir_ / "all.json"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("'" + dir_ / "notes.json" + "' is not a fetchpool --report file"), std::string::npos)
      << run.err;
  EXPECT_FALSE(fs::exists(dir_ / "all.json"));
  EXPECT_FALSE(fs::exists(dir_ / "all.json.part"));
  // A report whose run never finished (killed: no summary) is refused too.
  test::write_file(dir_ / "cut.json",
                   "{\"transfers\": [\n  {\"url\":\"http://127.0.0.1/a\",\"status\":\"ok\"},\n");
  const auto cut =
      test::run_fetchpool({"report", "merge", "--no-config", dir_ / "cut.json", "-o", dir_ / "all.json"});
  EXPECT_EQ(cut.exit_code, 2);
  EXPECT_NE(cut.err.find("ends before its summary"), std::string::npos) << cut.err;
  EXPECT_FALSE(fs::exists(dir_ / "all.json"));
  const auto missing = test::run_fetchpool({"report", "merge", "--no-config", dir_ / "none.json"});
  EXPECT_EQ(missing.exit_code, 2);  // no -o
}

// The commands of docs/SCALE.md's Kubernetes manifest and Slurm script, run as three local
// processes with the variables each batch system sets: the same shards as --shard K/3.
TEST_F(ShardTest, AutoTakesTheShardFromAKubernetesIndexedJobOrASlurmArray) {
  const std::string list = dir_ / "urls.txt";
  const std::map<std::string, Expected> expected = write_list(list);
  std::vector<std::vector<std::string>> runs;
  std::vector<std::string> kubernetes_dirs, kubernetes_reports, slurm_dirs, slurm_reports;
  for (int k = 0; k < 3; ++k) {
    const std::string index = std::to_string(k);
    kubernetes_dirs.push_back(dir_ / ("k8s/out-" + index));
    kubernetes_reports.push_back(dir_ / ("k8s/report-" + index + ".json"));
    runs.push_back(with_environment({"JOB_COMPLETION_INDEX=" + index, "FETCHPOOL_SHARD_COUNT=3"},
                                    {"get", "--no-config", "-q", "--shard", "auto", "-i", list, "-d",
                                     kubernetes_dirs.back(), "--report", kubernetes_reports.back()}));
    // sbatch --array=1-3: tasks 1, 2, 3 are shards 0, 1, 2.
    slurm_dirs.push_back(dir_ / ("slurm/out-" + index));
    slurm_reports.push_back(dir_ / ("slurm/report-" + index + ".json"));
    runs.push_back(
        with_environment({"SLURM_ARRAY_TASK_ID=" + std::to_string(k + 1), "SLURM_ARRAY_TASK_MIN=1",
                          "SLURM_ARRAY_TASK_MAX=3", "SLURM_ARRAY_TASK_COUNT=3", "SLURM_ARRAY_TASK_STEP=1"},
                         {"get", "--no-config", "-q", "--shard", "auto", "-i", list, "-d", slurm_dirs.back(),
                          "--report", slurm_reports.back()}));
  }
  fs::create_directories(dir_ / "k8s");
  fs::create_directories(dir_ / "slurm");
  for (const auto& result : run_together(runs)) EXPECT_EQ(result.exit_code, 1) << result.err;  // 404s
  expect_disjoint_and_complete(expected, kubernetes_dirs, kubernetes_reports);
  expect_disjoint_and_complete(expected, slurm_dirs, slurm_reports);
  for (int k = 0; k < 3; ++k)
    EXPECT_EQ(files_in(kubernetes_dirs[static_cast<std::size_t>(k)]),
              files_in(slurm_dirs[static_cast<std::size_t>(k)]))
        << "shard " << k;

  // Neither system's variables: a usage error, and nothing is fetched.
  const auto alone =
      test::run_process(with_environment({}, {"get", "--no-config", "--shard", "auto", "-i", list, "-d",
                                              dir_ / "alone", "--report", dir_ / "r.json"}));
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_NE(alone.err.find("--shard auto: no batch system names this process's shard"), std::string::npos)
      << alone.err;
  EXPECT_FALSE(fs::exists(dir_ / "alone"));
  EXPECT_FALSE(fs::exists(dir_ / "r.json"));
  const auto no_count = test::run_process(
      with_environment({"JOB_COMPLETION_INDEX=1"}, {"get", "--no-config", "--shard", "auto", "-i", list}));
  EXPECT_EQ(no_count.exit_code, 2);
  EXPECT_NE(no_count.err.find("set FETCHPOOL_SHARD_COUNT"), std::string::npos) << no_count.err;
}

// pull -i: images are sharded by their reference as written; a shard with none of them
// has nothing to pull and succeeds without asking any registry.
TEST_F(ShardTest, PullTakesOnlyItsShardsImages) {
  // Registries on a closed port: an image that is tried fails at once.
  const std::vector<std::string> images{"127.0.0.1:1/team/a:1", "127.0.0.1:1/team/b:1",
                                        "127.0.0.1:1/team/c:1", "127.0.0.1:1/team/d:1"};
  std::string list;
  std::map<std::int64_t, int> per_shard;
  for (const std::string& image : images) {
    list += image + "\n";
    ++per_shard[cli::shard_of(image, 8)];
  }
  test::write_file(dir_ / "images.txt", list);
  std::int64_t empty_shard = 0;
  while (per_shard.contains(empty_shard)) ++empty_shard;
  const auto none = test::run_fetchpool({"pull", "--no-config", "--shard", std::to_string(empty_shard) + "/8",
                                         "-i", dir_ / "images.txt", "-o", dir_ / "none.tar"});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_NE(none.err.find("0 of the 4 images; 4 left to the other shards"), std::string::npos) << none.err;
  EXPECT_FALSE(fs::exists(dir_ / "none.tar"));
  const std::int64_t busy = per_shard.begin()->first;
  const auto some =
      test::run_fetchpool({"pull", "--no-config", "--retries", "0", "--shard", std::to_string(busy) + "/8",
                           "-i", dir_ / "images.txt", "-o", dir_ / "some.tar"});
  EXPECT_EQ(some.exit_code, 1) << some.err;
  EXPECT_NE(some.err.find(std::to_string(per_shard.begin()->second) + " of the 4 images"), std::string::npos)
      << some.err;
}

}  // namespace
}  // namespace fetchpool
