#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "engine/transfer.h"
#include "http/curl_handles.h"

namespace fetchpool::engine {

/// Commands from any thread to the loop thread. Posting takes a short lock and wakes the
/// loop (curl_multi_wakeup) only when it is not already due to look, so submitting
/// 10,000 requests costs a handful of wakeups, not 10,000.
class Mailbox {
 public:
  struct Batch {
    std::vector<std::unique_ptr<Transfer>> submitted;
    std::vector<TransferId> cancelled;
    bool cancel_all = false;
    bool shutdown = false;
  };

  explicit Mailbox(CURLM* multi) : multi_(multi) {}

  void submit(std::unique_ptr<Transfer> transfer) {
    std::lock_guard lock(mutex_);
    pending_.submitted.push_back(std::move(transfer));
    wake_locked();
  }
  void cancel(TransferId id) {
    std::lock_guard lock(mutex_);
    pending_.cancelled.push_back(id);
    wake_locked();
  }
  void cancel_all() {
    std::lock_guard lock(mutex_);
    pending_.cancel_all = true;
    wake_locked();
  }
  void shutdown() {
    std::lock_guard lock(mutex_);
    pending_.shutdown = true;
    wake_locked();
  }
  /// Makes the loop take a turn: something it looks at every turn (CommitQueue) has news.
  void wake() {
    std::lock_guard lock(mutex_);
    wake_locked();
  }

  /// Loop thread: everything posted since the last call.
  Batch take() {
    std::lock_guard lock(mutex_);
    Batch batch = std::move(pending_);
    pending_ = Batch{};
    woken_ = false;
    return batch;
  }

  /// Loop thread, before it frees the multi handle: no more wakeups after this.
  void close() {
    std::lock_guard lock(mutex_);
    multi_ = nullptr;
  }

 private:
  void wake_locked() {
    if (woken_ || multi_ == nullptr) return;
    woken_ = true;
    curl_multi_wakeup(multi_);
  }

  std::mutex mutex_;
  CURLM* multi_;
  bool woken_ = false;
  Batch pending_;
};

}  // namespace fetchpool::engine
