#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace fetchpool::engine {

/// A rate cap as a token bucket: bytes may be received while it holds tokens, and it
/// refills at the cap. A receiver takes whole chunks (one may overdraw it); the long-run
/// rate is the cap exactly, and at most `kBurst` of refill is kept while nobody receives.
///
/// libcurl's own limit (CURLOPT_MAX_RECV_SPEED_LARGE) was 9-10% over the cap on 48 MiB
/// over 12 s: it reads what the socket holds before it first waits, and forgives that
/// burst each time its 3 s window restarts. A receiver that meets an empty bucket pauses
/// its handle instead (CURL_WRITEFUNC_PAUSE), and the loop resumes it once there are
/// tokens again (EventLoop::release_capped), so nothing is read past the cap.
class RateBucket {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::duration kBurst = std::chrono::milliseconds(100);

  RateBucket(std::int64_t bytes_per_s, Clock::time_point now) : rate_(bytes_per_s), refilled_(now) {}

  std::int64_t rate() const { return rate_; }
  bool empty() const { return tokens_ <= 0; }
  void take(std::int64_t bytes) { tokens_ -= bytes; }
  void refill(Clock::time_point now) {
    const double seconds = std::chrono::duration<double>(now - refilled_).count();
    refilled_ = now;
    const auto most =
        static_cast<std::int64_t>(static_cast<double>(rate_) * std::chrono::duration<double>(kBurst).count());
    tokens_ = std::min(most, tokens_ + static_cast<std::int64_t>(static_cast<double>(rate_) * seconds));
  }

 private:
  std::int64_t rate_;
  std::int64_t tokens_ = 0;
  Clock::time_point refilled_;
};

}  // namespace fetchpool::engine
