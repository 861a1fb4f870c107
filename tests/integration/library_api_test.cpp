// The library API's own promises, against real servers: bodies kept in memory with a cap,
// per-request limits that override the engine's, and waiting for any or all of many.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "fetchpool/engine.h"
#include "support/process.h"
#include "support/shared_server.h"
#include "support/test_data.h"
#include "support/wait.h"
#include "support/web_servers.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::TestData;

class LibraryApiTest : public test::SharedServerTest<test::WebServers> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<test::WebServers>(); });
  }
  EngineOptions options() const {
    EngineOptions o;
    o.output_dir = out_.path();
    o.retry_wait_s = 0.05;
    return o;
  }
  bool output_dir_is_empty() const { return fs::is_empty(out_.path()); }

  test::TempDir out_;
};

TEST_F(LibraryApiTest, ABodyKeptInMemoryArrivesWholeAndTouchesNoDisk) {
  Engine engine(options());
  const test::ServedFile& file = TestData::get().m1();
  Result result = engine.submit({.url = server_->nginx.url(file.url_path), .to_memory = true}).wait();
  ASSERT_EQ(result.status, Status::ok) << result.message;
  ASSERT_TRUE(result.body);
  EXPECT_EQ(static_cast<std::int64_t>(result.body->size()), file.size);
  EXPECT_EQ(test::sha256_hex(*result.body), test::sha256_of(file.disk_path));
  EXPECT_EQ(result.path, "");
  EXPECT_TRUE(output_dir_is_empty());

  // A file on disk of the same name is neither skipped nor touched.
  test::write_file(out_ / file.name, "old");
  Result again = engine.submit({.url = server_->nginx.url(file.url_path), .to_memory = true}).wait();
  EXPECT_EQ(again.status, Status::ok) << again.message;
  EXPECT_EQ(test::read_file(out_ / file.name), "old");

  // A body retried after a reset starts over, and still arrives exact.
  Result retried =
      engine
          .submit({.url = server_->faults.data_url("mem", 300'000, "reset_after=100000&fault_once=1"),
                   .to_memory = true})
          .wait();
  ASSERT_EQ(retried.status, Status::ok) << retried.message;
  EXPECT_EQ(retried.attempts, 2);
  EXPECT_EQ(*retried.body, test::fault_body("mem", 300'000));
}

TEST_F(LibraryApiTest, ABodyOverTheMemoryLimitFailsCleanly) {
  Engine engine(options());
  // Known from Content-Length: refused before the body is read.
  Result known = engine
                     .submit({.url = server_->nginx.url(TestData::get().m200().url_path),
                              .to_memory = true,
                              .memory_limit = 1'000'000})
                     .wait();
  EXPECT_EQ(known.status, Status::failed);
  EXPECT_EQ(known.category, ErrorCategory::too_large);
  EXPECT_NE(known.message.find("larger than the in-memory limit of 1000000 bytes"), std::string::npos)
      << known.message;
  EXPECT_LT(known.bytes, 1'000'000);
  EXPECT_EQ(known.attempts, 1) << "not worth a retry";
  EXPECT_FALSE(known.body);

  // No Content-Length: the bytes pass the limit.
  Result unknown = engine
                       .submit({.url = server_->faults.data_url("nolength", 500'000, "no_length=1"),
                                .to_memory = true,
                                .memory_limit = 100'000})
                       .wait();
  EXPECT_EQ(unknown.category, ErrorCategory::too_large) << unknown.message;
  EXPECT_LE(unknown.bytes, 100'000);
  Result fits = engine
                    .submit({.url = server_->faults.data_url("nolength2", 50'000, "no_length=1"),
                             .to_memory = true,
                             .memory_limit = 100'000})
                    .wait();
  ASSERT_EQ(fits.status, Status::ok) << fits.message;
  EXPECT_EQ(*fits.body, test::fault_body("nolength2", 50'000));
  EXPECT_TRUE(output_dir_is_empty());
}

TEST_F(LibraryApiTest, ARequestsOwnLimitsOverrideTheEngines) {
  EngineOptions o = options();
  o.retries = 5;
  o.max_time_s = 0;
  Engine engine(o);
  // retries = 0: one attempt at a 503, where the engine would make six.
  Result once = engine
                    .submit({.url = server_->faults.data_url("busy", 1000, "fail_first=10"),
                             .file_name = "busy",
                             .retries = 0})
                    .wait();
  EXPECT_EQ(once.http_status, 503);
  EXPECT_EQ(once.attempts, 1);
  Result twice = engine
                     .submit({.url = server_->faults.data_url("busy2", 1000, "fail_first=10"),
                              .file_name = "busy2",
                              .retries = 1})
                     .wait();
  EXPECT_EQ(twice.attempts, 2);

  // max_time_s = 1 on a body that stalls: over after a second, where the engine has no limit.
  auto before = std::chrono::steady_clock::now();
  std::optional<Result> late =
      engine.submit({.url = server_->faults.data_url("late", 100'000, "stall_after=1000"), .max_time_s = 1.0})
          .wait_for(10s);
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->category, ErrorCategory::timeout) << late->message;
  EXPECT_NE(late->message.find("gave up after 1 s (max time)"), std::string::npos) << late->message;
  EXPECT_LT(std::chrono::steady_clock::now() - before, 4s);

  // connections = 1: a body the engine would split comes over one connection.
  EngineOptions split = options();
  split.min_split_size = 100'000;
  Engine splitting(split);
  std::size_t seen = server_->faults.requests_for("/data/whole").size();
  Result whole =
      splitting.submit({.url = server_->faults.data_url("whole", 2'000'000), .connections = 1}).wait();
  ASSERT_EQ(whole.status, Status::ok) << whole.message;
  EXPECT_EQ(server_->faults.requests_for("/data/whole").size() - seen, 1u);
  Result parts = splitting.submit({.url = server_->faults.data_url("parts", 2'000'000)}).wait();
  ASSERT_EQ(parts.status, Status::ok) << parts.message;
  EXPECT_GT(server_->faults.requests_for("/data/parts").size(), 1u) << "the engine's default splits it";

  Result bad = engine.submit({.url = server_->nginx.url("/x"), .connections = 0}).wait();
  EXPECT_EQ(bad.category, ErrorCategory::invalid_input);
  EXPECT_NE(bad.message.find("Request::connections"), std::string::npos) << bad.message;
}

// A path is one request's at a time: taken while it runs and once it holds its file, given
// back when the request failed, so a program may retry a download itself.
TEST_F(LibraryApiTest, AFailedDownloadsPathMayBeSubmittedAgain) {
  Engine engine(options());
  Result refused = engine
                       .submit({.url = server_->faults.data_url("again", 1000, "fail_first=10"),
                                .file_name = "again.bin",
                                .retries = 0})
                       .wait();
  ASSERT_EQ(refused.status, Status::failed);
  EXPECT_EQ(refused.http_status, 503);
  Result retried =
      engine.submit({.url = server_->faults.data_url("again", 1000), .file_name = "again.bin"}).wait();
  ASSERT_EQ(retried.status, Status::ok) << retried.message;
  EXPECT_EQ(test::read_file(out_ / "again.bin"), test::fault_body("again", 1000));
  Result duplicate =
      engine.submit({.url = server_->faults.data_url("other", 1000), .file_name = "again.bin"}).wait();
  EXPECT_EQ(duplicate.category, ErrorCategory::invalid_input) << duplicate.message;
  EXPECT_NE(duplicate.message.find("already used by another download"), std::string::npos)
      << duplicate.message;
  EXPECT_EQ(test::read_file(out_ / "again.bin"), test::fault_body("again", 1000));
}

// Content named by its digest is the same download from any URL: what a mirror left is
// continued from the origin (or from a renewed presigned URL), not refused or fetched again.
// Without a digest another URL's partial file is never touched (OutputPathTest).
TEST_F(LibraryApiTest, ADigestNamedDownloadContinuesFromAnotherUrl) {
  constexpr std::int64_t kSize = 3'000'000;
  const std::string digest = "sha256:" + test::sha256_hex(test::fault_body("mirrored", kSize));
  Engine engine(options());
  Result cut = engine
                   .submit({.url = server_->faults.data_url("mirrored", kSize, "reset_after=1000000"),
                            .file_name = "blob",
                            .expected_digest = digest,
                            .retries = 0,
                            .connections = 1})
                   .wait();
  ASSERT_EQ(cut.category, ErrorCategory::network) << cut.message;
  ASSERT_TRUE(fs::exists(out_ / "blob.part"));
  const std::string elsewhere = server_->faults.data_url("mirrored", kSize, "from=origin");
  Result continued =
      engine.submit({.url = elsewhere, .file_name = "blob", .expected_digest = digest, .connections = 1})
          .wait();
  ASSERT_EQ(continued.status, Status::ok) << continued.message;
  EXPECT_EQ(test::sha256_of(out_ / "blob"), digest.substr(7));
  auto asked = server_->faults.requests_for("/data/mirrored?size=3000000&from=origin");
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].headers["Range"].rfind("bytes=", 0), 0u) << "continued, not fetched again";
  EXPECT_NE(asked[0].headers["Range"], "bytes=0-");
  EXPECT_FALSE(fs::exists(out_ / "blob.part"));
  EXPECT_FALSE(fs::exists(out_ / "blob.part.state"));
}

TEST_F(LibraryApiTest, WaitForAnyOrAllOfManyHandles) {
  Engine engine(options());
  std::vector<TransferHandle> handles;
  handles.push_back(engine.submit({.url = server_->faults.data_url("slow-a", 1'000'000, "trickle=20000")}));
  handles.push_back(engine.submit({.url = server_->faults.data_url("slow-b", 1'000'000, "trickle=20000")}));
  handles.push_back(engine.submit({.url = server_->nginx.url(TestData::get().k16().url_path)}));

  std::optional<std::size_t> first = wait_any(handles, 5s);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, 2u) << "the small file ends first";
  EXPECT_FALSE(wait_all(handles, 100ms)) << "the slow ones are still running";
  std::vector<TransferHandle> slow(handles.begin(), handles.begin() + 2);
  EXPECT_FALSE(wait_any(slow, 100ms).has_value());

  engine.cancel_all();
  EXPECT_TRUE(wait_all(handles, 5s));
  EXPECT_EQ(handles[0].wait().status, Status::cancelled);
  EXPECT_EQ(wait_any(slow, 0ms), std::optional<std::size_t>(0));

  // Handles of two engines: still found.
  Engine other(options());
  std::vector<TransferHandle> mixed{
      engine.submit({.url = server_->faults.data_url("slow-c", 1'000'000, "trickle=20000")}),
      other.submit({.url = server_->nginx.url(TestData::get().tiny().url_path)})};
  EXPECT_EQ(wait_any(mixed, 5s), std::optional<std::size_t>(1));
  engine.cancel_all();
}

TEST_F(LibraryApiTest, SilentTransfersGiveTheirSlotsToTheQueue) {
  EngineOptions o = options();
  o.max_concurrent = 2;
  o.stall_timeout_s = 4;  // silent after 2 s
  o.retries = 0;
  Engine engine(o);
  // Two bodies that stop after 1,000 bytes and never go on, holding both slots...
  std::vector<TransferHandle> stuck{
      engine.submit({.url = server_->faults.data_url("stuck-a", 100'000, "stall_after=1000")}),
      engine.submit({.url = server_->faults.data_url("stuck-b", 100'000, "stall_after=1000")})};
  ASSERT_TRUE(test::wait_until(
      [&] {
        return test::bytes_in_progress(engine, stuck[0]) == 1000 &&
               test::bytes_in_progress(engine, stuck[1]) == 1000;
      },
      20s))
      << "the two stalling bodies never both had their 1000 bytes";
  // ...then two that would be quick: they run once the first two have been silent a while,
  // not only when their stall timeouts fire.
  auto before = std::chrono::steady_clock::now();
  std::vector<TransferHandle> quick{
      engine.submit({.url = server_->nginx.url(TestData::get().k16().url_path)}),
      engine.submit({.url = server_->nginx.url(TestData::get().tiny().url_path)})};
  ASSERT_TRUE(wait_all(quick, 10s));
  auto took = std::chrono::steady_clock::now() - before;
  EXPECT_GE(took, 1500ms) << "they waited for the silence";
  EXPECT_LT(took, 3500ms) << "they did not wait for the stall timeout";
  EXPECT_EQ(quick[0].wait().status, Status::ok);
  EXPECT_EQ(stuck[0].wait().category, ErrorCategory::stalled);

  // An explicit per-host cap still counts silent transfers.
  o.max_per_host = 2;
  Engine capped(o);
  stuck = {capped.submit({.url = server_->faults.data_url("stuck-c", 100'000, "stall_after=1000")}),
           capped.submit({.url = server_->faults.data_url("stuck-d", 100'000, "stall_after=1000")})};
  ASSERT_TRUE(test::wait_until(
      [&] {
        return test::bytes_in_progress(capped, stuck[0]) == 1000 &&
               test::bytes_in_progress(capped, stuck[1]) == 1000;
      },
      20s))
      << "the two capped stalling bodies never both had their 1000 bytes";
  TransferHandle waits = capped.submit({.url = server_->faults.data_url("after-cap", 1000)});
  EXPECT_FALSE(waits.wait_for(3s).has_value());
  EXPECT_EQ(waits.wait().status, Status::ok);
}

}  // namespace
}  // namespace fetchpool
