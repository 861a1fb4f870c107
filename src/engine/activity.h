#pragma once

#include <chrono>
#include <cstdint>

namespace fetchpool::engine {

/// Stall detection for a transfer or one of its connections: the libcurl callbacks bump()
/// on every header or body chunk (a plain counter, no clock read on the data path); the
/// loop's timer look()s now and then and learns how long nothing has moved.
struct Activity {
  using Clock = std::chrono::steady_clock;

  void bump() { ++count_; }
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
  /// A new request starts: idle from `now`.
  void restart(Clock::time_point now) {
    seen_ = count_;
    last_ = now;
  }
  Clock::time_point last() const { return last_; }

 private:
  std::uint64_t count_ = 0;
  std::uint64_t seen_ = 0;
  Clock::time_point last_{};
};

}  // namespace fetchpool::engine
