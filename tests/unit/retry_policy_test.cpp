#include "engine/retry_policy.h"

#include <gtest/gtest.h>

namespace fetchpool::engine {
namespace {

AttemptError http(int status, std::optional<double> retry_after = std::nullopt) {
  return {ErrorCategory::http, status, retry_after};
}

TEST(RetryPolicy, TransientStatusesAndCategories) {
  for (int status : {408, 429, 500, 502, 503, 504}) EXPECT_TRUE(is_transient(http(status))) << status;
  for (int status : {400, 401, 403, 404, 410, 416, 501}) EXPECT_FALSE(is_transient(http(status))) << status;
  EXPECT_TRUE(is_transient({ErrorCategory::network}));
  EXPECT_TRUE(is_transient({ErrorCategory::timeout}));
  EXPECT_TRUE(is_transient({ErrorCategory::stalled}));
  EXPECT_TRUE(is_transient({ErrorCategory::protocol}));
  EXPECT_FALSE(is_transient({ErrorCategory::tls}));
  EXPECT_FALSE(is_transient({ErrorCategory::filesystem}));
  EXPECT_FALSE(is_transient({ErrorCategory::invalid_input}));
  EXPECT_FALSE(is_transient({ErrorCategory::cancelled}));
  EXPECT_FALSE(is_transient({ErrorCategory::checksum}));
}

TEST(RetryPolicy, BackoffDoublesUpToTheCapWithFullJitter) {
  RetryPolicy policy{.max_retries = 10, .base_wait_s = 1.0, .max_wait_s = 60.0};
  AttemptError reset{ErrorCategory::network};
  EXPECT_DOUBLE_EQ(*retry_delay(reset, 1, policy, 0.999999), 0.999999);
  EXPECT_DOUBLE_EQ(*retry_delay(reset, 2, policy, 0.5), 1.0);
  EXPECT_DOUBLE_EQ(*retry_delay(reset, 4, policy, 0.5), 4.0);
  EXPECT_DOUBLE_EQ(*retry_delay(reset, 9, policy, 0.5), 30.0);  // 256 capped at 60
  EXPECT_DOUBLE_EQ(*retry_delay(reset, 3, policy, 0.0), 0.0);
}

TEST(RetryPolicy, StopsAfterTheRetriesAreUsed) {
  RetryPolicy policy{.max_retries = 2};
  AttemptError reset{ErrorCategory::network};
  EXPECT_TRUE(retry_delay(reset, 1, policy, 0.5));
  EXPECT_TRUE(retry_delay(reset, 2, policy, 0.5));
  EXPECT_FALSE(retry_delay(reset, 3, policy, 0.5));
  EXPECT_FALSE(retry_delay(http(404), 1, policy, 0.5));
}

TEST(RetryPolicy, HonoursRetryAfterUpToItsCap) {
  RetryPolicy policy{.max_retries = 5, .base_wait_s = 1.0, .max_wait_s = 60.0, .max_retry_after_s = 120.0};
  EXPECT_DOUBLE_EQ(*retry_delay(http(503, 7.0), 1, policy, 0.1), 7.0);
  EXPECT_DOUBLE_EQ(*retry_delay(http(429, 1000.0), 1, policy, 0.1), 120.0);
  EXPECT_DOUBLE_EQ(*retry_delay(http(503, 0.0), 4, policy, 0.5), 4.0);  // backoff longer than Retry-After
}

}  // namespace
}  // namespace fetchpool::engine
