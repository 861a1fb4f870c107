#pragma once

#include <chrono>
#include <cstdint>
#include <thread>

#include "fetchpool/engine.h"

namespace fetchpool::test {

/// Waits for an event instead of sleeping for a guess at how long it takes: looks at
/// `condition` every `every` until it holds or `timeout` has passed, at most
/// timeout / every + 2 times. True when it held (the caller fails the test with a message
/// saying what never happened when it did not).
template <class Condition>
bool wait_until(Condition&& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto looks = timeout / every + 1;
  for (auto i = decltype(looks){0}; i < looks && std::chrono::steady_clock::now() < deadline; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(every);  // the interval between looks, not a wait for the event
  }
  return condition();
}

/// The bytes `engine` reports stored for `handle` in its latest progress snapshot
/// (published about ten times a second); -1 while the transfer is not listed there
/// (queued, or ended).
inline std::int64_t bytes_in_progress(const Engine& engine, const TransferHandle& handle) {
  for (const TransferProgress& transfer : engine.progress().transfers) {
    if (transfer.id == handle.id()) return transfer.bytes;
  }
  return -1;
}

}  // namespace fetchpool::test
