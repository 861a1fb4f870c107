#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fetchpool/engine.h"
#include "fetchpool/export.h"

namespace fetchpool {

/// A rate as the live display writes it: "512 B/s", "36.5 MiB/s" (binary multiples).
FETCHPOOL_API std::string rate_text(double bytes_per_second);

/// The live display `fetchpool get` draws, for any program on an Engine: a total line
/// (files, bytes, rate, elapsed<ETA, active, queued, retrying, stalled, failed) and a
/// tqdm-style line per running or waiting transfer, redrawn in place about ten times a
/// second from Engine::progress() by a thread of its own. It reads snapshots only, so the
/// transfers never wait for it.
class FETCHPOOL_API LiveDisplay {
 public:
  struct Options {
    int fd = 2;  ///< Where to draw (stderr).
    /// Draw only when `fd` is a terminal (otherwise the display does nothing).
    bool only_on_terminal = true;
    /// Files the run will have; -1: the Engine's count of submitted transfers.
    std::int64_t files_total = -1;
  };

  /// Starts drawing. `engine` must outlive the display (or its stop()).
  explicit LiveDisplay(const Engine& engine);
  LiveDisplay(const Engine& engine, Options options);
  /// stop().
  ~LiveDisplay();
  LiveDisplay(const LiveDisplay&) = delete;
  LiveDisplay& operator=(const LiveDisplay&) = delete;

  /// A line printed above the live area (as is when not drawing).
  void print(std::string_view line);
  /// Stops redrawing and leaves the last total line on screen. Idempotent.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fetchpool
