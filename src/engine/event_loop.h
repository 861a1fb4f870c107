#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/mailbox.h"
#include "engine/scheduler.h"
#include "engine/transfer.h"
#include "fetchpool/options.h"
#include "http/curl_handles.h"

namespace fetchpool::engine {

/// Counts transfers that have not ended, for Engine::wait_idle. Shared by the loop
/// (which decrements) and the Engine (which increments and waits).
struct Outstanding {
  std::mutex mutex;
  std::condition_variable idle_cv;
  std::int64_t count = 0;
};

/// The one thread that owns the multi handle, every easy handle and every Transfer.
/// Each turn: take mail -> start what the scheduler allows -> curl_multi_perform ->
/// finish what curl reports done (complete, verified bodies get their final names) ->
/// look for stalls -> poll until woken or a timer is due.
class EventLoop {
 public:
  EventLoop(const EngineOptions& options, std::shared_ptr<Outstanding> outstanding);
  ~EventLoop();

  std::shared_ptr<Mailbox> mailbox() const { return mailbox_; }

  /// The thread body; returns after Mailbox::shutdown once every transfer has ended.
  void run();

 private:
  void take_mail();
  /// Validates and queues a new request, or ends it as invalid input. Takes ownership
  /// (leaves `transfer` empty) unless it throws.
  void accept(std::unique_ptr<Transfer>& transfer);
  void start_allowed();
  bool start(std::unique_ptr<Transfer> transfer);
  void reap_finished();
  void check_stalls(Clock::time_point now);
  void cancel(TransferId id);
  void cancel_everything();

  /// Ends a transfer that never started (or was cancelled while queued).
  void end_unstarted(std::unique_ptr<Transfer> transfer, Status status, ErrorCategory category,
                     std::string message);
  /// Ends a running transfer: detaches its easy handle, settles its file, reports.
  void end_running(Transfer* transfer, CURLcode code, bool cancelled, bool stalled);
  static void fill_counts(const Transfer& transfer, Result* result);
  void report(Transfer& transfer, Result result);
  /// Whether the final name may already exist; false when its directory was missing or
  /// empty when first seen (then only this engine writes there, and commit still refuses
  /// to clobber anything that appears meanwhile). Saves a stat per file in a fresh directory.
  bool may_exist(const std::string& path);

  const EngineOptions options_;
  std::shared_ptr<Outstanding> outstanding_;
  std::filesystem::path base_dir_;  ///< Working directory at construction, for claim keys.

  http::CurlMulti multi_;
  http::CurlShare share_;
  std::shared_ptr<Mailbox> mailbox_;
  Scheduler scheduler_;
  std::unordered_map<TransferId, std::unique_ptr<Transfer>> running_;
  std::vector<http::CurlEasy> idle_easies_;  ///< Handles kept for reuse (and their connections).
  /// Body buffers kept for reuse: allocating and freeing one per small file made the heap
  /// grow and trim constantly (two page faults per file).
  std::vector<std::string> spare_buffers_;
  /// Output paths used by this engine (hashes of normalised absolute paths), so that two
  /// requests for one file fail clearly instead of overwriting each other.
  std::unordered_set<std::uint64_t> claimed_paths_;
  std::unordered_map<std::string, bool> fresh_dirs_;  ///< Directory -> missing or empty when first seen.
  bool shutting_down_ = false;
  Clock::time_point next_stall_check_{};
};

}  // namespace fetchpool::engine
