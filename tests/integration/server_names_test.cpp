// --content-disposition (wget's name; curl's -J): the server's Content-Disposition names
// the file, made safe like every name and confined to -d; the existing-file rule holds for
// that name; -o and out= win; without the flag the header is ignored.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/fault_server.h"
#include "support/process.h"
#include "support/shared_server.h"
#include "support/test_data.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using test::FaultServer;
using test::TempDir;

// A value for the fault server's query: every byte but letters and digits %-escaped.
std::string query_escaped(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte)) {
      out.push_back(c);
    } else {
      out += {'%', kHex[byte >> 4], kHex[byte & 0xf]};
    }
  }
  return out;
}

class ServerNamesTest : public test::SharedServerTest<FaultServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<FaultServer>(); });
  }
  /// /data/NAME answered with "Content-Disposition: DISPOSITION".
  std::string named_url(const std::string& name, std::int64_t size, const std::string& disposition) const {
    return server_->data_url(name, size, "disposition=" + query_escaped(disposition));
  }
  std::string body_sha(const std::string& name, std::int64_t size) const {
    return test::sha256_hex(test::fault_body(name, size));
  }
  /// The names directly in `dir`, sorted, joined by '|'.
  static std::string listing(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    std::string joined;
    for (const std::string& name : names) joined += (joined.empty() ? "" : "|") + name;
    return joined;
  }
  TempDir dir_;
};

TEST_F(ServerNamesTest, TheServersNameIsUsedInUtf8AndOnlyItsLastComponent) {
  const std::string chinese_emoji = "\xE6\x8A\xA5\xE5\x91\x8A \xF0\x9F\x93\x8A.pdf";  // "报告 📊.pdf"
  const std::string wide = named_url("download.php", 70000,
                                     "attachment; filename=\"fallback.pdf\"; filename*=UTF-8''"
                                     "%E6%8A%A5%E5%91%8A%20%F0%9F%93%8A.pdf");
  const std::string climbing = named_url("get", 3000, "attachment; filename=\"../../escaped.sh\"");
  const std::string plain = server_->data_url("unnamed.bin", 2000);
  auto run = test::run_fetchpool({"get", "-q", "--content-disposition", "--report", dir_ / "report.json",
                                  "-d", dir_ / "out", wide, climbing, plain});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(test::sha256_of(dir_ / ("out/" + chinese_emoji)), body_sha("download.php", 70000));
  EXPECT_EQ(test::sha256_of(dir_ / "out/escaped.sh"), body_sha("get", 3000));
  EXPECT_EQ(test::sha256_of(dir_ / "out/unnamed.bin"),
            body_sha("unnamed.bin", 2000));  // no header: the URL's
  EXPECT_EQ(listing(dir_ / "out"), "escaped.sh|unnamed.bin|" + chinese_emoji);
  EXPECT_FALSE(fs::exists(dir_ / "escaped.sh"));
  EXPECT_FALSE(fs::exists(fs::path(dir_.path()).parent_path() / "escaped.sh"));

  // The report names the file where it is.
  nlohmann::json report = nlohmann::json::parse(test::read_file(dir_ / "report.json"));
  bool reported = false;
  for (const auto& entry : report["transfers"])
    reported = reported || entry["path"].get<std::string>() == dir_ / "out/escaped.sh";
  EXPECT_TRUE(reported) << report.dump(2);
}

TEST_F(ServerNamesTest, AnUnusableServerNameKeepsTheUrlsName) {
  const std::string dots = named_url("dots.bin", 1000, "attachment; filename=\"..\"");
  const std::string latin1 = named_url("latin.bin", 1000, "attachment; filename=\"caf\xE9.txt\"");
  const std::string empty = named_url("empty.bin", 1000, "attachment; filename=\"\"");
  auto run =
      test::run_fetchpool({"get", "-q", "--content-disposition", "-d", dir_ / "out", dots, latin1, empty});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(listing(dir_ / "out"), "dots.bin|empty.bin|latin.bin");
}

TEST_F(ServerNamesTest, TheExistingFileRuleHoldsForTheServersName) {
  const std::string url = named_url("latest", 5000, "attachment; filename=release-1.2.tar.gz");
  fs::create_directories(dir_ / "out");
  test::write_file(dir_ / "out/release-1.2.tar.gz", "mine");

  auto skipped =
      test::run_fetchpool({"get", "--progress", "plain", "--content-disposition", "-d", dir_ / "out", url});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_NE(skipped.err.find("skipped"), std::string::npos) << skipped.err;
  EXPECT_EQ(test::read_file(dir_ / "out/release-1.2.tar.gz"), "mine");
  EXPECT_EQ(listing(dir_ / "out"), "release-1.2.tar.gz");  // neither "latest" nor a .part

  auto failed = test::run_fetchpool(
      {"get", "-q", "--if-exists", "fail", "--content-disposition", "-d", dir_ / "out", url});
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_NE(failed.err.find("already exists"), std::string::npos) << failed.err;
  EXPECT_EQ(test::read_file(dir_ / "out/release-1.2.tar.gz"), "mine");

  auto replaced =
      test::run_fetchpool({"get", "-q", "--if-exists", "overwrite", "-J", "-d", dir_ / "out", url});
  EXPECT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/release-1.2.tar.gz"), body_sha("latest", 5000));
  EXPECT_EQ(listing(dir_ / "out"), "release-1.2.tar.gz");
}

TEST_F(ServerNamesTest, OutputNamesGivenWinAndWithoutTheFlagTheHeaderIsIgnored) {
  const std::string url = named_url("thing", 4000, "attachment; filename=server.bin");
  auto given = test::run_fetchpool({"get", "-q", "--content-disposition", "-o", dir_ / "mine.bin", url});
  ASSERT_EQ(given.exit_code, 0) << given.err;
  EXPECT_EQ(test::sha256_of(dir_ / "mine.bin"), body_sha("thing", 4000));
  EXPECT_FALSE(fs::exists(dir_ / "server.bin"));

  test::write_file(dir_ / "list.txt", url + "\n  out=listed.bin\n");
  auto listed = test::run_fetchpool({"get", "-q", "-J", "-d", dir_ / "l", "-i", dir_ / "list.txt"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listing(dir_ / "l"), "listed.bin");

  auto plain = test::run_fetchpool({"get", "-q", "-d", dir_ / "p", url});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(listing(dir_ / "p"), "thing");
}

// A big file over several connections, and -v's line naming where it went.
TEST_F(ServerNamesTest, ASplitDownloadIsNamedByTheServerToo) {
  const std::int64_t size = 6 << 20;
  const std::string url = named_url("blob", size, "attachment; filename=\"model weights.bin\"");
  auto run = test::run_fetchpool({"get", "-v", "--progress", "plain", "-x", "4", "--min-split-size", "1M",
                                  "--content-disposition", "-d", dir_ / "out", url});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/model weights.bin"), body_sha("blob", size));
  EXPECT_EQ(listing(dir_ / "out"), "model weights.bin");
  EXPECT_NE(run.err.find("named by the server: "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("4 connections for"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace fetchpool
