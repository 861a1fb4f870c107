// The library API against a real nginx: bytes, results, cancellation, deadlines.

#include "fetchpool/engine.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <vector>

#include "support/nginx_server.h"
#include "support/shared_server.h"
#include "support/test_data.h"
#include "support/wait.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using test::NginxServer;
using test::TempDir;
using test::TestData;
using namespace std::chrono_literals;

class EngineTest : public test::SharedServerTest<NginxServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<NginxServer>(TestData::get().root()); });
  }

  // No retries here: these tests are about single attempts (retries have their own tests).
  EngineOptions options() const {
    EngineOptions o;
    o.output_dir = out_.path();
    o.retries = 0;
    return o;
  }
  std::string out(const std::string& name) const { return out_ / name; }
  TempDir out_;
};

TEST_F(EngineTest, EveryFileArrivesByteExact) {
  Engine engine(options());
  std::vector<std::pair<TransferHandle, const test::ServedFile*>> handles;
  for (const test::ServedFile& file : TestData::get().all()) {
    handles.emplace_back(engine.submit({.url = server_->url(file.url_path)}), &file);
  }
  for (auto& [handle, file] : handles) {
    Result result = handle.wait();
    ASSERT_EQ(result.status, Status::ok) << file->name << ": " << result.message;
    EXPECT_EQ(result.http_status, 200);
    EXPECT_EQ(result.bytes, file->size);
    EXPECT_EQ(result.attempts, 1);
    EXPECT_EQ(result.path, out(file->name));
    EXPECT_EQ(test::sha256_of(out(file->name)), test::sha256_of(file->disk_path)) << file->name;
    EXPECT_FALSE(fs::exists(out(file->name) + ".part"));
  }
}

TEST_F(EngineTest, NotFoundFailsWithStatusAndLeavesNothing) {
  Engine engine(options());
  Result result = engine.submit({.url = server_->url("/no/such/file.bin")}).wait();
  EXPECT_EQ(result.status, Status::failed);
  EXPECT_EQ(result.category, ErrorCategory::http);
  EXPECT_EQ(result.http_status, 404);
  EXPECT_EQ(result.message, "HTTP 404 Not Found");
  EXPECT_FALSE(fs::exists(out("file.bin")));
  EXPECT_FALSE(fs::exists(out("file.bin.part")));
}

TEST_F(EngineTest, FollowsRedirectsAndStopsLoops) {
  Engine engine(options());
  Result redirected = engine.submit({.url = server_->url("/redirect/16k.bin"), .file_name = "r.bin"}).wait();
  ASSERT_EQ(redirected.status, Status::ok) << redirected.message;
  EXPECT_EQ(test::sha256_of(out("r.bin")), test::sha256_of(TestData::get().k16().disk_path));

  Result loop = engine.submit({.url = server_->url("/redirect-loop")}).wait();
  EXPECT_EQ(loop.status, Status::failed);
  EXPECT_EQ(loop.category, ErrorCategory::http);
  EXPECT_NE(loop.message.find("redirects"), std::string::npos) << loop.message;
  EXPECT_FALSE(fs::exists(out("redirect-loop")));
}

TEST_F(EngineTest, ChecksumIsVerifiedBeforeTheFileGetsItsName) {
  Engine engine(options());
  const auto& file = TestData::get().m1();
  std::string good = "sha256:" + test::sha256_of(file.disk_path);
  Result ok =
      engine.submit({.url = server_->url(file.url_path), .file_name = "good.bin", .expected_digest = good})
          .wait();
  EXPECT_EQ(ok.status, Status::ok) << ok.message;

  std::string bad = "sha256:" + std::string(64, '0');
  Result mismatch =
      engine.submit({.url = server_->url(file.url_path), .file_name = "bad.bin", .expected_digest = bad})
          .wait();
  EXPECT_EQ(mismatch.category, ErrorCategory::checksum);
  EXPECT_FALSE(fs::exists(out("bad.bin")));
  EXPECT_FALSE(fs::exists(out("bad.bin.part")));
}

