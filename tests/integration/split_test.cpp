// Downloads split over several connections (-x): byte-exact under the faults one connection
// can meet, resumable after kill -9 from the ranges on disk, and within the connection caps.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "engine/resume_state.h"
#include "fetchpool/engine.h"
#include "support/fault_server.h"
#include "support/process.h"
#include "support/shared_server.h"
#include "support/test_data.h"
#include "support/wait.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::FaultServer;
using test::LoggedRequest;
using test::TempDir;

constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kSize = 2 * 1024 * kKiB;  // split into four 512 KiB segments

// The byte range a request asked for, [begin, end); end -1 when open.
std::pair<std::int64_t, std::int64_t> asked_range(const LoggedRequest& request) {
  auto it = request.headers.find("Range");
  if (it == request.headers.end()) return {0, -1};
  std::string spec = it->second.substr(std::string("bytes=").size());
  std::size_t dash = spec.find('-');
  std::int64_t begin = std::stoll(spec.substr(0, dash));
  std::string last = spec.substr(dash + 1);
  return {begin, last.empty() ? -1 : std::stoll(last) + 1};
}

class SplitTest : public test::SharedServerTest<FaultServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<FaultServer>(); });
  }
  std::vector<LoggedRequest> requests(const std::string& name) const {
    return server_->requests_for("/data/" + name + "?");
  }
  EngineOptions options() const {
    EngineOptions o;
    o.output_dir = dir_ / "out";
    o.connections_per_file = 4;
    o.min_split_size = 256 * kKiB;
    o.retry_wait_s = 0.05;
    o.stall_timeout_s = 0.5;
    return o;
  }
  Result fetch(const std::string& name, const std::string& query, EngineOptions o) {
    Engine engine(o);
    return engine.submit({.url = server_->data_url(name, kSize, query)}).wait();
  }
  void expect_exact(const std::string& name, int version = 0) {
    std::string path = dir_ / ("out/" + name);
    EXPECT_EQ(test::sha256_of(path), test::sha256_hex(test::fault_body(name, kSize, version)));
    EXPECT_FALSE(fs::exists(path + ".part"));
    EXPECT_FALSE(fs::exists(path + ".part.state"));
  }
  void kill_then_rerun(const std::string& name, std::int64_t size, int trickle, std::int64_t at_least);
  TempDir dir_;
};

TEST_F(SplitTest, BigFileComesOverSeveralConnectionsByteExact) {
  Result result = fetch("split", "", options());
  ASSERT_EQ(result.status, Status::ok) << result.message;
  expect_exact("split");
  auto seen = requests("split");
  ASSERT_GE(seen.size(), 4u) << "one request per segment at least";
  for (std::size_t i = 1; i < seen.size(); ++i) {
    auto [begin, end] = asked_range(seen[i]);
    EXPECT_GT(end, begin) << "segments ask for closed ranges";
    EXPECT_EQ(seen[i].headers["If-Range"], seen[0].headers.count("If-Range") ? "" : "\"split-2097152-0\"")
        << "every segment names the version it continues";
  }
}

TEST_F(SplitTest, OneConnectionResetMidSegmentResumesThatSegment) {
  // The second request is the first extra connection: it is cut after 100,000 bytes.
  Result result = fetch("split-reset", "reset_after=100000&fault_on=2", options());
  ASSERT_EQ(result.status, Status::ok) << result.message;
  expect_exact("split-reset");
  // "bytes B-E, attempt 1: ...": the bytes that segment still lacked when it was cut (the
  // extra connections start together, so which segment it was varies).
  ASSERT_EQ(result.attempt_errors.size(), 1u) << testing::PrintToString(result.attempt_errors);
  const std::string& error = result.attempt_errors[0];
  ASSERT_EQ(error.rfind("bytes ", 0), 0u) << error;
  std::int64_t lacked_from = std::stoll(error.substr(6));
  EXPECT_GE(lacked_from % (512 * kKiB), 100000) << "it kept what it had: " << error;
  // Its retry continues after the bytes it already had.
  auto seen = requests("split-reset");
  bool continued = std::any_of(seen.begin(), seen.end(),
                               [&](const LoggedRequest& r) { return asked_range(r).first == lacked_from; });
  EXPECT_TRUE(continued);
}

TEST_F(SplitTest, OneStalledConnectionIsRetriedWhileTheOthersGoOn) {
  Result result = fetch("split-stall", "stall_after=50000&fault_on=3", options());
  ASSERT_EQ(result.status, Status::ok) << result.message;
  expect_exact("split-stall");
  ASSERT_FALSE(result.attempt_errors.empty());
  EXPECT_NE(result.attempt_errors[0].find("no data received"), std::string::npos) << result.attempt_errors[0];
}

