#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "fetchpool/export.h"
#include "fetchpool/result.h"

namespace fetchpool {

/// Ended transfers for a program that runs its own event loop (asyncio, libuv, Qt):
///
///     CompletionQueue done;
///     EngineOptions options;
///     options.on_finished = done.sink();
///     Engine engine(options);  // destroyed before `done`
///     // watch done.fd() for reading; when it is readable:
///     for (Result& result : done.take()) ...
///
/// fd() is readable exactly while take() has something to return (level-triggered), and
/// take() never blocks, so the loop's thread never waits on the engine's.
class FETCHPOOL_API CompletionQueue {
 public:
  /// Throws std::runtime_error when its descriptor cannot be made.
  CompletionQueue();
  ~CompletionQueue();
  CompletionQueue(const CompletionQueue&) = delete;
  CompletionQueue& operator=(const CompletionQueue&) = delete;

  /// For EngineOptions::on_finished: every Result it is called with goes to take(). The
  /// queue must outlive the Engines it serves.
  std::function<void(const Result&)> sink();
  /// Adds one Result (any thread).
  void push(Result result);
  /// A descriptor to watch for reading (POSIX: the read end of a pipe). Never read it.
  int fd() const;
  /// Every Result pushed since the last call, in the order pushed; empty when none.
  std::vector<Result> take();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fetchpool
