#pragma once

#include <chrono>
#include <cstdint>

namespace fetchpool::engine {

/// Stall detection for a transfer or one of its connections: the libcurl callbacks bump()
/// on every header or body chunk (plain counters, no clock read on the data path); the
/// loop's timer look()s now and then and learns how long nothing has moved, and whether
/// the body bytes keep up with the minimum rate (too_slow).
struct Activity {
  using Clock = std::chrono::steady_clock;

  void bump(std::int64_t bytes = 0) {
    ++count_;
    bytes_ += bytes;
  }
  /// Something arrived since the last look().
  bool moved() const { return count_ != seen_; }
  /// Notes what arrived since the last look as of `now`; returns how long it has been idle.
  Clock::duration look(Clock::time_point now) {
    if (moved()) {
      seen_ = count_;
      last_ = now;
    }
    return now - last_;
  }
  /// The minimum-rate rule, checked by the loop's timer: true when a window of `window`
  /// has passed since the last one began and fewer than `min_bytes` arrived in it. Each
  /// window starts where the last ended, so a trickle is caught within two windows.
  bool too_slow(Clock::time_point now, Clock::duration window, std::int64_t min_bytes) {
    if (now - window_start_ < window) return false;
    const bool slow = bytes_ - window_bytes_ < min_bytes;
    window_start_ = now;
    window_bytes_ = bytes_;
    return slow;
  }
  /// A new request starts: idle from `now`, and a new rate window.
  void restart(Clock::time_point now) {
    seen_ = count_;
    last_ = now;
    window_start_ = now;
    window_bytes_ = bytes_;
  }
  Clock::time_point last() const { return last_; }

 private:
  std::uint64_t count_ = 0;
  std::uint64_t seen_ = 0;
  Clock::time_point last_{};
  std::int64_t bytes_ = 0;  ///< Body bytes, for the minimum rate.
  Clock::time_point window_start_{};
  std::int64_t window_bytes_ = 0;
};

}  // namespace fetchpool::engine
