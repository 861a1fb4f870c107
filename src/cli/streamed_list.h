#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "cli/input_list.h"

namespace fetchpool::cli {

/// An input list on standard input, read as another program writes it (`-i -`): each
/// entry is ready as soon as it is complete — at the next URL line, a blank line, a pause
/// of kEntryPause, or the end of the input — so a program that writes one URL and waits
/// for its result gets it. Lines are read on a thread of this list's own; at most
/// kMaxReady entries wait to be taken, so a list piped in whole is never held whole.
class StreamedList {
 public:
  static constexpr std::chrono::milliseconds kEntryPause{200};
  static constexpr std::size_t kMaxReady = 4096;

  enum class Take { entry, later, end };

  /// Starts reading. `on_ready` is called on the reading thread whenever an entry becomes
  /// ready or the input ends (to wake whoever waits for results instead).
  explicit StreamedList(std::function<void()> on_ready);
  /// Stops reading (within kEntryPause) and joins the thread.
  ~StreamedList();
  StreamedList(const StreamedList&) = delete;
  StreamedList& operator=(const StreamedList&) = delete;

  /// The next ready entry, without waiting: `later` when none is ready yet.
  Take take(InputEntry* entry);
  /// Waits at most `timeout` for an entry to be ready (or the end).
  void wait(std::chrono::milliseconds timeout);

 private:
  void run();
  /// Hands `entry` over; waits while kMaxReady are waiting. False once stopping.
  bool hand_over(InputEntry entry);

  std::function<void()> on_ready_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<InputEntry> ready_;
  bool ended_ = false;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace fetchpool::cli
