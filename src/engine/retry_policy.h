#pragma once

#include <optional>

#include "fetchpool/result.h"

namespace fetchpool::engine {

/// The knobs of the retry rule.
struct RetryPolicy {
  int max_retries = 5;             ///< Attempts after the first.
  double base_wait_s = 1.0;        ///< The backoff's first step.
  double max_wait_s = 60.0;        ///< The backoff's cap.
  double max_retry_after_s = 300;  ///< A server's Retry-After is honoured up to this.
};

/// How an attempt failed, as the retry rule sees it.
struct AttemptError {
  ErrorCategory category = ErrorCategory::none;
  int http_status = 0;
  std::optional<double> retry_after_s;  ///< From a Retry-After header, when present.
  /// Out of file descriptors (EMFILE, ENFILE): transient whatever the category says.
  bool descriptor_shortage = false;
};

/// Whether another attempt could succeed: connect failures, resets, truncated bodies,
/// protocol violations (a proxy may have mangled the answer), timeouts, stalls and HTTP 408, 429, 500, 502,
/// 503, 504. Not other 4xx, TLS failures, invalid input, filesystem errors, cancellation. (Checksum
/// mismatches have their own rule.)
bool is_transient(const AttemptError& error);

/// Seconds to wait before the next attempt, or nullopt when there is none: the error is
/// permanent or `attempts_made` (>= 1) already used up the retries. Exponential backoff
/// with full jitter (`random01` in [0, 1) picks the point), never shorter than the
/// server's Retry-After (capped).
std::optional<double> retry_delay(const AttemptError& error, int attempts_made, const RetryPolicy& policy,
                                  double random01);

}  // namespace fetchpool::engine
