// Running out of file descriptors (EMFILE, ENFILE) passes once other files or sockets are
// closed: the engine waits and tries again instead of failing the file for good. The
// shortage is injected at the platform seam (a real one would starve the test runner too),
// against the real engine and the fault server.

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>

#include "fetchpool/engine.h"
#include "platform/fault_injection.h"
#include "support/fault_server.h"
#include "support/process.h"
#include "support/test_data.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;

// Past what is kept in memory (128 KiB), so the output is created while the body arrives.
constexpr std::int64_t kSize = 400'000;
// Kept in memory until it is verified: its file is created at the commit.
constexpr std::int64_t kSmallSize = 20'000;

bool mentions_shortage(const Result& result) {
  return std::any_of(result.attempt_errors.begin(), result.attempt_errors.end(), [](const std::string& line) {
    return line.find("Too many open files") != std::string::npos;
  });
}

class DescriptorShortageTest : public ::testing::Test {
 protected:
  Result fetch(const std::string& name, std::int64_t size = kSize) {
    EngineOptions options;
    options.output_dir = dir_ / "out";
    options.retry_wait_s = 0.01;
    Engine engine(options);
    return engine.submit({.url = server_.data_url(name, size), .file_name = name}).wait();
  }
  void expect_arrived(const Result& result, const std::string& name, std::int64_t size = kSize) {
    ASSERT_EQ(result.status, Status::ok) << result.message;
    EXPECT_EQ(test::sha256_of(dir_ / ("out/" + name)), test::sha256_hex(test::fault_body(name, size)));
    EXPECT_TRUE(mentions_shortage(result)) << "the wait is in the attempt errors";
  }

  test::FaultServer server_;
  test::TempDir dir_;
};

// The output file cannot be created: the attempt is retried.
TEST_F(DescriptorShortageTest, CreatingTheOutputIsRetried) {
  platform::FaultInjection faults;
  faults.fail(platform::FileOp::create, EMFILE, 1, 2);
  Result result = fetch("no-fd-create");
  expect_arrived(result, "no-fd-create");
  EXPECT_EQ(faults.failed(platform::FileOp::create), 2);
}

// A small body's file is created when the body is verified, on the disk thread or the
// loop's: out of descriptors then, the transfer waits and fetches again.
TEST_F(DescriptorShortageTest, CreatingASmallBodysFileAtTheCommitIsRetried) {
  platform::FaultInjection faults;
  faults.fail(platform::FileOp::create, EMFILE, 1, 2);
  Result result = fetch("no-fd-commit", kSmallSize);
  expect_arrived(result, "no-fd-commit", kSmallSize);
  EXPECT_EQ(faults.failed(platform::FileOp::create), 2);
  EXPECT_EQ(result.attempts, 3) << "each shortage cost one fetch of the small body";
  EXPECT_FALSE(fs::exists(dir_ / "out/no-fd-commit.part"));
}

// The output directory cannot be opened before the first attempt (it holds files already,
// so it is looked in): the start is put off, and the checks run again.
TEST_F(DescriptorShortageTest, OpeningTheDirectoryBeforeAStartIsWaitedOut) {
  fs::create_directories(dir_ / "out");
  test::write_file(dir_ / "out/other", "x");
  platform::FaultInjection faults;
  faults.fail(platform::FileOp::open_dir, ENFILE, 1, 2);
  Result result = fetch("no-fd-dir");
  expect_arrived(result, "no-fd-dir");
  EXPECT_EQ(faults.failed(platform::FileOp::open_dir), 2);
}

// A full disk is not a shortage that passes: still one attempt.
TEST_F(DescriptorShortageTest, AFullDiskIsStillNotRetried) {
  platform::FaultInjection faults;
  faults.fail(platform::FileOp::create, ENOSPC, 1, 0);
  Result result = fetch("no-space");
  EXPECT_EQ(result.status, Status::failed);
  EXPECT_EQ(result.category, ErrorCategory::filesystem);
  EXPECT_EQ(result.attempts, 1) << result.message;
}

}  // namespace
}  // namespace fetchpool
