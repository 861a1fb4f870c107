#include "engine/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace fetchpool::engine {

bool is_transient(const AttemptError& error) {
  if (error.descriptor_shortage) return true;
  switch (error.category) {
    case ErrorCategory::network:
    case ErrorCategory::protocol:
    case ErrorCategory::timeout:
    case ErrorCategory::stalled: return true;
    case ErrorCategory::http:
      switch (error.http_status) {
        case 408:
        case 429:
        case 500:
        case 502:
        case 503:
        case 504: return true;
        default: return false;
      }
    default: return false;
  }
}

std::optional<double> retry_delay(const AttemptError& error, int attempts_made, const RetryPolicy& policy,
                                  double random01) {
  if (!is_transient(error) || attempts_made > policy.max_retries) return std::nullopt;
  // Full jitter (a uniform point in [0, step)) spreads a burst of failures out in time,
  // so 10,000 files failing together do not come back together.
  double step = std::min(policy.max_wait_s, policy.base_wait_s * std::pow(2.0, attempts_made - 1));
  double delay = std::clamp(random01, 0.0, 1.0) * step;
  if (error.retry_after_s)
    delay = std::max(delay, std::clamp(*error.retry_after_s, 0.0, policy.max_retry_after_s));
  return delay;
}

}  // namespace fetchpool::engine
