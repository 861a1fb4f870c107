// Where a download may write: only beneath -d, never through a symbolic link a list or a
// server could lead it along, never over a file that is not fetchpool's own, and never
// calling anything but a file "already there". Through the binary, as a user runs it, and
// checked as a user would: bytes by sha256, the report, what is in the directories.

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "fetchpool/engine.h"
#include "support/fault_server.h"
#include "support/process.h"
#include "support/shared_server.h"
#include "support/test_data.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using test::FaultServer;
using test::run_fetchpool;
using test::TempDir;

constexpr std::int64_t kLarge = 1024 * 1024;  // spills to disk (NAME.part once it lasts)
constexpr std::int64_t kSmall = 20'000;       // stays in memory until it is complete

class OutputPathTest : public test::SharedServerTest<FaultServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<FaultServer>(); });
  }
  void SetUp() override {
    fs::create_directories(out_dir());
    fs::create_directories(outside());
  }
  std::string out_dir() const { return dir_ / "out"; }
  std::string out(const std::string& name) const { return dir_ / ("out/" + name); }
  /// A directory beside out/, where nothing may ever be written.
  std::string outside() const { return dir_ / "outside"; }
  nlohmann::json report() const { return nlohmann::json::parse(test::read_file(dir_ / "report.json")); }
  static std::string body_sha(const std::string& name, std::int64_t size) {
    return test::sha256_hex(test::fault_body(name, size));
  }
  /// Every path under `dir`, relative to it.
  static std::set<std::string> listing(const std::string& dir) {
    std::set<std::string> names;
    for (const auto& entry : fs::recursive_directory_iterator(dir))
      names.insert(entry.path().lexically_relative(dir).string());
    return names;
  }
  TempDir dir_;
};

