// Every fault the fault server can inject, through the library and through the binary:
// each file ends byte-exact, or failed with the expected category, and never partial or
// wrong under its final name.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "fetchpool/engine.h"
#include "support/fault_server.h"
#include "support/nginx_server.h"
#include "support/process.h"
#include "support/shared_server.h"
#include "support/test_data.h"
#include "support/wait.h"

namespace fetchpool {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::FaultServer;
using test::run_fetchpool;
using test::TempDir;

constexpr std::int64_t kLarge = 1024 * 1024;  // spills to NAME.part, so it resumes
constexpr std::int64_t kSmall = 50'000;       // stays in memory, so it restarts

enum class Expect { exact, newer_version, third_version, fails };

struct Fault {
  const char* label;
  const char* query;
  std::int64_t size;
  Expect expect;
  const char* category = "none";  ///< When it fails.
  const char* message = "";       ///< A part of the reason, when it fails.
  int attempts = 0;               ///< Expected attempts; 0: do not check.
  bool resumes = false;           ///< The retry asks for the rest with Range.
  int retries = 5;
  double max_time_s = 0;
};

// clang-format off
const Fault kFaults[] = {
  {"ResetMidBodyResumes", "reset_after=300000&fault_once=1", kLarge, Expect::exact, "none", "", 2, true},
  {"ResetOfSmallBodyRestarts", "reset_after=5000&fault_once=1", kSmall, Expect::exact, "none", "", 2},
  {"StallMidBodyResumes", "stall_after=300000&fault_once=1", kLarge, Expect::exact, "none", "", 2, true},
  {"ShortBodyResumes", "short_by=1000&fault_once=1", kLarge, Expect::exact, "none", "", 2, true},
  {"ServiceUnavailableWithRetryAfter", "fail_first=1&status=503&retry_after=1", kSmall, Expect::exact, "none", "", 2},
  {"TooManyRequests", "fail_first=2&status=429", kSmall, Expect::exact, "none", "", 3},
  {"ServerErrorsThenSuccess", "fail_first=2&status=500", kSmall, Expect::exact, "none", "", 3},
  {"ServerErrorsOutlastRetries", "fail_first=100&status=503", kSmall, Expect::fails, "http", "HTTP 503", 3, false, 2},
  {"NotFoundIsNotRetried", "fail_first=100&status=404", kSmall, Expect::fails, "http", "HTTP 404", 1},
  {"RangeIgnoredStartsOver", "ignore_range=1&reset_after=300000&fault_once=1", kLarge, Expect::exact, "none", "", 2},
  {"ChangedEtagStartsOver", "changing_etag=1&reset_after=300000&fault_once=1", kLarge, Expect::newer_version, "none", "", 2, true},
  // A cache that ignores If-Range sends a range of the new version: never joined to the old.
  {"RangeOfAnotherVersionStartsOver", "changing_etag=1&ignore_if_range=1&reset_after=300000&fault_once=1", kLarge, Expect::third_version, "none", "", 3, true},
  {"WrongAdvertisedDigestFails", "digest=wrong", kLarge, Expect::fails, "checksum", "expected sha256:", 2},
  {"RightAdvertisedDigestPasses", "digest=right", kLarge, Expect::exact, "none", "", 1},
  {"TrickleHitsMaxTime", "trickle=2000", 100'000, Expect::fails, "timeout", "max time", 1, false, 5, 1.0},
  {"TrickleIsNotAStall", "trickle=40000", 60'000, Expect::exact, "none", "", 1},
  {"AlwaysShortFails", "short_by=1000", kLarge, Expect::fails, "network", "", 2, false, 1},
  {"AlwaysStalledFails", "stall_after=1000", kSmall, Expect::fails, "stalled", "no data received", 2, false, 1},
  // The body rule: only a 200, or a 206 for exactly the range asked, is ever body.
  {"ResumeAnsweredWithAShortRangeStartsOver", "reset_after=300000&fault_once=1&short_range=100000", kLarge, Expect::exact, "none", "", 3, true},
  {"PartialAnswerToAWholeRequestFails", "partial=300000", kLarge, Expect::fails, "protocol", "HTTP 206 Partial Content (Content-Range: bytes 0-299999/1048576) to a request for the whole file", 2, false, 1},
  {"MovedWithoutLocationFails", "answer=301", kSmall, Expect::fails, "protocol", "HTTP 301 Moved Permanently without a Location header", 2, false, 1},
  {"FoundWithoutLocationFails", "answer=302", kSmall, Expect::fails, "protocol", "HTTP 302 Found without a Location header", 2, false, 1},
  {"SeeOtherWithoutLocationFails", "answer=303", kSmall, Expect::fails, "protocol", "HTTP 303 See Other without a Location header", 2, false, 1},
  {"TemporaryRedirectWithoutLocationFails", "answer=307", kSmall, Expect::fails, "protocol", "HTTP 307 Temporary Redirect without a Location header", 2, false, 1},
  {"NotModifiedToAPlainRequestFails", "answer=304", kSmall, Expect::fails, "protocol", "HTTP 304 Not Modified to a request that was not conditional", 2, false, 1},
  {"NoContentIsNotABody", "answer=204", kSmall, Expect::fails, "protocol", "HTTP 204 No Content is not a file's body", 2, false, 1},
  // Nothing waits forever with default options: a trickle is under the minimum rate.
  {"TrickleUnderTheMinimumRateIsStalled", "trickle_gap=0.1", kSmall, Expect::fails, "stalled", "minimum rate", 2, false, 1, 10.0},
};
// clang-format on

void PrintTo(const Fault& fault, std::ostream* out) {
  *out << fault.label;
}

enum class Through { library, binary };

class FaultTest
    : public test::SharedServerTest<FaultServer, ::testing::TestWithParam<std::tuple<Fault, Through>>> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<FaultServer>(); });
  }
  TempDir dir_;
};

