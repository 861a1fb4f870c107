// Request::into_region: a body written straight into its region of an existing file (how a
// pull fills its tarball), byte-exact over one connection or several, continued after a
// failed attempt and in a later run, and never touching a byte outside the region.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fetchpool/engine.h"
#include "support/fault_server.h"
#include "support/shared_server.h"
#include "support/test_data.h"
#include "support/wait.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::FaultServer;
using test::TempDir;

constexpr std::int64_t kMiB = 1024 * 1024;
constexpr std::int64_t kOffset = 12'345;  // not block-aligned, as a tar member's data is not
constexpr char kFill = 'x';

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class RegionTest : public test::SharedServerTest<FaultServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<FaultServer>(); });
  }
  void SetUp() override {
    archive_ = dir_ / "archive.tar";
    std::ofstream(archive_, std::ios::binary) << std::string(kArchiveSize, kFill);
  }
  EngineOptions options() const {
    EngineOptions o;
    o.output_dir = dir_ / "out";
    o.retry_wait_s = 0.05;
    o.stall_timeout_s = 1;
    o.min_split_size = 256 * 1024;
    o.connections_per_file = 1;  // one connection unless a test says otherwise
    return o;
  }
  Request request(const std::string& name, std::int64_t size, const std::string& query = "") const {
    Request r;
    r.url = server_->data_url(name, size, query);
    r.file_name = name;
    r.into_region = FileRegion{archive_, kOffset, size};
    return r;
  }
  // The archive holds `name`'s body at its region, and the fill everywhere else; nothing
  // appeared under the transfer's own name.
  void expect_in_region(const std::string& name, std::int64_t size) const {
    const std::string archive = read_all(archive_);
    ASSERT_EQ(static_cast<std::int64_t>(archive.size()), kArchiveSize) << "the file was resized";
    EXPECT_EQ(test::sha256_hex(archive.substr(kOffset, static_cast<std::size_t>(size))),
              test::sha256_hex(test::fault_body(name, size)));
    EXPECT_EQ(archive.substr(0, kOffset), std::string(kOffset, kFill)) << "bytes before the region changed";
    EXPECT_EQ(archive.substr(static_cast<std::size_t>(kOffset + size)),
              std::string(static_cast<std::size_t>(kArchiveSize - kOffset - size), kFill))
        << "bytes after the region changed";
    const fs::path own = fs::path(dir_ / "out") / name;
    EXPECT_FALSE(fs::exists(own));
    EXPECT_FALSE(fs::exists(own.string() + ".part"));
    EXPECT_FALSE(fs::exists(own.string() + ".part.state"));
  }
  // `name` was asked for twice, the second time from where the first stopped.
  void expect_second_request_continued(const std::string& name) const {
    auto seen = server_->requests_for("/data/" + name + "?");
    ASSERT_EQ(seen.size(), 2u);
    auto range = seen[1].headers.find("Range");
    ASSERT_NE(range, seen[1].headers.end()) << "the second request started over";
    EXPECT_NE(range->second, "bytes=0-") << range->second;
  }
  static constexpr std::int64_t kArchiveSize = 4 * kMiB;
  TempDir dir_;
  fs::path archive_;
};

TEST_F(RegionTest, ABodyLandsInItsRegionAndNothingAroundItChanges) {
  Engine engine(options());
  Result result = engine.submit(request("one", kMiB)).wait();
  ASSERT_EQ(result.status, Status::ok) << result.message;
  EXPECT_EQ(result.bytes, kMiB);
  expect_in_region("one", kMiB);
}

TEST_F(RegionTest, ABodyOverSeveralConnectionsLandsInItsRegion) {
  EngineOptions o = options();
  o.connections_per_file = 4;
  Engine engine(o);
  Result result = engine.submit(request("split", 2 * kMiB)).wait();
  ASSERT_EQ(result.status, Status::ok) << result.message;
  expect_in_region("split", 2 * kMiB);
  EXPECT_GE(server_->requests_for("/data/split?").size(), 2u) << "it was not split";
}

