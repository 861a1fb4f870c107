#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/mailbox.h"
#include "engine/retry_policy.h"
#include "engine/scheduler.h"
#include "engine/transfer.h"
#include "fetchpool/options.h"
#include "fetchpool/progress.h"
#include "http/curl_handles.h"

namespace fetchpool::engine {

/// Counts transfers that have not ended, for Engine::wait_idle. Shared by the loop
/// (which decrements) and the Engine (which increments and waits).
struct Outstanding {
  std::mutex mutex;
  std::condition_variable idle_cv;
  std::int64_t count = 0;
};

/// The latest progress snapshot, published by the loop, copied by any thread.
struct ProgressBoard {
  mutable std::mutex mutex;
  ProgressSnapshot snapshot;
};

/// The one thread that owns the multi handle, every easy handle and every Transfer.
/// Each turn: take mail -> release retries whose wait is over -> start what the scheduler
/// allows -> curl_multi_perform -> settle what curl reports done (commit, retry or fail) ->
/// check stalls and deadlines -> poll until woken or a timer is due.
///
/// A transfer is always in exactly one place: the scheduler's queue, `running_`, or
/// `waiting_` (between attempts, holding no connection and no slot).
class EventLoop {
 public:
  EventLoop(const EngineOptions& options, std::shared_ptr<Outstanding> outstanding,
            std::shared_ptr<ProgressBoard> board);
  ~EventLoop();

  std::shared_ptr<Mailbox> mailbox() const { return mailbox_; }

  /// The thread body; returns after Mailbox::shutdown once every transfer has ended.
  void run();

 private:
  void take_mail();
  /// Validates and queues a new request, or ends it as invalid input. Takes ownership
  /// (leaves `transfer` empty) unless it throws.
  void accept(std::unique_ptr<Transfer>& transfer);
  void release_due_retries(Clock::time_point now);
  void start_allowed();
  void start(std::unique_ptr<Transfer> transfer);
  void reap_finished();
  void check_timers(Clock::time_point now);
  int poll_timeout_ms(Clock::time_point now) const;
  void cancel(TransferId id);
  void cancel_everything();

  /// Ends a transfer that is not running (queued, waiting, or refused at the door).
  void end_idle(std::unique_ptr<Transfer> transfer, Status status, ErrorCategory category,
                std::string message);
  /// Ends a queued or waiting transfer as cancelled.
  void cancel_idle(std::unique_ptr<Transfer> transfer);
  /// Why a running attempt ended, besides curl's code.
  enum class Interrupt { none, cancelled, stalled, deadline };
  /// What a finished attempt amounts to: ok, or failed/cancelled with a category and a
  /// message (curl's code, HTTP status, digest). May turn `code` into a write error.
  Result judge_attempt(Transfer* transfer, CURLcode* code, Interrupt interrupt);
  /// Settles a running attempt, the one place that decides what comes next: commit, wait
  /// and retry, or end.
  void end_attempt(Transfer* transfer, CURLcode code, Interrupt interrupt);
  /// Detaches the easy handle and returns it to the pool.
  void release_easy(Transfer& transfer);
  void schedule_retry(std::unique_ptr<Transfer> transfer, double delay_s, const std::string& reason);
  /// Ends a transfer for good (its sink already committed, suspended or abandoned).
  void finish(std::unique_ptr<Transfer> transfer, Result result);
  void report(Transfer& transfer, Result result);
  /// Builds and publishes a ProgressSnapshot (at most every 100 ms).
  void publish_progress(Clock::time_point now);
  void emit(const Transfer& transfer, TransferEvent::Kind kind, double retry_in_s,
            const std::string& message);
  /// Whether the final name may already exist; false when its directory was missing or
  /// empty when first seen (then only this engine writes there, and commit still refuses
  /// to clobber anything that appears meanwhile). Saves a stat per file in a fresh directory.
  bool may_exist(const std::string& path);

  const EngineOptions options_;
  const RetryPolicy retry_policy_;
  std::shared_ptr<Outstanding> outstanding_;
  std::filesystem::path base_dir_;  ///< Working directory at construction, for claim keys.

  http::CurlMulti multi_;
  http::CurlShare share_;
  std::shared_ptr<Mailbox> mailbox_;
  Scheduler scheduler_;
  std::unordered_map<TransferId, std::unique_ptr<Transfer>> running_;
  std::unordered_map<TransferId, std::unique_ptr<Transfer>> waiting_;
  std::multimap<Clock::time_point, TransferId> retry_times_;  ///< When each waiting transfer may go.
  std::vector<http::CurlEasy> idle_easies_;  ///< Handles kept for reuse (and their connections).
  /// Body buffers kept for reuse: allocating and freeing one per small file made the heap
  /// grow and trim constantly (two page faults per file).
  std::vector<std::string> spare_buffers_;
  /// Output paths used by this engine (hashes of normalised absolute paths), so that two
  /// requests for one file fail clearly instead of overwriting each other.
  std::unordered_set<std::uint64_t> claimed_paths_;
  std::unordered_map<std::string, bool> fresh_dirs_;  ///< Directory -> missing or empty when first seen.
  std::minstd_rand random_;
  bool shutting_down_ = false;
  Clock::time_point next_timer_check_{};

  // Progress: counted here, published to board_ by publish_progress().
  std::shared_ptr<ProgressBoard> board_;
  const Clock::time_point started_at_ = Clock::now();
  Clock::time_point next_publish_{};
  Clock::time_point last_publish_{};
  bool progress_dirty_ = true;
  std::int64_t submitted_count_ = 0;
  std::int64_t ok_count_ = 0;
  std::int64_t failed_count_ = 0;
  std::int64_t finished_bytes_ = 0;
  std::int64_t last_total_bytes_ = 0;
  double total_rate_ = 0;
};

}  // namespace fetchpool::engine
