#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "engine/file_sink.h"
#include "engine/task_thread.h"
#include "fetchpool/result.h"

namespace fetchpool::engine {

/// Puts complete bodies under their final names on the engine's disk thread
/// (FileSink::commit), so the loop thread's time goes to the network:
/// - a body held in memory is created, written and named there (on 16 KiB files,
///   O_TMPFILE, write and linkat took about half the loop thread's time per file);
/// - a body on disk is committed after its last blocks, which were written behind on the
///   same thread, so the loop never waits for a file's end (it did, on 1,000 x 1 MiB, and
///   that wait cost more than writing behind saved).
///
/// The loop submits a job when a transfer succeeds and ends the transfer when the job comes
/// back done (take_done), so a result still means "the file is there". At most
/// `max_queued` jobs are outstanding: when the disk thread falls behind (full()), the loop
/// commits the body itself, which keeps memory bounded and both cores busy.
class CommitQueue {
 public:
  struct Job {
    TransferId id = 0;
    FileSink* sink = nullptr;  ///< Not touched by the loop until the job is done.
    IfExists if_exists = IfExists::skip;
  };
  struct Done {
    TransferId id = 0;
    bool ok = false;
    bool existed = false;              ///< The name was taken (and not to be replaced).
    bool descriptor_shortage = false;  ///< It failed for want of a file descriptor.
    std::string error;
  };

  /// `wake` is called (from the disk thread) when jobs are done and the loop should look.
  CommitQueue(std::function<void()> wake, std::size_t max_queued);

  /// Whether `max_queued` jobs are outstanding already. Only the loop submits.
  bool full() const { return outstanding_ >= max_queued_; }
  /// Commits on the sink's disk thread, after the blocks of it written there.
  void submit(Job job);
  /// Jobs finished since the last call.
  std::vector<Done> take_done();

 private:
  const std::function<void()> wake_;
  const std::size_t max_queued_;
  std::size_t outstanding_ = 0;  ///< Submitted and not yet taken back (loop thread only).
  std::mutex mutex_;
  std::vector<Done> done_;
};

}  // namespace fetchpool::engine
