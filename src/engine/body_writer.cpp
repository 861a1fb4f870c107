#include "engine/body_writer.h"

#include <utility>

#include "platform/file.h"

namespace fetchpool::engine {

BodyWriter::BodyWriter(std::function<void()> wake, std::size_t max_queued)
    : wake_(std::move(wake)), max_queued_(max_queued) {}

BodyWriter::~BodyWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

bool BodyWriter::full() {
  std::lock_guard lock(mutex_);
  return queued_.size() >= max_queued_;
}

void BodyWriter::submit(Job job) {
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(std::move(job));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  work_cv_.notify_one();
}

std::vector<BodyWriter::Done> BodyWriter::take_done() {
  std::lock_guard lock(mutex_);
  return std::exchange(done_, {});
}

void BodyWriter::wait_until_idle() {
  std::unique_lock lock(mutex_);
  idle_cv_.wait(lock, [this] { return queued_.empty() && writing_ == 0; });
}

void BodyWriter::run() {
  std::vector<Job> jobs;
  std::vector<Done> finished;
  std::unique_lock lock(mutex_);
  for (;;) {
    // Queued jobs are written even when stopping: each is a transfer waiting for its file.
    work_cv_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
    if (queued_.empty()) return;
    jobs.swap(queued_);
    writing_ = jobs.size();
    lock.unlock();
    for (Job& job : jobs) {
      Done done;
      done.id = job.id;
      done.ok = platform::create_file_atomically(job.path, job.body.data(), job.body.size(), job.replace,
                                                 &done.error, &done.existed);
      job.body.clear();
      done.storage = std::move(job.body);
      finished.push_back(std::move(done));
    }
    jobs.clear();
    lock.lock();
    bool was_empty = done_.empty();
    for (Done& done : finished) done_.push_back(std::move(done));
    finished.clear();
    writing_ = 0;
    if (queued_.empty()) idle_cv_.notify_all();
    // Once per batch: the loop takes everything done when it looks.
    if (was_empty) {
      lock.unlock();
      wake_();
      lock.lock();
    }
  }
}

}  // namespace fetchpool::engine
