#include "fetchpool/engine.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>

#include "engine/descriptor_budget.h"
#include "engine/event_loop.h"
#include "engine/mailbox.h"
#include "engine/output_name.h"
#include "engine/transfer_state.h"
#include "http/curl_handles.h"
#include "http/url.h"
#include "platform/descriptors.h"
#include "text/ascii.h"

namespace fetchpool {

// ---- TransferHandle ---------------------------------------------------------------------

TransferHandle::TransferHandle(std::shared_ptr<detail::TransferState> state) : state_(std::move(state)) {}

TransferId TransferHandle::id() const {
  return state_ ? state_->id : 0;
}

bool TransferHandle::done() const {
  if (!state_) return true;
  std::lock_guard lock(state_->mutex);
  return state_->result.has_value();
}

Result TransferHandle::wait() const {
  if (!state_) throw std::logic_error("TransferHandle::wait on an empty handle");
  std::unique_lock lock(state_->mutex);
  state_->done_cv.wait(lock, [&] { return state_->result.has_value(); });
  return *state_->result;
}

std::optional<Result> TransferHandle::wait_for(std::chrono::milliseconds timeout) const {
  if (!state_) throw std::logic_error("TransferHandle::wait_for on an empty handle");
  std::unique_lock lock(state_->mutex);
  if (!state_->done_cv.wait_for(lock, timeout, [&] { return state_->result.has_value(); }))
    return std::nullopt;
  return *state_->result;
}

void TransferHandle::cancel() const {
  if (!state_) return;
  if (std::shared_ptr<engine::Mailbox> mailbox = state_->mailbox.lock()) mailbox->cancel(state_->id);
}

std::optional<std::size_t> wait_any(std::span<const TransferHandle> handles,
                                    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // One signal when all handles come from one Engine: sleep on it. Otherwise poll.
  std::shared_ptr<detail::CompletionSignal> signal;
  for (const TransferHandle& handle : handles) {
    if (!handle.state_) return static_cast<std::size_t>(&handle - handles.data());
    if (!signal) signal = handle.state_->signal;
    if (signal != handle.state_->signal) {
      signal.reset();
      break;
    }
  }
  for (;;) {
    std::uint64_t seen = 0;
    if (signal) {
      std::lock_guard lock(signal->mutex);
      seen = signal->ended;  // read before looking, so that an end in between wakes us
    }
    for (std::size_t i = 0; i < handles.size(); ++i) {
      if (handles[i].done()) return i;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    if (signal) {
      std::unique_lock lock(signal->mutex);
      signal->cv.wait_until(lock, deadline, [&] { return signal->ended != seen; });
    } else {
      std::this_thread::sleep_until(
          std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(5)));
    }
  }
}

bool wait_all(std::span<const TransferHandle> handles, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const TransferHandle& handle : handles) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!handle.done() && !handle.wait_for(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

// ---- Engine -----------------------------------------------------------------------------

class Engine::Impl {
 public:
  explicit Impl(EngineOptions options) {
    validate(options);
    // As servers do: the hard limit is there to be used. Then as many transfers as the
    // descriptors allow, so none fails for want of one.
    options.max_concurrent = engine::concurrency_within(
        options.max_concurrent, platform::raise_open_file_limit(), platform::open_descriptor_count());
    max_concurrent_ = options.max_concurrent;
    http::ensure_curl_global_init();
    outstanding_ = std::make_shared<engine::Outstanding>();
    board_ = std::make_shared<engine::ProgressBoard>();
    loop_ = std::make_unique<engine::EventLoop>(options, outstanding_, board_);
    mailbox_ = loop_->mailbox();
    thread_ = std::thread([this] { loop_->run(); });
  }

  ~Impl() {
    mailbox_->shutdown();
    thread_.join();
  }

  TransferHandle submit(Request request) {
    auto state = std::make_shared<detail::TransferState>();
    state->id = next_id_.fetch_add(1, std::memory_order_relaxed);
    state->mailbox = mailbox_;
    state->signal = signal_;
    auto transfer = std::make_unique<engine::Transfer>();
    transfer->id = state->id;
    transfer->request = std::move(request);
    transfer->state = state;
    {
      std::lock_guard lock(outstanding_->mutex);
      ++outstanding_->count;
    }
    mailbox_->submit(std::move(transfer));
    return TransferHandle(std::move(state));
  }

  void cancel_all() { mailbox_->cancel_all(); }

  bool wait_idle(std::chrono::milliseconds timeout) {
    std::unique_lock lock(outstanding_->mutex);
    return outstanding_->idle_cv.wait_for(lock, timeout, [&] { return outstanding_->count == 0; });
  }

  std::int64_t unfinished() const {
    std::lock_guard lock(outstanding_->mutex);
    return outstanding_->count;
  }

  int max_concurrent() const { return max_concurrent_; }

  ProgressSnapshot progress() const {
    std::lock_guard lock(board_->mutex);
    return board_->snapshot;
  }

 private:
  static void validate(const EngineOptions& options) {
    if (options.max_concurrent < 1) throw std::invalid_argument("max_concurrent must be at least 1");
    if (options.max_per_host < 0) throw std::invalid_argument("max_per_host must be 0 (no cap) or more");
    if (options.connections_per_file < 1)
      throw std::invalid_argument("connections_per_file must be at least 1");
    if (options.connect_timeout_s <= 0) throw std::invalid_argument("connect_timeout_s must be positive");
    if (options.stall_timeout_s < 0) throw std::invalid_argument("stall_timeout_s must be 0 (off) or more");
    if (options.max_redirects < 0) throw std::invalid_argument("max_redirects must be 0 or more");
    if (options.max_time_s < 0) throw std::invalid_argument("max_time_s must be 0 (no limit) or more");
    if (options.retries < 0) throw std::invalid_argument("retries must be 0 or more");
    if (options.retry_wait_s < 0 || options.retry_wait_max_s < 0) {
      throw std::invalid_argument("retry waits must be 0 or more");
    }
  }

  int max_concurrent_ = 0;
  std::shared_ptr<engine::Outstanding> outstanding_;
  std::shared_ptr<engine::ProgressBoard> board_;
  std::unique_ptr<engine::EventLoop> loop_;
  std::shared_ptr<engine::Mailbox> mailbox_;
  std::shared_ptr<detail::CompletionSignal> signal_ = std::make_shared<detail::CompletionSignal>();
  std::atomic<TransferId> next_id_{1};
  std::thread thread_;
};

Engine::Engine(EngineOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Engine::~Engine() = default;

TransferHandle Engine::submit(Request request) {
  return impl_->submit(std::move(request));
}
void Engine::cancel_all() {
  impl_->cancel_all();
}
bool Engine::wait_idle(std::chrono::milliseconds timeout) {
  return impl_->wait_idle(timeout);
}
int Engine::max_concurrent() const {
  return impl_->max_concurrent();
}
std::int64_t Engine::unfinished() const {
  return impl_->unfinished();
}
ProgressSnapshot Engine::progress() const {
  return impl_->progress();
}

std::string version_string() {
  return std::string("fetchpool ") + FETCHPOOL_VERSION + " (" + curl_version() + ")";
}

std::string redact_url(std::string_view url) {
  return http::redact_url(url);
}

bool check_url(std::string_view url, std::string* why) {
  http::ParsedUrl parsed;
  return http::parse_url(url, &parsed, why);
}

bool is_safe_relative_name(std::string_view name, std::string* why) {
  std::string ignored;
  return engine::check_relative_name(name, why != nullptr ? why : &ignored);
}

std::string_view Result::header(std::string_view name) const {
  auto same_name = [name](const std::pair<std::string, std::string>& header) {
    return text::equals_ignoring_case(header.first, name);
  };
  auto found = std::find_if(headers.begin(), headers.end(), same_name);
  return found == headers.end() ? std::string_view() : std::string_view(found->second);
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::ok: return "ok";
    case Status::skipped: return "skipped";
    case Status::failed: return "failed";
    case Status::cancelled: return "cancelled";
  }
  return "unknown";
}

std::string_view to_string(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::none: return "none";
    case ErrorCategory::network: return "network";
    case ErrorCategory::tls: return "tls";
    case ErrorCategory::timeout: return "timeout";
    case ErrorCategory::stalled: return "stalled";
    case ErrorCategory::http: return "http";
    case ErrorCategory::checksum: return "checksum";
    case ErrorCategory::filesystem: return "filesystem";
    case ErrorCategory::cancelled: return "cancelled";
    case ErrorCategory::invalid_input: return "invalid_input";
    case ErrorCategory::too_large: return "too_large";
    case ErrorCategory::protocol: return "protocol";
  }
  return "unknown";
}

}  // namespace fetchpool
