#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>

#include "fetchpool/result.h"

namespace fetchpool::engine {
class Mailbox;
}

namespace fetchpool::detail {

/// The part of a transfer shared between the loop and every TransferHandle copy.
struct TransferState {
  TransferId id = 0;
  std::weak_ptr<engine::Mailbox> mailbox;  ///< Where cancel() posts; expired once the engine is gone.

  std::mutex mutex;
  std::condition_variable done_cv;
  std::optional<Result> result;  ///< Set once, by the loop, when the transfer ends.

  void complete(Result value) {
    {
      std::lock_guard lock(mutex);
      result = std::move(value);
    }
    done_cv.notify_all();
  }
};

}  // namespace fetchpool::detail
