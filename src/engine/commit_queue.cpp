#include "engine/commit_queue.h"

#include <utility>

#include "platform/file.h"

namespace fetchpool::engine {

CommitQueue::CommitQueue(std::function<void()> wake, std::size_t max_queued)
    : wake_(std::move(wake)), max_queued_(max_queued) {}

void CommitQueue::submit(Job job) {
  ++outstanding_;
  job.sink->disk_thread()->post([this, job = std::move(job)]() mutable {
    Done done;
    done.id = job.id;
    platform::take_descriptor_shortage();  // what an earlier job left
    done.ok = job.sink->commit(job.if_exists, &done.error, &done.existed);
    done.descriptor_shortage = !done.ok && platform::take_descriptor_shortage();
    bool was_empty = false;
    {
      std::lock_guard lock(mutex_);
      was_empty = done_.empty();
      done_.push_back(std::move(done));
    }
    // The loop takes everything done when it looks: one wake for a run of jobs.
    if (was_empty) wake_();
  });
}

std::vector<CommitQueue::Done> CommitQueue::take_done() {
  std::vector<Done> done;
  {
    std::lock_guard lock(mutex_);
    done.swap(done_);
  }
  outstanding_ -= done.size();
  return done;
}

}  // namespace fetchpool::engine
