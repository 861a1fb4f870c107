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
  /// Tasks posted and not yet done (the one running included).
  std::size_t backlog();

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
/// them, chosen when its sink is made, so that work stays in order. One was not enough on
/// a long-lived ext4, where creating an inode scans past the recently deleted ones: that
/// thread ran all the time while the loop idled. Dealing files to them in turn cost 15%
/// on 10,000 small files where the disk keeps up, in wakeups and switches between three
/// threads on two cores; so the first thread takes every file while it keeps up, and the
/// others only the files it is behind on (docs/ENGINE.md). Each starts with its first task.
class TaskThreads {
 public:
  explicit TaskThreads(std::size_t count);
  /// The thread for the next file: the first one that is keeping up (fewer than
  /// kBehindTasks waiting), else the one with the fewest waiting.
  TaskThread* next();
  /// Blocks until every task posted to any of them so far has run.
  void wait_until_idle();

 private:
  /// A thread with this many tasks waiting is behind: a creation that scans, a slow disk.
  static constexpr std::size_t kBehindTasks = 8;
  std::vector<std::unique_ptr<TaskThread>> threads_;
};

}  // namespace fetchpool::engine
