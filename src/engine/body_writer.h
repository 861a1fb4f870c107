#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "engine/task_thread.h"
#include "fetchpool/result.h"

namespace fetchpool::engine {

/// Puts complete bodies held in memory under their final names on the engine's disk thread,
/// so the loop thread's time goes to the network. On 16 KiB files, creating the file,
/// writing it and naming it (O_TMPFILE, write, linkat: ext4's directory insertion) took
/// about half the loop thread's time per file; now it overlaps the next transfers on
/// another core.
///
/// The loop submits a job when a transfer succeeds and ends the transfer when the job comes
/// back done (take_done), so a result still means "the file is there". At most
/// `max_queued` jobs are outstanding: when the writer falls behind (full()), the loop writes
/// the body itself, which keeps memory bounded and both cores busy.
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

  /// `wake` is called (from the disk thread) when jobs are done and the loop should look.
  BodyWriter(TaskThread* disk, std::function<void()> wake, std::size_t max_queued);

  /// Whether `max_queued` jobs are outstanding already. Only the loop submits.
  bool full() const { return outstanding_ >= max_queued_; }
  void submit(Job job);
  /// Jobs finished since the last call.
  std::vector<Done> take_done();

 private:
  TaskThread* const disk_;
  const std::function<void()> wake_;
  const std::size_t max_queued_;
  std::size_t outstanding_ = 0;  ///< Submitted and not yet taken back (loop thread only).
  std::mutex mutex_;
  std::vector<Done> done_;
};

}  // namespace fetchpool::engine