TEST_F(EngineTest, SecondRequestForTheSamePathFails) {
  Engine engine(options());
  TransferHandle first = engine.submit({.url = server_->url("/1m.bin"), .file_name = "same.bin"});
  TransferHandle second = engine.submit({.url = server_->url("/16k.bin"), .file_name = "same.bin"});
  Result second_result = second.wait();
  EXPECT_EQ(second_result.category, ErrorCategory::invalid_input);
  EXPECT_NE(second_result.message.find("already used"), std::string::npos) << second_result.message;
  ASSERT_EQ(first.wait().status, Status::ok);
  EXPECT_EQ(test::sha256_of(out("same.bin")), test::sha256_of(TestData::get().m1().disk_path));
}

TEST_F(EngineTest, UnsafeNamesAndBadUrlsAreInvalidInput) {
  Engine engine(options());
  for (const char* name : {"../escape.bin", "/tmp/abs.bin", "a/../../x"}) {
    Result result = engine.submit({.url = server_->url("/16k.bin"), .file_name = name}).wait();
    EXPECT_EQ(result.category, ErrorCategory::invalid_input) << name;
  }
  Result bad_url = engine.submit({.url = "not a url"}).wait();
  EXPECT_EQ(bad_url.category, ErrorCategory::invalid_input);
  Result ftp = engine.submit({.url = "ftp://127.0.0.1/x"}).wait();
  EXPECT_EQ(ftp.category, ErrorCategory::invalid_input);
  EXPECT_NE(ftp.message.find("only http and https"), std::string::npos) << ftp.message;
  EXPECT_FALSE(fs::exists(fs::path(out_.path()).parent_path() / "escape.bin"));
}

TEST_F(EngineTest, ExistingFileIsSkippedFailedOrReplacedAsConfigured) {
  test::write_file(out("16k.bin"), "old");
  {
    Engine engine(options());
    Result result = engine.submit({.url = server_->url("/16k.bin")}).wait();
    EXPECT_EQ(result.status, Status::skipped);
    EXPECT_TRUE(result.ok());
    EXPECT_EQ(test::read_file(out("16k.bin")), "old");
  }
  {
    EngineOptions o = options();
    o.if_exists = IfExists::fail;
    Engine engine(o);
    Result result = engine.submit({.url = server_->url("/16k.bin")}).wait();
    EXPECT_EQ(result.category, ErrorCategory::filesystem);
    EXPECT_EQ(test::read_file(out("16k.bin")), "old");
  }
  {
    EngineOptions o = options();
    o.if_exists = IfExists::overwrite;
    Engine engine(o);
    Result result = engine.submit({.url = server_->url("/16k.bin")}).wait();
    EXPECT_EQ(result.status, Status::ok);
    EXPECT_EQ(test::sha256_of(out("16k.bin")), test::sha256_of(TestData::get().k16().disk_path));
  }
}

TEST_F(EngineTest, FileAppearingDuringTheRunIsNeverClobbered) {
  Engine engine(options());
  // The first download shows the engine an empty directory...
  ASSERT_EQ(engine.submit({.url = server_->url("/16k.bin")}).wait().status, Status::ok);
  // ...then someone else writes a file there, small and large, under names the engine will use.
  test::write_file(out("tiny.txt"), "someone else's");
  test::write_file(out("1m.bin"), "someone else's too");
  Result small = engine.submit({.url = server_->url("/tiny.txt")}).wait();
  Result large = engine.submit({.url = server_->url("/1m.bin")}).wait();
  EXPECT_EQ(small.status, Status::skipped) << small.message;
  EXPECT_EQ(large.status, Status::skipped) << large.message;
  EXPECT_EQ(test::read_file(out("tiny.txt")), "someone else's");
  EXPECT_EQ(test::read_file(out("1m.bin")), "someone else's too");
  EXPECT_FALSE(fs::exists(out("1m.bin.part")));
}

