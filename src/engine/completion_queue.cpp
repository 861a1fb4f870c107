#include "fetchpool/completion_queue.h"

#include <mutex>
#include <utility>

#include "platform/wakeup.h"

namespace fetchpool {

class CompletionQueue::Impl {
 public:
  platform::Wakeup wakeup;
  std::mutex mutex;
  std::vector<Result> ended;  ///< The pipe holds a byte exactly while this is not empty.
};

CompletionQueue::CompletionQueue() : impl_(std::make_unique<Impl>()) {}
CompletionQueue::~CompletionQueue() = default;

std::function<void(const Result&)> CompletionQueue::sink() {
  return [this](const Result& result) { push(result); };
}

void CompletionQueue::push(Result result) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->ended.empty()) impl_->wakeup.signal();
  impl_->ended.push_back(std::move(result));
}

int CompletionQueue::fd() const {
  return impl_->wakeup.readable_fd();
}

std::vector<Result> CompletionQueue::take() {
  std::vector<Result> ended;
  std::lock_guard lock(impl_->mutex);
  if (impl_->ended.empty()) return ended;
  impl_->wakeup.clear();
  ended.swap(impl_->ended);
  return ended;
}

}  // namespace fetchpool
