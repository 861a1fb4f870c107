#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <limits>
#include <mutex>
#include <utility>

#include "fetchpool/result.h"

namespace fetchpool::cli {

/// Results handed from the engine's thread to this one, in batches: the engine's thread
/// wakes this one only once `wanted` results are waiting, so a run of 10,000 small files
/// costs a few hundred thread switches, not 10,000.
class ResultQueue {
 public:
  void push(const Result& result) {
    bool wake;
    {
      std::lock_guard lock(mutex_);
      results_.push_back(result);
      wake = results_.size() == wanted_;
    }
    if (wake) ready_.notify_one();
  }

  /// Ends the current (or the next) take() early, with what is there, even nothing: there
  /// is something else to do (an entry of the input list became ready).
  void wake() {
    {
      std::lock_guard lock(mutex_);
      woken_ = true;
    }
    ready_.notify_one();
  }

  /// Waits until `wanted` results are there (or `patience` passes with at least one, or
  /// wake() is called), then takes all of them.
  std::deque<Result> take(std::size_t wanted, std::chrono::milliseconds patience) {
    std::unique_lock lock(mutex_);
    wanted_ = std::max<std::size_t>(wanted, 1);
    auto deadline = std::chrono::steady_clock::now() + patience;
    while (results_.size() < wanted_ && !woken_) {
      if (ready_.wait_until(lock, deadline) == std::cv_status::timeout && !results_.empty()) break;
      if (std::chrono::steady_clock::now() >= deadline)
        deadline = std::chrono::steady_clock::now() + patience;
    }
    wanted_ = std::numeric_limits<std::size_t>::max();
    woken_ = false;
    return std::exchange(results_, {});
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Result> results_;
  std::size_t wanted_ = std::numeric_limits<std::size_t>::max();
  bool woken_ = false;
};

}  // namespace fetchpool::cli
