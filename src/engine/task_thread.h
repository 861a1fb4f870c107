#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace fetchpool::engine {

/// A thread that runs posted tasks one after another, in the order posted: where the loop
/// sends disk work (writing small files whole, writing a big body's blocks behind it) so
/// that the loop thread's time goes to the network. Started by the first task, so an engine
/// that never writes to disk has no such thread.
class TaskThread {
 public:
  TaskThread() = default;
  /// Runs every task still queued (each is somebody's data), then joins the thread.
  ~TaskThread();
  TaskThread(const TaskThread&) = delete;
  TaskThread& operator=(const TaskThread&) = delete;

  void post(std::function<void()> task);
  /// Blocks until every task posted so far has run.
  void wait_until_idle();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable work_cv_;  ///< A task arrived, or stopping.
  std::condition_variable idle_cv_;  ///< Nothing queued or running.
  std::deque<std::function<void()>> queued_;
  bool running_task_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

/// The disk threads: each file's work (its creation, blocks and commit) goes to one of
/// them, chosen when its sink is made, so that work stays in order; files are dealt to
/// them in turn. One was not enough on a long-lived ext4, where creating an inode scans
/// past the recently deleted ones: that thread ran all the time while the loop idled
/// (docs/ENGINE.md). Each starts with its first task.
class TaskThreads {
 public:
  explicit TaskThreads(std::size_t count);
  /// The thread for the next file.
  TaskThread* next();
  /// Blocks until every task posted to any of them so far has run.
  void wait_until_idle();

 private:
  std::vector<std::unique_ptr<TaskThread>> threads_;
  std::size_t next_ = 0;
};

}  // namespace fetchpool::engine
