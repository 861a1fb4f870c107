#include "engine/verdict.h"

#include <gtest/gtest.h>

namespace fetchpool::engine {
namespace {

using Kind = AttemptOutcome::Kind;
using Step = Verdict::Step;

class VerdictTest : public testing::Test {
 protected:
  VerdictTest() {
    options_.stall_timeout_s = 30;
    options_.min_rate_bytes_per_s = 1000;
    options_.max_redirects = 10;
    options_.ca_cert_file = "/etc/ca.pem";
    context_.policy = {3, 1.0, 60.0, 300};
    context_.random01 = 0.5;
    context_.max_time_s = 60;
    context_.host_key = "https://example.com:443";
    context_.options = &options_;
  }

  static AttemptOutcome http(int status, std::string line = {}) {
    AttemptOutcome outcome = AttemptOutcome::of(Kind::http_error, std::move(line));
    outcome.http_status = status;
    return outcome;
  }
  static AttemptOutcome curl(CURLcode code, const char* buffer = "") {
    return AttemptOutcome::curl_failure(code, buffer);
  }

  EngineOptions options_;
  AttemptContext context_;
};

TEST_F(VerdictTest, ACompletedBodyIsCommitted) {
  Verdict verdict = judge(AttemptOutcome::of(Kind::completed), context_);
  EXPECT_EQ(verdict.step, Step::commit);
  EXPECT_EQ(verdict.category, ErrorCategory::none);
  EXPECT_TRUE(verdict.attempt_error.empty());
}

TEST_F(VerdictTest, ARedirectIsFollowedUnlessItDowngradesOrLoops) {
  Verdict follow = judge(AttemptOutcome::of(Kind::redirect, "https://cdn.example/x"), context_);
  EXPECT_EQ(follow.step, Step::follow);
  EXPECT_EQ(follow.target, "https://cdn.example/x");
  EXPECT_TRUE(follow.attempt_error.empty()) << "a redirect is not a failed attempt";

  Verdict downgrade = judge(AttemptOutcome::of(Kind::redirect, "http://bob:pw@cdn.example/x"), context_);
  EXPECT_EQ(downgrade.step, Step::fail);
  EXPECT_EQ(downgrade.category, ErrorCategory::tls);
  EXPECT_NE(downgrade.message.find("--allow-downgrade"), std::string::npos) << downgrade.message;
  EXPECT_EQ(downgrade.message.find("pw@"), std::string::npos) << downgrade.message;
  options_.allow_downgrade = true;
  EXPECT_EQ(judge(AttemptOutcome::of(Kind::redirect, "http://cdn.example/x"), context_).step, Step::follow);
  context_.host_key = "http://example.com:80";
  options_.allow_downgrade = false;
  EXPECT_EQ(judge(AttemptOutcome::of(Kind::redirect, "http://cdn.example/x"), context_).step, Step::follow)
      << "plain http to plain http is no downgrade";

  context_.hops = 10;
  Verdict loop = judge(AttemptOutcome::of(Kind::redirect, "http://cdn.example/x"), context_);
  EXPECT_EQ(loop.step, Step::fail);
  EXPECT_EQ(loop.message, "more than 10 redirects");
  EXPECT_TRUE(loop.drop_part) << "permanent";
  context_.hops = 0;

  Verdict bad = judge(AttemptOutcome::of(Kind::redirect, "http://host:99999999/x"), context_);
  EXPECT_EQ(bad.step, Step::fail) << "a malformed port fails at once, not after retries";
  EXPECT_EQ(bad.category, ErrorCategory::invalid_input);
}

TEST_F(VerdictTest, CancelledEndsCancelledKeepingThePart) {
  Verdict verdict = judge(AttemptOutcome::of(Kind::cancelled), context_);
  EXPECT_EQ(verdict.step, Step::cancel);
  EXPECT_EQ(verdict.category, ErrorCategory::cancelled);
  EXPECT_EQ(verdict.message, "cancelled");
  EXPECT_TRUE(verdict.attempt_error.empty());
  EXPECT_FALSE(verdict.drop_part);
}

TEST_F(VerdictTest, TransientHttpStatusIsRetriedWithBackoff) {
  Verdict verdict = judge(http(503, "HTTP/1.1 503 Service Unavailable"), context_);
  EXPECT_EQ(verdict.step, Step::retry);
  EXPECT_EQ(verdict.category, ErrorCategory::http);
  EXPECT_EQ(verdict.message, "HTTP 503 Service Unavailable");
  EXPECT_EQ(verdict.attempt_error, "attempt 1: HTTP 503 Service Unavailable");
  EXPECT_DOUBLE_EQ(verdict.delay_s, 0.5);  // full jitter: half of the first 1 s step
  EXPECT_TRUE(verdict.host_struggling);
  EXPECT_FALSE(verdict.drop_part);
}

TEST_F(VerdictTest, PermanentHttpStatusFailsAndDropsThePart) {
  Verdict verdict = judge(http(404, "HTTP/2 404"), context_);
  EXPECT_EQ(verdict.step, Step::fail);
  EXPECT_EQ(verdict.category, ErrorCategory::http);
  EXPECT_EQ(verdict.message, "HTTP 404");
  EXPECT_TRUE(verdict.drop_part);
  EXPECT_FALSE(verdict.host_struggling);
}

TEST_F(VerdictTest, HonoursRetryAfter) {
  AttemptOutcome outcome = http(429, "HTTP/1.1 429 Too Many Requests");
  outcome.retry_after_s = 7;
  Verdict verdict = judge(outcome, context_);
  EXPECT_EQ(verdict.step, Step::retry);
  EXPECT_DOUBLE_EQ(verdict.delay_s, 7);
  outcome.retry_after_s = 1'000;  // capped by the policy
  EXPECT_DOUBLE_EQ(judge(outcome, context_).delay_s, 300);
}

TEST_F(VerdictTest, RetryBudgetEndsWithTheAttemptCount) {
  context_.attempt = 3;
  EXPECT_EQ(judge(curl(CURLE_RECV_ERROR, "Connection reset"), context_).step, Step::retry);
  context_.attempt = 4;  // 3 retries used
  Verdict verdict = judge(curl(CURLE_RECV_ERROR, "Connection reset"), context_);
  EXPECT_EQ(verdict.step, Step::fail);
  EXPECT_EQ(verdict.category, ErrorCategory::network);
  EXPECT_EQ(verdict.message, "Connection reset (after 4 attempts)");
  EXPECT_EQ(verdict.attempt_error, "attempt 4: Connection reset");
  EXPECT_FALSE(verdict.drop_part);  // transient: kept for a later run
}

TEST_F(VerdictTest, ARetryPastTheMaxTimeGivesUpAsTimeout) {
  context_.time_left_s = 0.2;
  context_.attempt = 2;
  Verdict verdict = judge(http(503, "HTTP/1.1 503 Service Unavailable"), context_);
  EXPECT_EQ(verdict.step, Step::fail);
  EXPECT_EQ(verdict.category, ErrorCategory::timeout);
  EXPECT_EQ(verdict.message,
            "gave up after 60 s (max time); last error: HTTP 503 Service Unavailable (after 2 attempts)");
  EXPECT_FALSE(verdict.drop_part);
}

TEST_F(VerdictTest, DeadlineIsNotRetried) {
  Verdict verdict = judge(AttemptOutcome::of(Kind::deadline), context_);
  EXPECT_EQ(verdict.step, Step::fail);
  EXPECT_EQ(verdict.category, ErrorCategory::timeout);
  EXPECT_EQ(verdict.message, "gave up after 60 s (max time)");
  EXPECT_EQ(verdict.attempt_error, "attempt 1: gave up after 60 s (max time)");
  EXPECT_FALSE(verdict.drop_part);
}

TEST_F(VerdictTest, StallsAndTricklesAreStalledAndRetried) {
  Verdict stalled = judge(AttemptOutcome::of(Kind::stalled), context_);
  EXPECT_EQ(stalled.step, Step::retry);
  EXPECT_EQ(stalled.category, ErrorCategory::stalled);
  EXPECT_EQ(stalled.message, "no data received for 30 s (stall timeout)");
  Verdict slow = judge(AttemptOutcome::of(Kind::too_slow), context_);
  EXPECT_EQ(slow.category, ErrorCategory::stalled);
  EXPECT_EQ(slow.message, "slower than the minimum rate of 1000 bytes/s over 30 s (min rate)");
}

TEST_F(VerdictTest, CurlCodesGetMessagesAPersonCanActOn) {
  EXPECT_EQ(judge(curl(CURLE_COULDNT_RESOLVE_HOST), context_).message,
            "cannot resolve host 'example.com': check the name and your DNS");
  Verdict tls = judge(curl(CURLE_PEER_FAILED_VERIFICATION, "self-signed certificate"), context_);
  EXPECT_EQ(tls.category, ErrorCategory::tls);
  EXPECT_EQ(tls.step, Step::fail);
  EXPECT_NE(tls.message.find("--ca-cert FILE"), std::string::npos) << tls.message;
  EXPECT_EQ(judge(curl(CURLE_SSL_CACERT_BADFILE, "bad"), context_).message,
            "cannot read CA certificates '/etc/ca.pem': bad");
  EXPECT_EQ(judge(curl(CURLE_TOO_MANY_REDIRECTS), context_).message, "more than 10 redirects");
  EXPECT_EQ(judge(curl(CURLE_UNSUPPORTED_PROTOCOL, "file"), context_).category, ErrorCategory::invalid_input);
  Verdict timeout = judge(curl(CURLE_OPERATION_TIMEDOUT, "Connection timed out after 10001 ms"), context_);
  EXPECT_EQ(timeout.category, ErrorCategory::timeout);
  EXPECT_EQ(timeout.step, Step::retry);
  // Without an error buffer, curl's own text for the code.
  EXPECT_EQ(judge(curl(CURLE_GOT_NOTHING), context_).message, curl_easy_strerror(CURLE_GOT_NOTHING));
}

TEST_F(VerdictTest, StorageFailuresAreNotRetried) {
  Verdict disk = judge(
      AttemptOutcome::of(Kind::write_error, "cannot write 'a.part': No space left on device"), context_);
  EXPECT_EQ(disk.step, Step::fail);
  EXPECT_EQ(disk.category, ErrorCategory::filesystem);
  EXPECT_EQ(disk.message, "cannot write 'a.part': No space left on device");
  EXPECT_TRUE(disk.drop_part);
  Verdict big = judge(AttemptOutcome::of(Kind::too_large, "body larger than 10 bytes"), context_);
  EXPECT_EQ(big.step, Step::fail);
  EXPECT_EQ(big.category, ErrorCategory::too_large);
}

TEST_F(VerdictTest, AProtocolViolationIsRetriedForTheWholeBody) {
  Verdict verdict =
      judge(AttemptOutcome::of(Kind::protocol, "HTTP 206 for bytes 0-9 to a request for bytes 5-"), context_);
  EXPECT_EQ(verdict.step, Step::retry);
  EXPECT_EQ(verdict.category, ErrorCategory::protocol);
  EXPECT_TRUE(verdict.refuse_ranges);
  EXPECT_EQ(verdict.message, "HTTP 206 for bytes 0-9 to a request for bytes 5-");
}

TEST_F(VerdictTest, TruncatedBodiesAreNetworkFailures) {
  Verdict verdict = judge(AttemptOutcome::of(Kind::truncated, "received 10 of 20 bytes"), context_);
  EXPECT_EQ(verdict.step, Step::retry);
  EXPECT_EQ(verdict.category, ErrorCategory::network);
  EXPECT_EQ(verdict.message, "connection closed early: received 10 of 20 bytes");
}

TEST_F(VerdictTest, AChecksumMismatchGetsOneFreshDownload) {
  AttemptOutcome outcome = AttemptOutcome::of(Kind::digest_mismatch, "expected sha256:aa, got sha256:bb");
  outcome.advertised = true;
  Verdict first = judge(outcome, context_);
  EXPECT_EQ(first.step, Step::retry);
  EXPECT_DOUBLE_EQ(first.delay_s, 0);
  EXPECT_TRUE(first.checksum_retry);
  EXPECT_TRUE(first.drop_part);
  EXPECT_EQ(first.category, ErrorCategory::checksum);
  EXPECT_EQ(first.message,
            "checksum mismatch: expected sha256:aa, got sha256:bb (as advertised by the server)");
  context_.checksum_retried = true;
  context_.attempt = 2;
  Verdict second = judge(outcome, context_);
  EXPECT_EQ(second.step, Step::fail);
  EXPECT_FALSE(second.checksum_retry);
  EXPECT_TRUE(second.drop_part);
  EXPECT_EQ(second.message,
            "checksum mismatch: expected sha256:aa, got sha256:bb (as advertised by the server) (after 2 "
            "attempts)");
}

TEST_F(VerdictTest, ASizeMismatchIsAChecksumFailure) {
  Verdict verdict =
      judge(AttemptOutcome::of(Kind::size_mismatch, "size mismatch: expected 5 bytes, the server states 6"),
            context_);
  EXPECT_EQ(verdict.category, ErrorCategory::checksum);
  EXPECT_TRUE(verdict.checksum_retry);
}

TEST_F(VerdictTest, AStartOverIsImmediateAndDropsThePart) {
  Verdict verdict = judge(
      AttemptOutcome::of(Kind::restart, "the file's size changed on the server; starting over"), context_);
  EXPECT_EQ(verdict.step, Step::retry);
  EXPECT_DOUBLE_EQ(verdict.delay_s, 0);
  EXPECT_TRUE(verdict.drop_part);
  EXPECT_EQ(verdict.category, ErrorCategory::network);
  AttemptOutcome refused = AttemptOutcome::of(Kind::resume_refused);
  refused.offset = 1234;
  refused.http_status = 416;
  Verdict resume = judge(refused, context_);
  EXPECT_EQ(resume.step, Step::retry);
  EXPECT_EQ(resume.category, ErrorCategory::http);
  EXPECT_EQ(resume.message, "HTTP 416: the server cannot continue at byte 1234");
  // One start over past the retries, no more.
  context_.attempt = 4;
  EXPECT_EQ(judge(refused, context_).step, Step::retry);
  context_.attempt = 5;
  EXPECT_EQ(judge(refused, context_).step, Step::fail);
}

TEST_F(VerdictTest, ASplitDownloadWithItsRetriesSpentOnlyStartsAfresh) {
  context_.retries_spent = true;
  Verdict network = judge(curl(CURLE_RECV_ERROR, "reset"), context_);
  EXPECT_EQ(network.step, Step::fail);
  EXPECT_TRUE(network.attempt_error.empty());  // its segments already logged theirs
  EXPECT_FALSE(network.drop_part);
  AttemptOutcome changed = AttemptOutcome::of(Kind::protocol, "bad range; starting over on one connection");
  changed.start_over = true;
  Verdict over = judge(changed, context_);
  EXPECT_EQ(over.step, Step::retry);
  EXPECT_EQ(over.category, ErrorCategory::protocol);
  EXPECT_EQ(over.attempt_error, "attempt 1: bad range; starting over on one connection");
}

TEST_F(VerdictTest, ASegmentNamesItsBytes) {
  context_.subject = "bytes 100-199";
  Verdict verdict = judge(http(503, "HTTP/1.1 503 Service Unavailable"), context_);
  EXPECT_EQ(verdict.step, Step::retry);
  EXPECT_EQ(verdict.attempt_error, "bytes 100-199, attempt 1: HTTP 503 Service Unavailable");
  EXPECT_EQ(verdict.message, "bytes 100-199: HTTP 503 Service Unavailable");
  context_.attempt = 4;
  Verdict last = judge(http(503, "HTTP/1.1 503 Service Unavailable"), context_);
  EXPECT_EQ(last.step, Step::fail);
  EXPECT_EQ(last.message, "HTTP 503 Service Unavailable (after 4 attempts)");
}

TEST(RecordEnd, AnInterruptOverridesWhatACallbackRecorded) {
  AttemptOutcome outcome = AttemptOutcome::of(Kind::write_error, "disk");
  EXPECT_TRUE(record_end(&outcome, {Interrupt::stalled, CURLE_WRITE_ERROR, 200, "", nullptr, 0}));
  EXPECT_EQ(outcome.kind, Kind::stalled);
  EXPECT_EQ(outcome.http_status, 200);
}

TEST(RecordEnd, ACallbacksOutcomeStandsOverCurlsCode) {
  AttemptOutcome outcome = AttemptOutcome::of(Kind::protocol, "not the range");
  EXPECT_TRUE(record_end(&outcome, {Interrupt::none, CURLE_WRITE_ERROR, 206, "", nullptr, 0}));
  EXPECT_EQ(outcome.kind, Kind::protocol);
}

TEST(RecordEnd, CurlsFailureThenTheStatus) {
  http::ResponseHeaders response;
  response.status_line = "HTTP/1.1 500 Internal Server Error";
  response.retry_after_s = 3;
  AttemptOutcome failed;
  EXPECT_TRUE(record_end(&failed, {Interrupt::none, CURLE_PARTIAL_FILE, 500, "short", &response, 0}));
  EXPECT_EQ(failed.kind, Kind::curl_error);
  EXPECT_EQ(failed.detail, "short");
  AttemptOutcome status;
  EXPECT_TRUE(record_end(&status, {Interrupt::none, CURLE_OK, 500, "", &response, 0}));
  EXPECT_EQ(status.kind, Kind::http_error);
  EXPECT_EQ(status.detail, response.status_line);
  EXPECT_EQ(status.retry_after_s, 3);
  AttemptOutcome resumed;
  EXPECT_TRUE(record_end(&resumed, {Interrupt::none, CURLE_OK, 416, "", &response, 10}));
  EXPECT_EQ(resumed.kind, Kind::resume_refused);
  EXPECT_TRUE(resumed.start_over);
  AttemptOutcome whole;
  EXPECT_FALSE(record_end(&whole, {Interrupt::none, CURLE_OK, 200, "", &response, 0}));  // the body decides
}

}  // namespace
}  // namespace fetchpool::engine
