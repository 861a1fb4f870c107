#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

#include "engine/admission.h"
#include "engine/block_pool.h"
#include "engine/commit_queue.h"
#include "engine/easy_pool.h"
#include "engine/mailbox.h"
#include "engine/progress_publisher.h"
#include "engine/retry_policy.h"
#include "engine/scheduler.h"
#include "engine/transfer.h"
#include "engine/verdict.h"
#include "fetchpool/options.h"
#include "http/curl_handles.h"
#include "http/proxy.h"

namespace fetchpool::engine {

Clock::duration to_duration(double seconds);

/// Counts transfers that have not ended, for Engine::wait_idle. Shared by the loop
/// (which decrements) and the Engine (which increments and waits).
struct Outstanding {
  std::mutex mutex;
  std::condition_variable idle_cv;
  std::int64_t count = 0;
};

/// The one thread that owns the multi handle, every easy handle and every Transfer.
/// Each turn: take mail -> release retries whose wait is over -> start what the scheduler
/// allows -> curl_multi_perform -> settle what curl reports done (commit, retry or fail) ->
/// check stalls and deadlines -> poll until woken or a timer is due.
///
/// A transfer is always in exactly one place, which its TransferPhase names: the
/// scheduler's queue (queued), `running_` (connecting, receiving), `waiting_` (between
/// attempts, holding no connection and no slot), or `committing_` (its body being
/// committed by the CommitQueue).
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
  /// Under a rate cap (EngineOptions::max_bytes_per_s, Request::max_bytes_per_s): refills
  /// the buckets and resumes the handles that paused on an empty one (RateBucket). Done on
  /// every turn of the loop, which wakes within kCapTurn while any handle waits.
  void release_capped(Clock::time_point now);
  /// A failed attempt of a transfer with mirrors (Request::mirrors): the next one goes to
  /// the next source that has not failed for good (at once if it was not tried yet), and
  /// `verdict` becomes a retry; unchanged when every source has failed for good.
  void turn_to_mirror(Transfer& transfer, Verdict& verdict);
  int poll_timeout_ms(Clock::time_point now) const;
  void cancel(TransferId id);
  void cancel_everything();

  /// Ends a transfer that is not running (queued, waiting, or refused at the door).
  void end_idle(std::unique_ptr<Transfer> transfer, Status status, ErrorCategory category,
                std::string message);
  /// Ends a queued or waiting transfer as cancelled.
  void cancel_idle(std::unique_ptr<Transfer> transfer);
  /// What judge() knows of `transfer` besides an outcome; `attempt`: the transfer's, or a
  /// segment's.
  AttemptContext context_for(const Transfer& transfer, int attempt);
  /// Ends a running attempt (all of it, for a split download): records its outcome,
  /// judges it, and settles the verdict.
  void end_attempt(Transfer* transfer, CURLcode code, Interrupt interrupt);
  /// Sends `transfer` on to a redirect's `target` within its attempt (see follow_to).
  void follow(Transfer& transfer, const std::string& target);
  /// Carries out the verdict on an attempt that ended (single or split): commit, wait and
  /// retry, or end.
  void settle(std::unique_ptr<Transfer> owned, Verdict verdict, int http_status);
  /// After a protocol violation in answer to a ranged request: drops what is on disk
  /// (it came with answers that cannot be trusted) and makes the transfer ask for the
  /// whole body, on one connection, from now on.
  static void refuse_ranges(Transfer& transfer);
  /// Hands a successful transfer's body (bound for a file) to the CommitQueue; false
  /// (nothing done) when the queue is full and the loop should commit it itself.
  bool commit_elsewhere(std::unique_ptr<Transfer>& owned, Result& result);
  /// Ends the transfers whose bodies the CommitQueue has committed.
  void take_committed();
  /// Keeps a body buffer's storage for the next transfer, while the pool has room.
  void keep_spare_buffer(std::string buffer);
  /// The commit of a complete body failed. Its digest did not match (the commit checks a
  /// body on one connection): judged as that attempt's outcome. Out of file descriptors it
  /// waits and fetches again, as a start does (counted in descriptor_waits); otherwise the
  /// transfer fails, or is skipped when the name appeared meanwhile and existing files are kept.
  void commit_failed(std::unique_ptr<Transfer> transfer, Result result, bool existed,
                     bool descriptor_shortage);
  /// Out of file descriptors: another transfer will close some. How long `transfer` waits
  /// before trying again (the retry backoff, counted in descriptor_waits apart from its
  /// attempts), or nullopt once it has waited --retries times.
  std::optional<double> descriptor_wait(Transfer& transfer);
  /// Announces what the last curl_multi_perform's callbacks noted (Transfer::notices).
  void take_notices();
  /// Detaches the easy handle and returns it to the pool.
  void release_easy(Transfer& transfer);