// What a run reports, whichever way it ran.
struct Outcome {
  std::string status;
  std::string category;
  std::string message;
  int attempts = 0;
};

Outcome run_library(const std::string& url, const std::string& out_dir, const Fault& fault) {
  EngineOptions options;
  options.output_dir = out_dir;
  options.retries = fault.retries;
  options.retry_wait_s = 0.05;
  options.stall_timeout_s = 0.5;
  options.max_time_s = fault.max_time_s;
  Engine engine(options);
  Result result = engine.submit({.url = url, .file_name = "file.bin"}).wait();
  return {std::string(to_string(result.status)), std::string(to_string(result.category)), result.message,
          result.attempts};
}

Outcome run_binary(const std::string& url, const TempDir& dir, const Fault& fault) {
  std::vector<std::string> args{"get",
                                "-d",
                                dir / "out",
                                "-o",
                                "file.bin",
                                "--retries",
                                std::to_string(fault.retries),
                                "--retry-wait",
                                "0.05",
                                "--stall-timeout",
                                "0.5",
                                "--report",
                                dir / "report.json",
                                url};
  if (fault.max_time_s > 0) {
    args.insert(args.begin() + 1, {"--max-time", std::to_string(fault.max_time_s)});
  }
  auto run = run_fetchpool(args);
  EXPECT_EQ(run.exit_code, fault.expect == Expect::fails ? 1 : 0) << run.err;
  auto report = nlohmann::json::parse(test::read_file(dir / "report.json"));
  const auto& entry = report["transfers"].at(0);
  return {entry["status"], entry["category"],
          entry["error"].is_null() ? "" : entry["error"].get<std::string>(), entry["attempts"]};
}

TEST_P(FaultTest, EndsExactOrFailsWithTheReason) {
  const auto& [fault, through] = GetParam();
  // A name per test and path: the server counts requests per name (fail_first, fault_once).
  std::string name = std::string(fault.label) + (through == Through::library ? "-lib" : "-bin");
  std::string url = server_->data_url(name, fault.size, fault.query);
  std::string out_dir = dir_ / "out";
  auto started = std::chrono::steady_clock::now();
  Outcome outcome =
      through == Through::library ? run_library(url, out_dir, fault) : run_binary(url, dir_, fault);
  auto took = std::chrono::steady_clock::now() - started;

  std::string final_path = out_dir + "/file.bin";
  if (fault.expect == Expect::fails) {
    EXPECT_EQ(outcome.status, "failed");
    EXPECT_EQ(outcome.category, fault.category) << outcome.message;
    EXPECT_NE(outcome.message.find(fault.message), std::string::npos) << outcome.message;
    EXPECT_EQ(outcome.message.find("last error: gave up"), std::string::npos) << outcome.message;
    EXPECT_FALSE(fs::exists(final_path)) << "a failed download must leave nothing under its final name";
  } else {
    ASSERT_EQ(outcome.status, "ok") << outcome.message;
    // The content of the response that delivered the file: the second, or the third.
    int version = fault.expect == Expect::newer_version ? 2 : fault.expect == Expect::third_version ? 3 : 0;
    EXPECT_EQ(test::sha256_of(final_path), test::sha256_hex(test::fault_body(name, fault.size, version)));
    EXPECT_FALSE(fs::exists(final_path + ".part"));
    EXPECT_FALSE(fs::exists(final_path + ".part.state"));
  }
  if (fault.attempts > 0) {
    EXPECT_EQ(outcome.attempts, fault.attempts) << outcome.message;
  }

  auto requests = server_->requests_for("/data/" + name + "?");
  if (fault.resumes) {
    ASSERT_GE(requests.size(), 2u);
    const auto& retry = requests[1].headers;
    ASSERT_TRUE(retry.count("Range")) << "the retry should continue from the bytes on disk";
    EXPECT_NE(retry.at("Range"), "bytes=0-");
    EXPECT_TRUE(retry.count("If-Range"));
  }
  if (std::string(fault.query).find("retry_after=1") != std::string::npos) {
    EXPECT_GE(took, 900ms) << "Retry-After: 1 must be honoured";
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, FaultTest,
                         ::testing::Combine(::testing::ValuesIn(kFaults),
                                            ::testing::Values(Through::library, Through::binary)),
                         [](const auto& test_info) {
                           return std::string(std::get<0>(test_info.param).label) +
                                  (std::get<1>(test_info.param) == Through::library ? "_Library" : "_Binary");
                         });

class ReliabilityTest : public test::SharedServerTest<FaultServer> {
 protected:
  static void SetUpTestSuite() {
    start([] { return std::make_unique<FaultServer>(); });
  }

  /// `fetchpool get` of NAME (4 MiB trickled at 1.2 MB/s, ~3.5 s) into out/, killed with
  /// -9 once out/NAME.part (named, with its state, after the body's first second: from then
  /// on it is resumable) holds at least `at_least` bytes. Returns the command, to run again.
  std::vector<std::string> get_then_kill_nine(const std::string& name, std::int64_t at_least = 1) {
    std::string url = server_->data_url(name, kKillNineSize, "trickle=1200000");
    std::vector<std::string> args{"get", "-q", "-d", dir_ / "out", url};
    const fs::path part = dir_ / ("out/" + name + ".part");
    test::ChildProcess first(test::fetchpool_argv(args));
    bool kept = test::wait_until(
        [&] {
          std::error_code ec;
          auto size = fs::file_size(part, ec);
          return !ec && static_cast<std::int64_t>(size) >= at_least;
        },
        20s);
    first.signal(SIGKILL);
    first.wait(5s);
    EXPECT_TRUE(kept) << part << " never held " << at_least << " bytes while the first run ran";
    return args;
  }

  /// Runs `args` again: it ends byte-exact, having asked for the bytes from `from` on,
  /// and leaves no NAME.part or state behind.
  void expect_rerun_continues_from(const std::vector<std::string>& args, const std::string& name,
                                   std::int64_t from) {
    auto second = run_fetchpool(args);
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_EQ(test::sha256_of(dir_ / ("out/" + name)),
              test::sha256_hex(test::fault_body(name, kKillNineSize)));
    auto requests = server_->requests_for("/data/" + name + "?");
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[1].headers["Range"], "bytes=" + std::to_string(from) + "-");
    EXPECT_FALSE(fs::exists(dir_ / ("out/" + name + ".part")));
    EXPECT_FALSE(fs::exists(dir_ / ("out/" + name + ".part.state")));
  }

  static constexpr std::int64_t kKillNineSize = 4 * kLarge;
  TempDir dir_;
};

