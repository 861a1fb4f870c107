#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "fetchpool/result.h"

namespace fetchpool::engine {
class Mailbox;
}

namespace fetchpool::detail {

/// Shared by every transfer of one Engine: counts transfers that ended, so that
/// wait_any() sleeps until one does instead of polling each handle.
struct CompletionSignal {
  std::mutex mutex;
  std::condition_variable cv;
  std::uint64_t ended = 0;
};

/// The part of a transfer shared between the loop and every TransferHandle copy.
struct TransferState {
  TransferId id = 0;
  std::weak_ptr<engine::Mailbox> mailbox;  ///< Where cancel() posts; expired once the engine is gone.
  std::shared_ptr<CompletionSignal> signal;

  std::mutex mutex;
  std::condition_variable done_cv;
  std::optional<Result> result;  ///< Set once, by the loop, when the transfer ends.

  void complete(Result value) {
    {
      std::lock_guard lock(mutex);
      result = std::move(value);
    }
    done_cv.notify_all();
    if (signal) {
      {
        std::lock_guard lock(signal->mutex);
        ++signal->ended;
      }
      signal->cv.notify_all();
    }
  }
};

}  // namespace fetchpool::detail
