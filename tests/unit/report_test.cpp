#include "cli/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace fetchpool::cli {
namespace {

TEST(Report, FailedEntryCarriesEveryField) {
  Result result;
  result.id = 7;
  result.url = "http://h/missing";
  result.path = "out/missing";
  result.status = Status::failed;
  result.category = ErrorCategory::http;
  result.message = "HTTP 404 Not Found";
  result.http_status = 404;
  result.attempts = 1;
  result.elapsed_s = 0.01234;
  result.attempt_errors = {"attempt 1: HTTP 503 Service Unavailable", "attempt 2: HTTP 404 Not Found"};
  result.attempts = 2;
  EXPECT_EQ(
      report_entry_json(result),
      R"({"url":"http://h/missing","path":"out/missing","status":"failed","category":"http",)"
      R"("http_status":404,"bytes":0,"attempts":2,"elapsed_s":0.012,"error":"HTTP 404 Not Found",)"
      R"("attempt_errors":["attempt 1: HTTP 503 Service Unavailable","attempt 2: HTTP 404 Not Found"]})");
}

TEST(Report, OkEntryHasNullError) {
  Result result;
  result.url = "http://h/a";
  result.path = "a";
  result.status = Status::ok;
  result.http_status = 200;
  result.bytes = 5;
  result.attempts = 1;
  auto parsed = nlohmann::json::parse(report_entry_json(result));
  EXPECT_TRUE(parsed["error"].is_null());
  EXPECT_EQ(parsed["status"], "ok");
  EXPECT_EQ(parsed["bytes"], 5);
}

TEST(Report, InvalidUtf8InNamesStillGivesJson) {
  Result result;
  result.path = "bad\xff.bin";
  EXPECT_NO_THROW(nlohmann::json::parse(report_entry_json(result)));
}

TEST(Report, SummaryLineCountsAndRate) {
  RunTotals totals;
  totals.ok = 3;
  totals.failed = 1;
  totals.bytes = 3 * 1024 * 1024;
  totals.elapsed_s = 2.0;
  EXPECT_EQ(summary_line(totals), "3 ok, 1 failed; 3.0 MiB in 2.00 s (1.5 MiB/s)");
  totals.skipped = 2;
  EXPECT_EQ(summary_line(totals), "3 ok, 1 failed, 2 skipped (already there); 3.0 MiB in 2.00 s (1.5 MiB/s)");
}

// After Ctrl-C the summary counts what the cancelled files received, not 0 B.
TEST(RunTotals, CountBytesOfPartialFilesButNotOfSkippedOnes) {
  RunTotals totals;
  auto add = [&](Status status, std::int64_t bytes) {
    Result result;
    result.status = status;
    result.bytes = bytes;
    totals.add(result);
  };
  add(Status::ok, 1000);
  add(Status::cancelled, 300);
  add(Status::failed, 20);
  add(Status::skipped, 5000);
  EXPECT_EQ(totals.bytes, 1320);
  EXPECT_EQ(totals.cancelled, 1);
  EXPECT_EQ(totals.skipped, 1);
}

}  // namespace
}  // namespace fetchpool::cli