// Past 8 MiB a body's blocks are written on the disk thread while more arrive: a reset
// there keeps every byte received (the retry continues from them) and the file ends exact.
TEST_F(ReliabilityTest, BodyWrittenBehindResumesAfterAResetAndEndsExact) {
  constexpr std::int64_t kSize = 24 << 20;
  EngineOptions options;
  options.output_dir = dir_ / "out";
  options.connections_per_file = 1;
  options.retry_wait_s = 0.05;
  Engine engine(options);
  std::string url = server_->data_url("behind-reset", kSize, "reset_after=16000000&fault_once=1");
  Result result = engine.submit({.url = url, .file_name = "big.bin"}).wait();
  ASSERT_EQ(result.status, Status::ok) << result.message;
  EXPECT_EQ(result.attempts, 2);
  EXPECT_EQ(test::sha256_of(dir_ / "out/big.bin"), test::sha256_hex(test::fault_body("behind-reset", kSize)));
  auto requests = server_->requests_for("/data/behind-reset?");
  ASSERT_EQ(requests.size(), 2u);
  ASSERT_TRUE(requests[1].headers.count("Range"));
  const std::string& range = requests[1].headers.at("Range");  // bytes=N-
  EXPECT_GT(std::stoll(range.substr(range.find('=') + 1)), 12'000'000) << range;
  EXPECT_FALSE(fs::exists(dir_ / "out/big.bin.part"));
}

TEST_F(ReliabilityTest, AnExpectedSizeBindsWhetherTheServerStatesOneOrNot) {
  EngineOptions options;
  options.output_dir = dir_ / "out";
  options.retry_wait_s = 0.01;
  Engine engine(options);
  for (const char* query : {"", "no_length=1"}) {
    for (std::int64_t size : {kSmall, kLarge}) {
      const std::string name = "sized-" + std::to_string(size) + (*query ? "-unstated" : "-stated");
      Request request{.url = server_->data_url(name, size, query)};
      request.expected_size = size + 1;
      Result wrong = engine.submit(request).wait();
      EXPECT_EQ(wrong.category, ErrorCategory::checksum) << name << ": " << wrong.message;
      EXPECT_NE(wrong.message.find("size mismatch: expected " + std::to_string(size + 1) + " bytes"),
                std::string::npos)
          << wrong.message;
      EXPECT_FALSE(fs::exists(dir_ / ("out/" + name))) << name;
      EXPECT_FALSE(fs::exists(dir_ / ("out/" + name + ".part"))) << name;

      request.expected_size = size;
      request.file_name = name + "-right";  // one engine writes a path once
      Result right = engine.submit(request).wait();
      ASSERT_EQ(right.status, Status::ok) << name << ": " << right.message;
      EXPECT_EQ(test::sha256_of(dir_ / ("out/" + name + "-right")),
                test::sha256_hex(test::fault_body(name, size)));
    }
  }
}

