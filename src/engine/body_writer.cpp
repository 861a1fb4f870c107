#include "engine/body_writer.h"

#include <utility>

#include "platform/file.h"

namespace fetchpool::engine {

BodyWriter::BodyWriter(TaskThread* disk, std::function<void()> wake, std::size_t max_queued)
    : disk_(disk), wake_(std::move(wake)), max_queued_(max_queued) {}

void BodyWriter::submit(Job job) {
  ++outstanding_;
  disk_->post([this, job = std::move(job)]() mutable {
    Done done;
    done.id = job.id;
    done.ok = platform::create_file_atomically(job.path, job.body.data(), job.body.size(), job.replace,
                                               &done.error, &done.existed);
    job.body.clear();
    done.storage = std::move(job.body);
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

std::vector<BodyWriter::Done> BodyWriter::take_done() {
  std::vector<Done> done;
  {
    std::lock_guard lock(mutex_);
    done.swap(done_);
  }
  outstanding_ -= done.size();
  return done;
}

}  // namespace fetchpool::engine