TEST_F(RegionTest, AFailedAttemptIsContinuedInTheRegion) {
  Engine engine(options());
  Result result = engine.submit(request("reset", kMiB, "reset_after=300000&fault_once=1")).wait();
  ASSERT_EQ(result.status, Status::ok) << result.message;
  EXPECT_EQ(result.attempts, 2);
  expect_in_region("reset", kMiB);
  expect_second_request_continued("reset");
}

TEST_F(RegionTest, AnInterruptedBodyContinuesInALaterRun) {
  const std::string state = dir_ / "out/later.part.state";
  // As a pull names a blob: by its digest, which the state keeps (the URL may change).
  const std::string digest = "sha256:" + test::sha256_hex(test::fault_body("later", kMiB));
  {
    Engine engine(options());
    Request slow = request("later", kMiB, "trickle=400000");
    slow.expected_digest = digest;
    TransferHandle handle = engine.submit(slow);
    // Once its state names bytes written (after its first second on disk).
    ASSERT_TRUE(test::wait_until([&] { return fs::exists(state); }, 10s)) << "no state was kept";
    handle.cancel();
    EXPECT_EQ(handle.wait().status, Status::cancelled);
  }
  ASSERT_TRUE(fs::exists(state)) << "cancelling dropped the state";
  Engine engine(options());
  Request again = request("later", kMiB);
  again.expected_digest = digest;
  Result result = engine.submit(again).wait();
  ASSERT_EQ(result.status, Status::ok) << result.message;
  expect_in_region("later", kMiB);
  expect_second_request_continued("later");
}

TEST_F(RegionTest, ABodyOfAnotherSizeFailsAndLeavesTheRestAlone) {
  Engine engine(options());
  Request longer = request("longer", kMiB);
  longer.url = server_->data_url("longer", kMiB + 1);
  Result result = engine.submit(longer).wait();
  EXPECT_EQ(result.status, Status::failed);
  EXPECT_EQ(result.category, ErrorCategory::checksum) << result.message;
  EXPECT_NE(result.message.find("size mismatch"), std::string::npos) << result.message;
  const std::string archive = read_all(archive_);
  EXPECT_EQ(archive.substr(static_cast<std::size_t>(kOffset + kMiB)),
            std::string(static_cast<std::size_t>(kArchiveSize - kOffset - kMiB), kFill));
}

TEST_F(RegionTest, ARegionThatCannotBeIsRefusedWithTheReason) {
  Engine engine(options());
  Request missing = request("missing", kMiB);
  missing.into_region->file = dir_ / "no-such.tar";
  Result no_file = engine.submit(missing).wait();
  EXPECT_EQ(no_file.status, Status::failed);
  EXPECT_EQ(no_file.category, ErrorCategory::filesystem) << no_file.message;
  EXPECT_NE(no_file.message.find("no-such.tar"), std::string::npos) << no_file.message;
  EXPECT_FALSE(fs::exists(dir_ / "no-such.tar")) << "the region's file was created";

  Request past_end = request("past", kMiB);
  past_end.into_region->offset = kArchiveSize - 10;
  Result too_short = engine.submit(past_end).wait();
  EXPECT_EQ(too_short.status, Status::failed);
  EXPECT_NE(too_short.message.find("at least"), std::string::npos) << too_short.message;
  EXPECT_EQ(fs::file_size(archive_), static_cast<std::uintmax_t>(kArchiveSize));

  Request in_memory = request("memory", kMiB);
  in_memory.to_memory = true;
  EXPECT_EQ(engine.submit(in_memory).wait().category, ErrorCategory::invalid_input);
  Request other_size = request("size", kMiB);
  other_size.expected_size = kMiB + 1;
  Result disagreeing = engine.submit(other_size).wait();
  EXPECT_EQ(disagreeing.category, ErrorCategory::invalid_input);
  EXPECT_NE(disagreeing.message.find("expected_size"), std::string::npos) << disagreeing.message;
}

}  // namespace
}  // namespace fetchpool
