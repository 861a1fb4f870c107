// The programs in examples/ run as a user would run them, against the test servers.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/process.h"
#include "support/registry_server.h"
#include "support/shared_server.h"
#include "support/test_data.h"
#include "support/web_servers.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using test::TestData;

std::string example(const std::string& name) {
  return std::string(FETCHPOOL_EXAMPLES_DIR) + "/" + name;
}

class ExamplesTest : public test::SharedServerTest<test::WebServers> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<test::WebServers>(); });
  }
  test::TempDir dir_;
};

TEST_F(ExamplesTest, DeadlineGivesUpOnAStalledDownloadAndGoesOn) {
  const std::string stalled = server_->faults.data_url("stuck", 1'000'000, "stall_after=1000");
  auto started = std::chrono::steady_clock::now();
  auto run = test::run_process({example("deadline"), server_->nginx.url(TestData::get().k16().url_path),
                                stalled, server_->nginx.url(TestData::get().m1().url_path)});
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("16k.bin: 16384 bytes"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(stalled + ": skipped: gave up after 5 s (max time)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("1m.bin: 1048576 bytes"), std::string::npos) << run.out;
  // The deadline, and no more: the program (and every thread it had) is gone right after.
  EXPECT_GE(took, std::chrono::seconds(5));
  EXPECT_LT(took, std::chrono::seconds(9));
}

TEST_F(ExamplesTest, BatchReportNamesExactlyTheFailedOnes) {
  std::string list;
  for (int i = 0; i < 20; ++i) list += server_->nginx.url(TestData::get().many()[i].url_path) + "\n";
  const std::string missing = server_->nginx.url("/no/such.bin");
  const std::string flaky =
      server_->faults.data_url("flaky", 100'000, "fail_first=2");  // ok on the 3rd attempt
  const std::string dead = server_->faults.data_url("dead", 100'000, "fail_first=100");  // 503 every time
  list += missing + "\n" + flaky + "\n" + dead + "\n";
  test::write_file(dir_ / "list.txt", list);

  auto run = test::run_process({example("batch_report"), dir_ / "list.txt", dir_ / "out"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.out.find("21 downloaded, 2 failed"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("FAILED " + missing + " (http, 1 attempts): HTTP 404 Not Found"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("FAILED " + dead + " (http, 4 attempts): HTTP 503"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("flaky"), std::string::npos) << run.out;
  EXPECT_EQ(test::sha256_of(dir_ / "out/flaky"), test::sha256_hex(test::fault_body("flaky", 100'000)));
  EXPECT_TRUE(fs::exists(dir_ / "out/f0019.bin"));
}

TEST_F(ExamplesTest, OwnProgressDrawsOneLineForAThousandTransfers) {
  std::string urls;
  for (const test::ServedFile& file : TestData::get().many())
    urls += server_->nginx.url(file.url_path) + "\n";
  auto run = test::run_process({example("own_progress"), dir_ / "out"}, urls);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // One line, redrawn with carriage returns, ending on the totals.
  EXPECT_EQ(run.out.find('\n'), run.out.size() - 1) << run.out;
  std::string last = run.out.substr(run.out.rfind('\r') + 1);
  EXPECT_EQ(last, "1000/1000 done, 0 failed, 0 running, 15.6 MiB\n");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_ / "out")) ++files;
  EXPECT_EQ(files, 1000u);
}

TEST_F(ExamplesTest, PullImageWritesAnOciLayoutSkopeoReads) {
  test::RegistryServer registry;
  registry.push_image("examples/app", "v1");
  auto run =
      test::run_process({example("pull_image"), registry.host() + "/examples/app:v1", dir_ / "layout"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find(registry.host() + "/examples/app:v1 sha256:"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("(4 blobs)"), std::string::npos) << run.out;
  auto inspect = test::run_process({"/usr/bin/skopeo", "inspect", "oci:" + dir_ / "layout" + ":v1"});
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(nlohmann::json::parse(inspect.out)["Layers"].size(), 3u);

  auto bad = test::run_process({example("pull_image"), "not a reference", dir_ / "x"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("pull not a reference:"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace fetchpool