TEST_F(ReliabilityTest, CancelWhileTheServerStallsReturnsWithinASecond) {
  EngineOptions options;
  options.output_dir = dir_ / "out";
  options.stall_timeout_s = 60;
  Engine engine(options);
  TransferHandle handle =
      engine.submit({.url = server_->data_url("cancel-stall", kLarge, "stall_after=400000")});
  // Wait until the stall: the server has sent its bytes and gone quiet.
  ASSERT_TRUE(test::wait_until([&] { return test::bytes_in_progress(engine, handle) == 400'000; }, 20s))
      << "the engine never reported the 400000 bytes sent before the stall";
  ASSERT_FALSE(handle.done());
  std::thread canceller([&] { handle.cancel(); });
  auto started = std::chrono::steady_clock::now();
  std::optional<Result> result = handle.wait_for(2s);
  canceller.join();
  ASSERT_TRUE(result.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_EQ(result->status, Status::cancelled);
  EXPECT_FALSE(fs::exists(dir_ / "out/cancel-stall"));
  EXPECT_TRUE(fs::exists(dir_ / "out/cancel-stall.part")) << "kept for a later resume";
}

TEST_F(ReliabilityTest, KillNineThenRerunTransfersOnlyTheRemainder) {
  auto args = get_then_kill_nine("kill9");
  ASSERT_FALSE(fs::exists(dir_ / "out/kill9"));
  std::int64_t kept = static_cast<std::int64_t>(fs::file_size(dir_ / "out/kill9.part"));
  ASSERT_GT(kept, 0);
  expect_rerun_continues_from(args, "kill9", kept);
}

// A body's blocks can reach NAME.part out of order (the loop writes one itself while
// earlier ones wait at the disk thread), so kill -9 can leave a file whose end lies past a
// gap never written. Made here by punching that gap into a kept NAME.part: the rerun must
// continue from the gap, not from the end, and end byte-exact.
TEST_F(ReliabilityTest, KillNineLeavingAGapThenRerunContinuesFromTheGap) {
  const std::int64_t gap = kLarge, gap_end = kLarge + 256 * 1024;
  auto args = get_then_kill_nine("kill9-gap", gap_end + 256 * 1024);
  const std::string part = dir_ / "out/kill9-gap.part";
  ASSERT_GT(static_cast<std::int64_t>(fs::file_size(part)), gap_end) << "the first run kept too little";
  int fd = ::open(part.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  int punched = ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, gap, gap_end - gap);
  ::close(fd);
  if (punched != 0) GTEST_SKIP() << "this filesystem cannot punch holes";
  expect_rerun_continues_from(args, "kill9-gap", gap);
}

TEST_F(ReliabilityTest, InterruptStopsKeepsPartialFilesAndExits130) {
  const std::int64_t size = 4 * kLarge;
  std::string url = server_->data_url("sigint", size, "trickle=2000000");
  std::vector<std::string> args{"get", "-d", dir_ / "out", url};
  test::ChildProcess first(test::fetchpool_argv(args));
  // Interrupted once it has bytes on disk to keep: NAME.part is named after the body's first
  // second (its 4 MiB take about two).
  ASSERT_TRUE(test::wait_until([&] { return fs::exists(dir_ / "out/sigint.part"); }, 20s))
      << "out/sigint.part never appeared";
  first.signal(SIGINT);
  auto stopped = first.wait(3s);
  EXPECT_EQ(stopped.exit_code, 130) << stopped.err;
  EXPECT_NE(stopped.err.find("interrupted"), std::string::npos) << stopped.err;
  EXPECT_NE(stopped.err.find("1 cancelled"), std::string::npos) << stopped.err;
  EXPECT_FALSE(fs::exists(dir_ / "out/sigint"));
  EXPECT_TRUE(fs::exists(dir_ / "out/sigint.part"));

  auto second = run_fetchpool(args);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/sigint"), test::sha256_hex(test::fault_body("sigint", size)));
  EXPECT_NE(server_->requests_for("/data/sigint?").back().headers["Range"], "");
}

TEST_F(ReliabilityTest, NoContinueStartsOver) {
  const std::int64_t size = 4 * kLarge;
  std::string url = server_->data_url("no-continue", size, "trickle=1200000");
  {
    test::ChildProcess first(test::fetchpool_argv({"get", "-q", "-d", dir_ / "out", url}));
    // Killed once the part it leaves is there (named after the body's first second).
    test::wait_until([&] { return fs::exists(dir_ / "out/no-continue.part"); }, 20s);
    first.signal(SIGKILL);
    first.wait(5s);
  }
  ASSERT_TRUE(fs::exists(dir_ / "out/no-continue.part"));
  auto second = run_fetchpool({"get", "-q", "--no-continue", "-d", dir_ / "out", url});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/no-continue"),
            test::sha256_hex(test::fault_body("no-continue", size)));
  EXPECT_EQ(server_->requests_for("/data/no-continue?").back().headers.count("Range"), 0u);
}

TEST_F(ReliabilityTest, NoServerDigestSkipsTheAdvertisedOne) {
  auto run = run_fetchpool({"get", "-q", "--no-server-digest", "-d", dir_ / "out",
                            server_->data_url("no-server-digest", kSmall, "digest=wrong")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/no-server-digest"),
            test::sha256_hex(test::fault_body("no-server-digest", kSmall)));
}

TEST_F(ReliabilityTest, GivenChecksumMismatchFailsAfterOneFreshDownload) {
  auto run = run_fetchpool({"get", "-d", dir_ / "out", "--checksum", "sha256:" + std::string(64, '0'),
                            server_->data_url("given-mismatch", kLarge)});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("checksum mismatch: expected sha256:000"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("got sha256:" + test::sha256_hex(test::fault_body("given-mismatch", kLarge))),
            std::string::npos)
      << run.err;
  EXPECT_EQ(server_->requests_for("/data/given-mismatch?").size(), 2u);
  EXPECT_FALSE(fs::exists(dir_ / "out/given-mismatch"));
  EXPECT_FALSE(fs::exists(dir_ / "out/given-mismatch.part"));
}

TEST_F(ReliabilityTest, ResumedDownloadStillVerifiesTheWholeFile) {
  const std::int64_t size = kLarge;
  std::string digest = "sha256:" + test::sha256_hex(test::fault_body("resume-digest", size));
  auto run = run_fetchpool({"get", "-q", "--retry-wait", "0.05", "--checksum", digest, "-d", dir_ / "out",
                            server_->data_url("resume-digest", size, "reset_after=400000&fault_once=1")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto requests = server_->requests_for("/data/resume-digest?");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[1].headers["Range"], "");  // resumed, and the digest covered both parts
}

TEST_F(ReliabilityTest, RedirectToAnotherPortDropsCredentials) {
  FaultServer other;
  std::string target = other.url("/data/elsewhere?size=1000");
  std::string url = server_->url("/redirect?to=" + target);
  auto run = run_fetchpool({"get", "-q", "-u", "alice:secret", "-H", "Authorization: Bearer token", "-H",
                            "Cookie: session=abc", "-d", dir_ / "out", "-o", "elsewhere", url});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto first = server_->requests_for("/redirect?");
  ASSERT_FALSE(first.empty());
  EXPECT_TRUE(first.back().headers.count("Authorization"));
  auto second = other.requests_for("/data/elsewhere");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].headers.count("Authorization"), 0u)
      << "credentials must not follow a redirect to another origin";
  EXPECT_EQ(second[0].headers.count("Cookie"), 0u);
}

// Request::post_body (token services' OAuth2 form): sent on every attempt, kept across a
// 307 (the method and body must not change), turned into a GET by a 303, as curl does.
TEST_F(ReliabilityTest, APostBodyIsSentAndFollowsRedirectsAsHttpSays) {
  EngineOptions options;
  options.retry_wait_s = 0.01;
  Engine engine(options);
  auto post = [&](const std::string& name, const std::string& code) {
    Request request;
    request.url =
        server_->url("/redirect?code=" + code + "&to=/data/" + name + "%3Fsize=1000%26fail_first=1");
    request.to_memory = true;
    request.post_body = "grant_type=refresh_token&scope=repository%3Aa%3Apull";
    request.retries = 2;
    Result result = engine.submit(std::move(request)).wait();
    EXPECT_TRUE(result.ok()) << result.message;
    EXPECT_EQ(result.body ? *result.body : std::string(), test::fault_body(name, 1000));
    return server_->requests_for("/data/" + name);
  };
  auto kept = post("posted-307", "307");
  ASSERT_EQ(kept.size(), 2u) << "a 503, then the retry";
  for (const test::LoggedRequest& request : kept) {
    EXPECT_EQ(request.method, "POST");
    ASSERT_TRUE(request.headers.count("Content-Type"));
    EXPECT_EQ(request.body, "grant_type=refresh_token&scope=repository%3Aa%3Apull");
    EXPECT_EQ(request.headers.at("Content-Type"), "application/x-www-form-urlencoded");
  }
  auto turned = post("posted-303", "303");
  ASSERT_FALSE(turned.empty());
  for (const test::LoggedRequest& request : turned) {
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.body, "");
  }
  EXPECT_EQ(server_->requests_for("/redirect?code=303").back().method, "POST");

  // A 307 to another origin would carry the body (often a secret) there: refused.
  FaultServer other;
  Request elsewhere;
  elsewhere.url = server_->url("/redirect?code=307&to=" + other.url("/data/stolen%3Fsize=10"));
  elsewhere.to_memory = true;
  elsewhere.post_body = "refresh_token=secret";
  Result kept_home = engine.submit(std::move(elsewhere)).wait();
  EXPECT_EQ(kept_home.status, Status::failed);
  EXPECT_NE(kept_home.message.find("redirected a POST (307) to another origin"), std::string::npos)
      << kept_home.message;
  EXPECT_TRUE(other.requests().empty());

  Request to_file;
  to_file.url = server_->url("/data/x?size=10");
  to_file.post_body = "a=b";
  Result refused = engine.submit(std::move(to_file)).wait();
  EXPECT_EQ(refused.category, ErrorCategory::invalid_input) << refused.message;
  EXPECT_NE(refused.message.find("post_body needs to_memory"), std::string::npos) << refused.message;
}

// What a server says of an error (Docker Hub's rate limit, a registry's MANIFEST_UNKNOWN,
// OAuth2's invalid_grant) is in the Result of an API request kept in memory; a file's
// error page is kept nowhere.
TEST_F(ReliabilityTest, AnErrorsBodyIsKeptForARequestInMemoryOnly) {
  EngineOptions options;
  options.output_dir = dir_ / "out";
  Engine engine(options);
  const std::string said =
      R"({"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]})";
  std::string encoded;
  for (unsigned char c : said) {
    static const char* const kHex = "0123456789ABCDEF";
    encoded +=
        std::isalnum(c) ? std::string(1, static_cast<char>(c)) : std::string{'%', kHex[c >> 4], kHex[c & 15]};
  }
  const std::string query = "fail_first=9&status=429&error_body=" + encoded;
  Request api;
  api.url = server_->data_url("limited", 1000, query);
  api.to_memory = true;
  api.retries = 0;
  Result refused = engine.submit(api).wait();
  EXPECT_EQ(refused.status, Status::failed);
  EXPECT_EQ(refused.http_status, 429);
  ASSERT_TRUE(refused.body) << "the server's words were dropped";
  EXPECT_EQ(*refused.body, said);
  EXPECT_EQ(refused.header("content-type"), "application/json");

  Request file;
  file.url = server_->data_url("limited-file", 1000, query);
  file.retries = 0;
  Result failed = engine.submit(file).wait();
  EXPECT_EQ(failed.http_status, 429);
  EXPECT_FALSE(failed.body);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out/limited-file"));
}

