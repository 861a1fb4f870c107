#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

#include "fetchpool/result.h"

namespace fetchpool::cli {

/// Totals over a run, for the summary line and the report.
struct RunTotals {
  std::int64_t ok = 0;
  std::int64_t skipped = 0;
  std::int64_t failed = 0;
  std::int64_t cancelled = 0;
  std::int64_t bytes = 0;  ///< Of every file that ended but the skipped ones, partial ones included.
  double elapsed_s = 0;

  void add(const Result& result);
};

/// One transfer as a JSON object (one line): url, path, status, category, http_status,
/// bytes, attempts, elapsed_s, error (null unless it failed).
std::string report_entry_json(const Result& result);

/// The totals as one JSON object: ok, failed, skipped, cancelled, bytes, elapsed_s; with
/// `"event": EVENT` first when `event` is not empty (the JSON progress stream's last line).
std::string summary_json(const RunTotals& totals, std::string_view event = {});

/// "12 ok, 1 failed, 3 skipped; 1.5 GiB in 3.20 s (480.0 MiB/s)".
std::string summary_line(const RunTotals& totals);

/// The --report file: {"transfers": [...], "summary": {...}}, written as results arrive
/// (nothing is kept in memory) into FILE.part and renamed to FILE by finish().
class ReportWriter {
 public:
  /// Opens FILE.part; returns false with `error` set when it cannot.
  bool open(const std::string& path, std::string* error);
  bool is_open() const { return out_.is_open(); }
  void add(const Result& result);
  /// Writes the summary, closes, renames into place.
  bool finish(const RunTotals& totals, std::string* error);

 private:
  std::string path_;
  std::ofstream out_;
  bool first_ = true;
};

}  // namespace fetchpool::cli