  // Split downloads (event_loop_split.cpp): one file over several connections.
  /// A running transfer's first response just split it (see Transfer::notices).
  void note_split(Transfer& transfer);
  /// Gives each split download the connections it may have, and digests what arrived in
  /// order. Every turn.
  void tend_splits(Clock::time_point now);
  bool start_connection(Transfer& transfer, int segment);
  /// The connection of `transfer` using `easy`; null when it is the transfer's own request.
  static SegmentConnection* find_connection(Transfer& transfer, CURL* easy);
  /// Settles one connection's request by the same judge() as a transfer's attempt: its
  /// segment is done (the connection takes the next piece of work or goes), or it failed
  /// (the segment waits for its retry, or the whole download ends).
  void end_connection(Transfer* transfer, SegmentConnection* connection, CURLcode code, Interrupt interrupt);
  /// Ends every connection of a split download and judges what the download came to (its
  /// segments already used their own retries): completed (then digested), cancelled, out
  /// of time, start over, or a disk error.
  void end_split(Transfer* transfer, AttemptOutcome outcome);
  /// Ends every connection of a split download and settles `verdict` (a segment's, out of
  /// retries).
  void end_split(Transfer* transfer, Verdict verdict, int http_status);
  /// Detaches every connection, giving back its handle and its slot (all but the
  /// transfer's own).
  void stop_connections(Transfer& transfer);
  /// Feeds the digest the bytes now on disk without a gap, at most `budget` of them.
  bool hash_in_order(Transfer& transfer, std::int64_t budget, std::string* error);
  void schedule_retry(std::unique_ptr<Transfer> transfer, double delay_s, const std::string& reason);
  /// Ends a transfer for good (its sink already committed, suspended or abandoned).
  void finish(std::unique_ptr<Transfer> transfer, Result result);
  void report(Transfer& transfer, Result result);
  /// The transfers as the progress snapshot reads them.
  LoopView view() const { return {running_, waiting_, committing_, scheduler_.queued()}; }
  /// `attempt` 0: the transfer's attempt; a segment's retry gives its own.
  void emit(const Transfer& transfer, TransferEvent::Kind kind, double retry_in_s, const std::string& message,
            int attempt = 0);

  const EngineOptions options_;
  /// The options' proxy, else the environment's, read once as the engine starts.
  const http::ProxyRules proxy_rules_;
  const RetryPolicy retry_policy_;
  std::shared_ptr<Outstanding> outstanding_;
  Admission admission_{options_};

  http::CurlMulti multi_;
  EasyPool easies_{options_};  ///< Its handles are never in multi_ when it goes.
  std::shared_ptr<Mailbox> mailbox_;
  Scheduler scheduler_;
  /// Blocks of bodies on their way to disk: 4 MiB at most at the disk thread, 8 MiB of
  /// buffers kept. Before the transfers, whose sinks use it, and the disk thread.
  BlockPool blocks_{16, 32};
  TransferMap running_;  ///< connecting or receiving
  TransferMap waiting_;
  /// Succeeded, with the body at the CommitQueue: the result waits for the file.
  CommitMap committing_;
  std::vector<TransferId> splits_;                            ///< Running transfers that are split downloads.
  std::vector<TransferNotice> notices_;                       ///< Of the last curl_multi_perform.
  std::multimap<Clock::time_point, TransferId> retry_times_;  ///< When each waiting transfer may go.
  /// Body buffers kept for reuse: allocating and freeing one per small file made the heap
  /// grow and trim constantly (two page faults per file).
  std::vector<std::string> spare_buffers_;
  CommitQueue commits_;  ///< After mailbox_, which it wakes.
  /// Where files are written off the loop thread. Declared after everything their tasks
  /// use, so they are joined before that goes.
  TaskThreads disk_threads_;
  std::minstd_rand random_;
  bool shutting_down_ = false;
  Clock::time_point next_timer_check_{};
  /// The smallest receive share share_rates() gave (0: no cap): the minimum rate stays
  /// under half of it, so a capped transfer is never taken for a stalled one.
  std::int64_t smallest_rate_share_ = 0;
  bool any_rate_capped_ = false;       ///< A running transfer has its own cap.
  std::optional<RateBucket> run_cap_;  ///< EngineOptions::max_bytes_per_s, when set.
  std::size_t cap_turns_ = 0;          ///< release_capped() calls that resumed any.
  ProgressPublisher progress_;
};

}  // namespace fetchpool::engine