TEST_F(SplitTest, ServerIgnoringRangesGetsOneConnection) {
  Result result = fetch("split-norange", "ignore_range=1", options());
  ASSERT_EQ(result.status, Status::ok) << result.message;
  expect_exact("split-norange");
  EXPECT_EQ(requests("split-norange").size(), 1u);
}

TEST_F(SplitTest, VersionChangingMidDownloadStartsOverOnOneConnection) {
  // Every response is a new version: the extra connections see that, and the download
  // starts over on one connection, which cannot mix two versions.
  Result result = fetch("split-etag", "changing_etag=1", options());
  ASSERT_EQ(result.status, Status::ok) << result.message;
  auto seen = requests("split-etag");
  // The file is exactly one version: that of whichever response was the whole body (the
  // server's log order of concurrent requests is not its counting order).
  std::string got = test::sha256_of(dir_ / "out/split-etag");
  bool one_version = false;
  for (int version = 1; version <= static_cast<int>(seen.size()); ++version)
    one_version |= got == test::sha256_hex(test::fault_body("split-etag", kSize, version));
  EXPECT_TRUE(one_version) << "the file mixes versions";
  EXPECT_FALSE(fs::exists(dir_ / "out/split-etag.part"));
  auto whole =
      std::count_if(seen.begin() + 1, seen.end(), [](const auto& r) { return !r.headers.count("Range"); });
  EXPECT_EQ(whole, 1) << "one fresh request after the split was given up";
  ASSERT_FALSE(result.attempt_errors.empty());
  EXPECT_NE(result.attempt_errors.back().find("changed on the server"), std::string::npos);
}

TEST_F(SplitTest, AdvertisedDigestIsCheckedOverTheWholeFile) {
  Result right = fetch("split-digest", "digest=right", options());
  EXPECT_EQ(right.status, Status::ok) << right.message;
  expect_exact("split-digest");
  Result wrong = fetch("split-digest-wrong", "digest=wrong", options());
  EXPECT_EQ(wrong.status, Status::failed);
  EXPECT_EQ(wrong.category, ErrorCategory::checksum) << wrong.message;
  EXPECT_FALSE(fs::exists(dir_ / "out/split-digest-wrong"));
}

// Open TCP connections from this machine to 127.0.0.1:port, as `ss` sees them.
int connections_to(int port) {
  auto run = test::run_process(
      {"/usr/bin/ss", "-Htn", "state", "established", "( dport = :" + std::to_string(port) + " )"});
  return static_cast<int>(std::count(run.out.begin(), run.out.end(), '\n'));
}

TEST_F(SplitTest, RedirectedFileIsSplitToo) {
  // The engine follows the redirect once; every part then asks where it led.
  std::string target = server_->data_url("split-redirected", kSize);
  Engine engine(options());
  Result result =
      engine.submit({.url = server_->url("/redirect?to=" + target), .file_name = "split-redirected"}).wait();
  ASSERT_EQ(result.status, Status::ok) << result.message;
  expect_exact("split-redirected");
  EXPECT_GE(requests("split-redirected").size(), 4u);
}

TEST_F(SplitTest, PerHostCapCountsEveryConnection) {
  FaultServer own_server;  // alone, so that every connection to it is this test's
  EngineOptions o = options();
  o.max_per_host = 2;
  Engine engine(o);
  // Trickled, so the connections overlap.
  auto a = engine.submit({.url = own_server.url("/data/cap-a?size=2097152&trickle=2000000")});
  auto b = engine.submit({.url = own_server.url("/data/cap-b?size=524288&trickle=2000000")});
  // ss lists sockets in several steps, not atomically: as a connection closes and the next
  // one opens, one listing can show both. A real extra connection lasts a whole segment
  // (over 100 ms here), so a count must hold across two listings 10 ms apart to count.
  // Sampled until both are done (at most 500 listings, 30 s).
  int most = 0;
  int previous = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (int i = 0; i < 500 && !(a.done() && b.done()) && std::chrono::steady_clock::now() < deadline; ++i) {
    int now = connections_to(own_server.port());
    most = std::max(most, std::min(now, previous));
    previous = now;
    std::this_thread::sleep_for(10ms);  // the sampling interval (the scenario), not a wait for an event
  }
  ASSERT_EQ(a.wait().status, Status::ok);
  ASSERT_EQ(b.wait().status, Status::ok);
  EXPECT_EQ(most, 2) << "two connections at once, never more";
  EXPECT_GE(own_server.requests_for("/data/cap-a?").size(), 3u)
      << "the big one split once the small one was done";
}

