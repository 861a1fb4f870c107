#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fetchpool/engine.h"
#include "progress/live_area.h"
#include "progress/live_view.h"

namespace fetchpool::cli {

enum class ProgressMode {
  bar,    ///< A live area redrawn in place (stderr is a terminal).
  plain,  ///< A line per finished file and a total line every few seconds; no escape codes.
  json,   ///< JSON lines (docs/PROGRESS.md).
  none,   ///< Only failures and the summary.
};

/// How much of a URL a line on the terminal shows: enough for any real one's host and path;
/// the report and --save-failed keep it whole.
inline constexpr std::size_t kConsoleUrlBytes = 1024;

/// The mode a run gets: `mode_name` (--progress) when given, else none with -q, else bar on
/// a terminal and plain otherwise.
ProgressMode choose_progress_mode(const std::string& mode_name, bool quiet);

/// Everything the get command writes to stderr goes through here, so the live area is never
/// garbled by other output: finished-file lines and messages are printed above it. A thread
/// of its own redraws from Engine::progress() snapshots (bar: 10 times a second; plain:
/// every 5 s; json: twice a second).
class ProgressDisplay {
 public:
  ProgressDisplay(ProgressMode mode, bool quiet);
  ~ProgressDisplay();
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  /// Starts redrawing from `engine` (which must outlive stop()).
  void start(const Engine& engine);
  /// Starts redrawing from whatever `source` returns (called on the display's thread).
  void start(std::function<ProgressSnapshot()> source);
  /// The number of files the run will have, once known.
  void set_files_total(std::int64_t total);
  /// A pull's plan, known before its first blob: `items` blobs, `bytes` left to fetch.
  /// The total line then counts blobs, and its ETA is the bytes left at the current rate.
  void set_plan(std::int64_t items, std::int64_t bytes, std::string unit);
  /// A transfer ended (main thread).
  void file_finished(const Result& result);
  /// An attempt started or a retry was scheduled (engine thread).
  void transfer_event(const TransferEvent& event);
  /// A line printed above the live area (or as is).
  void print_line(const std::string& line);
  /// For each failure file_finished printed (in order): whether the list after the summary
  /// must name it again. On a terminal only the ones whose FAILED line has scrolled off the
  /// screen by the time `summary_lines` and the list itself are printed, so that a person
  /// sees each failure once; elsewhere (a log, read from its end) all of them. Call after
  /// stop().
  std::vector<bool> failures_to_list(const std::vector<std::string>& summary_lines,
                                     const std::vector<std::string>& list_lines) const;
  /// Stops redrawing and removes the live area, leaving no partial lines.
  void stop();

 private:
  void run();
  void draw_locked(const ProgressSnapshot& snapshot);
  /// `context` with what this display knows of the run: the counts, the bytes to fetch.
  progress::ViewContext run_context_locked(progress::ViewContext context = {}) const;
  void write_locked(const std::string& text);
  /// print_line, counting the rows `shown` takes (its text without colour codes); a
  /// `failure` notes the row its FAILED line starts on.
  void print_rows(const std::string& line, const std::string& shown, bool failure = false);
  void emit_json_locked(const std::string& json);

  const ProgressMode mode_;
  const bool quiet_;
  const bool color_;     ///< Red FAILED: a terminal, and NO_COLOR unset.
  const bool terminal_;  ///< stderr is a terminal: rows are counted for failures_to_list.
  std::function<ProgressSnapshot()> source_;
  std::mutex mutex_;  ///< Serialises every write to stderr.
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  progress::LiveArea live_area_;  ///< For ProgressMode::bar.
  std::atomic<std::int64_t> files_total_{-1};
  std::atomic<std::int64_t> bytes_total_{-1};  ///< set_plan(): the bytes to fetch; -1 unknown.
  std::string unit_ = "files";                 ///< What the total line counts (under mutex_).
  std::int64_t files_done_ = 0;
  std::int64_t files_failed_ = 0;
  // Rows on the terminal, counted from the display's first: the next row a line printed
  // above the live area takes, the furthest row ever written (the live area's bottom
  // included: a tall area scrolls the lines above it away even once it is gone), and the
  // row each FAILED line started on.
  std::int64_t next_row_ = 0;
  std::int64_t furthest_row_ = 0;
  std::vector<std::int64_t> failure_rows_;
};

}  // namespace fetchpool::cli
