#include "engine/progress_publisher.h"

#include <algorithm>

namespace fetchpool::engine {

ProgressPublisher::ProgressPublisher(std::shared_ptr<ProgressBoard> board) : board_(std::move(board)) {}

void ProgressPublisher::note_submitted(std::int64_t count) {
  submitted_count_ += count;
  if (count > 0) dirty_ = true;
}

void ProgressPublisher::note_finished(const Result& result) {
  if (result.ok()) {
    ++ok_count_;
  } else {
    ++failed_count_;
  }
  if (result.status == Status::ok || result.status == Status::failed) finished_bytes_ += result.bytes;
  dirty_ = true;
}

std::optional<Clock::time_point> ProgressPublisher::next_due(bool active) const {
  if (!dirty_ && !active) return std::nullopt;
  return next_publish_;
}

void ProgressPublisher::publish(Clock::time_point now, const LoopView& loop, bool now_regardless) {
  constexpr auto kPublishInterval = std::chrono::milliseconds(100);
  constexpr double kSmoothing = 0.3;  // weight of the newest sample in the moving averages
  const bool active = !loop.running.empty() || !loop.waiting.empty();
  if (!now_regardless && (now < next_publish_ || !(dirty_ || active))) return;
  next_publish_ = now + kPublishInterval;
  dirty_ = false;
  double dt =
      last_publish_ == Clock::time_point{} ? 0 : std::chrono::duration<double>(now - last_publish_).count();
  last_publish_ = now;
  auto smooth = [&](double previous, double sample) {
    return previous == 0 ? sample : previous + kSmoothing * (sample - previous);
  };

  ProgressSnapshot snapshot;
  ProgressTotals& totals = snapshot.totals;
  std::int64_t running_bytes = 0;
  for (auto& [id, transfer] : loop.running) {
    TransferProgress item;
    item.id = id;
    item.path = transfer->display_path;
    item.label = transfer->request.label;
    item.phase = transfer->phase == TransferPhase::receiving ? Phase::receiving : Phase::connecting;
    item.bytes = transfer->sink ? transfer->sink->stored() : 0;
    item.total = transfer->expected_total;
    if (dt > 0)
      transfer->rate = smooth(transfer->rate, static_cast<double>(item.bytes - transfer->rate_bytes) / dt);
    transfer->rate_bytes = item.bytes;
    item.rate = std::max(0.0, transfer->rate);
    item.elapsed_s = std::chrono::duration<double>(now - transfer->first_start).count();
    item.idle_s = std::chrono::duration<double>(now - transfer->activity.last()).count();
    if (transfer->activity.moved()) item.idle_s = 0;  // bytes since the last timer check
    item.attempt = transfer->attempts;
    item.max_attempts = transfer->retries() + 1;
    item.connections = transfer->segmented ? static_cast<int>(transfer->segmented->connections.size()) : 1;
    if (item.idle_s >= kStalledAfterSeconds) ++totals.stalled;
    running_bytes += item.bytes;
    snapshot.transfers.push_back(std::move(item));
  }
  for (auto& [id, transfer] : loop.waiting) {
    TransferProgress item;
    item.id = id;
    item.path = transfer->display_path;
    item.label = transfer->request.label;
    item.phase = Phase::waiting;
    item.bytes = transfer->sink ? transfer->sink->stored() : 0;
    item.total = transfer->expected_total;
    item.elapsed_s = std::chrono::duration<double>(now - transfer->first_start).count();
    item.attempt = transfer->attempts;
    item.max_attempts = transfer->retries() + 1;
    item.retry_in_s = std::max(0.0, std::chrono::duration<double>(transfer->retry_at - now).count());
    if (!transfer->attempt_errors.empty()) item.last_error = transfer->attempt_errors.back();
    snapshot.transfers.push_back(std::move(item));
  }
  std::sort(snapshot.transfers.begin(), snapshot.transfers.end(),
            [](const TransferProgress& a, const TransferProgress& b) { return a.id < b.id; });

  totals.submitted = submitted_count_;
  totals.ok = ok_count_;
  totals.failed = failed_count_;
  // Bodies at the CommitQueue count as running until their files are there.
  for (auto& [id, committing] : loop.committing) running_bytes += committing.first->sink->stored();
  totals.running = static_cast<std::int64_t>(loop.running.size() + loop.committing.size());
  totals.queued = static_cast<std::int64_t>(loop.queued);
  totals.waiting = static_cast<std::int64_t>(loop.waiting.size());
  totals.bytes = finished_bytes_ + running_bytes;
  if (dt > 0) total_rate_ = smooth(total_rate_, static_cast<double>(totals.bytes - last_total_bytes_) / dt);
  last_total_bytes_ = totals.bytes;
  totals.rate = std::max(0.0, total_rate_);
  totals.elapsed_s = std::chrono::duration<double>(now - started_at_).count();

  std::lock_guard lock(board_->mutex);
  board_->snapshot = std::move(snapshot);
}

}  // namespace fetchpool::engine