// Every header a user adds may be a credential (Private-Token, X-Api-Key,
// X-JFrog-Art-Api): on a redirect to another origin only the harmless ones go, and a netrc
// entry for the new origin is not used either, unless --location-trusted.
TEST_F(ReliabilityTest, RedirectToAnotherOriginSendsOnlyHarmlessHeaders) {
  FaultServer other;
  test::write_file(dir_ / "netrc", "machine 127.0.0.1 login alice password s3cret-netrc\n");
  auto fetch = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args{"get",          "-q",
                                  "-H",           "Private-Token: t0ken",
                                  "-H",           "X-Api-Key: k3y",
                                  "-H",           "Accept: application/x-test",
                                  "-H",           "User-Agent: tester/1",
                                  "--netrc-file", dir_ / "netrc",
                                  "-d",           dir_ / "out",
                                  "-o",           name};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(server_->url("/redirect?to=" + other.url("/data/" + name + "?size=1000")));
    auto run = run_fetchpool(args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(test::read_file(dir_ / ("out/" + name)), test::fault_body(name, 1000));
    auto asked = other.requests_for("/data/" + name);
    EXPECT_EQ(asked.size(), 1u);
    return asked.empty() ? test::LoggedRequest{} : asked.back();
  };
  auto first = server_->requests_for("/redirect?");
  test::LoggedRequest untrusted = fetch("harmless", {});
  EXPECT_EQ(untrusted.headers.count("Private-Token"), 0u);
  EXPECT_EQ(untrusted.headers.count("X-Api-Key"), 0u);
  EXPECT_EQ(untrusted.headers.count("Authorization"), 0u) << "the netrc entry is not used after the redirect";
  EXPECT_EQ(untrusted.headers["Accept"], "application/x-test");
  EXPECT_EQ(untrusted.headers["User-Agent"], "tester/1");
  auto origin = server_->requests_for("/redirect?");
  ASSERT_GT(origin.size(), first.size());
  EXPECT_EQ(origin.back().headers["X-Api-Key"], "k3y") << "the origin itself gets every header";
  EXPECT_EQ(origin.back().headers.count("Authorization"), 1u) << "and its netrc entry";

  test::LoggedRequest trusted = fetch("trusted", {"--location-trusted"});
  EXPECT_EQ(trusted.headers["Private-Token"], "t0ken");
  EXPECT_EQ(trusted.headers["X-Api-Key"], "k3y");
  EXPECT_EQ(trusted.headers.count("Authorization"), 1u);
}

