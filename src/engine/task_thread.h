#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

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

}  // namespace fetchpool::engine