TEST_F(EngineTest, CancelReturnsPromptlyAndLeavesNoFinalFile) {
  Engine engine(options());
  TransferHandle handle = engine.submit({.url = server_->url("/slow/200m.bin")});
  ASSERT_TRUE(test::wait_until([&] { return test::bytes_in_progress(engine, handle) > 0; }, 20s))
      << "the transfer never started receiving";
  EXPECT_FALSE(handle.done());
  auto before = std::chrono::steady_clock::now();
  handle.cancel();
  std::optional<Result> result = handle.wait_for(2s);
  auto took = std::chrono::steady_clock::now() - before;
  ASSERT_TRUE(result.has_value()) << "cancel did not end the transfer";
  EXPECT_LT(took, 1s);
  EXPECT_EQ(result->status, Status::cancelled);
  EXPECT_GT(result->bytes, 0);
  EXPECT_FALSE(fs::exists(out("200m.bin")));
}

TEST_F(EngineTest, DestructorCancelsEverythingWithoutWaitingForTheNetwork) {
  TransferHandle running, queued;
  auto before = std::chrono::steady_clock::now();
  {
    EngineOptions o = options();
    o.max_concurrent = 1;
    Engine engine(o);
    running = engine.submit({.url = server_->url("/slow/200m.bin")});
    queued = engine.submit({.url = server_->url("/slow/1m.bin")});
    // The destructor meets one transfer receiving and one still queued behind it.
    ASSERT_TRUE(test::wait_until([&] { return test::bytes_in_progress(engine, running) > 0; }, 20s))
        << "the first transfer never started receiving";
    before = std::chrono::steady_clock::now();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  ASSERT_TRUE(running.done());
  EXPECT_EQ(running.wait().status, Status::cancelled);
  EXPECT_EQ(queued.wait().status, Status::cancelled);
  EXPECT_EQ(queued.wait().attempts, 0);
  EXPECT_FALSE(fs::exists(out("200m.bin")));
  EXPECT_FALSE(fs::exists(out("1m.bin")));
}

// Bodies reach their files on the engine's disk thread (small ones written whole, larger
// ones committed after their last blocks): an engine stopped while some are being written
// still reports ok only for files that are there, whole, and leaves nothing else but the
// resume files of the transfers it cancelled.
void expect_stop_mid_run_leaves_only_whole_files(const test::ServedFile& file, const std::string& url,
                                                 const EngineOptions& options, int files, int stop_after) {
  std::vector<TransferHandle> handles;
  {
    Engine engine(options);
    for (int i = 0; i < files; ++i)
      handles.push_back(engine.submit({.url = url, .file_name = "f" + std::to_string(i)}));
    handles[stop_after].wait();
  }
  const std::string expected = test::sha256_of(file.disk_path);
  const fs::path dir = options.output_dir;
  int cancelled = 0;
  for (int i = 0; i < files; ++i) {
    ASSERT_TRUE(handles[i].done()) << i;
    Result result = handles[i].wait();
    fs::path path = dir / ("f" + std::to_string(i));
    if (result.status == Status::ok) {
      EXPECT_EQ(test::sha256_of(path), expected) << path;
    } else {
      ++cancelled;
      EXPECT_EQ(result.status, Status::cancelled) << path << ": " << result.message;
      EXPECT_FALSE(fs::exists(path)) << path;
    }
  }
  EXPECT_EQ(handles[stop_after].wait().status, Status::ok);  // others done by then may be fewer
  EXPECT_GT(cancelled, 0);
  // Besides those files, only what a cancelled transfer keeps for a resume: NAME.part and
  // its state, for a body that was on disk when the engine stopped.
  std::string unexpected;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::string stem = name.substr(0, name.find('.'));
    const std::string suffix = name.substr(stem.size());
    const Status status = handles[std::stoi(stem.substr(1))].wait().status;
    bool allowed = (suffix.empty() && status == Status::ok) ||
                   ((suffix == ".part" || suffix == ".part.state") && status == Status::cancelled);
    if (!allowed) unexpected += " " + name;
  }
  EXPECT_EQ(unexpected, "") << "only files reported ok, and what cancelled ones keep for a resume";
}

