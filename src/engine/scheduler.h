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
/// at most `max_concurrent` at once and at most `max_per_host` per scheme://host:port.
/// Hosts take turns, so one host with 10,000 queued files cannot starve another.
/// Owned by the loop thread.
class Scheduler {
 public:
  Scheduler(int max_concurrent, int max_per_host);

  void enqueue(std::unique_ptr<Transfer> transfer);
  /// The next transfer allowed to start now (counted as running), or nullptr.
  std::unique_ptr<Transfer> next();
  /// A running transfer to `host_key` ended: frees its slots.
  void finished(const std::string& host_key);

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
  };
  const std::string& key_of(const Transfer& transfer) const;

  int max_concurrent_;
  int max_per_host_;
  int running_ = 0;
  std::size_t queued_ = 0;
  std::unordered_map<std::string, Host> hosts_;
  std::deque<std::string> turns_;  ///< Hosts with queued work, in the order they get a turn.
};

}  // namespace fetchpool::engine