// -v shows what a user would check with curl -v: every request and response header, the
// redirect and which headers were not sent after it, and never a credential's value.
TEST_F(ReliabilityTest, VerboseShowsTheHeadersDroppedAtARedirectAndNoSecret) {
  FaultServer other;
  auto run =
      run_fetchpool({"get", "-v", "-u", "alice:pa55word", "-H", "X-Api-Key: k3y-value", "-H",
                     "Cookie: session=c00kie", "-H", "Accept: application/x-test", "-d", dir_ / "out", "-o",
                     "traced", server_->url("/redirect?to=" + other.url("/data/traced?size=1000"))});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(test::read_file(dir_ / "out/traced"), test::fault_body("traced", 1000));
  for (const char* secret :
       {"pa55word", "k3y-value", "c00kie", "YWxpY2U6cGE1NXdvcmQ" /* base64 of alice:pa55word */})
    EXPECT_EQ(run.err.find(secret), std::string::npos) << secret << " printed in:\n" << run.err;
  EXPECT_NE(run.err.find("[1] > GET /redirect?to="), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("[1] > X-Api-Key: [redacted]"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("[1] > Authorization: [redacted]"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("[1] < HTTP/1.1 302"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("[1] * redirect to " + other.url("/data/traced?size=1000") +
                         "; credentials not sent there, nor the headers X-Api-Key, Cookie"),
            std::string::npos)
      << run.err;
  // After the redirect: the harmless header goes, the others do not.
  const std::size_t hop = run.err.find("[1] > GET /data/traced");
  ASSERT_NE(hop, std::string::npos) << run.err;
  const std::string after = run.err.substr(hop);
  EXPECT_NE(after.find("[1] > Accept: application/x-test"), std::string::npos) << after;
  EXPECT_EQ(after.find("X-Api-Key"), std::string::npos) << after;
  EXPECT_EQ(after.find("Authorization"), std::string::npos) << after;
  EXPECT_NE(after.find("[1] < HTTP/1.1 200"), std::string::npos) << after;
}

TEST_F(ReliabilityTest, RedirectToAnotherPortDropsCredentialsInTheLibrary) {
  FaultServer other;
  EngineOptions options;
  options.output_dir = dir_ / "out";
  options.credentials = "alice:secret";
  Engine engine(options);
  Request request{.url = server_->url("/redirect?to=" + other.url("/data/elsewhere-lib?size=1000")),
                  .file_name = "elsewhere-lib",
                  .headers = {"Authorization: Bearer token", "Cookie: session=abc", "X-JFrog-Art-Api: k3y"}};
  Result result = engine.submit(request).wait();
  ASSERT_EQ(result.status, Status::ok) << result.message;
  auto second = other.requests_for("/data/elsewhere-lib");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].headers.count("Authorization"), 0u);
  EXPECT_EQ(second[0].headers.count("Cookie"), 0u);
  EXPECT_EQ(second[0].headers.count("X-JFrog-Art-Api"), 0u);
  EXPECT_EQ(test::sha256_of(dir_ / "out/elsewhere-lib"),
            test::sha256_hex(test::fault_body("elsewhere-lib", 1000)));
}

TEST_F(ReliabilityTest, RedirectLoopFailsInTheLibrary) {
  EngineOptions options;
  options.output_dir = dir_ / "out";
  Engine engine(options);
  Result result = engine.submit({.url = server_->url("/redirect-loop"), .file_name = "loop"}).wait();
  EXPECT_EQ(result.category, ErrorCategory::http);
  EXPECT_EQ(result.attempts, 1) << "a redirect loop is not transient";
  EXPECT_FALSE(fs::exists(dir_ / "out/loop"));
}

// A redirect to something that is no URL (a port past 65535) is the server's lasting
// answer: one attempt, and a message that quotes it.
TEST_F(ReliabilityTest, AMalformedRedirectFailsAtOnce) {
  EngineOptions options;
  options.output_dir = dir_ / "out";
  options.retry_wait_s = 5;  // a retry would show in the attempts, and take seconds
  Engine engine(options);
  Result result =
      engine.submit({.url = server_->url("/redirect?to=http://127.0.0.1:99999/x"), .file_name = "bad"})
          .wait();
  EXPECT_EQ(result.status, Status::failed);
  EXPECT_EQ(result.category, ErrorCategory::invalid_input) << result.message;
  EXPECT_EQ(result.attempts, 1) << result.message;
  EXPECT_NE(result.message.find("127.0.0.1:99999"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("cannot be followed"), std::string::npos) << result.message;
  EXPECT_FALSE(fs::exists(dir_ / "out/bad"));
}

// The environment's proxy settings are honoured, as by curl and wget: the fault server
// plays the proxy here (it answers absolute-form requests like a forward proxy). Nothing
// leaves the machine: the target is localhost on a closed port.
TEST_F(ReliabilityTest, HttpProxyFromTheEnvironmentIsUsed) {
  const std::string target =
      "http://localhost:" + std::to_string(test::free_port()) + "/data/proxied?size=1000";
  ::setenv("http_proxy", server_->url("").c_str(), 1);
  ::unsetenv("no_proxy");
  ::unsetenv("NO_PROXY");
  auto proxied = run_fetchpool({"get", "-q", "-d", dir_ / "out", target});
  ::setenv("NO_PROXY", "localhost", 1);
  auto direct = run_fetchpool({"get", "-q", "--retries", "0", "-d", dir_ / "out", "-o", "direct", target});
  ::unsetenv("http_proxy");
  ::unsetenv("NO_PROXY");
  ASSERT_EQ(proxied.exit_code, 0) << proxied.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/proxied"), test::sha256_hex(test::fault_body("proxied", 1000)));
  EXPECT_EQ(server_->requests_for("http://localhost:").size(), 1u)
      << "absolute-form request through the proxy";
  EXPECT_EQ(direct.exit_code, 1) << "NO_PROXY sends it direct, to the closed port";
  EXPECT_NE(direct.err.find("cannot connect"), std::string::npos) << direct.err;
}

// A proxy that is not there: the message names it and where it was set, not only an
// address a person has to recognise as the proxy's.
TEST_F(ReliabilityTest, ADeadProxyIsNamed) {
  const std::string proxy = "http://127.0.0.1:" + std::to_string(test::free_port());
  auto run = test::run_fetchpool_with_proxy_env(
      {"http_proxy=" + proxy},
      {"get", "-q", "--retries", "0", "-d", dir_ / "out", server_->data_url("dead-proxy", 100)});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("cannot connect to the proxy " + proxy + " (from http_proxy)"), std::string::npos)
      << run.err;
  EXPECT_TRUE(server_->requests_for("/data/dead-proxy").empty()) << "nothing went around the proxy";
}

// The fault server plays the proxy: to a CONNECT for garbage.* it answers bytes that are no
// HTTP (as an SSH server named by mistake would).
TEST_F(ReliabilityTest, AProxyAnsweringGarbageIsSaidToBeOne) {
  const std::string proxy = server_->url("");
  auto run = test::run_fetchpool_with_proxy_env(
      {"https_proxy=" + proxy},
      {"get", "-q", "--retries", "0", "-d", dir_ / "out", "https://garbage.example/file"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(
      run.err.find("the proxy " + proxy + " (from https_proxy) answered with something that is not HTTP"),
      std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("bad argument"), std::string::npos) << run.err;
  EXPECT_EQ(server_->requests_for("garbage.example:443").size(), 1u);
}

// A proxy that wants credentials says so with a 407 to the CONNECT: the same answer every
// time, so it is not retried, and the message says what to do.
TEST_F(ReliabilityTest, AProxyAskingForCredentialsIsNotRetried) {
  const std::string proxy = server_->url("");
  auto run = test::run_fetchpool_with_proxy_env(
      {"HTTPS_PROXY=" + proxy}, {"get", "-q", "--retry-wait", "0.1", "--report", dir_ / "report.json", "-d",
                                 dir_ / "out", "https://auth.example/file"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("the proxy " + proxy + " (from HTTPS_PROXY) refused the tunnel: HTTP 407"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("http://user:password@host:port"), std::string::npos) << run.err;
  auto report = nlohmann::json::parse(test::read_file(dir_ / "report.json"));
  EXPECT_EQ(report["transfers"].at(0)["attempts"], 1) << run.err;
  EXPECT_EQ(report["transfers"].at(0)["category"], "http");
  EXPECT_EQ(server_->requests_for("auth.example:443").size(), 1u);
}

// curl's --proxy and --noproxy, over what the environment says.
TEST_F(ReliabilityTest, ProxyAndNoproxyFlagsWinOverTheEnvironment) {
  const std::string proxy = server_->url("");
  const std::string dead = "http://127.0.0.1:" + std::to_string(test::free_port());
  const std::string target =
      "http://localhost:" + std::to_string(test::free_port()) + "/data/flagged?size=1000";
  auto proxied = test::run_fetchpool_with_proxy_env(
      {"http_proxy=" + dead}, {"get", "-q", "--proxy", proxy, "-d", dir_ / "out", target});
  ASSERT_EQ(proxied.exit_code, 0) << proxied.err;
  EXPECT_EQ(test::sha256_of(dir_ / "out/flagged"), test::sha256_hex(test::fault_body("flagged", 1000)));
  for (const std::vector<std::string>& direct :
       {std::vector<std::string>{"--noproxy", "localhost"}, std::vector<std::string>{"--noproxy", "*"},
        std::vector<std::string>{"--proxy", ""}}) {
    SCOPED_TRACE(direct[0] + " '" + direct[1] + "'");
    std::vector<std::string> args{"get", "-q", "--retries", "0", "-d", dir_ / "out", "-o", "direct", target};
    args.insert(args.begin() + 1, direct.begin(), direct.end());
    auto run = test::run_fetchpool_with_proxy_env({"http_proxy=" + proxy}, args);
    EXPECT_EQ(run.exit_code, 1) << "straight to the closed port";
    EXPECT_NE(run.err.find("cannot connect"), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("proxy"), std::string::npos) << run.err;
  }
  const auto logged = server_->requests();
  EXPECT_EQ(std::count_if(logged.begin(), logged.end(),
                          [](const test::LoggedRequest& r) {
                            return r.path.find("/data/flagged?") != std::string::npos;
                          }),
            1)
      << "only the first went through the proxy";
}

TEST_F(ReliabilityTest, RedirectLoopFailsWithoutRetrying) {
  auto run = run_fetchpool({"get", "-d", dir_ / "out", "-o", "loop", server_->url("/redirect-loop")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("more than 10 redirects"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir_ / "out/loop"));
}

// Disks: a full one, a read-only one, a directory that cannot be made. The first two need
// a tmpfs mount (root in CI); without permission they are skipped with a message.
class DiskTest : public ReliabilityTest {
 protected:
  bool mount_tmpfs(const std::string& where, const std::string& options) {
    fs::create_directories(where);
    if (::mount("tmpfs", where.c_str(), "tmpfs", 0, options.c_str()) != 0) return false;
    mounts_.push_back(where);
    return true;
  }
  void TearDown() override {
    for (const auto& where : mounts_) ::umount2(where.c_str(), MNT_DETACH);
  }
  std::vector<std::string> mounts_;
};

TEST_F(DiskTest, FullDiskFailsThatFileAndTheOthersGoOn) {
  if (!mount_tmpfs(dir_ / "small-disk", "size=1m")) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  std::string list = server_->data_url("too-big", 3 * kLarge) + "\n  dir=small-disk\n" +
                     server_->data_url("fits", 20'000) + "\n";
  auto run = run_fetchpool({"get", "-d", dir_.path(), "-i", "-"}, list);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("No space left on device"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("small-disk/too-big"), std::string::npos)
      << "the reason names the path: " << run.err;
  EXPECT_NE(run.err.find("[filesystem]"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir_ / "small-disk/too-big"));
  EXPECT_EQ(test::sha256_of(dir_ / "fits"), test::sha256_hex(test::fault_body("fits", 20'000)));
  EXPECT_EQ(server_->requests_for("/data/too-big?").size(), 1u) << "a full disk is not retried";
}

// A body whose size the response gives is given its disk space before it is fetched: on
// a disk without room for it, it fails at once, over one connection or several, and
// leaves nothing.
TEST_F(DiskTest, BodyTooBigForTheDiskFailsBeforeItIsFetched) {
  if (!mount_tmpfs(dir_ / "disk", "size=12m")) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  for (const char* connections : {"1", "4"}) {
    SCOPED_TRACE(std::string("-x ") + connections);
    std::string name = std::string("too-big-x") + connections;
    auto run = run_fetchpool({"get", "-x", connections, "--min-split-size", "1M", "--report",
                              dir_ / "report.json", "-d", dir_ / "disk", server_->data_url(name, 24 << 20)});
    EXPECT_EQ(run.exit_code, 1);
    auto report = nlohmann::json::parse(test::read_file(dir_ / "report.json"));
    EXPECT_LT(report["transfers"].at(0)["bytes"].get<std::int64_t>(), 2 << 20)
        << "the missing room is found before the body is fetched";
    EXPECT_NE(run.err.find("No space left on device"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("[filesystem]"), std::string::npos) << run.err;
    EXPECT_TRUE(fs::is_empty(dir_ / "disk")) << "nothing is left behind";
  }
}

// The disk fills while blocks are being written behind the network (a body of no stated
// size, so nothing is reserved): the error still fails that file, clearly, at once, and
// leaves nothing.
TEST_F(DiskTest, DiskFullWhileWritingBehindFailsThatFileClearly) {
  if (!mount_tmpfs(dir_ / "disk", "size=12m")) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  auto run = run_fetchpool({"get", "-x", "1", "--report", dir_ / "report.json", "-d", dir_ / "disk",
                            server_->data_url("behind-full", 64 << 20, "no_length=1")});
  EXPECT_EQ(run.exit_code, 1);
  auto report = nlohmann::json::parse(test::read_file(dir_ / "report.json"));
  // 12 MiB written, at most 16 blocks of 256 KiB waiting at the disk thread, some in flight.
  EXPECT_LT(report["transfers"].at(0)["bytes"].get<std::int64_t>(), 24 << 20)
      << "the first failed write stops the download; it does not fetch the rest first";
  EXPECT_NE(run.err.find("No space left on device"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("[filesystem]"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir_ / "disk/behind-full"));
  EXPECT_FALSE(fs::exists(dir_ / "disk/behind-full.part"));
  EXPECT_EQ(server_->requests_for("/data/behind-full?").size(), 1u) << "a full disk is not retried";
}

TEST_F(DiskTest, ReadOnlyDirectoryIsAClearError) {
  if (!mount_tmpfs(dir_ / "read-only", "size=1m,ro"))
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  auto run = run_fetchpool({"get", "-d", dir_ / "read-only", server_->data_url("ro", 20'000)});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("Read-only file system"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("[filesystem]"), std::string::npos) << run.err;
}

// -d itself to be made on a read-only filesystem: the reason is the create's
// ("Read-only file system"), not the later open's ("No such file or directory").
TEST_F(DiskTest, MakingTheOutputDirectoryOnAReadOnlyFilesystemSaysSo) {
  if (!mount_tmpfs(dir_ / "read-only", "size=1m,ro"))
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  auto run = run_fetchpool({"get", "-d", dir_ / "read-only/new/sub", server_->data_url("ro-new", 20'000),
                            server_->data_url("ro-new-big", kLarge)});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("Read-only file system"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("No such file or directory"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("read-only/new"), std::string::npos) << "the path is named: " << run.err;
}

TEST_F(DiskTest, DirectoryThatCannotBeCreatedIsAClearError) {
  test::write_file(dir_ / "a-file", "not a directory");
  auto run = run_fetchpool({"get", "-d", dir_ / "a-file/sub", server_->data_url("nodir", 20'000),
                            server_->data_url("nodir-big", kLarge)});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("a-file/sub"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("[filesystem]"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace fetchpool