TEST_F(SplitTest, CancelKeepsTheRangesForALaterRun) {
  Engine engine(options());
  auto handle = engine.submit({.url = server_->data_url("split-cancel", kSize, "trickle=200000")});
  // Cancelled once the state file (saved about once a second) lists ranges of two segments.
  const std::string state_path = dir_ / "out/split-cancel.part.state";
  EXPECT_TRUE(test::wait_until(
      [&] {
        engine::ResumeState saved;
        return engine::load_resume_state(state_path, &saved) && saved.ranges.size() >= 2;
      },
      20s, 50ms))
      << "no state listing two segments appeared";
  handle.cancel();
  ASSERT_EQ(handle.wait().status, Status::cancelled);
  engine::ResumeState state;
  ASSERT_TRUE(engine::load_resume_state(dir_ / "out/split-cancel.part.state", &state));
  EXPECT_EQ(state.total, kSize);
  EXPECT_GE(state.ranges.size(), 2u) << "several segments had bytes";
  EXPECT_EQ(static_cast<std::int64_t>(fs::file_size(dir_ / "out/split-cancel.part")), kSize);
}

// Kills a split download of `size` bytes (`trickle` bytes/s per connection) once its state
// file lists ranges of several segments holding at least `at_least` bytes, then reruns
// it: the file must end exact, fetching exactly the ranges the state did not list.
void SplitTest::kill_then_rerun(const std::string& name, std::int64_t size, int trickle,
                                std::int64_t at_least) {
  std::string url = server_->data_url(name, size, "trickle=" + std::to_string(trickle));
  std::string part = dir_ / ("out/" + name + ".part");
  engine::ResumeState state;
  auto listed = [&state] {
    std::int64_t bytes = 0;
    for (const auto& range : state.ranges) bytes += range.size();
    return bytes;
  };
  {
    test::ChildProcess first(
        test::fetchpool_argv({"get", "-q", "-x", "4", "--min-split-size", "256K", "-d", dir_ / "out", url}));
    // Until the state file (saved about once a second) lists enough.
    test::wait_until(
        [&] {
          engine::load_resume_state(part + ".state", &state);
          return state.ranges.size() >= 2 && listed() >= at_least;
        },
        20s, 50ms);
    first.signal(SIGKILL);
    first.wait(5s);
  }
  ASSERT_GE(state.ranges.size(), 2u) << "no state with ranges appeared";
  ASSERT_GE(listed(), at_least);
  ASSERT_TRUE(engine::load_resume_state(part + ".state", &state));  // the last one saved
  ASSERT_FALSE(fs::exists(dir_ / ("out/" + name)));
  const std::size_t first_run_requests = requests(name).size();

  // No re-splitting on the rerun (parts of at least half the file), so what it asks for is
  // exactly what is missing.
  auto second = test::run_fetchpool(
      {"get", "-q", "--min-split-size", std::to_string(size / 2), "-d", dir_ / "out", url});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(test::sha256_of(dir_ / ("out/" + name)), test::sha256_hex(test::fault_body(name, size)))
      << "every byte the state file listed was on disk";
  EXPECT_FALSE(fs::exists(part));
  EXPECT_FALSE(fs::exists(part + ".state"));

  auto seen = requests(name);
  std::int64_t asked = 0;
  for (std::size_t i = first_run_requests; i < seen.size(); ++i) {
    auto [begin, end] = asked_range(seen[i]);
    ASSERT_GT(end, begin) << "every request of the rerun asks for a closed range";
    EXPECT_TRUE(seen[i].headers.count("If-Range"));
    asked += end - begin;
  }
  EXPECT_EQ(asked, size - listed()) << "only the missing ranges are fetched again";
}

TEST_F(SplitTest, KillNineThenRerunFetchesOnlyTheMissingRanges) {
  kill_then_rerun("split-kill9", 2 * kSize, 500'000, 1);  // four 1 MiB segments, ~2 s each
}

// Past 8 MiB the blocks are written behind the network, on the disk thread: the state file
// still names only bytes that are on disk.
TEST_F(SplitTest, KillNineWhileWritingBehindThenRerunEndsExact) {
  kill_then_rerun("split-kill9-behind", 32 << 20, 2'000'000, 10 << 20);
}

// A body past 8 MiB over several connections, written behind: exact, and its advertised
// digest (fed in order, partly read back from the file) checked.
TEST_F(SplitTest, BodyWrittenBehindOverSeveralConnectionsIsExactAndVerified) {
  constexpr std::int64_t kBig = 24 << 20;
  Engine engine(options());
  Result result = engine
                      .submit({.url = server_->data_url("split-behind", kBig, "digest=right"),
                               .file_name = "split-behind"})
                      .wait();
  ASSERT_EQ(result.status, Status::ok) << result.message;
  EXPECT_EQ(test::sha256_of(dir_ / "out/split-behind"),
            test::sha256_hex(test::fault_body("split-behind", kBig)));
  EXPECT_GE(requests("split-behind").size(), 4u);
  EXPECT_FALSE(fs::exists(dir_ / "out/split-behind.part"));
}

}  // namespace
}  // namespace fetchpool
