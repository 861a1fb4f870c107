#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

#include "engine/transfer.h"
#include "fetchpool/progress.h"
#include "fetchpool/result.h"

namespace fetchpool::engine {

/// The latest progress snapshot, published by the loop, copied by any thread.
struct ProgressBoard {
  mutable std::mutex mutex;
  ProgressSnapshot snapshot;
};

/// Where the loop keeps transfers by phase (see EventLoop).
using TransferMap = std::unordered_map<TransferId, std::unique_ptr<Transfer>>;
using CommitMap = std::unordered_map<TransferId, std::pair<std::unique_ptr<Transfer>, Result>>;

/// What a snapshot is built from: the loop's transfers where they are now.
struct LoopView {
  const TransferMap& running;
  const TransferMap& waiting;
  const CommitMap& committing;
  std::size_t queued = 0;
};

/// Counts what the loop submitted and finished, and turns the loop's transfers into a
/// ProgressSnapshot (per-transfer bytes, smoothed rates, idle times; totals) swapped into
/// the board at most every 100 ms. Loop thread only, except the board. The data path never
/// comes here: the write callbacks only bump counters the snapshot reads.
class ProgressPublisher {
 public:
  explicit ProgressPublisher(std::shared_ptr<ProgressBoard> board);

  void note_submitted(std::int64_t count);
  void note_finished(const Result& result);
  /// When the loop should wake to publish, if anything is to be shown (`active`: transfers
  /// running or waiting); nullopt when nothing changed and nothing runs.
  std::optional<Clock::time_point> next_due(bool active) const;
  /// Builds and publishes a snapshot when one is due, or at once with `now_regardless`
  /// (the last transfer ended: whoever sees the engine idle reads totals that count it).
  void publish(Clock::time_point now, const LoopView& loop, bool now_regardless = false);

 private:
  std::shared_ptr<ProgressBoard> board_;
  const Clock::time_point started_at_ = Clock::now();
  Clock::time_point next_publish_{};
  Clock::time_point last_publish_{};
  bool dirty_ = true;
  std::int64_t submitted_count_ = 0;
  std::int64_t ok_count_ = 0;
  std::int64_t failed_count_ = 0;
  std::int64_t finished_bytes_ = 0;
  std::int64_t last_total_bytes_ = 0;
  double total_rate_ = 0;
};

}  // namespace fetchpool::engine