TEST_F(EngineTest, StoppingMidRunLeavesEverySuccessWithItsFileAndNothingElse) {
  expect_stop_mid_run_leaves_only_whole_files(TestData::get().k16(), server_->url("/16k.bin"), options(),
                                              3000, 200);
}

TEST_F(EngineTest, StoppingMidRunWithBodiesOnDiskLeavesOnlyWholeFiles) {
  expect_stop_mid_run_leaves_only_whole_files(TestData::get().m1(), server_->url("/1m.bin"), options(), 400,
                                              40);
}

TEST_F(EngineTest, WaitForTimesOutWhileTheTransferRuns) {
  Engine engine(options());
  TransferHandle handle = engine.submit({.url = server_->url("/slow/200m.bin")});
  EXPECT_FALSE(handle.wait_for(100ms).has_value());
  EXPECT_FALSE(engine.wait_idle(50ms));
  EXPECT_EQ(engine.unfinished(), 1);
  engine.cancel_all();
  EXPECT_TRUE(engine.wait_idle(2s));
  EXPECT_EQ(engine.unfinished(), 0);
}

// A listening socket that never accepts: the connection is made (by the kernel's backlog)
// and then nothing, ever, comes back. Not a server: the plainest way for a peer to hang.
TEST_F(EngineTest, SilentPeerEndsAsStalled) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 16), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/x.bin";

  EngineOptions o = options();
  o.stall_timeout_s = 0.5;
  Engine engine(o);
  auto before = std::chrono::steady_clock::now();
  std::optional<Result> result = engine.submit({.url = url}).wait_for(5s);
  close(listener);
  ASSERT_TRUE(result.has_value()) << "a silent peer must not hang the transfer";
  EXPECT_LT(std::chrono::steady_clock::now() - before, 3s);
  EXPECT_EQ(result->category, ErrorCategory::stalled) << result->message;
  EXPECT_FALSE(fs::exists(out("x.bin")));
}

TEST_F(EngineTest, ConnectionRefusedIsANetworkError) {
  Engine engine(options());
  Result result =
      engine.submit({.url = "http://127.0.0.1:" + std::to_string(test::free_port()) + "/x"}).wait();
  EXPECT_EQ(result.category, ErrorCategory::network);
  EXPECT_NE(result.message.find("cannot connect"), std::string::npos) << result.message;
}

TEST_F(EngineTest, CredentialsNeverAppearInResults) {
  Engine engine(options());
  std::string url = "http://alice:s3cret@127.0.0.1:" + std::to_string(server_->port()) + "/missing";
  Result result = engine.submit({.url = url}).wait();
  EXPECT_EQ(result.http_status, 404);
  EXPECT_EQ(result.url.find("s3cret"), std::string::npos) << result.url;
  EXPECT_EQ(result.message.find("s3cret"), std::string::npos);
}

TEST_F(EngineTest, ManyEnginesInOneProcess) {
  Engine a(options());
  EngineOptions second = options();
  second.output_dir = out("second");
  Engine b(second);
  TransferHandle ha = a.submit({.url = server_->url("/16k.bin")});
  TransferHandle hb = b.submit({.url = server_->url("/16k.bin")});
  EXPECT_EQ(ha.wait().status, Status::ok);
  EXPECT_EQ(hb.wait().status, Status::ok);
  EXPECT_TRUE(fs::exists(out("second/16k.bin")));
}

}  // namespace
}  // namespace fetchpool
