#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/transfer.h"

namespace fetchpool::engine {

/// The queue of transfers waiting for a slot, and the rule that decides who runs next:
/// at most `max_concurrent` at once, and per scheme://host:port at most its current limit.
/// Hosts take turns, so one host with 10,000 queued files cannot starve another.
///
/// A host's limit starts at `max_per_host` (or `max_concurrent` when that is 0). When the
/// host struggles (429, 503, resets) it is halved, at most once a second, down to 1; every
/// success raises it by 1/limit, so it grows back by about one per round of transfers
/// (additive increase, multiplicative decrease).
///
/// A transfer that has received nothing for a while (set_silent()) uses no bandwidth and
/// may never send again: it stops counting against max_concurrent, and against its host's
/// limit unless max_per_host was set explicitly, so that a few stalled servers do not
/// hold up the whole queue until their stall timeouts fire. At most max_concurrent such
/// extra transfers run. Owned by the loop thread.
class Scheduler {
 public:
  Scheduler(int max_concurrent, int max_per_host);

  void enqueue(std::unique_ptr<Transfer> transfer);
  /// Queues ahead of everything else for its host (a retry whose wait is over).
  void enqueue_front(std::unique_ptr<Transfer> transfer);
  /// The next transfer allowed to start now (counted as running), or nullptr.
  std::unique_ptr<Transfer> next();
  /// One more slot for a transfer already running to `host_key` (another connection of a
  /// split download), when neither limit is reached; released with finished().
  bool try_take_slot(const std::string& host_key);
  /// A running transfer to `host_key` ended (or gave back a slot): frees it.
  void finished(const std::string& host_key);

  /// How many running transfers to each host are silent now (hosts not named: none).
  void set_silent(const std::unordered_map<std::string, int>& silent_by_host);

  void host_struggling(const std::string& host_key, Clock::time_point now);
  void host_succeeded(const std::string& host_key);
  /// The current limit for a host (for tests and the display).
  double host_limit(const std::string& host_key) const;
  /// Slots in use to `host_key` by connections that receive: its running transfers and
  /// their extra connections, less the silent ones (which use no bandwidth), plus the
  /// connections splits planned this turn that have not started yet.
  int receiving_from(const std::string& host_key) const;
  /// A split just planned `count` connections to `host_key` beyond its first: they take
  /// their slots later in the turn, so until end_turn() they count as receiving, and a
  /// second file whose first response came in the same turn does not plan the same room.
  void plan_connections(const std::string& host_key, int count);
  /// The turn's planned connections have started (holding slots) or wait: forgets them.
  void end_turn();

  /// Removes a queued transfer; nullptr when it is not queued.
  std::unique_ptr<Transfer> take(TransferId id);
  /// Removes every queued transfer.
  std::vector<std::unique_ptr<Transfer>> take_all();

  std::size_t queued() const { return queued_; }
  int running() const { return running_; }

 private:
  struct Host {
    std::deque<std::unique_ptr<Transfer>> queue;
    int running = 0;
    int silent = 0;   ///< Of `running`: received nothing for a while.
    int planned = 0;  ///< Connections splits planned this turn (plan_connections()).
    double limit = 0;
    Clock::time_point last_decrease{};
  };
  Host& host(const std::string& key);
  void forget_if_idle(const std::string& key);

  int max_concurrent_;
  double host_cap_;
  bool explicit_host_cap_;
  int running_ = 0;
  int silent_ = 0;
  bool planned_any_ = false;  ///< Some host has planned connections (end_turn() has work).
  std::size_t queued_ = 0;
  std::unordered_map<std::string, Host> hosts_;
  std::deque<std::string> turns_;  ///< Hosts with queued work, in the order they get a turn.
};

}  // namespace fetchpool::engine