// A file the user has that happens to be called NAME.part (one they downloaded under that
// name, say) is not fetchpool's: without a state file naming this URL beside it, the
// download of NAME fails, saying so, and the file keeps its bytes.
TEST_F(OutputPathTest, UsersFileNamedLikeAPartFileIsNeverTouched) {
  const std::string mine(300'000, 'u');
  test::write_file(out("big.iso.part"), mine);
  auto run = run_fetchpool({"get", "--report", dir_ / "report.json", "-d", out_dir(), "-o", "big.iso",
                            server_->data_url("big-iso", kLarge)});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(test::sha256_of(out("big.iso.part")), test::sha256_hex(mine));
  EXPECT_FALSE(fs::exists(out("big.iso")));
  auto entry = report()["transfers"].at(0);
  EXPECT_EQ(entry["status"], "failed");
  EXPECT_EQ(entry["category"], "filesystem");
  EXPECT_EQ(entry["error"], "'" + out("big.iso.part") +
                                "' exists and was not left by fetchpool for this URL: move it away or choose "
                                "another name");
  EXPECT_EQ(listing(out_dir()), std::set<std::string>{"big.iso.part"});
}

// The same when a state file is there but is for another URL: neither file is touched.
TEST_F(OutputPathTest, PartFileWithAnotherUrlsStateIsNeverTouched) {
  const std::string mine(300'000, 'u');
  const std::int64_t size = kLarge;
  const std::string other_url = server_->data_url("other", size);
  const std::string state = "fetchpool-resume-state 1\nurl=" + other_url + "\netag=\"other-" +
                            std::to_string(size) + "-0\"\nlast-modified=\ntotal=" + std::to_string(size) +
                            "\ndone=300000\n";
  test::write_file(out("big.iso.part"), mine);
  test::write_file(out("big.iso.part.state"), state);
  auto run = run_fetchpool({"get", "-d", out_dir(), "-o", "big.iso", server_->data_url("big-iso", size)});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("was not left by fetchpool for this URL"), std::string::npos) << run.err;
  EXPECT_EQ(test::sha256_of(out("big.iso.part")), test::sha256_hex(mine));
  EXPECT_EQ(test::read_file(out("big.iso.part.state")), state);
  EXPECT_FALSE(fs::exists(out("big.iso")));
}

// One list naming both big.iso and big.iso.part: the second in the list would share the
// first's partial file, so it fails, saying why, and the first ends byte-exact; never are
// both reported ok with one of them gone (which is what happened when big.iso, lasting
// past a second, named its partial file after big.iso.part had arrived). In both orders,
// in a directory that already holds a file (so fetchpool looks for what a run left).
TEST_F(OutputPathTest, ListWithANameAndItsPartNameNeverLosesAFile) {
  for (bool part_name_first : {false, true}) {
    SCOPED_TRACE(part_name_first ? "big.iso.part first" : "big.iso first");
    const std::string where = dir_ / (part_name_first ? "second" : "first");
    fs::create_directories(where);
    test::write_file(where + "/unrelated.txt", "here before");
    std::string iso = server_->data_url("iso", kLarge, "trickle=700000") + "\n  out=big.iso\n";
    std::string part = server_->data_url("iso-part", kLarge) + "\n  out=big.iso.part\n";
    test::write_file(dir_ / "list.txt", part_name_first ? part + iso : iso + part);
    auto run = run_fetchpool(
        {"get", "-j", "2", "--report", dir_ / "report.json", "-d", where, "-i", dir_ / "list.txt"});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    auto transfers = report()["transfers"];
    ASSERT_EQ(transfers.size(), 2u);
    int ok = 0;
    for (const auto& entry : transfers) {
      const std::string path = entry["path"];
      const bool is_iso = path == where + "/big.iso";
      if (entry["status"] == "ok") {
        ++ok;
        EXPECT_EQ(test::sha256_of(path), body_sha(is_iso ? "iso" : "iso-part", kLarge)) << path;
      } else {
        EXPECT_EQ(entry["category"], "invalid_input") << path;
        EXPECT_NE(entry["error"].get<std::string>().find("another download in this run"), std::string::npos)
            << entry["error"];
      }
    }
    EXPECT_EQ(ok, 1);
    EXPECT_EQ(listing(where).size(), 2u) << "the one that succeeded and unrelated.txt, nothing else";
  }
}

// dir= in a list is a subdirectory of -d; when that is a symbolic link to elsewhere, the
// entries fail, saying so, and nothing is written where the link leads.
TEST_F(OutputPathTest, ListDirThatIsASymlinkOutOfTheOutputDirectoryWritesNothingThere) {
  fs::create_directory_symlink(outside(), out("sub"));
  std::string list = server_->data_url("through-small", kSmall) + "\n  dir=sub\n" +
                     server_->data_url("through-large", kLarge) + "\n  dir=sub/deeper\n";
  test::write_file(dir_ / "list.txt", list);
  auto run =
      run_fetchpool({"get", "--report", dir_ / "report.json", "-d", out_dir(), "-i", dir_ / "list.txt"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_TRUE(fs::is_empty(outside())) << "written through the link";
  // Held by name: a range-for over report()["transfers"] would walk a member of the
  // temporary report(), destroyed before the loop's first iteration.
  const nlohmann::json written = report();
  ASSERT_EQ(written["transfers"].size(), 2u) << written.dump();
  for (const auto& entry : written["transfers"]) {
    EXPECT_EQ(entry["status"], "failed");
    EXPECT_EQ(entry["category"], "filesystem");
    EXPECT_NE(entry["error"].get<std::string>().find("'" + out("sub") + "' is a symbolic link"),
              std::string::npos)
        << entry["error"];
  }
  EXPECT_EQ(listing(out_dir()), std::set<std::string>{"sub"});
}

// A NAME.part that is a symbolic link (fetchpool never makes one), even beside a state
// file naming this very URL and version: the download fails, saying so, and the file the
// link leads to keeps its bytes.
TEST_F(OutputPathTest, PartFileThatIsASymlinkIsNeverWrittenThrough) {
  const std::int64_t size = kLarge;
  const std::string url = server_->data_url("linked", size);
  const std::string theirs(300'000, 't');
  test::write_file(outside() + "/theirs.bin", theirs);
  fs::create_symlink(outside() + "/theirs.bin", out("linked.part"));
  test::write_file(out("linked.part.state"),
                   "fetchpool-resume-state 1\nurl=" + url + "\netag=\"linked-" + std::to_string(size) +
                       "-0\"\nlast-modified=\ntotal=" + std::to_string(size) + "\ndone=300000\n");
  auto run = run_fetchpool({"get", "--report", dir_ / "report.json", "-d", out_dir(), url});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(test::sha256_of(outside() + "/theirs.bin"), test::sha256_hex(theirs));
  EXPECT_TRUE(fs::is_symlink(out("linked.part")));
  EXPECT_FALSE(fs::exists(out("linked")));
  auto entry = report()["transfers"].at(0);
  EXPECT_EQ(entry["category"], "filesystem");
  EXPECT_EQ(entry["error"],
            "'" + out("linked.part") +
                "' is a symbolic link, not a file fetchpool left for this URL: move it away or "
                "choose another name");
}

// A final name that is a symbolic link leading to no file is not "already there": the
// download fails, saying so (with --if-exists overwrite the link itself is replaced), and
// nothing is created where it points.
TEST_F(OutputPathTest, FinalNameThatIsADanglingSymlinkIsAnErrorNotSkipped) {
  fs::create_symlink(outside() + "/nothing-here", out("dangling.bin"));
  for (std::int64_t size : {kSmall, kLarge}) {
    SCOPED_TRACE(size);
    auto run = run_fetchpool({"get", "--report", dir_ / "report.json", "-d", out_dir(), "-o", "dangling.bin",
                              server_->data_url("dangling", size)});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    auto entry = report()["transfers"].at(0);
    EXPECT_EQ(entry["status"], "failed");
    EXPECT_EQ(entry["category"], "filesystem");
    EXPECT_NE(entry["error"].get<std::string>().find("is a symbolic link that leads to no file"),
              std::string::npos)
        << entry["error"];
    EXPECT_TRUE(fs::is_empty(outside()));
    EXPECT_EQ(listing(out_dir()), std::set<std::string>{"dangling.bin"});
  }
}

// "-o ." and "-o sub/." name a directory, not a file: refused up front, a usage error that
// says so, never reported as "skipped (already exists)", and nothing is fetched.
TEST_F(OutputPathTest, OutputNamesThatAreDirectoriesAreRefused) {
  fs::create_directories(out("sub"));
  for (const char* name : {".", "sub/."}) {
    SCOPED_TRACE(name);
    auto run = run_fetchpool({"get", "-d", out_dir(), "-o", name, server_->data_url("dot", kSmall)});
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_NE(run.err.find(std::string("-o '") + name + "' names a directory, not a file"), std::string::npos)
        << run.err;
    EXPECT_EQ(listing(out_dir()), std::set<std::string>{"sub"});
  }
  EXPECT_TRUE(server_->requests_for("/data/dot?").empty());
}

// A URL whose name is a directory already under -d: a per-file error that says so, not
// "skipped".
TEST_F(OutputPathTest, UrlNamingAnExistingDirectoryIsAnError) {
  fs::create_directories(out("taken"));
  auto run = run_fetchpool(
      {"get", "--report", dir_ / "report.json", "-d", out_dir(), server_->data_url("taken", kSmall)});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  auto entry = report()["transfers"].at(0);
  EXPECT_EQ(entry["status"], "failed");
  EXPECT_EQ(entry["category"], "filesystem");
  EXPECT_EQ(entry["error"],
            "'" + out("taken") + "' is a directory: choose another name for the download, or move it away");
  EXPECT_EQ(listing(out_dir()), std::set<std::string>{"taken"});
  EXPECT_TRUE(server_->requests_for("/data/taken?").empty());
}

// Through the library: a relative Request::directory is beneath EngineOptions::output_dir
// (where the CLI's dir= goes), so a program's output directory holds all its files.
TEST_F(OutputPathTest, RelativeRequestDirectoryIsBeneathTheOutputDirectory) {
  EngineOptions options;
  options.output_dir = out_dir();
  options.retries = 0;
  Engine engine(options);
  Result result = engine.submit({.url = server_->data_url("beneath", kSmall), .directory = "a/b"}).wait();
  ASSERT_EQ(result.status, Status::ok) << result.message;
  EXPECT_EQ(result.path, out("a/b/beneath"));
  EXPECT_EQ(test::sha256_of(out("a/b/beneath")), body_sha("beneath", kSmall));
}

}  // namespace
}  // namespace fetchpool
