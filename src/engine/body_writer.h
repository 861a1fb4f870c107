#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fetchpool/result.h"

namespace fetchpool::engine {

/// Puts complete bodies held in memory under their final names on a thread of its own, so
/// the loop thread's time goes to the network. On 16 KiB files, creating the file, writing
/// it and naming it (O_TMPFILE, write, linkat: ext4's directory insertion) took about half
/// the loop thread's time per file; here it overlaps the next transfers on another core.
///
/// The loop submits a job when a transfer succeeds and ends the transfer when the job comes
/// back done (take_done), so a result still means "the file is there". At most
/// `max_queued` jobs wait at once: when the writer falls behind (full()), the loop writes the
/// body itself, which keeps memory bounded and both cores busy.
class BodyWriter {
 public:
  struct Job {
    TransferId id = 0;
    std::string path;
    std::string body;
    bool replace = false;
  };
  struct Done {
    TransferId id = 0;
    bool ok = false;
    bool existed = false;  ///< The name was taken (and not to be replaced).
    std::string error;
    std::string storage;  ///< The body's buffer, emptied, for reuse.
  };

  /// `wake` is called (from the writer's thread) when jobs are done and the loop should look.
  BodyWriter(std::function<void()> wake, std::size_t max_queued);
  /// Writes whatever is still queued, then stops the thread.
  ~BodyWriter();
  BodyWriter(const BodyWriter&) = delete;
  BodyWriter& operator=(const BodyWriter&) = delete;

  /// Whether `max_queued` jobs are waiting already (then the caller writes the body itself).
  /// One thread submits, so a false here means the next submit() is taken.
  bool full();
  /// Queues `job`; not when full().
  void submit(Job job);
  /// Jobs finished since the last call.
  std::vector<Done> take_done();
  /// Blocks until every submitted job is done (they are then waiting in take_done()).
  void wait_until_idle();

 private:
  void run();

  const std::function<void()> wake_;
  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable work_cv_;  ///< Jobs arrived, or stopping.
  std::condition_variable idle_cv_;  ///< Nothing queued or being written.
  std::vector<Job> queued_;
  std::vector<Done> done_;
  std::size_t writing_ = 0;  ///< Jobs taken by the thread and not yet done.
  bool stopping_ = false;
  std::thread thread_;  ///< Started by the first job.
};

}  // namespace fetchpool::engine
