#include "engine/task_thread.h"

#include <algorithm>
#include <utility>

namespace fetchpool::engine {

TaskThread::~TaskThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void TaskThread::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(std::move(task));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  work_cv_.notify_one();
}

void TaskThread::wait_until_idle() {
  std::unique_lock lock(mutex_);
  idle_cv_.wait(lock, [this] { return queued_.empty() && !running_task_; });
}

std::size_t TaskThread::backlog() {
  std::lock_guard lock(mutex_);
  return queued_.size() + (running_task_ ? 1 : 0);
}

void TaskThread::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_cv_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
    if (queued_.empty()) return;  // stopping, and nothing left to run
    std::function<void()> task = std::move(queued_.front());
    queued_.pop_front();
    running_task_ = true;
    lock.unlock();
    task();
    task = nullptr;  // whatever it holds goes before the loop is told it is idle
    lock.lock();
    running_task_ = false;
    if (queued_.empty()) idle_cv_.notify_all();
  }
}

TaskThreads::TaskThreads(std::size_t count) {
  for (std::size_t i = 0; i < std::max<std::size_t>(count, 1); ++i)
    threads_.push_back(std::make_unique<TaskThread>());
}

TaskThread* TaskThreads::next() {
  TaskThread* least = nullptr;
  std::size_t least_backlog = 0;
  for (auto& thread : threads_) {
    const std::size_t backlog = thread->backlog();
    if (backlog < kBehindTasks) return thread.get();
    if (least == nullptr || backlog < least_backlog) {
      least = thread.get();
      least_backlog = backlog;
    }
  }
  return least;
}

void TaskThreads::wait_until_idle() {
  for (auto& thread : threads_) thread->wait_until_idle();
}

}  // namespace fetchpool::engine
