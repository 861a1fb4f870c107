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
  TaskThread* thread = threads_[next_].get();
  next_ = (next_ + 1) % threads_.size();
  return thread;
}

void TaskThreads::wait_until_idle() {
  for (auto& thread : threads_) thread->wait_until_idle();
}

}  // namespace fetchpool::engine
