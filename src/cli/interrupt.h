#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace fetchpool::cli {

/// Turns SIGINT/SIGTERM into a call on a thread of its own, so the rest of the program
/// needs no async-signal-safe code. The first signal calls `on_first`; a second one ends the
/// process at once with status 130. Construct it before any other thread starts (the
/// engine's included): the signals are blocked in the constructing thread, and threads
/// inherit that, so only the watcher ever receives them.
class InterruptWatcher {
 public:
  explicit InterruptWatcher(std::function<void()> on_first);
  /// Stops watching at once and joins the thread.
  ~InterruptWatcher();
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  bool interrupted() const { return interrupted_.load(); }

 private:
  void run();

  std::function<void()> on_first_;
  std::atomic<bool> interrupted_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace fetchpool::cli
